"""Reference data and value normalisation: countries, regions, job codes, NIK, phones, names."""

from __future__ import annotations

import datetime as dt
import random

import phonenumbers
import pyarrow as pa
import pytest

from loaders.normalize import (
    _international_e164,
    normalize_org_name,
    normalize_phone,
    parse_date,
    parse_money,
    parse_nik,
    phones_e164,
    split_person_name,
)
from reference import (
    find_province,
    find_regency,
    get_country,
    get_region,
    job_code,
    job_codes,
    lookup_country,
    regencies,
    rules,
)


@pytest.mark.parametrize(
    ("text", "alpha2"),
    [
        ("Arab Saudi", "SA"),
        ("Korea Selatan", "KR"),
        ("Jepang", "JP"),
        ("Belanda", "NL"),
        ("Jerman", "DE"),
        ("Uni Emirat Arab", "AE"),
        ("Amerika Serikat", "US"),
        ("hong kong", "HK"),
        ("Saudi Arabia", "SA"),
        ("United Arab Emirates", "AE"),
        ("Taiwan", "TW"),
        ("TW", "TW"),
        ("my", "MY"),
        ("MYS", "MY"),
        ("Viet Nam", "VN"),
        # Spellings other exporters use; pycountry's fuzzy search once answered the first two with
        # China (a subdivision of it is called so) and North Korea ("Korea, Republic of" was only
        # indexed in that order).
        ("Hong Kong SAR", "HK"),
        ("Republic of Korea", "KR"),
        ("Hong Kong SAR, China", "HK"),
        ("Korea (North)", "KP"),
        ("Korea (South)", "KR"),
        ("Islamic Republic of Iran", "IR"),
        ("Persatuan Emirat Arab (PEA)", "AE"),
        ("Kerajaan Arab Saudi", "SA"),
        ("Macao SAR, China", "MO"),
        ("Saudi Arabia (KSA)", "SA"),
        ("Sabah", "MY"),  # a state's name gives its country
    ],
)
def test_country_lookup(text: str, alpha2: str) -> None:
    assert lookup_country(text) == alpha2


def test_unknown_country_is_none() -> None:
    assert lookup_country("Narnia") is None
    assert lookup_country("") is None
    # no guess from a part of a name: pycountry's fuzzy search answered these with MT, TL and ID
    for text in ("XX", "Laut", "Aceh", "Jawa"):
        assert lookup_country(text) is None, text


def test_country_names() -> None:
    saudi = get_country("SA")
    assert saudi is not None and saudi.name == "Saudi Arabia" and saudi.name_id == "Arab Saudi"


def test_region_counts_match_the_decree() -> None:
    assert len(regencies()) == 514
    assert get_region("35") is not None and get_region("35").name == "Jawa Timur"  # type: ignore[union-attr]


@pytest.mark.parametrize("code", ["35.02", "3502", " 35.02 "])
def test_regency_by_code(code: str) -> None:
    region = get_region(code)
    assert region is not None and region.name == "Kabupaten Ponorogo" and region.province_code == "35"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("KAB. MALANG", "35.07"),
        ("Kabupaten Malang", "35.07"),
        ("Kab Malang", "35.07"),
        ("Kota Malang", "35.73"),
        ("KOTA MALANG", "35.73"),
        ("Jakarta Pusat", "31.71"),
        ("KOTA ADM. JAKARTA PUSAT", "31.71"),
        ("PONOROGO", "35.02"),
    ],
)
def test_regency_by_name_variant(name: str, code: str) -> None:
    match = find_regency(name)
    assert match.region is not None and match.region.code == code


def test_bare_ambiguous_regency_name_is_reported() -> None:
    match = find_regency("MALANG")
    assert match.region is None and match.reason == "ambiguous"
    assert {r.code for r in match.candidates} == {"35.07", "35.73"}
    assert find_regency("Atlantis").reason == "unknown"


def test_province_names() -> None:
    assert find_province("JAWA TIMUR").code == "35"  # type: ignore[union-attr]
    assert find_province("DKI Jakarta").code == "31"  # type: ignore[union-attr]
    assert find_province("Prov. Jawa Barat").code == "32"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Penata Laksana Rumah Tangga", "DOMESTIC_WORKER"),
        ("Caregiver", "CAREGIVER"),
        ("Operator Produksi", "FACTORY_OPERATOR"),
        ("ABK Perikanan", "FISHING_CREW"),
        ("Perawat Lansia", "ELDERLY_CARER"),
        ("Perawat", "NURSE"),
        ("Sopir Keluarga", "FAMILY_DRIVER"),
        ("Sopir", "DRIVER"),
        ("Pekerja Kebun Sawit", "PLANTATION_WORKER"),
        ("Tukang Bangunan", "CONSTRUCTION_WORKER"),
        ("Pelayan Restoran", "HOSPITALITY_WORKER"),
        ("Juru Masak", "COOK"),
        ("Astronaut", "OTHER"),
    ],
)
def test_job_codes(title: str, code: str) -> None:
    assert job_code(title) == code


def test_rule_lists_use_job_codes_and_alpha2() -> None:
    data = rules()
    assert len(data["zero_cost"]["jobs"]) == 10 and len(data["spsk"]["jobs"]) == 6
    known = set(job_codes())
    assert set(data["zero_cost"]["jobs"]) <= known and set(data["spsk"]["jobs"]) <= known
    assert len(data["moratorium"]["countries"]) == 19
    assert all(get_country(c) is not None for c in data["moratorium"]["countries"])


def test_nik_man_and_woman() -> None:
    man = parse_nik("3507011505990001")
    assert man.valid and man.sex == "L" and man.birth_date == dt.date(1999, 5, 15)
    woman = parse_nik("3507015505990001")  # day 55 = 15 + 40
    assert woman.valid and woman.sex == "P" and woman.birth_date == dt.date(1999, 5, 15)
    assert woman.province == "35" and woman.regency == "35.07"


def test_nik_two_digit_year_never_in_the_future() -> None:
    assert parse_nik("3507011505100001", today=dt.date(2024, 1, 1)).birth_date == dt.date(2010, 5, 15)
    assert parse_nik("3507011505300001", today=dt.date(2024, 1, 1)).birth_date == dt.date(1930, 5, 15)


@pytest.mark.parametrize(
    ("nik", "reason"),
    [
        ("350701150599000", "16 digits"),
        ("35070115059900012", "16 digits"),
        ("35O7011505990001", "16 digits"),
        ("9907011505990001", "province"),
        ("3500011505990001", "regency"),
        ("3507001505990001", "district"),
        ("3507013202990001", "birth date"),
        ("3507017202990001", "birth date"),
        ("3507011513990001", "birth date"),
        ("3507012902230001", "birth date"),
        ("3507011505990000", "serial"),
    ],
)
def test_invalid_nik_says_why(nik: str, reason: str) -> None:
    info = parse_nik(nik)
    assert not info.valid and reason in (info.reason or "")


@pytest.mark.parametrize("number", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 34567890"])
def test_indonesian_mobile_to_e164(number: str) -> None:
    assert normalize_phone(number) == "+6281234567890"


def test_other_phones_use_phonenumbers() -> None:
    assert normalize_phone("021 5551234") == "+62215551234"
    assert normalize_phone("0912 345 678", "TW") == "+886912345678"
    assert normalize_phone("+852 9123 4567") == "+85291234567"
    assert normalize_phone("not a phone") is None
    assert normalize_phone("12") is None
    # '00' + country code is the international form dialled from Indonesia and most countries
    assert normalize_phone("0062 812 3456 7890") == "+6281234567890"
    assert normalize_phone("00966 50 123 4567", "SA") == normalize_phone("050 123 4567", "SA") == "+966501234567"


def test_fast_mobile_path_agrees_with_phonenumbers() -> None:
    for number in ["081234567", "0812345678", "08123456789012", "0899999999999", "08111111111"]:
        expected = None
        parsed = phonenumbers.parse(number, "ID")
        if phonenumbers.is_possible_number(parsed):
            expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert normalize_phone(number) in (expected, None), number


@pytest.mark.parametrize(
    "name",
    ["PT. Maju Jaya Abadi", "MAJU JAYA ABADI, PT", "PT MAJU JAYA ABADI", "pt.maju  jaya abadi", "Maju Jaya Abadi PT."],
)
def test_company_forms_are_stripped(name: str) -> None:
    assert normalize_org_name(name) == "MAJU JAYA ABADI"


def test_company_name_that_is_only_a_form_survives() -> None:
    assert normalize_org_name("CV. Sinar") == "SINAR"
    assert normalize_org_name("PT") == "PT"


def test_person_names() -> None:
    assert split_person_name("Siti  Aminah Binti Ahmad").__dict__ == {
        "name_norm": "SITI AMINAH",
        "father_name": "AHMAD",
    }
    assert split_person_name("BUDI SANTOSO BIN SUPARMAN").father_name == "SUPARMAN"
    assert split_person_name("H. Ahmad Yusuf").name_norm == "AHMAD YUSUF"
    assert split_person_name("  dewi   lestari ") == split_person_name("DEWI LESTARI")
    assert split_person_name("Binti").name_norm == "BINTI"
    # as a passport writes them: no accents, an apostrophe joins
    assert split_person_name("Dewi Anggraéni") == split_person_name("DEWI ANGGRAENI")
    assert split_person_name("Nur’aini binti Ma'ruf").__dict__ == {"name_norm": "NURAINI", "father_name": "MARUF"}
    assert normalize_org_name("Agence Société, Ltd") == "AGENCE SOCIETE"


def test_dates_and_money() -> None:
    assert parse_date("05-03-2024", ["DD-MM-YYYY"]) == dt.date(2024, 3, 5)
    assert parse_date("2024/03/05", ["YYYY/MM/DD"]) == dt.date(2024, 3, 5)
    assert parse_date("2024-03-05T10:22:33+08:00", ["YYYY-MM-DD"]) == dt.date(2024, 3, 5)
    assert parse_date("45356", ["excel"]) == dt.date(2024, 3, 5)
    assert parse_date("31-02-2024", ["DD-MM-YYYY"]) is None
    assert parse_date("2024-03-05", ["DD-MM-YYYY"]) is None
    # the order is the format's; '-', '/' and '.' separate alike, and days need no leading zero
    assert parse_date("05/03/2024", ["DD-MM-YYYY"]) == parse_date("5.3.2024", ["DD-MM-YYYY"]) == dt.date(2024, 3, 5)
    assert parse_money("Rp 1.500.000") == parse_money("1,500,000") == parse_money("1500000,00") == 1_500_000
    assert parse_money("-5") is None and parse_money("lima") is None
    assert parse_money("Rp 15.000.000,-") == parse_money("IDR 15,000,000") == 15_000_000
    assert parse_money("1,5") is None  # not a whole number of rupiah


def test_international_numbers_agree_with_phonenumbers() -> None:
    """Every calling code, national lengths 2-14, leading zeros and trunk prefixes included: where
    the vectorised rule decides a '+' number, it gives exactly phonenumbers' answer, and it decides
    most of them (the rest go to phonenumbers itself)."""
    rng = random.Random(5)
    numbers = []
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(40):
            lead = rng.choice(["0", "00", "1", "8", "9", ""])
            numbers.append(f"+{code}{lead}{''.join(rng.choices('0123456789', k=rng.randint(2, 12)))}")
    shaped = pa.array([True] * len(numbers))
    answers, decided = _international_e164(pa.array(numbers, pa.string()), shaped)
    checked = 0
    for number, answer, sure in zip(numbers, answers.to_pylist(), decided.to_pylist(), strict=True):
        if sure:
            parsed = phonenumbers.parse(number, "ID")
            possible = phonenumbers.is_possible_number(parsed)
            assert answer == (
                phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if possible else None
            ), number
            checked += 1
    assert checked > 0.6 * len(numbers)
    assert phones_e164(pa.array(["+62 0812 3456 789"])).to_pylist() == ["+628123456789"]
    assert phones_e164(pa.array([], pa.string())).to_pylist() == []
