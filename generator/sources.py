"""The agencies' exports, built from placements: BP2MI, Kemnaker, Kemlu, registries and complaints.

Each builder returns the table exactly as the file will hold it (column names and order of
shared/formats/README.md) plus the ground-truth rows linking each record to its person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import names
from . import reference as ref
from .mess import Mess, fmt_dates, phone_styles
from .organisations import Organisations, _foreign_phone
from .patterns import Truth
from .population import DAY, NON_PROCEDURAL, PROCEDURAL, Regions

BP2MI_COLUMNS = [
    "id_sisko",
    "nik",
    "nama",
    "jenis_kelamin",
    "tempat_lahir",
    "tanggal_lahir",
    "kode_kabkota",
    "alamat",
    "no_hp",
    "no_paspor",
    "jabatan",
    "sektor",
    "negara_tujuan",
    "pemberi_kerja",
    "jenis_pemberi_kerja",
    "mitra_usaha",
    "p3mi",
    "no_sip3mi",
    "no_sip2mi",
    "lpk",
    "no_sertifikat",
    "tanggal_sertifikat",
    "tanggal_pk",
    "tanggal_berangkat",
    "biaya_ditanggung_pmi",
    "no_bpjs",
    "skema",
    "sponsor",
]
KEMNAKER_COLUMNS = [
    "NO REGISTRASI",
    "NIK",
    "NAMA LENGKAP",
    "TGL LAHIR",
    "JENIS KELAMIN",
    "PROVINSI",
    "KAB/KOTA",
    "NEGARA TUJUAN",
    "JABATAN",
    "NAMA P3MI",
    "NO PASPOR",
    "NO PERJANJIAN PENEMPATAN",
    "TGL PERJANJIAN",
    "TGL DAFTAR",
    "NAMA LPK",
    "STATUS",
]
KEMNAKER_DATES = ["TGL LAHIR", "TGL PERJANJIAN", "TGL DAFTAR"]
KEMLU_KEYS = [
    "registration_id",
    "passport_no",
    "full_name",
    "date_of_birth",
    "gender",
    "country",
    "city",
    "mission",
    "occupation",
    "employer_name",
    "employer_address",
    "arrival_date",
    "registered_at",
    "phone_local",
    "phone_id",
    "visa_type",
]
P3MI_COLUMNS = [
    "no_sip3mi",
    "nama_perusahaan",
    "nib",
    "alamat",
    "kode_kabkota",
    "telepon",
    "email",
    "direktur",
    "tanggal_terbit",
    "berlaku_sampai",
    "status",
    "tanggal_status",
    "kantor_pusat_sip3mi",
]
LPK_COLUMNS = ["no_izin", "nama_lpk", "alamat", "kode_kabkota", "telepon", "pemilik", "kapasitas_per_bulan", "status"]
MITRA_COLUMNS = ["nama", "negara", "alamat", "telepon", "status", "p3mi_sip3mi"]
PENGADUAN_COLUMNS = [
    "no_pengaduan",
    "tanggal",
    "nik",
    "no_paspor",
    "nama_pmi",
    "negara",
    "jenis_masalah",
    "teradu_p3mi",
    "teradu_pemberi_kerja",
    "status",
]

OCCUPATION_SYNONYMS = {
    "PLRT": ["Domestic Worker", "Domestic Helper", "Housemaid", "House Keeper"],
    "CG": ["Caregiver", "Care Giver", "Caretaker"],
    "BABY": ["Babysitter", "Nanny"],
    "COOK": ["Cook", "Family Cook"],
    "DRV": ["Driver", "Family Driver"],
    "OPR": ["Factory Worker", "Factory Operator", "Operator"],
    "ABK": ["Fishing Crew", "Fisherman", "Crew"],
    "PLANT": ["Plantation Worker", "Estate Worker"],
    "KONS": ["Construction Worker", "Construction"],
    "HOSP": ["Waiter", "Hotel Staff", "Restaurant Staff"],
    "NURSE": ["Nurse"],
    "CLEAN": ["Cleaner"],
    "GARD": ["Gardener"],
    "FARM": ["Farm Worker", "Agricultural Worker"],
}


class Variants:
    """Collects every spelling of every organisation written to any file (for ground_truth/organisations.csv)."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, str, str, str]] = set()

    def add(
        self, org_ids: np.ndarray, kinds: np.ndarray | str, licences: np.ndarray | str, countries, names_: np.ndarray
    ) -> None:
        n = len(org_ids)
        kinds = np.broadcast_to(np.asarray(kinds, dtype=object), n)
        licences = np.broadcast_to(np.asarray(licences, dtype=object), n)
        countries = np.broadcast_to(np.asarray(countries, dtype=object), n)
        frame = pd.DataFrame({"o": org_ids, "k": kinds, "l": licences, "c": countries, "n": names_})
        frame = frame[frame["n"].astype(bool) & frame["o"].astype(bool)].drop_duplicates()
        self.seen.update(map(tuple, frame.to_numpy().tolist()))

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(sorted(self.seen), columns=["org_id", "kind", "licence", "country", "name"])
        return df


def _case(mess: Mess, values: np.ndarray, upper: float, title: float, lower: float) -> np.ndarray:
    """Case convention of a source, with a few rows in other cases."""
    pick = mess.rng.choice(3, size=len(values), p=np.array([upper, title, lower]) / (upper + title + lower))
    up = np.array([v.upper() for v in values], dtype=object)
    lo = np.array([v.lower() for v in values], dtype=object)
    return np.where(pick == 0, up, np.where(pick == 1, values, lo))


def _variant_pick(mess: Mess, base: np.ndarray, variants: list[np.ndarray], p_main: float) -> np.ndarray:
    """Row-wise: the main spelling, or (with a mess-scaled chance) one of the variants."""
    out = base.copy()
    m = mess.mask(len(base), 1 - p_main)
    which = mess.rng.integers(0, len(variants), len(base))
    for k, v in enumerate(variants):
        sel = m & (which == k)
        out[sel] = v[sel]
    return out


def _agency_names(mess: Mess, canonical: np.ndarray, main_variant: int, p_main: float) -> np.ndarray:
    uniq, inv = np.unique(canonical.astype(str), return_inverse=True)
    table = [names.agency_variants(u) if u else [""] * 7 for u in uniq]
    var = np.array(table, dtype=object)  # (unique, 7)
    out = var[inv, main_variant].copy()
    m = mess.mask(len(canonical), 1 - p_main)
    other = mess.rng.integers(0, 7, len(canonical))
    out[m] = var[inv[m], other[m]]
    return out


class Builder:
    def __init__(
        self,
        rng: np.random.Generator,
        mess_level: float,
        regions: Regions,
        persons: pd.DataFrame,
        pl: pd.DataFrame,
        org: Organisations,
        truth: Truth,
    ):
        self.rng, self.mess = rng, Mess(rng, mess_level)
        self.regions, self.persons, self.pl, self.org, self.truth = regions, persons, pl, org, truth
        self.variants = Variants()
        self.links: list[pd.DataFrame] = []  # person_id, source, record_id, placement_id, mess

    # ---- helpers -------------------------------------------------------------------------------------
    def _link(
        self,
        source: str,
        person: np.ndarray,
        record_ids: np.ndarray,
        placement: np.ndarray | None,
        flags: dict[str, np.ndarray],
        employer: np.ndarray | None = None,
    ) -> None:
        """Ground truth of records: the person, the placement and the employer (``EMP-`` id, when the
        record names one) each record stands for."""
        n = len(record_ids)
        mess_col = np.full(n, "", dtype=object)
        for kind, m in flags.items():
            mess_col = np.where(m, np.where(mess_col == "", kind, mess_col + "|" + kind), mess_col)
        pid = self.persons["person_id"].to_numpy()[person]
        plid = (
            np.array([f"PL{p + 1:07d}" if p >= 0 else "" for p in placement], dtype=object)
            if placement is not None
            else np.full(n, "", dtype=object)
        )
        emp_id = np.full(n, "", dtype=object)
        if employer is not None:
            named = employer >= 0
            emp_id[named] = np.array([f"EMP-{i + 1:07d}" for i in employer[named]], dtype=object)
        self.links.append(
            pd.DataFrame(
                {
                    "person_id": pid,
                    "source": source,
                    "record_id": record_ids,
                    "placement_id": plid,
                    "mess": mess_col,
                    "employer_id": emp_id,
                }
            )
        )

    def _p3mi_licence(self, idx: np.ndarray) -> np.ndarray:
        lic = self.org.p3mi["no_sip3mi"].to_numpy()
        return np.where(idx >= 0, lic[np.maximum(idx, 0)], "")

    def _p3mi_canonical(self, idx: np.ndarray) -> np.ndarray:
        nm = self.org.p3mi["nama_perusahaan"].to_numpy()
        return np.where(idx >= 0, nm[np.maximum(idx, 0)], "")

    def _p3mi_org_id(self, head: np.ndarray) -> np.ndarray:
        return np.array([f"P3MI-{h + 1:04d}" if h >= 0 else "" for h in head], dtype=object)

    # ---- BP2MI -------------------------------------------------------------------------------------
    def bp2mi(self) -> pd.DataFrame:
        pl = self.pl[self.pl["channel"] == PROCEDURAL].reset_index(drop=True)
        per = self.persons.iloc[pl["person"].to_numpy()].reset_index(drop=True)
        m, n = self.mess, len(pl)
        flags: dict[str, np.ndarray] = {}
        nik, flags["nik_missing"] = m.blank(per["nik"].to_numpy(dtype=object), 0.04)
        nik, flags["nik_malformed"] = m.malformed_nik(nik, 0.005)
        nama = _case(m, per["name"].to_numpy(dtype=object), 0.92, 0.06, 0.02)
        nama, flags["name_typo"] = m.typos(nama, 0.03)
        birth, flags["birth_day_month_swapped"] = m.swap_day_month(per["declared_birth"].to_numpy(), 0.01)
        birth_s, flags["birth_impossible"] = m.impossible_dates(fmt_dates(birth, "%d-%m-%Y"), 0.002, "dmy")
        reg = per["regency"].to_numpy(dtype=object)
        place = np.array([self.regions.short_name(r).upper() for r in reg], dtype=object)
        elsewhere = self.rng.random(n) < 0.12
        place[elsewhere] = place[self.rng.permutation(n)][elsewhere]
        place, flags["birthplace_missing"] = m.blank(place, 0.05)
        kode = reg.copy()
        nodot = m.mask(n, 0.03)
        kode[nodot] = [k.replace(".", "") for k in kode[nodot]]
        kode, flags["region_missing"] = m.blank(kode, 0.02)
        phone, flags["phone_missing"] = m.blank(phone_styles(self.rng, per["phone"].to_numpy()), 0.05)
        passport, flags["passport_missing"] = m.blank(per["passport"].to_numpy(dtype=object), 0.02)
        job = pl["job"].to_numpy()
        emp = self.org.employers
        e = pl["employer"].to_numpy()
        emp_name = emp["name"].to_numpy()[e]
        emp_kind = emp["kind"].to_numpy()[e]
        emp_out = _case(m, emp_name, 0.15, 0.85, 0.0)
        mitra_idx = pl["mitra"].to_numpy()
        mitra_name = np.where(mitra_idx >= 0, self.org.mitra["nama"].to_numpy()[np.maximum(mitra_idx, 0)], "")
        lic_idx = pl["p3mi"].to_numpy()
        p3mi_out = _agency_names(m, self._p3mi_canonical(lic_idx), 2, 0.8)
        lpk_idx = pl["lpk"].to_numpy()
        lpk_name = np.where(lpk_idx >= 0, self.org.lpk["nama_lpk"].to_numpy()[np.maximum(lpk_idx, 0)], "")
        lpk_out = _case(m, lpk_name, 0.7, 0.3, 0.0)
        sp = pl["sponsor"].to_numpy()
        sponsor = np.where(sp >= 0, self.org.sponsors["name"].to_numpy()[np.maximum(sp, 0)], "")
        country = pl["country"].to_numpy()
        df = pd.DataFrame(
            {
                "id_sisko": pl["id_sisko"].to_numpy(),
                "nik": nik,
                "nama": nama,
                "jenis_kelamin": np.where(per["female"].to_numpy(), "P", "L"),
                "tempat_lahir": place,
                "tanggal_lahir": birth_s,
                "kode_kabkota": kode,
                "alamat": per["address"].to_numpy(),
                "no_hp": phone,
                "no_paspor": passport,
                "jabatan": [ref.JOB[j].jabatan for j in job],
                "sektor": [ref.JOB[j].sector for j in job],
                "negara_tujuan": [ref.COUNTRY[c].name_id for c in country],
                "pemberi_kerja": emp_out,
                "jenis_pemberi_kerja": np.where(emp_kind == "perseorangan", "perseorangan", "badan hukum"),
                "mitra_usaha": mitra_name,
                "p3mi": p3mi_out,
                "no_sip3mi": self._p3mi_licence(lic_idx),
                "no_sip2mi": pl["sip2mi"].to_numpy(),
                "lpk": lpk_out,
                "no_sertifikat": pl["cert_no"].to_numpy(),
                "tanggal_sertifikat": fmt_dates(pl["cert_date"].to_numpy(), "%d-%m-%Y"),
                "tanggal_pk": fmt_dates(pl["pk_date"].to_numpy(), "%d-%m-%Y"),
                "tanggal_berangkat": fmt_dates(pl["depart"].to_numpy(), "%d-%m-%Y"),
                "biaya_ditanggung_pmi": pl["cost"].to_numpy(),
                "no_bpjs": pl["bpjs"].to_numpy(),
                "skema": pl["scheme"].to_numpy(),
                "sponsor": sponsor,
            }
        )
        self._link(
            "bp2mi",
            pl["person"].to_numpy(),
            df["id_sisko"].to_numpy(),
            pl["placement"].to_numpy(),
            flags,
            np.where(emp_out != "", e, -1),
        )
        self._org_variants(pl, p3mi_out, emp_out, lpk_out, mitra_name)
        return df[BP2MI_COLUMNS]

    def _org_variants(self, pl: pd.DataFrame, p3mi_out, emp_out, lpk_out, mitra_name) -> None:
        head = pl["p3mi_head"].to_numpy()
        lic = self._p3mi_licence(head)
        self.variants.add(self._p3mi_org_id(head), "p3mi", lic, "ID", p3mi_out)
        e = pl["employer"].to_numpy()
        emp = self.org.employers
        self.variants.add(
            np.array([f"EMP-{i + 1:07d}" for i in e], dtype=object),
            emp["kind"].to_numpy()[e],
            "",
            emp["iso2"].to_numpy()[e],
            emp_out,
        )
        if lpk_out is not None:
            li = pl["lpk"].to_numpy()
            self.variants.add(
                np.array([f"LPK-{i + 1:05d}" if i >= 0 else "" for i in li], dtype=object),
                "lpk",
                np.where(li >= 0, self.org.lpk["no_izin"].to_numpy()[np.maximum(li, 0)], ""),
                "ID",
                lpk_out,
            )
        if mitra_name is not None:
            mi = pl["mitra"].to_numpy()
            kind = np.where(mi >= 0, self.org.mitra["kind"].to_numpy()[np.maximum(mi, 0)], "")
            self.variants.add(
                np.array([f"MITRA-{i + 1:05d}" if i >= 0 else "" for i in mi], dtype=object),
                kind,
                "",
                np.where(mi >= 0, self.org.mitra["iso2"].to_numpy()[np.maximum(mi, 0)], ""),
                mitra_name,
            )

    # ---- Kemnaker --------------------------------------------------------------------------------------
    def kemnaker(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The table (dates as datetime64) and, per row, whether its dates are written as text."""
        pl = self.pl[self.pl["kemnaker"]].reset_index(drop=True)
        # cancelled earlier attempts of some departed workers (a second registration, same person)
        again = pl[(pl["channel"] == PROCEDURAL) & (pl["seq"] == 0)]
        again = again[self.rng.random(len(again)) < 0.04].copy()
        again["reg_status"] = "BATAL"
        again["reg_date"] = np.maximum(
            again["reg_date"].to_numpy() - self.rng.integers(150, 400, len(again)) * DAY, np.datetime64("2017-06-01")
        )
        again["agreement_no"] = ""
        again["agreement_date"] = np.datetime64("NaT", "D")
        years = again["reg_date"].dt.year.to_numpy()
        again["reg_id"] = [f"SIAP-{y}-9{k:07d}" for k, y in enumerate(years, start=1)]
        again["placement"] = -1
        pl = pd.concat([pl, again], ignore_index=True)
        pl = pl.sort_values(["reg_date", "reg_id"], kind="stable").reset_index(drop=True)
        per = self.persons.iloc[pl["person"].to_numpy()].reset_index(drop=True)
        m, n = self.mess, len(pl)
        flags: dict[str, np.ndarray] = {}
        nik, flags["nik_missing"] = m.blank(per["nik"].to_numpy(dtype=object), 0.05)
        nik, flags["nik_malformed"] = m.malformed_nik(nik, 0.005)
        nama = per["name"].to_numpy(dtype=object).copy()
        binti = m.mask(n, 0.25)
        fem = per["female"].to_numpy()
        father = per["father"].to_numpy(dtype=object)
        nama[binti] = [
            f"{a} {'Binti' if f else 'Bin'} {b}" for a, f, b in zip(nama[binti], fem[binti], father[binti], strict=True)
        ]
        flags["binti_suffix"] = binti
        nama = _case(m, nama, 0.12, 0.85, 0.03)
        nama, flags["name_typo"] = m.typos(nama, 0.04)
        birth, flags["birth_day_month_swapped"] = m.swap_day_month(per["declared_birth"].to_numpy(), 0.01)
        reg = per["regency"].to_numpy(dtype=object)
        prov_name = np.array([self.regions.name[r[:2]] for r in reg], dtype=object)
        prov_out = _variant_pick(
            m,
            prov_name,
            [
                np.char.upper(prov_name.astype(str)).astype(object),
                np.array(["Prov. " + p for p in prov_name], dtype=object),
            ],
            0.7,
        )
        kab = np.array([self.regions.regency_name(r) for r in reg], dtype=object)
        short = np.array([self.regions.short_name(r) for r in reg], dtype=object)
        kab_abbr = np.array([k.replace("Kabupaten ", "Kab. ") for k in kab], dtype=object)
        kab_out = _variant_pick(
            m,
            kab,
            [
                np.char.upper(kab_abbr.astype(str)).astype(object),
                kab_abbr,
                short,
                np.char.upper(short.astype(str)).astype(object),
            ],
            0.5,
        )
        country = pl["country"].to_numpy()
        neg = np.array([ref.COUNTRY[c].name_id for c in country], dtype=object)
        neg_alt = np.array(
            [
                {"HK": "Hongkong", "KR": "Korea", "SA": "Saudi Arabia", "TW": "Taiwan (ROC)"}.get(
                    c, ref.COUNTRY[c].name_id.upper()
                )
                for c in country
            ],
            dtype=object,
        )
        neg_out = _variant_pick(m, neg, [np.char.upper(neg.astype(str)).astype(object), neg_alt], 0.8)
        p3mi_out = _agency_names(m, self._p3mi_canonical(pl["p3mi"].to_numpy()), 0, 0.4)
        status = pl["reg_status"].to_numpy()
        passport = np.where((status == "BERANGKAT") & (self.rng.random(n) < 0.7), per["passport"].to_numpy(), "")
        lpk_idx = pl["lpk"].to_numpy()
        lpk_name = np.where(lpk_idx >= 0, self.org.lpk["nama_lpk"].to_numpy()[np.maximum(lpk_idx, 0)], "")
        lpk_out = _variant_pick(
            m,
            lpk_name,
            [
                np.char.upper(lpk_name.astype(str)).astype(object),
                np.array([s.removeprefix("LPK ") for s in lpk_name], dtype=object),
            ],
            0.6,
        )
        agreement = np.where(status == "BATAL", "", pl["agreement_no"].to_numpy())
        agreement_date = np.where(agreement == "", np.datetime64("NaT", "D"), pl["agreement_date"].to_numpy())
        df = pd.DataFrame(
            {
                "NO REGISTRASI": pl["reg_id"].to_numpy(),
                "NIK": nik,
                "NAMA LENGKAP": nama,
                "TGL LAHIR": birth,
                "JENIS KELAMIN": np.where(fem, "Perempuan", "Laki-laki"),
                "PROVINSI": prov_out,
                "KAB/KOTA": kab_out,
                "NEGARA TUJUAN": neg_out,
                "JABATAN": [ref.JOB[j].jabatan for j in pl["job"]],
                "NAMA P3MI": p3mi_out,
                "NO PASPOR": passport,
                "NO PERJANJIAN PENEMPATAN": agreement,
                "TGL PERJANJIAN": agreement_date.astype("datetime64[ns]"),
                "TGL DAFTAR": pl["reg_date"].to_numpy().astype("datetime64[ns]"),
                "NAMA LPK": lpk_out,
                "STATUS": status,
            }
        )
        text_dates = self.rng.random(n) < 0.3
        self._link(
            "kemnaker", pl["person"].to_numpy(), df["NO REGISTRASI"].to_numpy(), pl["placement"].to_numpy(), flags
        )
        self._org_variants(pl, p3mi_out, np.array([""] * n, dtype=object), lpk_out, None)
        return df[KEMNAKER_COLUMNS], text_dates

    # ---- Kemlu -------------------------------------------------------------------------------------------
    def kemlu(self) -> pd.DataFrame:
        pl = self.pl[self.pl["kemlu"]].reset_index(drop=True)
        per = self.persons.iloc[pl["person"].to_numpy()].reset_index(drop=True)
        m, n = self.mess, len(pl)
        flags: dict[str, np.ndarray] = {}
        base = per["name"].to_numpy(dtype=object).copy()
        mono = np.array([" " not in b for b in base]) & m.mask(n, 0.5)
        base[mono] = [f"{a} {b}" for a, b in zip(base[mono], per["father"].to_numpy()[mono], strict=True)]
        flags["father_name_added"] = mono
        spell = m.mask(n, 0.35)
        r = self.rng.random(n)
        full = np.array(
            [names.passport_spelling(b, x) if s else b.upper() for b, s, x in zip(base, spell, r, strict=True)],
            dtype=object,
        )
        flags["passport_spelling"] = spell
        full, flags["name_typo"] = m.typos(full, 0.03)
        birth, flags["birth_day_month_swapped"] = m.swap_day_month(per["declared_birth"].to_numpy(), 0.02)
        passport, flags["passport_missing"] = m.blank(per["passport"].to_numpy(dtype=object), 0.05)
        passport, flags["passport_typo"] = m.typos(passport, 0.01)
        country = pl["country"].to_numpy()
        iso_style = self.rng.random(n) < 0.3
        country_out = np.where(iso_style, country, np.array([ref.COUNTRY[c].name_en for c in country], dtype=object))
        ci = self.rng.random(n)
        city = np.array(
            [ref.COUNTRY[c].cities[int(x * len(ref.COUNTRY[c].cities))] for c, x in zip(country, ci, strict=True)],
            dtype=object,
        )
        mission = np.array(
            [
                ref.COUNTRY[c].missions[int(x * len(ref.COUNTRY[c].missions))]
                for c, x in zip(country, self.rng.random(n), strict=True)
            ],
            dtype=object,
        )
        kj = pl["kemlu_job"].to_numpy()
        occ = np.array(
            [
                OCCUPATION_SYNONYMS[j][int(x * len(OCCUPATION_SYNONYMS[j]))]
                for j, x in zip(kj, self.rng.random(n), strict=True)
            ],
            dtype=object,
        )
        occ[pl["visa"].to_numpy() == "student"] = "Student"
        e = pl["kemlu_employer"].to_numpy()
        emp = self.org.employers
        emp_name = emp["name"].to_numpy()[e]
        stripped = np.array(
            [
                s.replace(" Co., Ltd.", "").replace(" Sdn. Bhd.", " SDN BHD").replace(" Limited", " Ltd")
                for s in emp_name
            ],
            dtype=object,
        )
        emp_out = _variant_pick(
            m,
            emp_name,
            [
                np.char.upper(emp_name.astype(str)).astype(object),
                stripped,
                np.char.lower(emp_name.astype(str)).astype(object),
            ],
            0.5,
        )
        emp_out[pl["visa"].to_numpy() == "student"] = ""
        addr = np.array(
            [f"No. {int(x * 300) + 1}, {c}" for x, c in zip(self.rng.random(n), city, strict=True)], dtype=object
        )
        arrival = pl["depart"].to_numpy() + self.rng.integers(0, 2, n) * DAY
        reg_at = arrival.astype("datetime64[s]") + (self.rng.exponential(20 * 86400, n)).astype(int) * np.timedelta64(
            1, "s"
        )
        phone_id = np.where(self.rng.random(n) < 0.6, phone_styles(self.rng, per["phone"].to_numpy()), "")
        phone_local = np.array([_foreign_phone(self.rng, c) for c in country], dtype=object)
        df = pd.DataFrame(
            {
                "registration_id": pl["kemlu_id"].to_numpy(),
                "passport_no": passport,
                "full_name": full,
                "date_of_birth": fmt_dates(birth, "%Y/%m/%d"),
                "gender": np.where(per["female"].to_numpy(), "F", "M"),
                "country": country_out,
                "city": city,
                "mission": mission,
                "occupation": occ,
                "employer_name": emp_out,
                "employer_address": addr,
                "arrival_date": fmt_dates(arrival, "%Y/%m/%d"),
                "registered_at": fmt_dates(reg_at, "%Y-%m-%dT%H:%M:%SZ"),
                "phone_local": phone_local,
                "phone_id": phone_id,
                "visa_type": pl["visa"].to_numpy(),
            }
        )
        self._link(
            "kemlu",
            pl["person"].to_numpy(),
            df["registration_id"].to_numpy(),
            pl["placement"].to_numpy(),
            flags,
            np.where(emp_out != "", e, -1),
        )
        self.variants.add(
            np.array([f"EMP-{i + 1:07d}" for i in e], dtype=object),
            emp["kind"].to_numpy()[e],
            "",
            emp["iso2"].to_numpy()[e],
            emp_out,
        )
        return df[KEMLU_KEYS]

    # ---- complaints ------------------------------------------------------------------------------------------
    def pengaduan(self) -> pd.DataFrame:
        pl = self.pl
        departed = (pl["channel"] != "never_departed").to_numpy()
        pick = np.flatnonzero(departed & (self.rng.random(len(pl)) < 0.015))
        sub = pl.iloc[pick].reset_index(drop=True)
        per = self.persons.iloc[sub["person"].to_numpy()].reset_index(drop=True)
        n = len(sub)
        nonproc = sub["channel"].to_numpy() == NON_PROCEDURAL
        types = np.asarray(list(ref.CASE_TYPES))
        p = np.asarray(list(ref.CASE_TYPES.values()))
        jenis = types[self.rng.choice(len(types), n, p=p / p.sum())]
        jenis[nonproc & (self.rng.random(n) < 0.4)] = "NON_PROSEDURAL"
        date = np.minimum(sub["depart"].to_numpy() + self.rng.integers(30, 700, n) * DAY, np.datetime64("2024-12-31"))
        years = pd.DatetimeIndex(date).year.to_numpy()
        ids = np.array([f"ADU-{y}-{k:06d}" for k, y in enumerate(years, start=1)], dtype=object)
        order = np.argsort(date, kind="stable")
        sub, per, jenis, date, ids, nonproc = (
            sub.iloc[order].reset_index(drop=True),
            per.iloc[order].reset_index(drop=True),
            jenis[order],
            date[order],
            ids,
            nonproc[order],
        )
        years = pd.DatetimeIndex(date).year.to_numpy()
        ids = np.array([f"ADU-{y}-{k:06d}" for k, y in enumerate(years, start=1)], dtype=object)
        nik = np.where(~nonproc & (self.rng.random(n) < 0.6), per["nik"].to_numpy(), "")
        passport = np.where(self.rng.random(n) < 0.5, per["passport"].to_numpy(), "")
        nama = _case(self.mess, per["name"].to_numpy(dtype=object), 0.6, 0.4, 0.0)
        nama, typo_mask = self.mess.typos(nama, 0.05)
        p3 = _agency_names(self.mess, self._p3mi_canonical(sub["p3mi"].to_numpy()), 1, 0.5)
        e = sub["employer"].to_numpy()
        emp_name = np.where(self.rng.random(n) < 0.7, self.org.employers["name"].to_numpy()[e], "")
        df = pd.DataFrame(
            {
                "no_pengaduan": ids,
                "tanggal": fmt_dates(date, "%Y-%m-%d"),
                "nik": nik,
                "no_paspor": passport,
                "nama_pmi": nama,
                "negara": [ref.COUNTRY[c].name_id for c in sub["country"]],
                "jenis_masalah": jenis,
                "teradu_p3mi": p3,
                "teradu_pemberi_kerja": emp_name,
                "status": np.where(date < np.datetime64("2024-06-01"), "SELESAI", "PROSES"),
            }
        )
        self._link(
            "pengaduan",
            sub["person"].to_numpy(),
            ids,
            sub["placement"].to_numpy(),
            {"name_typo": typo_mask},
            np.where(emp_name != "", e, -1),
        )
        for k in np.flatnonzero(np.isin(jenis, ref.R9_TYPES)):
            pid = self.truth.new("R9")
            self.truth.add(pid, "R9", "pengaduan_record", ids[k], jenis[k].lower())
            if sub.at[k, "id_sisko"]:
                self.truth.add(pid, "R9", "bp2mi_record", sub.at[k, "id_sisko"], "reported_placement")
            if sub.at[k, "kemlu_id"]:
                self.truth.add(pid, "R9", "kemlu_record", sub.at[k, "kemlu_id"], "reported_placement")
        self._org_variants(sub, p3, emp_name, None, None)
        return df[PENGADUAN_COLUMNS]

    # ---- registries ----------------------------------------------------------------------------------------
    def p3mi_registry(self) -> pd.DataFrame:
        p = self.org.p3mi.copy()
        for col in ("tanggal_terbit", "berlaku_sampai", "tanggal_status"):
            p[col] = fmt_dates(p[col].to_numpy(), "%Y-%m-%d")
        self.variants.add(
            self._p3mi_org_id(p["head"].to_numpy()),
            "p3mi",
            self._p3mi_licence(p["head"].to_numpy()),
            "ID",
            p["nama_perusahaan"].to_numpy(),
        )
        return p[P3MI_COLUMNS]

    def lpk_registry(self) -> pd.DataFrame:
        lpk = self.org.lpk
        self.variants.add(
            np.array([f"LPK-{i + 1:05d}" for i in range(len(lpk))], dtype=object),
            "lpk",
            lpk["no_izin"].to_numpy(),
            "ID",
            lpk["nama_lpk"].to_numpy(),
        )
        return lpk[LPK_COLUMNS]

    def mitra_registry(self) -> pd.DataFrame:
        parts = self.org.partnerships.sort_values(["mitra", "p3mi"], kind="stable")
        mi = parts["mitra"].to_numpy()
        mt = self.org.mitra
        df = pd.DataFrame(
            {
                "nama": mt["nama"].to_numpy()[mi],
                "negara": [ref.COUNTRY[c].name_id for c in mt["iso2"].to_numpy()[mi]],
                "alamat": mt["alamat"].to_numpy()[mi],
                "telepon": mt["telepon"].to_numpy()[mi],
                "status": mt["status"].to_numpy()[mi],
                "p3mi_sip3mi": self.org.p3mi["no_sip3mi"].to_numpy()[parts["p3mi"].to_numpy()],
            }
        )
        self.variants.add(
            np.array([f"MITRA-{i + 1:05d}" for i in mi], dtype=object),
            mt["kind"].to_numpy()[mi],
            "",
            mt["iso2"].to_numpy()[mi],
            df["nama"].to_numpy(),
        )
        return df[MITRA_COLUMNS]

    def persons_truth(self) -> pd.DataFrame:
        df = pd.concat(self.links, ignore_index=True)
        return df.sort_values(["person_id", "source", "record_id"], kind="stable").reset_index(drop=True)
