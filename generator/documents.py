"""Documents of each placement: record ids, permits, certificates, contracts, costs, registrations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import reference as ref
from .population import DAY, NEVER_DEPARTED, NON_PROCEDURAL, PROCEDURAL


def _ids(prefix: str, years: np.ndarray, rng: np.random.Generator, width: int = 7) -> np.ndarray:
    """Unique ids `prefix-YYYY-NNNNNNN`, numbered within each year in a shuffled order."""
    order = rng.permutation(len(years))
    ys = years[order]
    rank = np.empty(len(years), dtype=int)
    sort = np.argsort(ys, kind="stable")
    counts = np.unique(ys[sort], return_counts=True)[1]
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    rank[order[sort]] = np.arange(len(years)) - starts + 1
    return np.array([f"{prefix}{y}-{r:0{width}d}" for y, r in zip(years, rank, strict=True)], dtype=object)


def add(rng: np.random.Generator, pl: pd.DataFrame) -> None:
    n = len(pl)
    depart = pl["depart"].to_numpy().astype("datetime64[D]")
    years = depart.astype("datetime64[Y]").astype(int) + 1970
    channel = pl["channel"].to_numpy()
    scheme = pl["scheme"].to_numpy()
    formal = channel != NON_PROCEDURAL

    pl["id_sisko"] = np.where(channel == PROCEDURAL, _ids("SK-", years, rng), "")
    pl["cert_date"] = np.where(formal, depart - rng.integers(30, 200, n) * DAY, np.datetime64("NaT", "D"))
    cert_serial = rng.permutation(n) + 1
    pl["cert_no"] = np.where(
        formal, [f"{k + 1:04d}/SKK/{y}/{s:07d}" for k, y, s in zip(pl["lpk"], years, cert_serial, strict=True)], ""
    )
    pl["pk_date"] = np.where(formal, depart - rng.integers(7, 60, n) * DAY, np.datetime64("NaT", "D"))
    # one SIP2MI per job order: (agency, employer, year)
    key = pd.Series(pl["p3mi_head"].astype(str) + "|" + pl["employer"].astype(str) + "|" + years.astype(str))
    codes, _ = pd.factorize(key)
    perm = rng.permutation(codes.max() + 1) + 1
    pl["sip2mi"] = np.where(formal, [f"B.{perm[c]:06d}/SIP2MI/{y}" for c, y in zip(codes, years, strict=True)], "")
    pl["bpjs"] = np.where(formal, [f"{x:011d}" for x in rng.integers(10**10, 10**11 - 1, n)], "")

    job = pl["job"].to_numpy()
    zero = np.array([ref.JOB[j].zero_cost for j in job]) & (depart >= np.datetime64(ref.ZERO_COST_FROM))
    lo = np.array([ref.COST_RANGE.get(c, ref.DEFAULT_COST_RANGE)[0] for c in pl["country"]])
    hi = np.array([ref.COST_RANGE.get(c, ref.DEFAULT_COST_RANGE)[1] for c in pl["country"]])
    cost = ((lo + rng.random(n) * (hi - lo)) * 20).round().astype(int) * 50_000
    cost[scheme == "G to G"] //= 3
    cost[zero | ~formal] = 0
    pl["cost"] = cost

    # Kemnaker registration (SIAPkerja): most placements, before departure
    registered = formal & ((channel == NEVER_DEPARTED) | (rng.random(n) < 0.9))
    pl["kemnaker"] = registered
    pl["reg_id"] = np.where(
        registered, _ids("SIAP-", (depart - 90 * DAY).astype("datetime64[Y]").astype(int) + 1970, rng, 8), ""
    )
    pl["reg_date"] = depart - rng.integers(60, 200, n) * DAY
    pl["agreement_date"] = depart - rng.integers(20, 55, n) * DAY
    pl["agreement_no"] = [
        f"PP/{h + 1:04d}/{y}/{s:06d}" for h, y, s in zip(pl["p3mi_head"], years, rng.permutation(n) + 1, strict=True)
    ]
    status = np.where(channel == NEVER_DEPARTED, np.where(rng.random(n) < 0.55, "BATAL", "TERDAFTAR"), "BERANGKAT")
    late = (channel == PROCEDURAL) & (depart >= np.datetime64("2024-09-15")) & (rng.random(n) < 0.5)
    status[late] = "TERDAFTAR"  # extract taken before the status was updated
    pl["reg_status"] = status

    # Kemlu self-registration: about half the departed workers, and every non-procedural one
    kemlu = (channel == NON_PROCEDURAL) | ((channel == PROCEDURAL) & (rng.random(n) < 0.5))
    pl["kemlu"] = kemlu
    pl["kemlu_id"] = np.where(kemlu, _ids("LD", years, rng, 7), "")
    visa = np.where(
        channel == NON_PROCEDURAL,
        rng.choice(["visit", "umrah", "work", "student"], n, p=[0.45, 0.2, 0.3, 0.05]),
        "work",
    )
    pl["visa"] = visa
