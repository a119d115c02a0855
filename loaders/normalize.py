"""Normalisation of names, phones, NIKs, dates and money, column-wise on pyarrow arrays.

Reading must validate 100,000+ rows/s per core, so every function here works on a whole column
(``pa.Array`` of strings, nulls for blanks) with pyarrow compute kernels (C++, RE2 regexes). Where a
value needs a slow Python library (phonenumbers), only the distinct values are looked up.
Scalar helpers for single values (used by tests and other modules) call the same column code, so
there is one implementation of each rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from reference.regions import provinces

# ---------------------------------------------------------------------------------------------
# helpers


def blank_to_null(arr: pa.Array) -> pa.Array:
    """Trimmed strings; empty ones become null, so 'missing' has a single form."""
    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def collapse_spaces(arr: pa.Array) -> pa.Array:
    """Runs of whitespace become one space. The regex only runs on the few values that need it."""
    trimmed = pc.utf8_trim_whitespace(arr)
    needs = pc.fill_null(
        pc.or_(pc.match_substring(trimmed, "  "), pc.match_substring_regex(trimmed, r"[\t\n\r\f\v]")), False
    )
    if not pc.any(needs).as_py():
        return trimmed
    fixed = pc.replace_substring_regex(pc.filter(trimmed, needs), r"\s+", " ")
    return pc.replace_with_mask(trimmed, needs, fixed)


_STRING = pa.string()


def map_distinct(arr: pa.Array, fn: Callable[[str], str | None], out_type: pa.DataType = _STRING) -> pa.Array:
    """Apply a Python function to each distinct non-null value only, then spread the results back.

    Agencies repeat the same country, regency, job or company thousands of times; calling ``fn``
    once per distinct value keeps slow lookups off the per-row path.
    """
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    results = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], type=out_type)
    return pc.take(results, encoded.indices)


def on_distinct(arr: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Run a vectorised function on the distinct values only: dates, companies and amounts repeat a
    lot, so this cuts the regex work to a fraction of the rows (the encoding itself is cheap)."""
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return pc.take(fn(encoded.dictionary), encoded.indices)


def _scalar(fn: Callable[[pa.Array], pa.Array], value: str | None) -> str | None:
    out: str | None = fn(pa.array([value], pa.string()))[0].as_py()
    return out


# ---------------------------------------------------------------------------------------------
# names

# Company forms before or after the name: 'PT. MAJU JAYA', 'MAJU JAYA, PT', 'CV SINAR', 'X SDN BHD'.
ORG_PREFIX = r"^(?:(?:PT|P T|CV|UD|PERSEROAN TERBATAS|KOPERASI) )+"
ORG_SUFFIX = r"(?: (?:PT|P T|CV|UD|TBK|PERSERO|LTD|LIMITED|CO|INC|LLC|SDN BHD|BHD|PTE|CORP|CORPORATION))+$"
# Honorifics at the start of a person's name; the dot is required so initials like 'H' stay.
_PERSON_TITLES = r"^(?:(?:H|HJ|DR|DRS|DRA|IR|NY|NN|SDR|SDRI|TN)\.\s*|(?:HAJI|HAJJAH|HAJAH) )+"
# 'SITI AMINAH BINTI AHMAD' -> name 'SITI AMINAH', father 'AHMAD'.
_BIN_BINTI = r"^(?P<own>.+?) (?:BIN|BINTI|BINTE|BT|BN) (?P<father>.+)$"


def org_name_norm(names: pa.Array) -> pa.Array:
    """'PT. Maju Jaya Abadi' and 'MAJU JAYA ABADI, PT' -> 'MAJU JAYA ABADI'."""
    return on_distinct(names, _org_name_norm)


def _folded_upper(names: pa.Array) -> pa.Array:
    """Upper case without accents ('Anggraéni' -> 'ANGGRAENI'), as passports and most registers
    write names, so that a register's spelling and a passport's compare equal."""
    return pc.utf8_upper(pc.replace_substring_regex(pc.utf8_normalize(names, form="NFKD"), r"\p{Mn}+", ""))


def _org_name_norm(names: pa.Array) -> pa.Array:
    upper = _folded_upper(names)
    # Every run of non-word characters (spaces included) becomes one space: no separate collapse.
    words = pc.utf8_trim_whitespace(pc.replace_substring_regex(upper, r"[^\p{L}\p{N}&]+", " "))
    stripped = pc.replace_substring_regex(pc.replace_substring_regex(words, ORG_PREFIX, ""), ORG_SUFFIX, "")
    # A name that is nothing but a company form ('PT') keeps its words rather than vanishing.
    stripped = pc.if_else(pc.equal(stripped, ""), words, stripped)
    return blank_to_null(stripped)


def person_name_parts(names: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(name_norm, father_name): upper case without accents, no titles, no punctuation, Bin/Binti
    part split off."""
    encoded = pc.dictionary_encode(names)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    norm, father = _person_name_parts(encoded.dictionary)
    return pc.take(norm, encoded.indices), pc.take(father, encoded.indices)


def _person_name_parts(names: pa.Array) -> tuple[pa.Array, pa.Array]:
    upper = pc.replace_substring_regex(pc.utf8_trim_whitespace(_folded_upper(names)), _PERSON_TITLES, "")
    # An apostrophe joins ('NUR'AINI' is 'NURAINI', as a passport's machine-readable line writes it).
    joined = pc.replace_substring_regex(upper, r"['`\x{2019}]", "")
    words = pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, r"[^\p{L}\p{N}]+", " "))
    parts = pc.extract_regex(words, _BIN_BINTI)
    own = pc.struct_field(parts, "own")
    father = pc.struct_field(parts, "father")
    return blank_to_null(pc.coalesce(own, words)), blank_to_null(father)


def normalize_org_name(name: str | None) -> str | None:
    return _scalar(org_name_norm, name)


@dataclass(frozen=True)
class PersonName:
    name_norm: str | None
    father_name: str | None


def split_person_name(name: str | None) -> PersonName:
    norm, father = person_name_parts(pa.array([name], pa.string()))
    return PersonName(norm[0].as_py(), father[0].as_py())


# ---------------------------------------------------------------------------------------------
# phones

# Indonesian mobile numbers (the vast majority) in any of their usual spellings: 0812..., 62812...,
# +62 812-... . These are rewritten by regex; phonenumbers' own rule for them is 8[1-9] + 7-10 digits
# (checked against phonenumbers in tests). Everything else goes through phonenumbers.
_ID_MOBILE = r"^(?:\+62|62|0)(8[1-9][0-9]{7,10})$"


@cache
def _e164_with_phonenumbers(key: str) -> str | None:
    region, _, number = key.partition("|")
    try:
        parsed = phonenumbers.parse(number, region or "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@cache
def _plan_lengths() -> tuple[pa.Array, dict[str, tuple[str, str]]]:
    """From phonenumbers' metadata: every valid (calling code, national length) as the integer
    ``code * 100 + length``, and each region's (calling code, trunk prefix)."""
    valid: set[int] = set()
    regions: dict[str, tuple[str, str]] = {}
    for region in phonenumbers.SUPPORTED_REGIONS:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None or meta.general_desc is None or meta.country_code is None:
            continue
        valid.update(meta.country_code * 100 + length for length in meta.general_desc.possible_length or ())
        regions[region] = (str(meta.country_code), meta.national_prefix or "")
    return pa.array(sorted(valid), pa.int64()), regions


@dataclass(frozen=True)
class _CallingCodes:
    """phonenumbers' rules for '+' numbers as lookup tables, from the metadata of each calling
    code's main region (the one ``phonenumbers.parse`` and ``is_possible_number`` use)."""

    codes: pa.Array  # int64: every calling code with metadata
    possible: pa.Array  # int64: code * 100 + national length that is possible (local-only lengths too)
    prefixes: dict[str, list[int]]  # national-prefix pattern -> the codes whose region strips it


@cache
def _calling_codes() -> _CallingCodes:
    codes: list[int] = []
    possible: set[int] = set()
    prefixes: dict[str, list[int]] = {}
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        region = phonenumbers.region_code_for_country_code(code)
        meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        if meta is None or meta.general_desc is None:
            continue
        desc = meta.general_desc
        codes.append(code)
        lengths = (*(desc.possible_length or ()), *(desc.possible_length_local_only or ()))
        possible.update(code * 100 + length for length in lengths if length > 0)
        if meta.national_prefix_for_parsing:
            prefixes.setdefault(meta.national_prefix_for_parsing, []).append(code)
    return _CallingCodes(pa.array(sorted(codes), pa.int64()), pa.array(sorted(possible), pa.int64()), prefixes)


def _international_e164(compact: pa.Array, shaped: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(E.164 or null, decided) for '+' numbers, exactly as phonenumbers decides them.

    After the calling code, phonenumbers may strip a national prefix ('+62 0812...' is +62812...);
    where the region's prefix pattern could match, the number is left undecided for phonenumbers.
    Everywhere else its answer is a length check: the number as written if the national length is
    possible for the code (local-only lengths included), else not a phone number.
    """
    plan = _calling_codes()
    plus = pc.and_(shaped, pc.starts_with(compact, "+"))
    digits = pc.utf8_slice_codeunits(pc.if_else(plus, compact, "+0"), 1)
    # Calling codes are prefix-free: at most one of the 1-3 digit prefixes is one.
    code = pa.nulls(len(compact), pa.int64())
    national = pa.nulls(len(compact), pa.string())
    for k in (1, 2, 3):
        prefix = pc.cast(pc.utf8_slice_codeunits(digits, 0, k), pa.int64())
        found = pc.and_(plus, pc.is_in(prefix, plan.codes))
        code = pc.if_else(found, prefix, code)
        national = pc.if_else(found, pc.utf8_slice_codeunits(digits, k), national)
    may_strip = pa.array([False] * len(compact), pa.bool_())
    present = set(pc.unique(pc.drop_null(code)).to_pylist())
    for pattern, users in plan.prefixes.items():
        users_here = present.intersection(users)
        if users_here:
            here = pc.is_in(code, pa.array(sorted(users_here), pa.int64()))
            match = pc.match_substring_regex(national, f"^(?:{pattern})")
            may_strip = pc.or_(may_strip, pc.fill_null(pc.and_(here, match), False))
    decided = pc.and_(pc.is_valid(code), pc.invert(may_strip))
    key = pc.add(pc.multiply(code, 100), pc.cast(pc.utf8_length(national), pa.int64()))
    ok = pc.and_(decided, pc.fill_null(pc.is_in(key, plan.possible), False))
    return pc.if_else(ok, compact, pa.scalar(None, pa.string())), pc.fill_null(decided, False)


def _national_e164(compact: pa.Array, region: pa.Array, national: pa.Array) -> pa.Array:
    """E.164 for national numbers whose length fits their region's plan; null where this simple
    rule does not apply (phonenumbers decides those)."""
    valid, plans = _plan_lengths()
    result = pa.nulls(len(compact), pa.string())
    if not pc.any(national).as_py():
        return result
    # Drop the region's trunk prefix (usually 0), prepend its calling code.
    for code in pc.unique(pc.filter(region, national)).to_pylist():
        if code not in plans:
            continue
        calling, trunk = plans[code]
        here = pc.and_(national, pc.equal(region, code))
        number = compact
        if trunk:
            number = pc.if_else(pc.starts_with(compact, trunk), pc.utf8_slice_codeunits(compact, len(trunk)), compact)
        key = pc.add(int(calling) * 100, pc.cast(pc.utf8_length(number), pa.int64()))
        ok = pc.and_(here, pc.and_(pc.is_in(key, valid), pc.invert(pc.starts_with(number, "0"))))
        result = pc.if_else(ok, pc.binary_join_element_wise(pa.scalar("+" + calling), number, ""), result)
    return result


def phones_e164(numbers: pa.Array, regions: pa.Array | None = None) -> pa.Array:
    """E.164 ('+6281234567890') or null when the number is not a possible phone number.

    ``regions`` (alpha-2 per row, may be null) is the numbering plan of numbers written without a
    country code; Indonesia ('ID') by default. Most numbers are settled by a length check against
    phonenumbers' metadata, vectorised; the rest are parsed by phonenumbers, once per distinct value.
    """
    compact = pc.replace_substring_regex(pc.replace_substring(numbers, "(0)", ""), r"[^0-9+]", "")
    # '00' then a country code is how international numbers are dialled from Indonesia and most
    # countries ('0062 812 ...'); phonenumbers knows only Indonesia's carrier prefixes (008, 009).
    compact = pc.replace_substring_regex(compact, r"^00([1-9])", r"+\1")
    region = pc.fill_null(regions, "ID") if regions is not None else pa.array(["ID"] * len(numbers), pa.string())
    shaped = pc.fill_null(pc.match_substring_regex(compact, r"^\+?[0-9]{5,17}$"), False)
    international, decided = _international_e164(compact, shaped)
    national = pc.and_(shaped, pc.invert(pc.starts_with(compact, "+")))
    fast = pc.coalesce(
        pc.if_else(
            pc.and_(pc.fill_null(pc.match_substring_regex(compact, _ID_MOBILE), False), pc.equal(region, "ID")),
            pc.binary_join_element_wise("+62", pc.replace_substring_regex(compact, _ID_MOBILE, r"\1"), ""),
            pa.scalar(None, pa.string()),
        ),
        international,
        _national_e164(compact, region, national),
    )
    slow_keys = pc.if_else(
        pc.or_(decided, pc.is_valid(fast)),
        pa.scalar(None, pa.string()),
        pc.binary_join_element_wise(region, compact, "|"),
    )
    return pc.coalesce(fast, map_distinct(slow_keys, _e164_with_phonenumbers))


def normalize_phone(number: str | None, region: str = "ID") -> str | None:
    return phones_e164(pa.array([number], pa.string()), pa.array([region], pa.string()))[0].as_py()


# ---------------------------------------------------------------------------------------------
# NIK


@cache
def _province_codes() -> pa.Array:
    return pa.array(sorted(p.code for p in provinces()))


_NIK_PARTS = (
    r"^(?P<p>[0-9]{2})(?P<k>[0-9]{2})(?P<c>[0-9]{2})(?P<d>[0-9]{2})(?P<m>[0-9]{2})(?P<y>[0-9]{2})(?P<s>[0-9]{4})$"
)


@dataclass(frozen=True)
class NikColumns:
    nik: pa.Array  # the 16 digits, null where invalid
    reason: pa.Array  # why it is invalid, null where valid
    province: pa.Array  # 'PP'
    regency: pa.Array  # 'PP.KK' (the code at registration; regencies split since may not exist now)
    birth_date: pa.Array  # ISO date
    sex: pa.Array  # 'L' or 'P'


_DAYS_IN_MONTH = pa.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], pa.int64())


def _iso_date(year: pa.Array, month: pa.Array, day: pa.Array) -> tuple[pa.Array, pa.Array]:
    """('YYYY-MM-DD' or null, is-a-real-calendar-date) from numeric parts; 31-02 is not a date.

    Calendar arithmetic on integer columns: cheaper than strptime plus a round trip.
    """
    year, month, day = (pc.cast(pc.fill_null(x, 0), pa.int64()) for x in (year, month, day))

    def divisible(by: int) -> pa.Array:
        return pc.equal(pc.subtract(year, pc.multiply(pc.divide(year, by), by)), 0)

    leap = pc.or_(pc.and_(divisible(4), pc.invert(divisible(100))), divisible(400))
    month_ok = pc.and_(pc.greater_equal(month, 1), pc.less_equal(month, 12))
    days = pc.take(_DAYS_IN_MONTH, pc.if_else(month_ok, month, 0))
    days = pc.add(days, pc.cast(pc.and_(leap, pc.equal(month, 2)), pa.int64()))
    ok = pc.and_(month_ok, pc.and_(pc.greater_equal(day, 1), pc.less_equal(day, days)))
    ok = pc.and_(ok, pc.and_(pc.greater_equal(year, 1900), pc.less_equal(year, 2100)))
    text = pc.binary_join_element_wise(
        pc.cast(year, pa.string()),
        pc.utf8_lpad(pc.cast(month, pa.string()), 2, "0"),
        pc.utf8_lpad(pc.cast(day, pa.string()), 2, "0"),
        "-",
    )
    return pc.if_else(ok, text, pa.scalar(None, pa.string())), ok


def nik_columns(niks: pa.Array, today: dt.date | None = None) -> NikColumns:
    """Structural NIK check: PPKKCC DDMMYY NNNN (day + 40 for women). No checksum exists.

    A two-digit birth year is read as 20YY unless that lies in the future, then 19YY; so a NIK
    cannot hide an underage worker behind an old century.
    """
    this_year = (today or dt.date.today()).year
    digits = pc.replace_substring(pc.replace_substring(pc.replace_substring(niks, " ", ""), ".", ""), "-", "")
    parts = pc.extract_regex(digits, _NIK_PARTS)  # null where the shape is wrong
    shaped = pc.is_valid(parts)

    def text(name: str) -> pa.Array:
        return pc.struct_field(parts, name)

    def number(name: str) -> pa.Array:
        return pc.cast(text(name), pa.int64())

    province = text("p")
    day_code = number("d")
    female = pc.greater(day_code, 40)
    day = pc.if_else(female, pc.subtract(day_code, 40), day_code)
    yy = number("y")
    year = pc.if_else(pc.greater(pc.add(yy, 2000), this_year), pc.add(yy, 1900), pc.add(yy, 2000))
    birth, birth_ok = _iso_date(year, number("m"), day)

    null = pa.scalar(None, pa.string())
    checks = [
        (pc.invert(shaped), "NIK must be 16 digits"),
        (pc.invert(pc.is_in(province, _province_codes())), "unknown province code in NIK"),
        (pc.equal(text("k"), "00"), "regency code 00 in NIK"),
        (pc.equal(text("c"), "00"), "district code 00 in NIK"),
        (pc.invert(birth_ok), "impossible birth date in NIK"),
        (pc.equal(text("s"), "0000"), "serial 0000 in NIK"),
    ]
    reason = pa.nulls(len(niks), pa.string())
    for failed, message in reversed(checks):  # the first failing check gives the reason
        reason = pc.if_else(pc.fill_null(failed, False), message, reason)
    reason = pc.if_else(pc.is_null(niks), null, reason)
    valid = pc.and_(pc.is_null(reason), pc.is_valid(niks))
    regency = pc.binary_join_element_wise(province, text("k"), ".")

    def keep(values: pa.Array) -> pa.Array:
        return pc.if_else(valid, values, pa.scalar(None, values.type))

    return NikColumns(
        nik=keep(digits),
        reason=reason,
        province=keep(province),
        regency=keep(regency),
        birth_date=keep(birth),
        sex=keep(pc.if_else(female, "P", "L")),
    )


@dataclass(frozen=True)
class NikInfo:
    """One parsed NIK: the structured fields, or ``reason`` when it is invalid."""

    nik: str | None
    reason: str | None
    province: str | None = None
    regency: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None

    @property
    def valid(self) -> bool:
        return self.reason is None and self.nik is not None


def parse_nik(nik: str | None, today: dt.date | None = None) -> NikInfo:
    cols = nik_columns(pa.array([nik], pa.string()), today)
    birth = cols.birth_date[0].as_py()
    return NikInfo(
        nik=cols.nik[0].as_py(),
        reason=cols.reason[0].as_py() if nik is not None else "NIK is empty",
        province=cols.province[0].as_py(),
        regency=cols.regency[0].as_py(),
        birth_date=dt.date.fromisoformat(birth) if birth else None,
        sex=cols.sex[0].as_py(),
    )


# ---------------------------------------------------------------------------------------------
# dates

_EXCEL_EPOCH_OFFSET = 25569  # Excel serial day number of 1970-01-01 (the 1900 system, 1899-12-30 = 0)
_TOKENS = {"DD": r"(?P<d>[0-9]{1,2})", "MM": r"(?P<m>[0-9]{1,2})", "YYYY": r"(?P<y>[0-9]{4})"}
# ISO 8601 timestamps ('2024-03-05T10:22:33+08:00') carry a time: the date part is what we keep.
_TIME_SUFFIX = r"(?:[T ][0-9]{1,2}:[0-9]{2}.*)?$"


@cache
def _date_regex(fmt: str) -> str:
    """'DD-MM-YYYY' -> a regex with groups d, m, y. A separator may be written as any of '-', '/'
    and '.': the format's order of day, month and year is what tells them apart."""
    out, i = "^", 0
    while i < len(fmt):
        token = next((t for t in ("YYYY", "DD", "MM") if fmt.startswith(t, i)), None)
        if token:
            out += _TOKENS[token]
            i += len(token)
        else:
            out += "[-/.]" if fmt[i] in "-/." else ("\\" + fmt[i] if not fmt[i].isalnum() else fmt[i])
            i += 1
    return out + _TIME_SUFFIX


def _excel_dates(values: pa.Array) -> pa.Array:
    is_serial = pc.fill_null(pc.match_substring_regex(values, r"^[0-9]{4,5}(?:\.[0-9]+)?$"), False)
    safe = pc.if_else(is_serial, values, "25569")
    days = pc.subtract(pc.cast(pc.floor(pc.cast(safe, pa.float64())), pa.int64()), _EXCEL_EPOCH_OFFSET)
    text = pc.cast(pc.cast(pc.cast(days, pa.int32()), pa.date32()), pa.string())
    return pc.if_else(is_serial, text, pa.scalar(None, pa.string()))


def dates_iso(values: pa.Array, formats: Sequence[str]) -> pa.Array:
    """ISO 'YYYY-MM-DD' from the first format that reads a real date; null otherwise.

    ``formats``: patterns of DD, MM, YYYY and separators, or 'excel' for serial day numbers.
    """
    return on_distinct(values, lambda distinct: _dates_iso(distinct, tuple(formats)))


def _dates_iso(values: pa.Array, formats: tuple[str, ...]) -> pa.Array:
    result = pa.nulls(len(values), pa.string())
    for fmt in formats:
        if fmt == "excel":
            found = _excel_dates(values)
        else:
            parts = pc.extract_regex(values, _date_regex(fmt))
            year, month, day = (pc.cast(pc.struct_field(parts, k), pa.int32()) for k in ("y", "m", "d"))
            found, _ = _iso_date(year, month, day)
        result = pc.coalesce(result, found)
    return result


def parse_date(value: str | None, formats: Sequence[str]) -> dt.date | None:
    text = dates_iso(pa.array([value], pa.string()), formats)[0].as_py()
    return dt.date.fromisoformat(text) if text else None


# ---------------------------------------------------------------------------------------------
# numbers


def whole_numbers(values: pa.Array, money: bool = False) -> pa.Array:
    """int64, null where not a non-negative whole number.

    Money may read 'Rp 1.500.000', 'IDR 1,500,000', '1500000,00', 'Rp 1.500.000,-': the currency,
    thousands separators and a zero or dashed fraction are dropped (rupiah has no minor unit in
    practice).
    """
    return on_distinct(values, lambda distinct: _whole_numbers(distinct, money))


def _whole_numbers(values: pa.Array, money: bool) -> pa.Array:
    text = values
    if money:
        text = pc.replace_substring_regex(pc.utf8_upper(text), r"^(?:RP|IDR)\.?\s*|\s", "")
        text = pc.replace_substring_regex(text, r"[.,](?:00?|-+)$", "")  # '1.500.000,00', '1.500.000,-'
        text = pc.if_else(
            pc.fill_null(pc.match_substring_regex(text, r"^[0-9]{1,3}(?:[.,][0-9]{3})+$"), False),
            pc.replace_substring_regex(text, r"[.,]", ""),
            text,
        )
    ok = pc.fill_null(pc.match_substring_regex(text, r"^[0-9]{1,15}$"), False)
    return pc.if_else(ok, pc.cast(pc.if_else(ok, text, "0"), pa.int64()), pa.scalar(None, pa.int64()))


def parse_money(value: str | None) -> int | None:
    out: int | None = whole_numbers(pa.array([value], pa.string()), money=True)[0].as_py()
    return out
