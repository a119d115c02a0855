"""Loading benchmark (issue #3): end-to-end load speed and server memory on the embedded engine.

    .venv/bin/python bench/bench_load.py --workers 100000 --runs 3
    .venv/bin/python bench/bench_load.py --workers 1000000 --runs 1 --skip-merge

For each run, on a fresh graph:
- bulk: ``load_directory`` into an empty graph (read + validate + plan + GRAPH.BULK + persist +
  index), the path ``jejak load`` takes on a first load;
- reload: the same files again (every row already loaded: the idempotent check);
- merge: the same files into an empty graph through MERGE batches (the path of every load into
  a graph that already holds data: incremental upserts).
Figures: seconds, source rows/s, BP2MI placement rows/s, and the server's resident memory after
the load (psutil RSS of redis-server). Medians over runs; JSON to bench/results/load[-N].json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from bench.machine import describe  # noqa: E402
from engine.embedded import ServerFiles, server_pid  # noqa: E402
from jejak.settings import Settings  # noqa: E402
from loaders.pipeline import LoadReport, load_directory  # noqa: E402


def dataset(workers: int, seed: int, root: Path) -> Path:
    out = root / f"w{workers}-s{seed}"
    if not (out / "ground_truth" / "summary.json").exists():
        from generator import generate

        t0 = time.monotonic()
        generate(workers=workers, seed=seed, out=out)
        print(f"generated {workers:,} workers in {time.monotonic() - t0:.0f} s -> {out}", flush=True)
    return out


def only_source(files: Path, source: str, out: Path) -> Path:
    """A directory holding links to one source's files only."""
    from loaders.read import recognise

    out.mkdir(parents=True, exist_ok=True)
    for path in files.iterdir():
        if path.is_file() and recognise(path) == source and not (out / path.name).exists():
            (out / path.name).symlink_to(path.resolve())
    return out


def server_rss(data_dir: Path) -> int:
    pid = server_pid(ServerFiles(data_dir.resolve()))
    return psutil.Process(pid).memory_info().rss if pid else 0


def figures(report: LoadReport, seconds: float, rss: int) -> dict[str, float]:
    rows = sum(f.rows_read for f in report.files)
    placements = sum(f.rows_read for f in report.files if f.source == "bp2mi")
    return {
        "seconds": round(seconds, 2),
        "source_rows": rows,
        "source_rows_per_s": round(rows / seconds),
        "bp2mi_placement_rows": placements,
        "placement_rows_per_s": round(placements / seconds),
        "server_rss_mb": round(rss / 2**20),
        # where the time goes: file by file (read, validate, plan; MERGE batches also write there),
        # then the bulk build (GRAPH.BULK, persisting, indexing) ...
        "per_file_s": round(sum(f.seconds for f in report.files), 2),
        "after_files_s": round(seconds - sum(f.seconds for f in report.files), 2),
        # ... and of the MERGE batches, the time FalkorDB reports executing them
        "server_query_s": round(report.written.server_s, 2),
    }


def timed_load(files: Path, eng: engine.Engine, work: Path, mode: str) -> tuple[LoadReport, float]:
    t0 = time.monotonic()
    report = load_directory(files, eng, work_dir=work, mode=mode)
    return report, time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-merge", action="store_true", help="skip the (slow) all-MERGE load")
    ap.add_argument("--root", type=Path, default=ROOT / "bench" / "data")
    ap.add_argument("--only", help="load only this source's files (e.g. bp2mi: placement rows alone)")
    args = ap.parse_args()

    files = dataset(args.workers, args.seed, args.root)
    if args.only:
        files = only_source(files, args.only, args.root / f"w{args.workers}-s{args.seed}-{args.only}")
    data_dir = args.root / "graph"
    results: dict[str, list[dict[str, float]]] = {"bulk": [], "reload": [], "merge": []}
    for run in range(args.runs):
        settings = Settings(data_dir=data_dir, graph_name=f"bench_{args.workers}")
        with engine.connect(settings) as eng:
            eng.clear()
            report, seconds = timed_load(files, eng, args.root / "work", "auto")
            assert report.mode == "bulk", report.mode
            results["bulk"].append(figures(report, seconds, server_rss(data_dir)))
            print(f"run {run + 1}: bulk   {results['bulk'][-1]}", flush=True)
            report, seconds = timed_load(files, eng, args.root / "work", "auto")
            results["reload"].append(figures(report, seconds, server_rss(data_dir)))
            print(f"run {run + 1}: reload {results['reload'][-1]}", flush=True)
            if not args.skip_merge:
                eng.clear()
                report, seconds = timed_load(files, eng, args.root / "work", "merge")
                results["merge"].append(figures(report, seconds, server_rss(data_dir)))
                print(f"run {run + 1}: merge  {results['merge'][-1]}", flush=True)
            eng.drop()

    summary = {
        kind: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for kind, runs in results.items()
        if runs
    }
    out = {
        "workers": args.workers,
        "seed": args.seed,
        "only": args.only,
        "runs": args.runs,
        "median": summary,
        "all": results,
        "machine": describe(),
    }
    suffix = f"-{args.only}" if args.only else ""
    target = ROOT / "bench" / "results" / f"load-{args.workers}{suffix}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"written to {target}")


if __name__ == "__main__":
    main()
