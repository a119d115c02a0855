"""Realistic mess: typos, spelling conventions, swapped dates, missing and malformed values.

Rates are given for mess=0.3 and scale linearly with the `mess` argument (0 = clean data, conventions only).
Every function returns the new values and the mask of rows it changed, so ground truth can say which
records were messed with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import names


class Mess:
    def __init__(self, rng: np.random.Generator, level: float):
        self.rng = rng
        self.level = max(0.0, float(level))

    def mask(self, n: int, base_rate: float) -> np.ndarray:
        return self.rng.random(n) < min(1.0, base_rate * self.level / 0.3)

    def typos(self, values: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
        m = self.mask(len(values), rate) & pd.notna(values)
        out = values.copy()
        idx = np.flatnonzero(m)
        r1, r2 = self.rng.random(len(idx)), self.rng.random(len(idx))
        for k, i in enumerate(idx):
            out[i] = names.typo(out[i], r1[k], r2[k])
        return out, m

    def blank(self, values: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
        m = self.mask(len(values), rate) & (values != "")
        out = values.copy()
        out[m] = ""
        return out, m

    def malformed_nik(self, nik: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
        m = self.mask(len(nik), rate) & (nik != "")
        out = nik.copy()
        idx = np.flatnonzero(m)
        kinds = self.rng.integers(0, 4, len(idx))
        for k, i in zip(kinds, idx, strict=True):
            s = out[i]
            out[i] = (s[:-1], s + "0", s[:6] + " " + s[6:], s[:8] + "O" + s[9:])[k]
        return out, m

    def swap_day_month(self, dates: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
        """Day and month exchanged (only where the result is still a valid, different date)."""
        d = pd.DatetimeIndex(dates)
        ok = (d.day <= 12) & (d.day != d.month)
        m = self.mask(len(dates), rate) & np.asarray(ok)
        out = dates.copy()
        idx = np.flatnonzero(m)
        if len(idx):
            swapped = pd.to_datetime({"year": d.year[idx], "month": d.day[idx], "day": d.month[idx]})
            out[idx] = swapped.to_numpy().astype(out.dtype)
        return out, m

    def impossible_dates(self, text: np.ndarray, rate: float, fmt: str) -> tuple[np.ndarray, np.ndarray]:
        """Replace some formatted dates by impossible ones (30 February, 31 April, month 13)."""
        m = self.mask(len(text), rate) & pd.notna(text) & (text != "")
        out = text.copy()
        for i in np.flatnonzero(m):
            y = str(out[i])[-4:] if fmt == "dmy" else str(out[i])[:4]
            d, mo = [("30", "02"), ("31", "04"), ("15", "13"), ("00", "06")][int(self.rng.integers(4))]
            out[i] = f"{d}-{mo}-{y}" if fmt == "dmy" else f"{y}/{mo}/{d}"
        return out, m

    def choose(self, n: int, options: list[float]) -> np.ndarray:
        p = np.asarray(options, dtype=float)
        return self.rng.choice(len(p), size=n, p=p / p.sum())


def phone_styles(rng: np.random.Generator, phones: np.ndarray) -> np.ndarray:
    """'08123456789', '+628123456789', '628123456789', '0812-3456-789', '+62 812 3456 789'."""
    style = rng.choice(5, size=len(phones), p=[0.45, 0.2, 0.15, 0.1, 0.1])
    out = np.empty(len(phones), dtype=object)
    for i, (p, s) in enumerate(zip(phones, style, strict=True)):
        core = p[1:]
        out[i] = (p, "+62" + core, "62" + core, f"{p[:4]}-{p[4:8]}-{p[8:]}", f"+62 {core[:3]} {core[3:7]} {core[7:]}")[
            s
        ]
    return out


def fmt_dates(dates: np.ndarray, fmt: str) -> np.ndarray:
    """Format datetimes; NaT becomes ''."""
    s = pd.Series(pd.DatetimeIndex(dates)).dt.strftime(fmt)
    return s.fillna("").to_numpy(dtype=object)
