"""Incremental entity resolution: add one new source file to an already resolved graph.

    .venv/bin/python bench/bench_incremental.py --graph bench_flags_1000000_1_03 \
        --data-dir DIR2 --work WORK --borrow bench/data/w20000-s3/kemlu_lapor_diri.jsonl --rows 10000

The graph and its load work directory come from a ``bench/bench_flags.py --keep`` run (it loads and
resolves). The new file is ``--rows`` embassy records of another generated dataset (other people),
their registration ids renamed (``LD`` -> ``--prefix``, default ``LDX``) so that none collides with a
loaded record.
Times the load of that file (MERGE path) and ``resolve`` without ``full`` (only the new records are
scored against the graph). Writes bench/results/resolve-incremental.json. One run: the file's
records stay in the graph, so a second run needs another ``--prefix`` (the same one measures a no-op).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe

RESULTS = Path(__file__).resolve().parent / "results" / "resolve-incremental.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graph", required=True)
    ap.add_argument("--data-dir", type=Path, required=True, help="embedded engine directory of the graph")
    ap.add_argument("--work", type=Path, required=True, help="the load work directory of that graph")
    ap.add_argument("--borrow", type=Path, required=True, help="an embassy JSONL file of another dataset")
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--prefix", default="LDX", help="replaces 'LD' in the borrowed ids; a new one for each run")
    args = ap.parse_args()

    import engine
    from jejak.settings import Settings
    from loaders.pipeline import load_directory
    from loaders.resolve import resolve

    later = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    rows = []
    with args.borrow.open(encoding="utf-8") as f:
        for line, _ in zip(f, range(args.rows), strict=False):
            row = json.loads(line)
            row["registration_id"] = args.prefix + row["registration_id"][2:]
            rows.append(json.dumps(row))
    (later / "kemlu_lapor_diri_later.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with engine.connect(Settings(data_dir=args.data_dir, graph_name=args.graph)) as eng:
        start = time.monotonic()
        load_directory(later, eng, work_dir=args.work)
        load_s = round(time.monotonic() - start, 1)
        result = resolve(eng, args.work)
    report = {
        "graph": args.graph,
        "rows": len(rows),
        "load_s": load_s,
        "resolve_s": result.seconds,
        "total_s": round(load_s + result.seconds, 1),
        "resolution": result.as_dict(),
        "machine": describe(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"{len(rows):,} new records: load {load_s} s, incremental resolve {result.seconds} s\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
