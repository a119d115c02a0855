"""What a benchmark ran on, so that figures from different machines can be compared.

``reference_s`` times a fixed single-threaded workload (pure-Python arithmetic and a sort,
median of 3): these cloud machines vary about twofold in speed from one session to the next,
and a figure means little without it.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import time

import psutil


def _reference_workload() -> float:
    t0 = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i % 7
    rng = random.Random(1)
    values = [rng.random() for _ in range(300_000)]
    values.sort()
    return time.perf_counter() - t0


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "reference_s": round(statistics.median(_reference_workload() for _ in range(3)), 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(describe(), indent=2))
