"""Investigator query latency: worker chain, expand, shortest path, name search; median of 3 runs.

    .venv/bin/python bench/bench_queries.py --workers 100000            # generate + load, then measure
    .venv/bin/python bench/bench_queries.py --graph jejak --data-dir jejak-data   # an existing graph
    JEJAK_GRAPH_URL=neo4j://… .venv/bin/python bench/bench_queries.py --graph neo4j   # any engine

Each run draws fresh random samples (seeded) and times one call per sample, end to end through the
engine seam (query, client, Python shaping):
- chain: ``worker_chain`` by Jejak id, without flags/rights (the chain's own queries);
- chain_by_nik: the same by NIK (one resolution query more);
- chain_with_flags: with ``queries.flags`` / ``queries.rights`` when they exist (their cost shows here);
- expand_50: ``expand`` (cap 50) of random workers, placements, agencies, employers, sponsors;
- path_6: ``shortest_path`` (<= 6 hops) between random connected entities (the far end reached by a
  random walk of 2-6 steps from a random worker); ``path_found_share`` is the share found (the walk
  may pass through a region, which paths avoid in their middle);
- search: ``search`` of random worker and agency names (a typo in every other one).
Prints a table and writes bench/results/queries.json (p50/p99 per query: the median of the runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe

RESULTS = Path(__file__).resolve().parent / "results" / "queries.json"
WALK_TYPES = (
    "HAS_PLACEMENT",
    "PLACED_BY",
    "EMPLOYED_BY",
    "THROUGH_PARTNER",
    "RECRUITED_BY",
    "TRAINED_AT",
    "BRANCH_OF",
    "PARTNER_OF",
    "DIRECTS",
    "HAS_PHONE",
    "FROM_REGION",
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[Any], Any], samples: list[Any]) -> list[float]:
    out = []
    for s in samples:
        t = time.perf_counter()
        fn(s)
        out.append((time.perf_counter() - t) * 1000)
    return out


def ids(eng: Any, label: str, cap: int = 300_000) -> list[str]:
    return [r["id"] for r in eng.read(f"MATCH (n:{label}) RETURN n.id AS id LIMIT {cap}", timeout_s=600)]


def random_walk(eng: Any, start: str, steps: int, rng: random.Random) -> tuple[Any, int] | None:
    from queries import explore
    from queries.refs import Candidate

    here, seen = Candidate("Worker", start), {start}
    for _ in range(steps):
        out = explore.expand(eng, here, rel_types=WALK_TYPES, limit=20)
        options = [Candidate(i["label"], i["id"]) for g in out["groups"] for i in g["items"] if i["id"] not in seen]
        if not options:
            break
        here = rng.choice(options)
        seen.add(here.id)
    return (here, len(seen) - 1) if here.id != start else None


def measure(eng: Any, run: int, args: argparse.Namespace, pools: dict[str, list[str]]) -> dict[str, list[float]]:
    from queries import chain, explore

    rng = random.Random(args.seed * 1000 + run)
    workers = rng.sample(pools["Worker"], min(args.samples, len(pools["Worker"])))
    out: dict[str, list[float]] = {}
    out["chain"] = timed(lambda w: chain.worker_chain(eng, w, include_flags=False), workers)
    niks = [
        r["nik"]
        for r in eng.read(
            "UNWIND $ids AS i MATCH (w:Worker {id: i}) WHERE w.nik IS NOT NULL RETURN w.nik AS nik",
            {"ids": workers[: args.samples // 2]},
        )
    ]
    out["chain_by_nik"] = timed(lambda n: chain.worker_chain(eng, n, include_flags=False), niks)
    few = workers[: max(10, args.samples // 50)]
    out["chain_with_flags"] = timed(lambda w: chain.worker_chain(eng, w), few)
    mix = [
        rng.choice(pools[rng.choice(["Worker", "Placement", "Agency", "Employer", "Sponsor"])])
        for _ in range(args.samples)
    ]
    out["expand_50"] = timed(lambda ref: explore.expand(eng, ref, limit=50), mix)
    pairs = []
    for w in workers[: args.paths]:
        end = random_walk(eng, w, rng.randint(2, 6), rng)
        if end:
            pairs.append((w, end[0]))
    found: list[bool] = []
    out["path_6"] = timed(lambda p: found.append(explore.shortest_path(eng, p[0], p[1], max_depth=6)["found"]), pairs)
    out["path_6_found_share"] = [sum(found) / max(1, len(found))]
    names = [
        r["name"]
        for r in eng.read(
            "UNWIND $ids AS i MATCH (w:Worker {id: i}) RETURN w.name AS name", {"ids": workers[: args.samples // 2]}
        )
        if r["name"]
    ]
    names += [
        r["name"]
        for r in eng.read(
            "UNWIND $ids AS i MATCH (a:Agency {id: i}) RETURN a.name AS name",
            {"ids": rng.sample(pools["Agency"], min(50, len(pools["Agency"])))},
        )
        if r["name"]
    ]
    queries = []
    for k, name in enumerate(names):
        if k % 2 and len(name) > 6:
            i = rng.randrange(1, len(name) - 1)
            name = name[:i] + ("X" if name[i] != "X" else "Y") + name[i + 1 :]
        queries.append(name)
    out["search"] = timed(lambda q: explore.search(eng, q, limit=20), queries)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=100_000, help="workers to generate when no --graph is given")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--graph", help="measure this existing graph (JEJAK_GRAPH_URL picks the engine)")
    ap.add_argument("--data-dir", type=Path, help="embedded engine directory (default: bench/data/queries)")
    ap.add_argument("--dir", type=Path, help="dataset directory (generated there if empty)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    ap.add_argument("--samples", type=int, default=1000, help="calls per query per run")
    ap.add_argument("--paths", type=int, default=200, help="shortest-path pairs per run")
    args = ap.parse_args()

    import engine
    from jejak.settings import Settings

    base = Path(__file__).resolve().parent / "data"
    data_dir = args.data_dir or Path(os.environ.get("JEJAK_DATA_DIR", base / "queries"))
    graph = args.graph or f"bench_queries_w{args.workers}_s{args.seed}"
    settings = Settings(data_dir=data_dir, graph_name=graph)
    load_seconds = None
    with engine.connect(settings) as eng:
        if not args.graph and eng.is_empty():
            from generator import generate
            from loaders.pipeline import load_directory

            files = args.dir or base / f"w{args.workers}-s{args.seed}"
            if not (files / "ground_truth" / "summary.json").exists():
                print(f"generating {args.workers:,} workers into {files} ...", flush=True)
                generate(workers=args.workers, seed=args.seed, out=files)
            print(f"loading into {eng.url} graph {graph} ...", flush=True)
            t = time.perf_counter()
            load_directory(files, eng, work_dir=Path(tempfile.mkdtemp(prefix="bench-queries-")))
            load_seconds = round(time.perf_counter() - t, 1)
        pools = {label: ids(eng, label) for label in ("Worker", "Placement", "Agency", "Employer", "Sponsor")}
        counts = {label: len(v) for label, v in pools.items()}
        print(f"graph {graph}: {counts} (id pools, capped)", flush=True)
        runs = []
        for run in range(args.runs):
            t = time.perf_counter()
            runs.append(measure(eng, run, args, pools))
            print(f"run {run + 1}/{args.runs}: {time.perf_counter() - t:.1f} s", flush=True)
        engine_name = eng.name

    results: dict[str, Any] = {}
    found_share = statistics.median(r.pop("path_6_found_share")[0] for r in runs)
    print(f"\n{'query':18} {'calls/run':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name in runs[0]:
        if not any(r[name] for r in runs):
            print(f"{name:18} {'no sample':>9}")
            continue
        p50 = statistics.median(percentile(r[name], 50) for r in runs if r[name])
        p99 = statistics.median(percentile(r[name], 99) for r in runs if r[name])
        calls = statistics.median(len(r[name]) for r in runs)
        results[name] = {"p50_ms": round(p50, 3), "p99_ms": round(p99, 3), "calls_per_run": calls}
        print(f"{name:18} {calls:>9} {p50:>8.2f} {p99:>8.2f}")
    report = {
        "graph": graph,
        "engine": engine_name,
        "workers": None if args.graph else args.workers,
        "seed": args.seed,
        "runs": args.runs,
        "samples": args.samples,
        "load_seconds": load_seconds,
        "pools": counts,
        "queries": results,
        "path_found_share": round(found_share, 3),
        "machine": describe(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"path found for {found_share:.0%} of the pairs\nwrote {args.out}")


if __name__ == "__main__":
    main()
