"""Deterministic synthetic data for Jejak: the agencies' exports plus ground truth.

    from generator import generate
    summary = generate(workers=10_000, seed=42, out=Path("demo-data"), mess=0.3)

Same seed (and arguments) -> byte-identical files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import documents, organisations, patterns, population, writers
from .sources import KEMNAKER_DATES, Builder

Progress = Callable[[str, int, int], None]
STEPS = (
    "population",
    "organisations",
    "documents",
    "patterns",
    "bp2mi",
    "kemnaker",
    "kemlu",
    "registries",
    "ground_truth",
)


def _stream(seed: int, k: int) -> np.random.Generator:
    """An independent random stream per concern, so changing one part does not shift the others."""
    return np.random.default_rng([seed, k])


def generate(workers: int, seed: int, out: Path, mess: float = 0.3, progress: Progress | None = None) -> dict:
    """Write every file of shared/formats/README.md into `out`, and ground_truth/ beside them."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    out = Path(out)
    (out / "ground_truth").mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    done = 0
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal done, clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now
        done += 1
        if progress:
            progress(name, done, len(STEPS))

    regions = population.Regions(_stream(seed, 1))
    rng = _stream(seed, 2)
    pl, first_of = population.make_placements(rng, workers)
    persons = population.make_persons(_stream(seed, 3), regions, pl, workers, first_of)
    step("population")
    org = organisations.build(_stream(seed, 4), regions, persons, pl)
    step("organisations")
    documents.add(_stream(seed, 5), pl)
    step("documents")
    truth = patterns.Truth()
    patterns.plant(_stream(seed, 6), persons, pl, org, truth)
    step("patterns")

    b = Builder(_stream(seed, 7), mess, regions, persons, pl, org, truth)
    files: dict[str, int] = {}
    bp = b.bp2mi()
    writers.write_csv(bp, out / "bp2mi_penempatan.csv", ";")
    files["bp2mi_penempatan.csv"] = len(bp)
    step("bp2mi")
    kn, text_dates = b.kemnaker()
    for name in writers.write_kemnaker(kn, text_dates, out, KEMNAKER_DATES):
        files[name] = 0
    files["kemnaker_siapkerja*.xlsx"] = len(kn)
    step("kemnaker")
    kl = b.kemlu()
    writers.write_jsonl(kl, out / "kemlu_lapor_diri.jsonl")
    files["kemlu_lapor_diri.jsonl"] = len(kl)
    step("kemlu")
    complaints = b.pengaduan()
    for name, df in (
        ("p3mi_registry.csv", b.p3mi_registry()),
        ("lpk_registry.csv", b.lpk_registry()),
        ("mitra_registry.csv", b.mitra_registry()),
        ("pengaduan.csv", complaints),
    ):
        writers.write_csv(df, out / name, ",")
        files[name] = len(df)
    step("registries")

    gt = out / "ground_truth"
    persons_truth = b.persons_truth()
    writers.write_csv(persons_truth, gt / "persons.csv", ",")
    pat = truth.frame().drop_duplicates()
    writers.write_csv(pat, gt / "patterns.csv", ",")
    orgs = b.variants.frame()
    writers.write_csv(orgs, gt / "organisations.csv", ",")
    summary = {
        "workers": workers,
        "seed": seed,
        "mess": mess,
        "persons": int(persons_truth["person_id"].nunique()),
        "placements": int((pl["channel"] != population.NEVER_DEPARTED).sum()),
        "records": {k: v for k, v in files.items() if v},
        "files": sorted(p.name for p in out.iterdir() if p.is_file()),
        "persons_by_channel": {
            str(k): int(v) for k, v in pl.drop_duplicates("person")["channel"].value_counts().sort_index().items()
        },
        "patterns_by_rule": {
            str(k): int(v) for k, v in pat.groupby("rule_id")["pattern_id"].nunique().sort_index().items()
        },
        "pattern_rows": len(pat),
        "organisations": {
            str(k): int(v) for k, v in orgs.drop_duplicates("org_id")["kind"].value_counts().sort_index().items()
        },
    }
    (gt / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    step("ground_truth")
    summary["timings_s"] = timings
    return summary


__all__ = ["generate"]
