"""Community report benchmark: ring recovery against the ground truth, LFR NMI, timings.

    .venv/bin/python bench/bench_communities.py --workers 100000 --seed 7 [--graph NAME --data-dir DIR]

Generates and loads a dataset (unless --graph names one already loaded with --files pointing at its
files), runs the analysis with an untuned seed, and measures:
- recall: share of planted ring members (H1 shells, R7/H1 sponsor rings, H2 tainted partners, H3
  clusters, H4 training mills) that sit in clusters ranked in the top decile, and its ceiling (a
  decile's worth of the clusters holding the most ring members: below 100 % when the rings are
  spread over more clusters than the top decile has, as on small datasets);
- precision of the top k clusters (k = 1..50): share of their members that are planted (any rule);
- NMI of Leiden and Louvain against the planted partition of LFR benchmark graphs (mixing 0.1-0.5);
- time and peak memory of the full report.
Results go to bench/results/communities.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402

RING_RULES = ("H1", "R7", "H2", "H3", "H4")


def truth_members(truth_dir: Path, data) -> tuple[set[str], set[str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """(ring members, all planted entities, member -> pattern id) as graph node ids.

    Ring patterns: every pattern of H1, R7, H2, H3, and the H4 patterns with a training mill (the single
    certificate-after-departure H4 patterns are not rings). Records map to the Placement of that record.
    Names map through the same normalisation the loaders use."""
    import pyarrow as pa

    from loaders.normalize import normalize_org_name, org_name_norm, person_name_parts, split_person_name

    pat = pd.read_csv(truth_dir / "patterns.csv", dtype=str, keep_default_na=False)
    ents = data.entities[data.entities["name"].map(lambda n: isinstance(n, str))]
    names = pa.array(ents["name"].tolist(), pa.string())
    person = ents["kind"].isin(["Sponsor", "Person"]).to_numpy()
    # whole columns at once: one call per name took minutes at a million workers
    norms = [
        (p if is_person else o) or ""
        for p, o, is_person in zip(
            person_name_parts(names)[0].to_pylist(), org_name_norm(names).to_pylist(), person, strict=True
        )
    ]
    by_name: dict[tuple[str, str], list[str]] = {}
    for i, kind, norm in zip(ents.index, ents["kind"], norms, strict=True):
        by_name.setdefault((kind, norm), []).append(i)
    placements = set(data.placements.index)

    def ids(etype: str, key: str) -> list[str]:
        if etype == "p3mi":
            return [f"AG-{key}"]
        if etype == "lpk":
            return [f"LPK-{key}"]
        if etype.endswith("_record"):
            pid = f"PL-{etype[:-7]}:{key}"
            return [pid] if pid in placements else []
        kind = {
            "mitra": "PartnerAgency",
            "syarikah": "PartnerAgency",
            "employer": "Employer",
            "sponsor": "Sponsor",
        }.get(etype)
        if kind is None:
            return []
        norm = (split_person_name(key).name_norm if kind == "Sponsor" else normalize_org_name(key)) or ""
        return by_name.get((kind, norm), [])

    mills = set(pat.loc[pat["role"] == "training_mill", "pattern_id"])
    ring_rows = pat[pat["rule_id"].isin(RING_RULES) & ((pat["rule_id"] != "H4") | pat["pattern_id"].isin(mills))]
    ring: dict[str, str] = {}
    for r in ring_rows.itertuples():
        for i in ids(r.entity_type, r.entity_key):
            ring.setdefault(i, r.pattern_id)
    planted = {i for r in pat.itertuples() for i in ids(r.entity_type, r.entity_key)}
    return set(ring), planted | set(ring), ring


def evaluate(analysis, truth_dir: Path) -> dict:  # type: ignore[no-untyped-def]
    ring, planted, _ = truth_members(truth_dir, analysis.data)
    table = analysis.clusters.table
    member = analysis.membership
    rank = member.map(table.set_index("cluster")["rank"])
    n_clusters = len(table)
    decile = max(1, int(np.ceil(n_clusters / 10)))
    ring_in_graph = [i for i in ring if i in rank.index]
    top_decile = sum(1 for i in ring if rank.get(i, 10**9) <= decile)
    curve = []
    for k in (1, 5, 10, 20, 30, 50, 100, decile):
        ids = member.index[rank <= k]
        prec = float(np.mean([i in planted for i in ids])) if len(ids) else 0.0
        rec = float(np.mean([rank.get(i, 10**9) <= k for i in ring])) if ring else 0.0
        curve.append(
            {"top_clusters": int(k), "members": len(ids), "precision": round(prec, 4), "ring_recall": round(rec, 4)}
        )
    top20 = member.index[rank <= 20]
    # the best any ranking could do: the top decile filled with the clusters holding most ring members
    # (on a small dataset the rings can sit in more clusters than the decile has)
    held = pd.Series([member[i] for i in ring_in_graph]).value_counts()
    ceiling = held.head(decile).sum() / len(ring) if ring else None
    return {
        "clusters": n_clusters,
        "top_decile_clusters": decile,
        "ring_members": len(ring),
        "ring_members_in_suspicion_network": len(ring_in_graph),
        "ring_recall_top_decile": round(top_decile / len(ring), 4) if ring else None,
        "ring_recall_ceiling": round(float(ceiling), 4) if ceiling is not None else None,
        "precision_top20": round(float(np.mean([i in planted for i in top20])), 4) if len(top20) else None,
        "curve": curve,
    }


def _nmi(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised mutual information (arithmetic mean normalisation, as scikit-learn's default)."""
    ct = pd.crosstab(a, b).to_numpy().astype(float)
    n = ct.sum()
    pij = ct / n
    pi = pij.sum(axis=1, keepdims=True)
    pj = pij.sum(axis=0, keepdims=True)
    nz = pij > 0
    mi = float((pij[nz] * np.log(pij[nz] / (pi @ pj)[nz])).sum())
    hi = float(-(pi[pi > 0] * np.log(pi[pi > 0])).sum())
    hj = float(-(pj[pj > 0] * np.log(pj[pj > 0])).sum())
    return mi / ((hi + hj) / 2) if hi + hj > 0 else 1.0


def lfr(seed: int, n: int = 2000) -> list[dict]:
    from networkx.generators.community import LFR_benchmark_graph

    from analytics import communities

    out = []
    for mu in (0.1, 0.2, 0.3, 0.4, 0.5):
        g = None
        for attempt in range(10):
            try:
                g = LFR_benchmark_graph(
                    n,
                    3,
                    1.5,
                    mu,
                    average_degree=10,
                    max_degree=50,
                    min_community=20,
                    max_community=100,
                    seed=seed + attempt,
                )
                break
            except Exception:
                continue
        if g is None:
            continue
        planted = {v: min(g.nodes[v]["community"]) for v in g}
        nodes = sorted(g)
        truth = np.array([planted[v] for v in nodes])
        row = {"mixing": mu, "nodes": n}
        for name, fn in (("leiden", communities.leiden), ("louvain", communities.louvain)):
            t = time.perf_counter()
            found = fn(g, seed=seed)
            row[f"{name}_nmi"] = round(_nmi(truth, found.reindex(nodes).to_numpy()), 4)
            row[f"{name}_s"] = round(time.perf_counter() - t, 3)
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7, help="dataset seed")
    ap.add_argument("--report-seed", type=int, default=1, help="analysis seed (untuned)")
    ap.add_argument("--mess", type=float, default=0.3, help="generator mess level (with a new dataset)")
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/jejak-bench-communities"))
    ap.add_argument("--graph", default=None, help="an already loaded graph (with --files)")
    ap.add_argument("--files", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "communities.json")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    import engine
    from jejak.settings import Settings
    from reports.communities import write_communities_report

    settings = Settings(data_dir=args.data_dir, graph_name=args.graph or f"bench_comm_{args.workers}_{args.seed}")
    files = args.files or args.data_dir / f"files_{args.workers}_{args.seed}"
    result: dict = {
        "workers": args.workers,
        "dataset_seed": args.seed,
        "mess": args.mess,
        "report_seed": args.report_seed,
    }
    with engine.connect(settings) as eng:
        if args.graph is None:
            from generator import generate
            from loaders.pipeline import load_directory

            if not (files / "ground_truth").exists():
                generate(workers=args.workers, seed=args.seed, out=files, mess=args.mess)
            if eng.is_empty():
                eng.apply_schema()
                load_directory(files, eng, work_dir=args.data_dir / "work")
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            html = write_communities_report(eng, args.data_dir / "report", seed=args.report_seed)
            times.append(time.perf_counter() - t)
        from analytics.pipeline import analyse

        analysis = analyse(eng, seed=args.report_seed)
        result["report_seconds"] = [round(x, 2) for x in times]
        result["report_seconds_median"] = round(float(np.median(times)), 2)
        result["stage_seconds"] = {k: round(v, 2) for k, v in analysis.timings.items()}
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        result["report"] = str(html)
        result["quality"] = evaluate(analysis, files / "ground_truth")
    result["lfr"] = lfr(args.report_seed)
    result["machine"] = describe()
    # One file for every dataset measured: this run replaces only its own entry.
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    runs = previous.get("runs", {})
    key = f"workers={args.workers} dataset_seed={args.seed}" + (f" mess={args.mess}" if args.mess != 0.3 else "")
    runs[key] = result
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**previous, "runs": runs}, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
