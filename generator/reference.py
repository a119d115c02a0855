"""Reference data and calibrated shares used by the generator (see shared/domain/CALIBRATION.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

START = dt.date(2018, 1, 1)
END = dt.date(2024, 10, 31)  # the last published figure is Jan-Oct 2024
ZERO_COST_FROM = dt.date(2021, 7, 15)
SPSK_FROM = dt.date(2023, 1, 1)

# Placements per year (CALIBRATION.md); 2024 covers January to October.
YEAR_COUNTS = {2018: 283_640, 2019: 276_553, 2020: 113_173, 2021: 72_624, 2022: 200_761, 2023: 274_965, 2024: 250_391}


@dataclass(frozen=True)
class Country:
    iso2: str
    name_id: str  # Indonesian name, as BP2MI writes it
    name_en: str  # English name, as Kemlu writes it
    weight: float  # 2023 placements
    missions: tuple[str, ...]
    cities: tuple[str, ...]
    style: str  # employer/agency naming style
    moratorium: bool = False


COUNTRIES: tuple[Country, ...] = (
    Country(
        "TW",
        "Taiwan",
        "Taiwan",
        83_216,
        ("KDEI Taipei",),
        ("Taipei", "Taichung", "Kaohsiung", "Taoyuan", "Tainan", "Hsinchu"),
        "tw",
    ),
    Country(
        "MY",
        "Malaysia",
        "Malaysia",
        72_260,
        ("KBRI Kuala Lumpur", "KJRI Johor Bahru", "KJRI Kota Kinabalu", "KJRI Kuching", "KJRI Penang"),
        ("Kuala Lumpur", "Johor Bahru", "Kota Kinabalu", "Kuching", "Penang", "Sandakan", "Tawau"),
        "my",
    ),
    Country(
        "HK",
        "Hong Kong",
        "Hong Kong",
        65_916,
        ("KJRI Hong Kong",),
        ("Hong Kong", "Kowloon", "Sha Tin", "Tuen Mun"),
        "hk",
    ),
    Country(
        "KR",
        "Korea Selatan",
        "South Korea",
        12_580,
        ("KBRI Seoul",),
        ("Seoul", "Busan", "Incheon", "Ansan", "Changwon"),
        "kr",
    ),
    Country(
        "JP",
        "Jepang",
        "Japan",
        9_673,
        ("KBRI Tokyo", "KJRI Osaka"),
        ("Tokyo", "Osaka", "Nagoya", "Fukuoka", "Ibaraki"),
        "jp",
    ),
    Country("SG", "Singapura", "Singapore", 7_898, ("KBRI Singapura",), ("Singapore",), "sg"),
    Country(
        "SA",
        "Arab Saudi",
        "Saudi Arabia",
        6_310,
        ("KBRI Riyadh", "KJRI Jeddah"),
        ("Riyadh", "Jeddah", "Dammam", "Mecca", "Medina"),
        "ar",
        True,
    ),
    Country("IT", "Italia", "Italy", 3_519, ("KBRI Roma",), ("Rome", "Milan", "Naples"), "west"),
    Country(
        "BN",
        "Brunei Darussalam",
        "Brunei",
        2_872,
        ("KBRI Bandar Seri Begawan",),
        ("Bandar Seri Begawan", "Kuala Belait"),
        "my",
    ),
    Country(
        "TR", "Turki", "Turkey", 2_289, ("KBRI Ankara", "KJRI Istanbul"), ("Istanbul", "Ankara", "Antalya"), "west"
    ),
    Country(
        "AE",
        "Uni Emirat Arab",
        "United Arab Emirates",
        1_400,
        ("KBRI Abu Dhabi", "KJRI Dubai"),
        ("Dubai", "Abu Dhabi", "Sharjah"),
        "ar",
        True,
    ),
    Country("QA", "Qatar", "Qatar", 900, ("KBRI Doha",), ("Doha",), "ar", True),
    Country("KW", "Kuwait", "Kuwait", 600, ("KBRI Kuwait City",), ("Kuwait City",), "ar", True),
    Country("OM", "Oman", "Oman", 400, ("KBRI Muscat",), ("Muscat",), "ar", True),
    Country("BH", "Bahrain", "Bahrain", 300, ("KBRI Manama",), ("Manama",), "ar", True),
    Country("JO", "Yordania", "Jordan", 250, ("KBRI Amman",), ("Amman",), "ar", True),
    Country("DE", "Jerman", "Germany", 700, ("KBRI Berlin",), ("Berlin", "Munich", "Hamburg"), "west"),
    Country("PL", "Polandia", "Poland", 900, ("KBRI Warsawa",), ("Warsaw", "Krakow"), "west"),
    Country("AU", "Australia", "Australia", 800, ("KBRI Canberra",), ("Sydney", "Perth", "Darwin"), "west"),
    Country("NZ", "Selandia Baru", "New Zealand", 500, ("KBRI Wellington",), ("Auckland", "Wellington"), "west"),
    Country(
        "US", "Amerika Serikat", "United States", 500, ("KBRI Washington DC",), ("New York", "Los Angeles"), "west"
    ),
    Country("NL", "Belanda", "Netherlands", 300, ("KBRI Den Haag",), ("Amsterdam", "Rotterdam"), "west"),
    Country("MV", "Maladewa", "Maldives", 600, ("KBRI Colombo",), ("Male",), "west"),
    Country("ZA", "Afrika Selatan", "South Africa", 200, ("KBRI Pretoria",), ("Cape Town", "Durban"), "west"),
)
COUNTRY = {c.iso2: c for c in COUNTRIES}
MORATORIUM = tuple(c.iso2 for c in COUNTRIES if c.moratorium)

# Origin provinces, 2023 (CALIBRATION.md); the other provinces share the remainder.
PROVINCE_WEIGHTS = {
    "35": 68_069,
    "33": 59_009,
    "32": 52_961,
    "52": 33_949,
    "18": 21_539,
    "12": 10_550,
    "51": 9_359,
    "36": 3_183,
    "16": 2_088,
    "73": 2_076,
    "82": 12,
}
OTHER_PROVINCE_WEIGHT = 600  # each remaining province (about 12,000 spread over 27)
# Top regencies (2022): Ponorogo, Blitar, Malang get a boost inside Jawa Timur.
REGENCY_BOOST = {
    "35.02": 6.0,
    "35.05": 5.5,
    "35.07": 5.0,
    "33.01": 3.0,
    "33.29": 3.0,
    "32.12": 3.5,
    "32.09": 3.0,
    "52.03": 4.0,
    "52.02": 3.0,
    "18.04": 3.0,
}


@dataclass(frozen=True)
class Job:
    code: str
    jabatan: str  # BP2MI / Kemnaker title
    occupation: str  # as a worker declares it to the embassy
    sector: str  # formal / informal
    female: float  # share of women
    zero_cost: bool  # one of the ten zero-cost jobs (Perban 9/2020)
    spsk: bool  # one of the six SPSK jobs (Saudi Arabia)
    household: bool  # employed by a household


JOBS: tuple[Job, ...] = (
    Job("PLRT", "Penata Laksana Rumah Tangga", "Domestic Worker", "informal", 0.97, True, True, True),
    Job("CG", "Caregiver", "Caregiver", "informal", 0.90, True, True, True),
    Job("BABY", "Pengasuh Bayi", "Babysitter", "informal", 0.99, True, True, True),
    Job("COOK", "Juru Masak Keluarga", "Family Cook", "informal", 0.80, True, True, True),
    Job("DRV", "Sopir Keluarga", "Family Driver", "informal", 0.0, True, True, True),
    Job("GARD", "Tukang Kebun", "Gardener", "informal", 0.05, True, False, True),
    Job("PLANT", "Pekerja Perkebunan", "Plantation Worker", "formal", 0.35, True, False, False),
    Job("OPR", "Operator Produksi", "Factory Worker", "formal", 0.45, False, False, False),
    Job("ABK", "ABK Perikanan", "Fishing Crew", "formal", 0.0, True, False, False),
    Job("KONS", "Pekerja Konstruksi", "Construction Worker", "formal", 0.02, False, False, False),
    Job("HOSP", "Pramusaji", "Waiter", "formal", 0.50, False, False, False),
    Job("NURSE", "Perawat", "Nurse", "formal", 0.80, False, False, False),
    Job("CLEAN", "Petugas Kebersihan", "Cleaner", "formal", 0.50, True, False, False),
    Job("FARM", "Pekerja Pertanian", "Farm Worker", "formal", 0.30, True, False, False),
)
JOB = {j.code: j for j in JOBS}
JOB_INDEX = {j.code: i for i, j in enumerate(JOBS)}

_MIDEAST_FORMAL = {"HOSP": 0.35, "NURSE": 0.2, "KONS": 0.25, "CLEAN": 0.2}
_WEST = {"HOSP": 0.3, "NURSE": 0.2, "OPR": 0.2, "FARM": 0.15, "ABK": 0.15}
# Job mix by destination (procedural placements). Moratorium countries only get formal jobs,
# except Saudi Arabia's SPSK jobs from SPSK_FROM.
JOB_MIX: dict[str, dict[str, float]] = {
    "TW": {"CG": 0.35, "PLRT": 0.10, "OPR": 0.35, "ABK": 0.12, "KONS": 0.03, "FARM": 0.05},
    "MY": {"PLANT": 0.45, "OPR": 0.25, "PLRT": 0.15, "KONS": 0.10, "CLEAN": 0.05},
    "HK": {"PLRT": 0.85, "BABY": 0.05, "CG": 0.08, "COOK": 0.02},
    "KR": {"OPR": 0.75, "ABK": 0.20, "KONS": 0.05},
    "JP": {"OPR": 0.35, "NURSE": 0.15, "KONS": 0.15, "ABK": 0.10, "HOSP": 0.10, "FARM": 0.15},
    "SG": {"PLRT": 0.80, "CG": 0.10, "BABY": 0.05, "HOSP": 0.05},
    "SA": _MIDEAST_FORMAL,
    "IT": {"HOSP": 0.4, "NURSE": 0.2, "CG": 0.2, "FARM": 0.2},
    "BN": {"PLRT": 0.4, "KONS": 0.3, "HOSP": 0.3},
    "TR": {"HOSP": 0.4, "NURSE": 0.2, "PLRT": 0.2, "CLEAN": 0.2},
}
SPSK_MIX = {"PLRT": 0.5, "BABY": 0.1, "COOK": 0.1, "CG": 0.15, "DRV": 0.15}
for _c in COUNTRIES:
    JOB_MIX.setdefault(_c.iso2, _MIDEAST_FORMAL if _c.moratorium else _WEST)

# Destinations of workers who left without procedure (embassy register only).
NON_PROCEDURAL_COUNTRIES = {
    "SA": 0.35,
    "MY": 0.30,
    "AE": 0.10,
    "QA": 0.05,
    "KW": 0.05,
    "OM": 0.04,
    "JO": 0.03,
    "BH": 0.03,
    "TW": 0.03,
    "TR": 0.02,
}
NON_PROCEDURAL_JOBS = {"PLRT": 0.6, "DRV": 0.1, "COOK": 0.05, "CG": 0.05, "KONS": 0.1, "PLANT": 0.1}

# Typical cost charged to the worker (million rupiah), when it may be charged at all.
COST_RANGE = {"TW": (15, 40), "HK": (10, 25), "KR": (4, 10), "JP": (15, 35), "MY": (3, 10), "SG": (8, 18)}
DEFAULT_COST_RANGE = (5, 20)

R9_TYPES = ("GAJI_TIDAK_DIBAYAR", "PENAHANAN_DOKUMEN", "KEKERASAN", "TPPO")
CASE_TYPES = {
    "GAJI_TIDAK_DIBAYAR": 0.25,
    "PENAHANAN_DOKUMEN": 0.10,
    "KEKERASAN": 0.08,
    "PHK_SEPIHAK": 0.22,
    "OVERCHARGING": 0.10,
    "TPPO": 0.03,
    "LAINNYA": 0.22,
}

INDONESIAN_MOBILE_PREFIXES = (
    "811",
    "812",
    "813",
    "821",
    "822",
    "823",
    "852",
    "853",
    "851",
    "855",
    "856",
    "857",
    "858",
    "877",
    "878",
    "895",
    "896",
    "897",
    "898",
    "899",
    "881",
    "882",
    "887",
)
