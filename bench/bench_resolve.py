"""Entity-resolution quality and speed on generated data (ground truth from the generator).

    .venv/bin/python bench/bench_resolve.py --workers 100000 --seed 1 --mess 0.3
    .venv/bin/python bench/bench_resolve.py --workers 100000 --seed 99 --mess 0.5   # untuned

Steps: generate (cached under --cache), hold back the last --holdout embassy records as a separate
file, bulk-load the rest, resolve (full: train + score + cluster + graph writes), then load the
held-back file and resolve incrementally. Quality is measured on the graph after each step:
workers, pairwise precision / recall over source records (same person = same Worker node) and the
distinct-person count vs truth; organisations, pairwise over every name variant the generator wrote;
employers, pairwise over the records that name one (same employer = same Employer node), by kind
(a household is named after a person: name variants cannot say which of two namesakes a record means).
Results go to bench/results/resolve[-<tag>].json and are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import engine
from bench.machine import describe
from jejak.settings import Settings
from loaders.normalize import normalize_org_name
from loaders.pipeline import load_directory
from loaders.resolve import resolve
from loaders.resolve.graph import record_workers
from loaders.resolve.records import WORKER_SOURCES

RESULTS = Path(__file__).resolve().parent / "results"
ORG_LABELS = {"P3MI": "Agency", "LPK": "TrainingInstitute", "EMP": "Employer", "MITRA": "PartnerAgency"}  # by id prefix


def pairwise(pred: pd.Series, true: pd.Series) -> dict[str, float]:
    """Pairwise precision and recall of a clustering ``pred`` against ``true`` (same index)."""

    def pairs(counts: pd.Series) -> int:
        return int((counts * (counts - 1) // 2).sum())

    both = pairs(pd.DataFrame({"p": pred, "t": true}).groupby(["p", "t"]).size())
    predicted, actual = pairs(pred.value_counts()), pairs(true.value_counts())
    return {
        "precision": round(both / predicted, 5) if predicted else 1.0,
        "recall": round(both / actual, 5) if actual else 1.0,
    }


def worker_quality(eng, truth: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    tr = pd.read_csv(truth / "persons.csv", dtype=str, keep_default_na=False)
    tr = tr[tr["source"].isin(WORKER_SOURCES)]
    tr["rid"] = tr["source"] + ":" + tr["record_id"]
    found = record_workers(eng, None, WORKER_SOURCES)
    tr["worker"] = tr["rid"].map(found)
    missing = int(tr["worker"].isna().sum())  # rejected rows are not in the graph
    tr = tr[tr["worker"].notna()]
    out: dict[str, object] = pairwise(tr["worker"], tr["person_id"])
    people, truth_people = tr["worker"].nunique(), tr["person_id"].nunique()
    out.update(
        people=int(people),
        true_people=int(truth_people),
        count_error=round(people / truth_people - 1, 5),
        records=len(tr),
        records_not_loaded=missing,
    )
    return out


# Scored by name variant; employers are scored per record (``employer_quality``): a household is
# named after a person, and a name variant cannot say which of two namesakes a record means.
VARIANT_LABELS = sorted(set(ORG_LABELS.values()) - {"Employer"})
ORG_NODES = {
    label: f"MATCH (n:{label}) RETURN n.id AS id, n.name_norm AS name_norm, n.country AS country, n.aliases AS aliases"
    for label in VARIANT_LABELS
}


def org_snapshot(eng) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """Organisation nodes (id, name_norm, country) as loaded, before resolution merges any."""
    return {label: pd.DataFrame(eng.read(ORG_NODES[label], timeout_s=600)) for label in VARIANT_LABELS}


def org_quality(eng, truth: Path, snapshot: dict[str, pd.DataFrame]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Each name variant -> the node a lookup by normalised name (and country) found at load, followed
    through resolution's aliases; pairwise per kind."""
    tr = pd.read_csv(truth / "organisations.csv", dtype=str, keep_default_na=False)
    out: dict[str, object] = {}
    frames = []
    for label in VARIANT_LABELS:
        nodes = snapshot[label]
        current = pd.DataFrame(eng.read(ORG_NODES[label], timeout_s=600))
        alias = {a: row["id"] for row in current.to_dict("records") for a in (row["aliases"] or [])}
        nodes = nodes.assign(id=[alias.get(i, i) for i in nodes["id"]])
        if not len(nodes):
            continue
        sub = tr[tr["org_id"].str.split("-").str[0].map(ORG_LABELS) == label].copy()
        sub["norm"] = sub["name"].map(normalize_org_name)
        scoped = label == "PartnerAgency"
        keys = nodes.assign(key=nodes["name_norm"] + ("|" + nodes["country"].fillna("") if scoped else ""))
        index = keys.dropna(subset=["key"]).drop_duplicates("key").set_index("key")["id"]
        sub["node"] = (sub["norm"] + ("|" + sub["country"] if scoped else "")).map(index)
        found = sub[sub["node"].notna()]
        q = pairwise(found["node"], found["org_id"])
        q.update(
            variants=len(sub),
            variants_found=len(found),
            nodes=int(found["node"].nunique()),
            true_orgs=int(found["org_id"].nunique()),
        )
        out[label] = q
        frames.append(found)
    if frames:
        all_found = pd.concat(frames)
        out["all"] = pairwise(all_found["node"], all_found["org_id"])
    return out


EMPLOYER_MENTIONS = (
    "MATCH (p:Placement)-[:EMPLOYED_BY]->(e:Employer) RETURN p.id AS ref, e.id AS node "
    "UNION ALL MATCH (c:Case)-[:CONCERNS]->(e:Employer) RETURN c.id AS ref, e.id AS node"
)


def employer_quality(eng, truth: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Pairwise over the records that name an employer (``persons.csv``'s employer_id): households,
    companies (incl. syarikah), all."""
    tr = pd.read_csv(truth / "persons.csv", dtype=str, keep_default_na=False)
    if "employer_id" not in tr.columns:  # ground truth of an older generator
        return {}
    tr = tr[tr["employer_id"] != ""]
    tr["ref"] = ("CASE-" + tr["record_id"]).where(
        tr["source"] == "pengaduan", "PL-" + tr["source"] + ":" + tr["record_id"]
    )
    found = pd.DataFrame(eng.read(EMPLOYER_MENTIONS, timeout_s=600), columns=["ref", "node"])
    tr = tr.merge(found.drop_duplicates("ref"), on="ref")
    kinds = pd.read_csv(truth / "organisations.csv", dtype=str, keep_default_na=False)
    tr["kind"] = tr["employer_id"].map(kinds.drop_duplicates("org_id").set_index("org_id")["kind"])
    out: dict[str, object] = {"records": len(tr), **pairwise(tr["node"], tr["employer_id"])}
    for name, part in tr.groupby(tr["kind"] == "perseorangan"):
        out["households" if name else "companies"] = {
            "records": len(part),
            "nodes": int(part["node"].nunique()),
            "true": int(part["employer_id"].nunique()),
            **pairwise(part["node"], part["employer_id"]),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mess", type=float, default=0.3)
    ap.add_argument("--holdout", type=int, default=10_000, help="embassy records added afterwards (incremental)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/jejak-bench"))
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    from generator import generate

    name = f"w{args.workers}_s{args.seed}_m{args.mess}"
    data = args.cache / name
    if not (data / "ground_truth" / "summary.json").exists():
        generate(workers=args.workers, seed=args.seed, out=data, mess=args.mess)
    files = args.cache / (name + "_files")
    later = args.cache / (name + "_later")
    shutil.rmtree(files, ignore_errors=True)
    shutil.rmtree(later, ignore_errors=True)
    files.mkdir(parents=True)
    later.mkdir(parents=True)
    for f in data.iterdir():
        if f.is_file() and not f.name.startswith("kemlu"):
            os.link(f, files / f.name)
    lines = (data / "kemlu_lapor_diri.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    cut = max(0, len(lines) - args.holdout)
    (files / "kemlu_lapor_diri.jsonl").write_text("".join(lines[:cut]), encoding="utf-8")
    (later / "kemlu_lapor_diri_later.jsonl").write_text("".join(lines[cut:]), encoding="utf-8")

    work = args.cache / (name + "_work")
    shutil.rmtree(work, ignore_errors=True)
    settings = Settings(data_dir=args.cache / "graphs", graph_name="bench_resolve_" + name.replace(".", "_"))
    result: dict[str, object] = {
        "workers": args.workers,
        "seed": args.seed,
        "mess": args.mess,
        "machine": describe(),
    }
    with engine.connect(settings) as eng:
        eng.clear()
        t = time.monotonic()
        load = load_directory(files, eng, work_dir=work)
        result["load_seconds"] = round(time.monotonic() - t, 1)
        print(f"loaded in {result['load_seconds']} s", flush=True)
        snapshot = org_snapshot(eng)
        full = resolve(eng, work, full=True)
        print(f"resolved in {full.seconds} s: {full.timings}", flush=True)
        result["full"] = full.as_dict()
        result["full"]["written"] = vars(full.written)
        result["quality_full"] = {
            "workers": worker_quality(eng, data / "ground_truth"),
            "organisations": org_quality(eng, data / "ground_truth", snapshot),
            "employers": employer_quality(eng, data / "ground_truth"),
        }
        t = time.monotonic()
        load_directory(later, eng, work_dir=work)
        result["incremental_load_seconds"] = round(time.monotonic() - t, 1)
        inc = resolve(eng, work)
        result["incremental"] = inc.as_dict()
        result["incremental"]["written"] = vars(inc.written)
        result["quality_after_incremental"] = {"workers": worker_quality(eng, data / "ground_truth")}
        rerun = resolve(eng, work)
        result["rerun_seconds"] = rerun.seconds
        result["records"] = {f.file: f.rows_loaded for f in load.files}
        eng.clear()
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"resolve{('-' + args.tag) if args.tag else ''}.json"
    target.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
