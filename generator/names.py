"""Name pools and name builders: Indonesian people, foreign employers, companies, and spelling variants.

Faker is slow per call, so its id_ID word lists are read once and combined with numpy.
"""

from __future__ import annotations

import numpy as np
from faker.providers.person.id_ID import Provider as _IdPerson

# Names common among rural workers, to mix with Faker's (rather urban) id_ID lists.
_RURAL_FEMALE = (
    "Siti",
    "Sri",
    "Nur",
    "Suparmi",
    "Sumiati",
    "Wartini",
    "Sulastri",
    "Tukini",
    "Painem",
    "Sutini",
    "Karsinah",
    "Rohmah",
    "Munawaroh",
    "Khotimah",
    "Umi",
    "Yuliana",
    "Eka",
    "Dwi",
    "Tri",
    "Nining",
    "Rina",
    "Lilis",
    "Erna",
    "Susilawati",
    "Warsini",
    "Suwarni",
    "Marfuah",
    "Juwariyah",
    "Rukmini",
    "Kasmini",
    "Sarmi",
    "Wiwik",
    "Endang",
    "Musriah",
    "Fatimah",
    "Aminah",
    "Zubaidah",
    "Halimah",
    "Nurhayati",
    "Rahayu",
    "Ratna",
    "Yanti",
    "Heni",
)
_RURAL_MALE = (
    "Muhammad",
    "Ahmad",
    "Slamet",
    "Sutrisno",
    "Suparman",
    "Sugeng",
    "Agus",
    "Bambang",
    "Joko",
    "Wahyu",
    "Eko",
    "Budi",
    "Rudi",
    "Heru",
    "Tarno",
    "Kasno",
    "Paimin",
    "Sukirman",
    "Darmaji",
    "Abdul",
    "Imam",
    "Syaiful",
    "Arif",
    "Sholeh",
    "Rohmat",
    "Mujiono",
    "Karyadi",
    "Suyanto",
    "Nurdin",
    "Lalu",
    "Made",
    "Wayan",
    "Ketut",
    "Nyoman",
)
_RURAL_LAST = (
    "Wati",
    "Ningsih",
    "Rahayu",
    "Lestari",
    "Sari",
    "Susanti",
    "Wahyuni",
    "Handayani",
    "Setiawan",
    "Santoso",
    "Prasetyo",
    "Hidayat",
    "Saputra",
    "Nugroho",
    "Kurniawan",
    "Riyadi",
    "Fauzi",
    "Hasanah",
    "Maulana",
    "Ramadhan",
)

FEMALE_FIRST = tuple(dict.fromkeys(_RURAL_FEMALE * 4 + tuple(_IdPerson.first_names_female)))
MALE_FIRST = tuple(dict.fromkeys(_RURAL_MALE * 4 + tuple(_IdPerson.first_names_male)))
FEMALE_LAST = tuple(dict.fromkeys(_RURAL_LAST + tuple(_IdPerson.last_names_female)))
MALE_LAST = tuple(dict.fromkeys(_RURAL_LAST[4:] + tuple(_IdPerson.last_names_male)))
# Weighting: rural names first in each pool get more weight (Zipf-like).


def _zipf_weights(n: int, a: float = 0.6) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** a
    return w / w.sum()


def person_names(rng: np.random.Generator, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Full names (title case) and a father's first name for each person; 15 % are mononyms."""
    n = len(female)
    out = np.empty(n, dtype=object)
    parts = rng.choice([1, 2, 3], size=n, p=[0.15, 0.6, 0.25])
    ff = np.asarray(FEMALE_FIRST, dtype=object)[rng.choice(len(FEMALE_FIRST), n, p=_zipf_weights(len(FEMALE_FIRST)))]
    mf = np.asarray(MALE_FIRST, dtype=object)[rng.choice(len(MALE_FIRST), n, p=_zipf_weights(len(MALE_FIRST)))]
    ff2 = np.asarray(FEMALE_FIRST, dtype=object)[rng.integers(0, len(FEMALE_FIRST), n)]
    mf2 = np.asarray(MALE_FIRST, dtype=object)[rng.integers(0, len(MALE_FIRST), n)]
    fl = np.asarray(FEMALE_LAST, dtype=object)[rng.integers(0, len(FEMALE_LAST), n)]
    ml = np.asarray(MALE_LAST, dtype=object)[rng.integers(0, len(MALE_LAST), n)]
    first = np.where(female, ff, mf)
    middle = np.where(female, ff2, mf2)
    last = np.where(female, fl, ml)
    for i in range(n):
        p = parts[i]
        if p == 1:
            out[i] = first[i]
        elif p == 2:
            out[i] = f"{first[i]} {last[i]}"
        else:
            mid = middle[i] if middle[i] != first[i] else last[i]
            out[i] = f"{first[i]} {mid} {last[i]}" if mid != last[i] else f"{first[i]} {last[i]}"
    fathers = np.asarray(_RURAL_MALE + tuple(_IdPerson.first_names_male[:150]), dtype=object)
    father = fathers[rng.integers(0, len(fathers), n)]
    return out, father


# ---- spelling variants -------------------------------------------------------------------------------------

_PASSPORT_SUBS = (
    ("Muhammad", "Mohammad"),
    ("Muhammad", "Muhamad"),
    ("Muhammad", "Mochammad"),
    ("Ahmad", "Achmad"),
    ("Siti", "Sitti"),
    ("Nur", "Noor"),
    ("Sri", "Sry"),
    ("Yuli", "Yully"),
    ("Syaiful", "Saiful"),
    ("Sholeh", "Soleh"),
    ("Khotimah", "Chotimah"),
    ("Rohmah", "Rochmah"),
    ("u", "oe"),
    ("j", "dj"),
    ("y", "i"),
    ("Kh", "H"),
    ("ah", "a"),
    ("i", "ie"),
)


def passport_spelling(name: str, r: float) -> str:
    """A passport-style spelling: an old/alternative spelling of one part, or an initial; upper case."""
    words = name.split()
    cands = [(a, b) for a, b in _PASSPORT_SUBS if a in name]
    if cands and (r < 0.75 or len(words) < 3):
        a, b = cands[int(r * 1000) % len(cands)]
        name = name.replace(a, b, 1)
    elif len(words) >= 3:  # middle name shortened to an initial
        name = " ".join([words[0], words[1][0], *words[2:]])
    return name.upper()


_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def typo(s: str, r1: float, r2: float) -> str:
    """One typo: drop, double, swap or replace a letter (positions chosen from r1, kind from r2)."""
    if len(s) < 4:
        return s
    i = 1 + int(r1 * (len(s) - 2))
    kind = int(r2 * 4)
    if s[i] == " " or s[i - 1] == " ":
        i = max(1, i - 2)
    if kind == 0:
        return s[:i] + s[i + 1 :]
    if kind == 1:
        return s[:i] + s[i] + s[i:]
    if kind == 2 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    c = _KEYBOARD[int(r2 * 1000) % 26]
    c = c.upper() if s[i].isupper() else c
    return s[:i] + c + s[i + 1 :]


def agency_variants(name: str) -> list[str]:
    """Spellings of a company registered as 'PT Maju Jaya Abadi'."""
    core = name.removeprefix("PT ").strip()
    return [
        f"PT {core}",
        f"PT. {core}",
        f"PT. {core.upper()}",
        f"PT {core.upper()}",
        f"{core.upper()}, PT",
        f"{core}, PT.",
        core.upper(),
    ]


# ---- organisations --------------------------------------------------------------------------------------------

ID_WORDS = (
    "Maju",
    "Jaya",
    "Abadi",
    "Sejahtera",
    "Mandiri",
    "Karya",
    "Bina",
    "Putra",
    "Utama",
    "Sentosa",
    "Makmur",
    "Lestari",
    "Sinar",
    "Cahaya",
    "Duta",
    "Graha",
    "Mitra",
    "Tenaga",
    "Insani",
    "Bhakti",
    "Arta",
    "Bumi",
    "Citra",
    "Dharma",
    "Eka",
    "Griya",
    "Harapan",
    "Indah",
    "Kencana",
    "Langgeng",
    "Mulia",
    "Nusantara",
    "Perkasa",
    "Raya",
    "Samudra",
    "Tama",
    "Wira",
    "Yasa",
    "Amanah",
    "Barokah",
    "Berkah",
    "Rizki",
    "Anugerah",
    "Gemilang",
    "Perdana",
    "Prima",
    "Sukses",
    "Sumber",
    "Tunas",
    "Bangun",
    "Cipta",
    "Kharisma",
    "Lintas",
    "Mega",
    "Permata",
    "Sarana",
    "Tirta",
    "Wahana",
    "Andalan",
    "Dinamika",
    "Global",
    "Hikmah",
    "Persada",
    "Intan",
    "Kurnia",
    "Mahkota",
)


def unique_company_names(rng: np.random.Generator, n: int, prefix: str, k: int = 3) -> list[str]:
    words = np.asarray(ID_WORDS, dtype=object)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        pick = words[rng.choice(len(words), size=k, replace=False)]
        name = f"{prefix} " + " ".join(pick)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


_TW_SUR = (
    "Chen",
    "Lin",
    "Huang",
    "Chang",
    "Li",
    "Wang",
    "Wu",
    "Liu",
    "Tsai",
    "Yang",
    "Hsu",
    "Cheng",
    "Hsieh",
    "Kuo",
    "Hung",
    "Tseng",
    "Chiu",
    "Liao",
    "Lai",
    "Chou",
    "Yeh",
    "Su",
    "Chuang",
    "Lu",
    "Chiang",
    "Ho",
    "Lo",
)
_TW_GIVEN = (
    "Mei",
    "Ling",
    "Chun",
    "Hui",
    "Wei",
    "Chih",
    "Ming",
    "Hsiu",
    "Ying",
    "Kuo",
    "Yu",
    "Shu",
    "Chia",
    "Hao",
    "Tsung",
    "Fang",
    "Jung",
    "Yi",
    "Hsin",
    "Pei",
    "Wen",
    "Tzu",
    "Chien",
    "Li",
)
_HK_SUR = (
    "Chan",
    "Wong",
    "Lee",
    "Cheung",
    "Lau",
    "Ng",
    "Leung",
    "Ho",
    "Lam",
    "Tsang",
    "Chow",
    "Yip",
    "Tang",
    "Fung",
    "Kwok",
    "Mak",
    "Yeung",
    "Lui",
    "Tse",
    "Chu",
    "Siu",
    "Poon",
)
_HK_GIVEN = (
    "Ka",
    "Man",
    "Siu",
    "Ming",
    "Wai",
    "Kit",
    "Mei",
    "Chi",
    "Keung",
    "Kwok",
    "Wing",
    "Yuk",
    "Lan",
    "Tak",
    "Wah",
    "Hoi",
    "Sze",
    "Chun",
    "Yan",
    "Lok",
)
_MY_MALAY = ("Ahmad", "Mohd", "Abdul", "Ismail", "Hassan", "Rahman", "Aziz", "Zainal", "Kamarul", "Roslan")
_MY_CHINESE = ("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Teo", "Koh", "Yap")
_AR_FIRST = (
    "Abdullah",
    "Mohammed",
    "Fahad",
    "Saad",
    "Khalid",
    "Sultan",
    "Faisal",
    "Turki",
    "Nasser",
    "Saleh",
    "Ahmed",
    "Omar",
    "Hamad",
    "Majed",
    "Yousef",
    "Ibrahim",
    "Abdulaziz",
    "Bandar",
    "Nawaf",
    "Salem",
)
_AR_FAMILY = (
    "Al-Qahtani",
    "Al-Otaibi",
    "Al-Ghamdi",
    "Al-Harbi",
    "Al-Zahrani",
    "Al-Dosari",
    "Al-Shehri",
    "Al-Mutairi",
    "Al-Anazi",
    "Al-Subaie",
    "Al-Shammari",
    "Al-Hajri",
    "Al-Marri",
    "Al-Kuwari",
    "Al-Balushi",
    "Al-Nuaimi",
    "Al-Maktoum",
    "Al-Rashidi",
    "Al-Khalifa",
    "Al-Zoubi",
)
_KR = ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim")
_JP = ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato")
_WEST_FIRST = (
    "Maria",
    "Giulia",
    "Anna",
    "Marco",
    "Luca",
    "Emma",
    "Sophie",
    "John",
    "David",
    "Elif",
    "Mehmet",
    "Ayse",
    "Peter",
    "Jan",
    "Katarzyna",
    "Piotr",
    "Sarah",
    "James",
)
_WEST_LAST = (
    "Rossi",
    "Russo",
    "Bianchi",
    "Smith",
    "Brown",
    "Muller",
    "Schmidt",
    "Yilmaz",
    "Kaya",
    "Demir",
    "Kowalski",
    "Nowak",
    "de Jong",
    "Jansen",
    "Taylor",
    "Wilson",
    "Ferrari",
    "Esposito",
)

_STEMS = (
    "Golden",
    "Everbright",
    "Formosa",
    "Pacific",
    "Global",
    "Prime",
    "Oriental",
    "Evergreen",
    "Sunrise",
    "Great Wall",
    "Dragon",
    "Lotus",
    "Ocean",
    "Royal",
    "United",
    "Star",
    "Crystal",
    "Jade",
    "Summit",
    "Metro",
    "Asia",
    "Delta",
    "Eagle",
    "Phoenix",
    "Harmony",
    "Victory",
    "Fortune",
    "Silver",
    "Bright",
    "Grand",
    "Eastern",
    "Northern",
    "Perfect",
    "Sincere",
    "Union",
    "Blue Sky",
    "Green Field",
    "Rising",
    "Noble",
)
_TRADES = {
    "OPR": ("Electronics", "Textile", "Plastics", "Precision", "Metal Works", "Foods", "Manufacturing", "Industries"),
    "ABK": ("Fishery", "Marine", "Ocean Fishing", "Seafood"),
    "PLANT": ("Plantation", "Agro", "Palm Oil", "Estates"),
    "FARM": ("Farm", "Agriculture", "Horticulture"),
    "KONS": ("Construction", "Engineering", "Builders"),
    "HOSP": ("Hotel", "Hospitality", "Restaurant Group", "Catering"),
    "NURSE": ("Medical Center", "Hospital", "Healthcare"),
    "CLEAN": ("Cleaning Services", "Facility Services"),
}
_SUFFIX = {
    "tw": "Co., Ltd.",
    "hk": "Limited",
    "my": "Sdn. Bhd.",
    "sg": "Pte. Ltd.",
    "kr": "Co., Ltd.",
    "jp": "Co., Ltd.",
    "ar": "Co.",
    "west": "Ltd.",
}
_AR_WORDS = (
    "Mawarid",
    "Tamayuz",
    "Nujoom",
    "Khaleej",
    "Rawabi",
    "Sahab",
    "Nakheel",
    "Yamama",
    "Ajyal",
    "Masah",
    "Fajr",
    "Riyada",
    "Wafa",
    "Ittihad",
    "Rukn",
    "Hayat",
    "Manar",
    "Tameer",
    "Emtiaz",
    "Khidmat",
    "Bayan",
    "Saqr",
    "Durrah",
    "Thuraya",
    "Jawhara",
    "Waha",
    "Murjan",
    "Salam",
    "Nokhba",
    "Afaq",
)


def household_names(rng: np.random.Generator, style: str, n: int) -> np.ndarray:
    a, b, c = rng.random(n), rng.random(n), rng.random(n)

    def pick(pool: tuple[str, ...], r: np.ndarray) -> np.ndarray:
        return np.asarray(pool, dtype=object)[(r * len(pool)).astype(int)]

    if style == "tw":
        parts = zip(pick(_TW_SUR, a), pick(_TW_GIVEN, b), pick(_TW_GIVEN, c), strict=True)
        return np.array([f"{s} {g1}-{g2.lower()}" for s, g1, g2 in parts], dtype=object)
    if style in ("hk", "sg"):
        parts = zip(pick(_HK_SUR, a), pick(_HK_GIVEN, b), pick(_HK_GIVEN, c), strict=True)
        return np.array([f"{s} {g1} {g2}" for s, g1, g2 in parts], dtype=object)
    if style == "my":
        malay = [f"{x} bin {y}" for x, y in zip(pick(_MY_MALAY, a), pick(_MY_MALAY, c), strict=True)]
        chinese = [
            f"{x} {y} {z}" for x, y, z in zip(pick(_MY_CHINESE, a), pick(_HK_GIVEN, b), pick(_HK_GIVEN, c), strict=True)
        ]
        return np.where(b < 0.55, np.array(malay, dtype=object), np.array(chinese, dtype=object))
    if style == "ar":
        parts = zip(pick(_AR_FIRST, a), pick(_AR_FIRST, b), pick(_AR_FAMILY, c), strict=True)
        return np.array([f"{x} bin {y} {z}" for x, y, z in parts], dtype=object)
    if style == "kr":
        return np.array(
            [
                f"{x} {y}-{z.lower()}"
                for x, y, z in zip(pick(_KR, a), pick(_HK_GIVEN, b), pick(_HK_GIVEN, c), strict=True)
            ],
            dtype=object,
        )
    if style == "jp":
        return np.array([f"{x} {y}" for x, y in zip(pick(_JP, a), pick(_WEST_FIRST, b), strict=True)], dtype=object)
    return np.array([f"{x} {y}" for x, y in zip(pick(_WEST_FIRST, b), pick(_WEST_LAST, c), strict=True)], dtype=object)


def _word(rng: np.random.Generator, pool: tuple[str, ...]) -> str:
    return pool[int(rng.integers(len(pool)))]


def _unique(n: int, taken: set[str], make, retry) -> list[str]:
    """n new names from make(); a name already taken gets one retry(name) before being dropped."""
    out: list[str] = []
    while len(out) < n:
        name = make()
        if name in taken:
            name = retry(name)
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def _stem(rng: np.random.Generator, style: str) -> str:
    return f"Al-{_word(rng, _AR_WORDS)}" if style == "ar" else _word(rng, _STEMS)


def company_names(rng: np.random.Generator, style: str, job: str, n: int, taken: set[str]) -> list[str]:
    trades = _TRADES.get(job, ("Services",))
    suffix = _SUFFIX[style]

    def make() -> str:
        stem = _stem(rng, style)
        if style == "my" and rng.random() < 0.4:
            stem = f"{_word(rng, ID_WORDS)} {stem}"
        return f"{stem} {_word(rng, trades)} {suffix}"

    return _unique(n, taken, make, lambda nm: nm.replace(f" {suffix}", f" {int(rng.integers(2, 99))} {suffix}"))


def agency_abroad_names(rng: np.random.Generator, style: str, n: int, taken: set[str]) -> list[str]:
    kind = {
        "tw": "Manpower Agency Co., Ltd.",
        "hk": "Employment Agency Limited",
        "my": "Recruitment Sdn. Bhd.",
        "sg": "Employment Agency Pte. Ltd.",
        "kr": "Human Resources Co., Ltd.",
        "jp": "Jinzai Co., Ltd.",
        "ar": "Recruitment Office",
        "west": "Staffing Ltd.",
    }[style]
    return _unique(
        n,
        taken,
        lambda: f"{_stem(rng, style)} {kind}",
        lambda nm: nm.replace(f" {kind}", f" {_word(rng, _STEMS)} {kind}"),
    )


def syarikah_names(rng: np.random.Generator, n: int) -> list[str]:
    out: list[str] = []
    words = list(_AR_WORDS)
    while len(out) < n:
        a, b = rng.choice(len(words), 2, replace=False)
        name = (
            f"Syarikah Al-{words[a]} Al-{words[b]} lil Istiqdam"
            if rng.random() < 0.5
            else f"Al-{words[a]} {words[b]} Recruitment Company"
        )
        if name not in out:
            out.append(name)
    return out
