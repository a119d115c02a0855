"""Organisations and who-placed-whom: P3MI (with branches), partner agencies, syarikah, employers, LPK, sponsors."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import names
from . import reference as ref
from .population import NON_PROCEDURAL, Regions

# Where P3MI head offices are (CALIBRATION.md: 129 of 424 in DKI Jakarta, 113 in Jawa Barat).
P3MI_PROVINCES = {"31": 129, "32": 113, "35": 70, "33": 50, "36": 22, "52": 15, "18": 10, "12": 8, "51": 7}


@dataclass
class Organisations:
    p3mi: pd.DataFrame  # one row per licence (head offices and branches)
    mitra: pd.DataFrame  # one row per foreign agency (syarikah included, kind='syarikah')
    partnerships: pd.DataFrame  # mitra index, p3mi index (head office)
    employers: pd.DataFrame  # index, name, country, kind (perseorangan / badan hukum / syarikah)
    lpk: pd.DataFrame
    sponsors: pd.DataFrame


def _date(rng: np.random.Generator, lo: str, hi: str, n: int) -> np.ndarray:
    a, b = np.datetime64(lo), np.datetime64(hi)
    return a + rng.integers(0, int((b - a) / np.timedelta64(1, "D")), n) * np.timedelta64(1, "D")


def _office_phone(rng: np.random.Generator, area: str) -> str:
    return f"({area}) {int(rng.integers(100, 999))}{int(rng.integers(1000, 9999))}"


AREA_CODES = {
    "31": "021",
    "32": "022",
    "33": "024",
    "35": "031",
    "36": "021",
    "52": "0370",
    "18": "0721",
    "12": "061",
    "51": "0361",
}


def make_p3mi(rng: np.random.Generator, regions: Regions, n_head: int) -> pd.DataFrame:
    provs = np.asarray(list(P3MI_PROVINCES))
    w = np.asarray(list(P3MI_PROVINCES.values()), dtype=float)
    prov = provs[rng.choice(len(provs), n_head, p=w / w.sum())]
    if n_head >= 424:  # exactly the published split
        prov = np.concatenate([np.repeat(provs, w.astype(int)), prov[: n_head - int(w.sum())]])
    names_ = names.unique_company_names(rng, n_head, "PT")
    terbit = _date(rng, "2008-01-01", "2017-12-31", n_head)
    status = rng.choice(["AKTIF", "DIBEKUKAN", "DICABUT"], n_head, p=[0.9, 0.05, 0.05])
    tstatus = np.where(status != "AKTIF", _date(rng, "2019-06-01", "2023-12-31", n_head), np.datetime64("NaT", "D"))
    reg = [regions.regencies[p][int(rng.integers(len(regions.regencies[p])))] for p in prov]
    nums = rng.permutation(np.arange(100, 100 + 4 * n_head))[:n_head]
    rows = {
        "no_sip3mi": [f"KEP.{n}/MEN/{str(t)[:4]}" for n, t in zip(nums, terbit, strict=True)],
        "nama_perusahaan": names_,
        "nib": [f"{x:013d}" for x in rng.integers(10**12, 10**13 - 1, n_head)],
        "alamat": [
            f"Jl. {names.ID_WORDS[int(rng.integers(len(names.ID_WORDS)))]} Raya No. "
            f"{int(rng.integers(1, 200))}, "
            f"{regions.regency_name(r)}"
            for r in reg
        ],
        "kode_kabkota": reg,
        "telepon": [_office_phone(rng, AREA_CODES.get(p, "021")) for p in prov],
        "email": [f"info@{n.removeprefix('PT ').replace(' ', '').lower()}.co.id" for n in names_],
        "direktur": names.person_names(rng, rng.random(n_head) < 0.2)[0],
        "tanggal_terbit": terbit,
        "berlaku_sampai": _date(rng, "2026-01-01", "2029-12-31", n_head),
        "status": status,
        "tanggal_status": tstatus,
        "kantor_pusat_sip3mi": "",
        "province": prov,
        "head": np.arange(n_head),
    }
    head = pd.DataFrame(rows)
    # branch offices in the big sending provinces
    branch_rows = []
    for i in np.flatnonzero(rng.random(n_head) < 0.25):
        provinces = rng.choice(["35", "33", "32", "52", "18", "51"], int(rng.integers(1, 4)), replace=False)
        for k, bp in enumerate(provinces):
            if bp == head.at[i, "province"]:
                continue
            r = regions.regencies[bp][int(rng.integers(len(regions.regencies[bp])))]
            row = head.loc[i].to_dict()
            row.update(
                no_sip3mi=f"{row['no_sip3mi']}/CAB.{k + 1:02d}",
                kode_kabkota=r,
                province=bp,
                alamat=f"Jl. {names.ID_WORDS[int(rng.integers(len(names.ID_WORDS)))]} No. "
                f"{int(rng.integers(1, 99))}, {regions.regency_name(r)}",
                telepon=_office_phone(rng, AREA_CODES.get(bp, "0351")),
                kantor_pusat_sip3mi=row["no_sip3mi"],
                head=i,
                tanggal_terbit=row["tanggal_terbit"] + int(rng.integers(30, 900)) * np.timedelta64(1, "D"),
            )
            branch_rows.append(row)
    p3mi = pd.concat([head, pd.DataFrame(branch_rows)], ignore_index=True) if branch_rows else head
    p3mi["tanggal_terbit"] = p3mi["tanggal_terbit"].astype("datetime64[s]")
    return p3mi


def _foreign_phone(rng: np.random.Generator, iso: str) -> str:
    cc = {
        "TW": "+886",
        "MY": "+60",
        "HK": "+852",
        "KR": "+82",
        "JP": "+81",
        "SG": "+65",
        "SA": "+966",
        "AE": "+971",
        "QA": "+974",
        "KW": "+965",
        "BN": "+673",
        "TR": "+90",
    }.get(iso, "+44")
    return f"{cc} {int(rng.integers(10_000_000, 99_999_999))}"


def build(rng: np.random.Generator, regions: Regions, persons: pd.DataFrame, pl: pd.DataFrame) -> Organisations:
    """Create the organisations and assign them to placements (columns added to `pl` in place)."""
    n_total = len(pl)
    n_head = 424 if n_total >= 2000 else max(40, n_total // 5)
    p3mi = make_p3mi(rng, regions, n_head)
    heads = p3mi[p3mi["kantor_pusat_sip3mi"] == ""]
    bad_from = heads["tanggal_status"].to_numpy()  # NaT for AKTIF
    depart = pl["depart"].to_numpy()
    country = pl["country"].to_numpy()
    job = pl["job"].to_numpy()
    channel = pl["channel"].to_numpy()
    n = len(pl)
    r = rng.random(n)

    # schemes
    scheme = np.full(n, "P to P", dtype=object)
    g2g = ((country == "KR") & (r < 0.9)) | ((country == "JP") & (r < 0.03)) | ((country == "DE") & (r < 0.1))
    scheme[g2g] = "G to G"
    scheme[(scheme == "P to P") & (rng.random(n) < 0.075)] = "Mandiri"
    scheme[pl["spsk"].to_numpy()] = "SPSK"
    scheme[channel == NON_PROCEDURAL] = ""
    pl["scheme"] = scheme

    # foreign partner agencies and their P3MI partners, per destination
    taken: set[str] = set()
    mitra_rows: list[dict[str, object]] = []
    part_rows: list[dict[str, object]] = []
    placed = scheme == "P to P"
    total_pp = max(1, int(placed.sum()))
    for c in ref.COUNTRIES:
        vol = int((placed & (country == c.iso2)).sum())
        n_m = max(2, math.ceil(math.sqrt(vol) * 0.6))
        share = vol / total_pp
        serving = rng.choice(
            n_head, size=min(n_head, max(3, round(n_head * min(1.0, 0.05 + share * 4)))), replace=False
        )
        for nm in names.agency_abroad_names(rng, c.style, n_m, taken):
            m = len(mitra_rows)
            mitra_rows.append(
                {
                    "nama": nm,
                    "iso2": c.iso2,
                    "kind": "mitra",
                    "alamat": f"{c.cities[int(rng.integers(len(c.cities)))]}, {c.name_en}",
                    "telepon": _foreign_phone(rng, c.iso2),
                    "status": rng.choice(["TERVERIFIKASI", "DITOLAK", "BLACKLIST"], p=[0.94, 0.04, 0.02]),
                }
            )
            for p in rng.choice(serving, size=min(len(serving), int(rng.integers(1, 4))), replace=False):
                part_rows.append({"mitra": m, "p3mi": int(p), "weight": float(rng.lognormal(0, 1))})
    # syarikah (SPSK), each with 1-3 P3MI partners, each P3MI with at most 3 syarikah
    spsk_vol = int((scheme == "SPSK").sum())
    n_sy = max(3, math.ceil(math.sqrt(spsk_vol) * 0.5))
    good_heads = np.flatnonzero(heads["status"].to_numpy() == "AKTIF")
    sa_serving = rng.choice(good_heads, size=min(len(good_heads), max(6, n_sy)), replace=False)
    load = {int(p): 0 for p in sa_serving}
    for nm in names.syarikah_names(rng, n_sy):
        m = len(mitra_rows)
        mitra_rows.append(
            {
                "nama": nm,
                "iso2": "SA",
                "kind": "syarikah",
                "alamat": "Riyadh, Saudi Arabia",
                "telepon": _foreign_phone(rng, "SA"),
                "status": "TERVERIFIKASI",
            }
        )
        free = [p for p, k in load.items() if k < 3]
        for p in rng.choice(free, size=min(len(free), int(rng.integers(1, 4))), replace=False):
            load[int(p)] += 1
            part_rows.append({"mitra": m, "p3mi": int(p), "weight": float(rng.lognormal(0, 1))})
    mitra = pd.DataFrame(mitra_rows)
    parts = pd.DataFrame(part_rows)
    parts["iso2"] = mitra["iso2"].to_numpy()[parts["mitra"].to_numpy()]
    parts["kind"] = mitra["kind"].to_numpy()[parts["mitra"].to_numpy()]
    parts["bad_from"] = bad_from[parts["p3mi"].to_numpy()]

    # choose a partnership for every placement that goes through a P3MI
    p_mitra = np.full(n, -1)
    p_head = np.full(n, -1)
    needs = np.isin(scheme, ["P to P", "SPSK"])
    for (iso, kind), grp in parts.groupby(["iso2", "kind"], sort=True):
        sel = needs & (country == iso) & ((scheme == "SPSK") == (kind == "syarikah"))
        idx = np.flatnonzero(sel)
        if not len(idx):
            continue
        w = grp["weight"].to_numpy()
        pick = rng.choice(len(grp), size=len(idx), p=w / w.sum())
        # an agency suspended or revoked places nobody after its status date (those cases are planted later)
        bf = grp["bad_from"].to_numpy()[pick]
        clash = ~np.isnat(bf) & (depart[idx] >= bf)
        good = np.flatnonzero(np.isnat(grp["bad_from"].to_numpy()))
        if clash.any() and len(good):
            gw = w[good]
            pick[clash] = good[rng.choice(len(good), size=int(clash.sum()), p=gw / gw.sum())]
        p_mitra[idx] = grp["mitra"].to_numpy()[pick]
        p_head[idx] = grp["p3mi"].to_numpy()[pick]
    pl["mitra"] = p_mitra
    pl["p3mi_head"] = p_head
    # licence written on the placement: a branch in the worker's province if the company has one
    prov = persons["regency"].str[:2].to_numpy()[pl["person"].to_numpy()]
    branch_of = {
        (int(h), p): i
        for i, h, p in zip(p3mi.index, p3mi["head"], p3mi["province"], strict=True)
        if p3mi.at[i, "kantor_pusat_sip3mi"]
    }
    lic = p_head.copy()
    if branch_of:
        use = rng.random(n) < 0.8
        for i in np.flatnonzero(p_head >= 0):
            b = branch_of.get((int(p_head[i]), prov[i]))
            if b is not None and use[i] and depart[i] > p3mi.at[b, "tanggal_terbit"]:
                lic[i] = b
    pl["p3mi"] = lic

    # employers
    emp_rows: list[dict] = []
    employer = np.full(n, -1)
    household = np.array([ref.JOB[j].household for j in job]) & (scheme != "SPSK")
    sy_idx = np.flatnonzero(mitra["kind"].to_numpy() == "syarikah")
    for c in ref.COUNTRIES:
        in_c = country == c.iso2
        idx = np.flatnonzero(in_c & household)
        if len(idx):
            size = max(1, math.ceil(len(idx) * 0.85))
            base = len(emp_rows)
            emp_rows += [
                {"name": nm, "iso2": c.iso2, "kind": "perseorangan"} for nm in names.household_names(rng, c.style, size)
            ]
            employer[idx] = base + rng.integers(0, size, len(idx))
        comp_taken: set[str] = set()
        for jb in np.unique(job[in_c & ~household & (scheme != "SPSK")]):
            idx = np.flatnonzero(in_c & ~household & (scheme != "SPSK") & (job == jb))
            size = max(1, math.ceil(len(idx) / 25))
            base = len(emp_rows)
            emp_rows += [
                {"name": nm, "iso2": c.iso2, "kind": "badan hukum"}
                for nm in names.company_names(rng, c.style, jb, size, comp_taken)
            ]
            w = 1.0 / np.arange(1, size + 1) ** 0.8
            employer[idx] = base + rng.choice(size, len(idx), p=w / w.sum())
    # SPSK: the syarikah is the employer of record
    base = len(emp_rows)
    emp_rows += [{"name": mitra.at[i, "nama"], "iso2": "SA", "kind": "syarikah"} for i in sy_idx]
    spsk_rows = np.flatnonzero(scheme == "SPSK")
    employer[spsk_rows] = base + np.searchsorted(sy_idx, p_mitra[spsk_rows])
    employers = pd.DataFrame(emp_rows)
    # repeat migrants often return to the same household
    seq = pl["seq"].to_numpy()
    prev = np.arange(n) - 1
    back = (seq > 0) & (country == country[prev]) & (job == job[prev]) & household & (rng.random(n) < 0.5)
    employer[back] = employer[prev[back]]
    pl["employer"] = employer

    # training institutes (LPK), in the sending provinces
    wants_lpk = channel != NON_PROCEDURAL
    n_lpk = max(10, math.ceil(wants_lpk.sum() / 400))
    lpk_prov_counts = pd.Series(prov[wants_lpk]).value_counts()
    lpk_prov = lpk_prov_counts.index.to_numpy()[
        rng.choice(len(lpk_prov_counts), n_lpk, p=(lpk_prov_counts / lpk_prov_counts.sum()).to_numpy())
    ]
    lpk_reg = [regions.regencies[p][int(rng.integers(len(regions.regencies[p])))] for p in lpk_prov]
    lpk_names = names.unique_company_names(rng, n_lpk, "LPK", k=2)
    lpk = pd.DataFrame(
        {
            "no_izin": [
                f"{i + 1:04d}/LPK/{r.replace('.', '')}/{int(rng.integers(2008, 2018))}" for i, r in enumerate(lpk_reg)
            ],
            "nama_lpk": lpk_names,
            "alamat": [
                f"Jl. {names.ID_WORDS[int(rng.integers(len(names.ID_WORDS)))]} No. {int(rng.integers(1, 150))}, "
                f"{regions.regency_name(r)}"
                for r in lpk_reg
            ],
            "kode_kabkota": lpk_reg,
            "telepon": [f"08{int(rng.integers(11, 99))}{int(rng.integers(10_000_000, 99_999_999))}" for _ in lpk_reg],
            "pemilik": names.person_names(rng, rng.random(n_lpk) < 0.3)[0],
            "kapasitas_per_bulan": 0,
            "status": rng.choice(["AKTIF", "NONAKTIF"], n_lpk, p=[0.95, 0.05]),
            "province": lpk_prov,
        }
    )
    lpk_of = np.full(n, -1)
    by_prov = {p: np.flatnonzero(lpk_prov == p) for p in np.unique(lpk_prov)}
    active = np.flatnonzero(lpk["status"].to_numpy() == "AKTIF")
    for p in np.unique(prov):
        idx = np.flatnonzero(wants_lpk & (prov == p))
        cand = by_prov.get(p, active)
        w = 1.0 / np.arange(1, len(cand) + 1) ** 0.7
        lpk_of[idx] = cand[rng.choice(len(cand), len(idx), p=w / w.sum())]
    pl["lpk"] = lpk_of

    # sponsors (field recruiters): 1-4 workers each, one agency, one province
    sponsored = np.flatnonzero(np.isin(scheme, ["P to P", "SPSK"]) & (rng.random(n) < 0.55))
    order = sponsored[np.lexsort((prov[sponsored], p_head[sponsored]))]
    sizes = rng.choice([1, 2, 3, 4], size=len(order) + 1, p=[0.35, 0.3, 0.2, 0.15])
    cuts = np.cumsum(sizes)
    n_sp = int(np.searchsorted(cuts, len(order), side="left")) + 1
    group = np.searchsorted(cuts, np.arange(len(order)), side="right")
    sponsor = np.full(n, -1)
    sponsor[order] = group
    pl["sponsor"] = sponsor
    sponsors = pd.DataFrame({"name": sponsor_names(rng, n_sp + 40)})  # spare names for planted rings
    return Organisations(p3mi, mitra, parts, employers, lpk, sponsors)


def sponsor_names(rng: np.random.Generator, n: int) -> list[str]:
    female = rng.random(n * 2) < 0.2
    full, father = names.person_names(rng, female)
    seen: set[str] = set()
    out: list[str] = []
    for i, (nm, fa) in enumerate(zip(full, father, strict=True)):
        cand = nm if " " in nm else f"{nm} {fa}"
        if female[i] and rng.random() < 0.3:
            cand = f"Hj. {cand}"
        elif not female[i] and rng.random() < 0.3:
            cand = f"H. {cand}"
        if cand not in seen:
            seen.add(cand)
            out.append(cand)
        if len(out) == n:
            break
    i = 0
    while len(out) < n:  # extremely small pools only
        out.append(f"{out[i]} {i}")
        i += 1
    return out
