"""Entity resolution of a graph already loaded, alone in its process: stage times and peak memory.

    .venv/bin/python bench/bench_resolve_loaded.py --data-dir DIR --graph NAME --work DIR/work

``bench_resolve.py`` generates, loads and resolves in one process (and measures quality); at
national scale that process's memory includes the load's. This one runs a full resolution of a
loaded graph (e.g. one ``bench_communities.py`` loaded: its raw-row store is DIR/work) and samples
the memory of this process and of the embedded server every 0.2 s. The graph is resolved in place.
Results go to bench/results/resolve-loaded-<graph>.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from bench.machine import describe  # noqa: E402
from engine.embedded import ServerFiles, server_pid  # noqa: E402
from jejak.settings import Settings  # noqa: E402
from loaders.resolve import resolve  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--graph", required=True)
    ap.add_argument("--work", type=Path, required=True, help="the load's work directory (raw-row store)")
    args = ap.parse_args()
    machine = describe()  # before the run: it times a small workload of its own
    me = psutil.Process()
    peak = {"client": 0, "server": 0}
    done = threading.Event()
    with engine.connect(Settings(data_dir=args.data_dir, graph_name=args.graph)) as eng:
        server = psutil.Process(server_pid(ServerFiles(args.data_dir.resolve())))

        def sample() -> None:
            while not done.wait(0.2):
                try:
                    children = [c for c in me.children(recursive=True) if c.pid != server.pid]
                    client = me.memory_info().rss + sum(c.memory_info().rss for c in children)
                    peak["client"] = max(peak["client"], client)
                    peak["server"] = max(peak["server"], server.memory_info().rss)
                except psutil.Error:
                    pass

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        report = resolve(eng, args.work, full=True)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    result = {
        "graph": args.graph,
        "seconds": round(seconds, 1),
        "stage_seconds": report.timings,
        "people": report.people,
        "peak_gb": {k: round(v / 2**30, 2) for k, v in peak.items()},
        "machine": machine,
    }
    out = ROOT / "bench" / "results" / f"resolve-loaded-{args.graph}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
