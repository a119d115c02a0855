"""Load and reconcile in one go (``jejak load --resolve`` into an empty graph): time, memory, quality.

    .venv/bin/python bench/bench_resolve_build.py --files DIR --data-dir DIR2 --runs 3 [--baseline 1]

Each run loads every file of DIR into a new graph (dropped after the run) with the resolution applied to the bulk tables
(the graph is built resolved), in a fresh work directory (no feature cache from an earlier run),
while a thread samples the memory of this process, of the side process the resolution runs in,
and of the embedded server every 0.2 s. The
resolution's own time is its report's (features, training, scoring, clustering, mapping, applying
to the tables, saving the state); ``--baseline N`` also times, in N of the runs, the same load without resolution, so
that the difference (what reconciling adds to a load) is measured, not assumed. Worker quality
against the generator's ground truth (DIR/ground_truth) is measured on the last resolved graph.
Medians go to bench/results/resolve-build-<DIR name>.json (or --out) and are printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from bench.bench_resolve import employer_quality, worker_quality  # noqa: E402
from bench.machine import describe  # noqa: E402
from engine.embedded import ServerFiles, server_pid  # noqa: E402
from jejak.settings import Settings  # noqa: E402
from loaders.pipeline import load_directory  # noqa: E402


class PeakMemory:
    """Peak RSS, sampled every 0.2 s: of this process (``loader``), of its side processes
    (``side``: the resolution runs in one), of both at once (``client``), and of the embedded server."""

    def __init__(self, server: psutil.Process) -> None:
        self.server, self.me = server, psutil.Process()
        self.peak = {"loader": 0, "side": 0, "client": 0, "server": 0}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self.done.wait(0.2):
            try:
                children = [c for c in self.me.children(recursive=True) if c.pid != self.server.pid]
                now = {
                    "loader": self.me.memory_info().rss,
                    "side": sum(c.memory_info().rss for c in children),
                    "server": self.server.memory_info().rss,
                }
                now["client"] = now["loader"] + now["side"]
                self.peak = {k: max(v, now[k]) for k, v in self.peak.items()}
            except psutil.Error:
                pass

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def gb(self) -> dict[str, float]:
        return {k: round(v / 2**30, 2) for k, v in self.peak.items()}


def one_run(files: Path, data_dir: Path, name: str, resolve: bool, quality: bool) -> dict[str, Any]:
    """One load into a new graph, dropped afterwards (two 1 M graphs do not fit in 24 GB)."""
    work = data_dir / f"work_{name}"
    shutil.rmtree(work, ignore_errors=True)
    with engine.connect(Settings(data_dir=data_dir, graph_name=name)) as eng:
        eng.clear()
        server = psutil.Process(server_pid(ServerFiles(data_dir.resolve())))
        with PeakMemory(server) as memory:
            started = time.perf_counter()
            report = load_directory(files, eng, work_dir=work, resolve=resolve)
            seconds = time.perf_counter() - started
        out: dict[str, Any] = {
            "seconds": round(seconds, 1),
            "rows": sum(f.rows_loaded for f in report.files),
            "peak_gb": memory.gb(),
        }
        if report.resolution is not None:
            res = report.resolution
            out.update(
                resolution_seconds=res.seconds,
                resolution_stages=res.timings,
                records=res.records,
                people=res.people,
                merged_workers=res.merged_nodes,
                review_pairs=res.review_pairs,
            )
            if quality and (files / "ground_truth").is_dir():
                out["quality"] = worker_quality(eng, files / "ground_truth")
                out["employer_quality"] = employer_quality(eng, files / "ground_truth")
        eng.drop()
    shutil.rmtree(work, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=Path, required=True, help="a generated dataset (jejak generate --out)")
    ap.add_argument("--data-dir", type=Path, required=True, help="the embedded server's directory")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", type=int, default=0, help="also time the load without resolution, this many runs")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    machine = describe()  # before the runs: it times a small workload of its own
    runs, baseline = [], []
    for i in range(args.runs):
        runs.append(one_run(args.files, args.data_dir, f"build_resolved_{i}", True, quality=i == args.runs - 1))
        print(json.dumps(runs[-1]), flush=True)
        if i < args.baseline:
            baseline.append(one_run(args.files, args.data_dir, f"build_plain_{i}", False, quality=False))
            print(json.dumps(baseline[-1]), flush=True)
    median = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    result: dict[str, Any] = {
        "files": str(args.files),
        "runs": runs,
        "load_and_resolve_s": median(runs, "seconds"),
        "resolution_s": median(runs, "resolution_seconds"),
        "client_peak_gb": max(r["peak_gb"]["client"] for r in runs),
        "loader_peak_gb": max(r["peak_gb"]["loader"] for r in runs),
        "resolution_process_peak_gb": max(r["peak_gb"]["side"] for r in runs),
        "server_peak_gb": max(r["peak_gb"]["server"] for r in runs),
        "quality": runs[-1].get("quality"),
        "employer_quality": runs[-1].get("employer_quality"),
        "machine": machine,
    }
    if baseline:
        result["baseline_runs"] = baseline
        result["load_only_s"] = median(baseline, "seconds")
        result["added_by_resolution_s"] = round(result["load_and_resolve_s"] - result["load_only_s"], 1)
    out = args.out or ROOT / "bench" / "results" / f"resolve-build-{args.files.name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "baseline_runs")}, indent=2))


if __name__ == "__main__":
    main()
