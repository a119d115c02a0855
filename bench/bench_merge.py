"""Where incremental upserts spend their time (issue #3, the MERGE figure).

    .venv/bin/python bench/bench_merge.py --workers 100000 --new 10000 --runs 3

Each run builds a fresh graph from the registries and all but the last ``--new`` BP2MI rows (the
bulk path), then loads those last rows with ``load_directory`` in MERGE batches, as ``jejak load``
does into a graph that holds data: new placements, mostly of workers the graph already knows. For every query it
records the rows sent, the wall time and the time FalkorDB reports executing it, so the figure
says how much of an upsert is the server's work and how much is the client's.
Medians over runs; JSON to bench/results/merge-<workers>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from bench.bench_load import dataset  # noqa: E402
from bench.machine import describe  # noqa: E402
from engine.base import WriteSummary  # noqa: E402
from engine.cypher import Cypher  # noqa: E402
from jejak.settings import Settings  # noqa: E402
from loaders.pipeline import load_directory  # noqa: E402

REGISTRIES = ("p3mi_registry.csv", "lpk_registry.csv", "mitra_registry.csv")


def split(files: Path, new: int, out: Path) -> tuple[Path, Path]:
    """A base directory (registries, all BP2MI rows but the last ``new``) and the increment file."""
    base, increment = out / "base", out / "increment" / "bp2mi_penempatan_increment.csv"
    if increment.exists():
        return base, increment
    base.mkdir(parents=True, exist_ok=True)
    increment.parent.mkdir(parents=True, exist_ok=True)
    for name in REGISTRIES:
        (base / name).symlink_to((files / name).resolve())
    with (files / "bp2mi_penempatan.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))  # records, not lines: a quoted value may hold a newline
    header, body = rows[0], rows[1:]
    for path, part in ((base / "bp2mi_penempatan.csv", body[:-new]), (increment, body[-new:])):
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(header)
            writer.writerows(part)
    return base, increment


Queries = dict[str, dict[str, float]]
FIGURES = ("rows", "seconds", "rows_per_s", "server_query_s", "server_share")


def upsert(eng: engine.Engine, increment: Path, work: Path) -> tuple[dict[str, float], Queries]:
    """Load the increment as ``jejak load`` does into a graph with data (MERGE batches): its
    figures, and per query rows, wall and server seconds."""
    queries: Queries = {}

    def heard(query: Cypher, summary: WriteSummary, seconds: float) -> None:
        entry = queries.setdefault(query.name, {"rows": 0, "wall_s": 0.0, "server_s": 0.0})
        entry["rows"] += summary.rows
        entry["wall_s"] += seconds
        entry["server_s"] += summary.server_s

    t0 = time.monotonic()
    report = load_directory(increment.parent, eng, work_dir=work, mode="merge", on_query=heard)
    seconds = time.monotonic() - t0
    rows = sum(f.rows_loaded for f in report.files)
    server = sum(q["server_s"] for q in queries.values())
    figures = {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "server_query_s": round(server, 2),
        "server_share": round(server / seconds, 3),
    }
    return figures, queries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--new", type=int, default=10_000, help="BP2MI rows loaded through MERGE batches")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--root", type=Path, default=ROOT / "bench" / "data")
    args = ap.parse_args()

    files = dataset(args.workers, args.seed, args.root)
    base, increment = split(files, args.new, args.root / f"merge-w{args.workers}-s{args.seed}-n{args.new}")
    runs: list[tuple[dict[str, float], Queries]] = []
    for run in range(args.runs):
        with engine.connect(Settings(data_dir=args.root / "graph", graph_name=f"bench_merge_{args.workers}")) as eng:
            eng.clear()
            load_directory(base, eng, work_dir=args.root / "work-merge", mode="auto")
            runs.append(upsert(eng, increment, args.root / "work-merge"))
            eng.drop()
        r = runs[-1][0]
        print(
            f"run {run + 1}: {r['rows']:,} rows in {r['seconds']} s = {r['rows_per_s']:,} rows/s; "
            f"server {r['server_query_s']} s ({r['server_share']:.0%})",
            flush=True,
        )

    per_query = {}
    for name, first in runs[0][1].items():
        server = statistics.median(q[name]["server_s"] for _, q in runs)
        per_query[name] = {
            "rows": first["rows"],
            "wall_s": round(statistics.median(q[name]["wall_s"] for _, q in runs), 3),
            "server_s": round(server, 3),
            "server_rows_per_s": round(first["rows"] / server) if server else 0,
        }
    per_query = dict(sorted(per_query.items(), key=lambda kv: -kv[1]["server_s"]))
    summary = {k: statistics.median(f[k] for f, _ in runs) for k in FIGURES}
    out = {
        "workers": args.workers,
        "seed": args.seed,
        "new_rows": args.new,
        "runs": args.runs,
        "median": summary,
        "queries_per_batch": len(per_query),
        "per_query_median": per_query,
        "all": [{"figures": f, "queries": q} for f, q in runs],
        "machine": describe(),
    }
    target = ROOT / "bench" / "results" / f"merge-{args.workers}.json"
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    for name, q in per_query.items():
        print(f"  {q['server_s']:6.2f} s server {q['rows']:>7,.0f} rows {q['server_rows_per_s']:>8,.0f} rows/s  {name}")
    print(f"written to {target}")


if __name__ == "__main__":
    main()
