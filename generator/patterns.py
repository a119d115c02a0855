"""Planted suspicious patterns, each a small minority that reuses ordinary people, employers and agencies.

Every planted entity is recorded in `Truth.patterns` with the rule id of shared/domain/RULES.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import names
from . import reference as ref
from .organisations import Organisations
from .population import DAY, END, NON_PROCEDURAL, PROCEDURAL, make_nik


class Truth:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []
        self._n: dict[str, int] = {}

    def new(self, rule: str) -> str:
        self._n[rule] = self._n.get(rule, 0) + 1
        return f"{rule}-{self._n[rule]:04d}"

    def add(self, pid: str, rule: str, etype: str, key: str, role: str) -> None:
        self.rows.append((pid, rule, etype, str(key), role))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["pattern_id", "rule_id", "entity_type", "entity_key", "role"])


def _count(n: int, rate: float, lo: int = 2) -> int:
    return max(lo, round(n * rate))


def _pick(rng: np.random.Generator, mask: np.ndarray, k: int, used: np.ndarray) -> np.ndarray:
    cand = np.flatnonzero(mask & ~used)
    if not len(cand):
        return cand
    out = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
    used[out] = True
    return out


def _shift(pl: pd.DataFrame, i: np.ndarray, new_depart: np.ndarray) -> None:
    """Move placements in time, keeping their documents' dates relative to departure."""
    delta = new_depart - pl["depart"].to_numpy()[i]
    for col in ("depart", "cert_date", "pk_date", "reg_date", "agreement_date"):
        pl.loc[pl.index[i], col] = pl[col].to_numpy()[i] + delta


def _record(truth: Truth, pid: str, rule: str, pl: pd.DataFrame, i: int, role: str, source: str = "bp2mi") -> None:
    col = {"bp2mi": "id_sisko", "kemnaker": "reg_id", "kemlu": "kemlu_id"}[source]
    key = pl.at[i, col]
    if key:
        truth.add(pid, rule, f"{source}_record", key, role)


def plant(rng: np.random.Generator, persons: pd.DataFrame, pl: pd.DataFrame, org: Organisations, truth: Truth) -> None:
    n = len(pl)
    used = np.zeros(n, dtype=bool)
    channel = pl["channel"].to_numpy()
    proc = channel == PROCEDURAL
    scheme = pl["scheme"].to_numpy()
    country = pl["country"].to_numpy()
    job = pl["job"].to_numpy()
    depart = pl["depart"].to_numpy()
    per_person = np.bincount(pl["person"].to_numpy(), minlength=len(persons))
    single = per_person[pl["person"].to_numpy()] == 1
    persons["declared_birth"] = persons["birth"]
    heads = org.p3mi[org.p3mi["kantor_pusat_sip3mi"] == ""]

    # R1 + R11: underage workers hidden by a false birth date (or a forged NIK)
    for i in _pick(rng, proc & single, _count(n, 0.001), used):
        p = pl.at[i, "person"]
        true_birth = depart[i] - int((16.0 + rng.random() * 1.8) * 365.25) * DAY
        adult_birth = true_birth - int(rng.integers(2, 6)) * 365 * DAY
        female = np.array([persons.at[p, "female"]])
        serial = np.array([int(persons.at[p, "nik"][-4:])])
        if rng.random() < 0.7:  # declared birth date falsified, the NIK tells the truth
            persons.at[p, "birth"], persons.at[p, "declared_birth"] = true_birth, adult_birth
            persons.at[p, "nik"] = make_nik(
                np.array([persons.at[p, "district"]]), np.array([true_birth]), female, serial
            )[0]
            role = "declared_birth_falsified"
        else:  # NIK forged with an adult birth date, the declared date is the true one
            persons.at[p, "birth"], persons.at[p, "declared_birth"] = true_birth, true_birth
            persons.at[p, "nik"] = make_nik(
                np.array([persons.at[p, "district"]]), np.array([adult_birth]), female, serial
            )[0]
            role = "nik_forged"
        pid = truth.new("R1")
        for rule in ("R1", "R11"):
            _record(truth, pid, rule, pl, i, role)
            _record(truth, pid, rule, pl, i, role, "kemnaker")
            truth.add(pid, rule, "person", persons.at[p, "person_id"], "underage_worker")

    # R11: one passport number used by two different people
    pairs = _pick(rng, proc & single, 2 * _count(n, 0.0005, 1), used)
    for i, j in zip(pairs[0::2], pairs[1::2], strict=False):
        a, b = pl.at[i, "person"], pl.at[j, "person"]
        persons.at[b, "passport"] = persons.at[a, "passport"]
        pid = truth.new("R11")
        truth.add(pid, "R11", "passport", persons.at[a, "passport"], "shared_passport")
        for k in (i, j):
            _record(truth, pid, "R11", pl, k, "passport_holder")

    # R2: household workers sent to a moratorium country outside SPSK
    households = org.employers
    by_country = {
        iso: np.flatnonzero(g)
        for iso, g in (
            (iso, (households["iso2"] == iso).to_numpy() & (households["kind"] == "perseorangan").to_numpy())
            for iso in ref.MORATORIUM
        )
    }
    mitras_of = {
        iso: np.flatnonzero((org.mitra["iso2"] == iso).to_numpy() & (org.mitra["kind"] == "mitra").to_numpy())
        for iso in ref.MORATORIUM
    }
    for i in _pick(
        rng, proc & (scheme == "P to P") & np.isin(job, ["PLRT", "CG", "BABY", "DRV"]), _count(n, 0.0015), used
    ):
        iso = str(rng.choice(["SA", "AE", "KW", "QA", "JO", "OM", "BH"], p=[0.45, 0.2, 0.1, 0.1, 0.05, 0.05, 0.05]))
        pool = by_country[iso]
        if len(pool):
            emp = int(rng.choice(pool))
        else:
            emp = len(households)
            households.loc[emp] = [names.household_names(rng, "ar", 1)[0], iso, "perseorangan"]
            by_country[iso] = np.array([emp])
        mitras = mitras_of[iso]
        pl.at[i, "country"], pl.at[i, "employer"] = iso, emp
        if len(mitras):
            pl.at[i, "mitra"] = int(rng.choice(mitras))
        pid = truth.new("R2")
        _record(truth, pid, "R2", pl, i, "placement")
    households = org.employers

    # R3: placements by suspended or revoked agencies after the status date
    bad = heads[heads["status"] != "AKTIF"]
    bad_parts = org.partnerships[org.partnerships["p3mi"].isin(bad.index) & (org.partnerships["kind"] == "mitra")]
    k3 = _count(n, 0.001)
    for i in _pick(rng, proc & (scheme == "P to P") & np.isin(country, bad_parts["iso2"].unique()), k3, used):
        opts = bad_parts[bad_parts["iso2"] == country[i]]
        row = opts.iloc[int(rng.integers(len(opts)))]
        h = int(row["p3mi"])
        start = heads.at[h, "tanggal_status"]
        new = min(np.datetime64(start, "D") + int(rng.integers(5, 400)) * DAY, END)
        if new <= np.datetime64(start, "D"):
            continue
        pl.at[i, "p3mi"] = pl.at[i, "p3mi_head"] = h
        pl.at[i, "mitra"] = int(row["mitra"])
        _shift(pl, np.array([i]), np.array([new]))
        pid = truth.new("R3")
        _record(truth, pid, "R3", pl, i, "placement")
        truth.add(pid, "R3", "p3mi", heads.at[h, "no_sip3mi"], "agency_" + heads.at[h, "status"].lower())

    # R4: no SIP2MI
    for i in _pick(rng, proc & (scheme != "Mandiri"), _count(n, 0.002), used):
        pl.at[i, "sip2mi"] = ""
        _record(truth, truth.new("R4"), "R4", pl, i, "placement")

    # R5: overcharging on a zero-cost job after the transition
    zero = np.array([ref.JOB[j].zero_cost for j in job]) & (
        pl["depart"].to_numpy() >= np.datetime64(ref.ZERO_COST_FROM)
    )
    r5 = _pick(rng, proc & zero & (scheme != "G to G"), _count(n, 0.002), used)
    for i in r5:
        pl.at[i, "cost"] = int(rng.integers(6, 90)) * 250_000
        _record(truth, truth.new("R5"), "R5", pl, i, "placement")

    # R6: a missing document
    for i in _pick(rng, proc, _count(n, 0.003), used):
        pid = truth.new("R6")
        what = str(rng.choice(["pk_date", "bpjs", "cert_no", "agreement_no"]))
        if what == "agreement_no" and pl.at[i, "kemnaker"]:
            pl.at[i, "agreement_no"] = ""
            pl.at[i, "agreement_date"] = np.datetime64("NaT", "D")
            _record(truth, pid, "R6", pl, i, "missing_agreement", "kemnaker")
            _record(truth, pid, "R6", pl, i, "missing_agreement")
            continue
        what = "bpjs" if what == "agreement_no" else what
        pl.at[i, what] = np.datetime64("NaT", "D") if what == "pk_date" else ""
        if what == "cert_no":
            pl.at[i, "cert_date"] = np.datetime64("NaT", "D")
        _record(truth, pid, "R6", pl, i, "missing_" + what)

    # R7 + H1: sponsor rings recruiting many workers for several agencies
    spare = len(org.sponsors) - 40
    prov = persons["regency"].str[:2].to_numpy()[pl["person"].to_numpy()]
    for r in range(max(1, min(40, n // 20_000))):
        p0 = prov[int(rng.choice(np.flatnonzero(proc)))]
        pool = proc & (prov == p0) & np.isin(scheme, ["P to P", "SPSK"])
        agencies = np.unique(pl["p3mi_head"].to_numpy()[pool & ~used])
        if len(agencies) < 3:
            continue
        chosen = rng.choice(agencies, size=min(len(agencies), int(rng.integers(3, 5))), replace=False)
        members = _pick(rng, pool & np.isin(pl["p3mi_head"].to_numpy(), chosen), int(rng.integers(8, 26)), used)
        sp = spare + r
        pl.loc[pl.index[members], "sponsor"] = sp
        pid = truth.new("R7")
        for rule in ("R7", "H1"):
            truth.add(pid, rule, "sponsor", org.sponsors.at[sp, "name"], "sponsor")
            for i in members:
                _record(truth, pid, rule, pl, i, "recruited_worker")

    # H1: shell agencies sharing phone, address and director
    active = heads.index[heads["status"] == "AKTIF"].to_numpy()
    for _ in range(max(1, min(5, n // 300_000 + 1))):
        group = rng.choice(active, size=3, replace=False)
        pid = truth.new("H1")
        src = group[0]
        for h in group:
            for col in ("telepon", "alamat", "direktur"):
                org.p3mi.loc[(org.p3mi["head"] == h) & (org.p3mi["kantor_pusat_sip3mi"] == ""), col] = org.p3mi.at[
                    src, col
                ]
            truth.add(pid, "H1", "p3mi", org.p3mi.at[h, "no_sip3mi"], "shell_agency")
        active = np.setdiff1d(active, group)

    # R10: a syarikah with more than three P3MI partners
    sy = org.mitra.index[org.mitra["kind"] == "syarikah"].to_numpy()
    parts = org.partnerships
    sa_load = parts[parts["kind"] == "syarikah"].groupby("p3mi").size()
    free = np.setdiff1d(active, sa_load.index.to_numpy())
    for s in rng.choice(sy, size=min(len(sy), max(1, n // 500_000)), replace=False):
        have = parts.loc[parts["mitra"] == s, "p3mi"].to_numpy()
        extra = rng.choice(free, size=5 - min(len(have), 3), replace=False)
        free = np.setdiff1d(free, extra)
        new = pd.DataFrame(
            {
                "mitra": s,
                "p3mi": extra,
                "weight": 1.0,
                "iso2": "SA",
                "kind": "syarikah",
                "bad_from": np.datetime64("NaT", "D"),
            }
        )
        parts = pd.concat([parts, new], ignore_index=True)
        # some of its SPSK placements go through the new partners
        its = np.flatnonzero((pl["mitra"].to_numpy() == s) & (scheme == "SPSK"))
        for i, h in zip(its, rng.choice(extra, size=len(its)), strict=True):
            if rng.random() < 0.5:
                pl.at[i, "p3mi"] = pl.at[i, "p3mi_head"] = int(h)
        pid = truth.new("R10")
        truth.add(pid, "R10", "syarikah", org.mitra.at[s, "nama"], "syarikah")
        for h in np.concatenate([have, extra]):
            truth.add(pid, "R10", "p3mi", org.p3mi.at[int(h), "no_sip3mi"], "partner")
    org.partnerships = parts

    # H2: partner agencies tied to suspended or revoked P3MIs (every such partnership is planted on purpose)
    bad_ids = set(bad.index)
    for m, grp in parts[parts["p3mi"].isin(bad_ids)].groupby("mitra"):
        pid = truth.new("H2")
        truth.add(pid, "H2", "mitra", org.mitra.at[m, "nama"], "tainted_mitra")
        for h in grp["p3mi"]:
            truth.add(
                pid, "H2", "p3mi", org.p3mi.at[int(h), "no_sip3mi"], "agency_" + org.p3mi.at[int(h), "status"].lower()
            )

    # H3: non-procedural workers on visit/umrah visas clustered around a few employers
    nonproc = channel == NON_PROCEDURAL
    for _ in range(max(2, min(60, n // 25_000))):
        iso = str(rng.choice(["SA", "MY", "AE"], p=[0.5, 0.3, 0.2]))
        emp_pool = np.flatnonzero((households["iso2"] == iso).to_numpy())
        if not len(emp_pool):
            continue
        emp = int(rng.choice(emp_pool))
        members = _pick(rng, nonproc, int(rng.integers(6, 21)), used)
        pl.loc[pl.index[members], "country"] = iso
        pl.loc[pl.index[members], "employer"] = emp
        pl.loc[pl.index[members], "visa"] = rng.choice(
            ["visit", "umrah"], size=len(members), p=[0.5, 0.5] if iso == "SA" else [1.0, 0.0]
        )
        pl.loc[pl.index[members], "job"] = rng.choice(["PLRT", "DRV", "CG"], size=len(members), p=[0.7, 0.15, 0.15])
        pid = truth.new("H3")
        truth.add(pid, "H3", "employer", households.at[emp, "name"], "employer")
        for i in members:
            _record(truth, pid, "H3", pl, i, "non_procedural_worker", "kemlu")

    # H4: training mills. First give every LPK a capacity above its busiest month, then overload a few.
    formal = channel != NON_PROCEDURAL
    month = pl["cert_date"].to_numpy().astype("datetime64[M]")
    lpk = pl["lpk"].to_numpy()
    busiest = pd.DataFrame({"lpk": lpk[formal], "m": month[formal]}).groupby(["lpk", "m"]).size().groupby("lpk").max()
    cap = np.full(len(org.lpk), 20)
    cap[busiest.index.to_numpy()] = np.maximum(20, np.ceil(busiest.to_numpy() * 1.3 / 10) * 10).astype(int)
    org.lpk["kapasitas_per_bulan"] = cap
    for _ in range(max(1, min(20, n // 100_000))):
        mill = int(rng.integers(len(org.lpk)))
        lpk_prov = org.lpk.at[mill, "province"]
        m0 = np.datetime64("2019-01") + int(rng.integers(0, 60)) * np.timedelta64(1, "M")
        n_extra = int(cap[mill] * rng.uniform(1.5, 2.5)) + 5
        one = np.timedelta64(1, "M")
        window = (depart > (m0 + one).astype("datetime64[D]")) & (depart < (m0 + 7 * one).astype("datetime64[D]"))
        members = _pick(rng, proc & window & (prov == lpk_prov), n_extra, used)
        if len(members) <= cap[mill]:
            members = np.concatenate([members, _pick(rng, proc & window, n_extra - len(members), used)])
        pl.loc[pl.index[members], "lpk"] = mill
        pl.loc[pl.index[members], "cert_date"] = m0.astype("datetime64[D]") + rng.integers(0, 28, len(members)) * DAY
        pid = truth.new("H4")
        truth.add(pid, "H4", "lpk", org.lpk.at[mill, "no_izin"], "training_mill")
        for i in members:
            _record(truth, pid, "H4", pl, i, "certificate_over_capacity")
    for i in _pick(rng, proc, _count(n, 0.0007), used):  # certificate dated after departure
        pl.at[i, "cert_date"] = pl.at[i, "depart"] + int(rng.integers(3, 60)) * DAY
        pid = truth.new("H4")
        _record(truth, pid, "H4", pl, i, "certificate_after_departure")
        truth.add(pid, "H4", "lpk", org.lpk.at[int(pl.at[i, "lpk"]), "no_izin"], "issuer")

    # R8 deception: the embassy record shows another job or employer than the contract
    kemlu = pl["kemlu"].to_numpy()
    pl["kemlu_employer"] = pl["employer"]
    pl["kemlu_job"] = pl["job"]
    employers_in = {iso: np.asarray(ix) for iso, ix in households.groupby("iso2").groups.items()}
    for i in _pick(rng, proc & kemlu, _count(n, 0.003), used):
        pid = truth.new("R8")
        if rng.random() < 0.5 or pl.at[i, "job"] == "PLRT":
            same = employers_in[pl.at[i, "country"]]
            pl.at[i, "kemlu_employer"] = int(rng.choice(same))
            role = "employer_differs"
        else:
            pl.at[i, "kemlu_job"] = "PLRT"
            role = "job_differs"
        _record(truth, pid, "R8", pl, i, role)
        _record(truth, pid, "R8", pl, i, role, "kemlu")
    # placements moved in time or place above must still follow the zero-cost rule unless planted for R5
    zero_now = np.array([ref.JOB[j].zero_cost for j in pl["job"]]) & (
        pl["depart"].to_numpy() >= np.datetime64(ref.ZERO_COST_FROM)
    )
    zero_now[r5] = False
    pl.loc[zero_now, "cost"] = 0
    pl["used_by_pattern"] = used
