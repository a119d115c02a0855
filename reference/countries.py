"""Countries: ISO 3166-1 from pycountry, plus the Indonesian names the agencies use.

``lookup_country`` accepts an alpha-2 or alpha-3 code, an English name (official or common) or an
Indonesian name, in any case and spacing, and returns the alpha-2 code or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import pycountry

from reference._data import load_yaml

_NOISE = re.compile(r"[^A-Z0-9]+")
_PARENTHESISED = re.compile(r"\([^)]*\)")


def _key(text: str) -> str:
    """Comparison key: upper case, letters and digits only ("Korea, Selatan" == "KOREA SELATAN")."""
    return _NOISE.sub(" ", text.upper()).strip()


@dataclass(frozen=True, slots=True)
class Country:
    alpha2: str
    name: str  # English (pycountry's common name when it has one)
    name_id: str  # Indonesian, falls back to the English name


@cache
def _indonesian_names() -> dict[str, list[str]]:
    data: dict[str, list[str]] = load_yaml("countries_id.yaml")
    return data


@cache
def _index() -> dict[str, str]:
    """Every known spelling (as a key) -> alpha-2. Indonesian names win over pycountry on a clash."""
    index: dict[str, str] = {}
    for c in pycountry.countries:
        for text in _names(c):
            index.setdefault(_key(text), c.alpha_2)
            if ", " in text:  # "Korea, Republic of" is also written "Republic of Korea"
                head, tail = text.split(", ", 1)
                index.setdefault(_key(f"{tail} {head}"), c.alpha_2)
    for alpha2, names in _indonesian_names().items():
        for name in names:
            index[_key(name)] = alpha2
    return index


def _names(country: Any) -> list[str]:
    fields = ("alpha_2", "alpha_3", "name", "common_name", "official_name")
    return [text for text in (getattr(country, f, None) for f in fields) if text]


@cache
@cache
def _subdivisions() -> dict[str, str]:
    """A state or province name (ISO 3166-2, e.g. "Sabah") -> its country, where only one country
    has a subdivision of that name. Indonesia's own provinces are left out: a destination abroad
    is never Aceh."""
    found: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        found.setdefault(_key(sub.name), set()).add(sub.country_code)
    return {key: next(iter(cs)) for key, cs in found.items() if len(cs) == 1 and cs != {"ID"}}


def lookup_country(text: str | None) -> str | None:
    """Alpha-2 code for a code or name, or a state's exact name; None if unknown.

    A parenthesised part is tried without it ("Persatuan Emirat Arab (PEA)"). Nothing is guessed:
    pycountry's fuzzy search, used here before, matched parts of names and answered "XX" with
    Malta, "Laut" with Timor-Leste and "Hong Kong SAR" with China; a wrong destination is worse
    than a rejected row.
    """
    if text is None:
        return None
    bare = _PARENTHESISED.sub(" ", str(text))
    for candidate in (str(text), bare):
        key = _key(candidate)
        found = _index().get(key) or _subdivisions().get(key)
        if found:
            return found
    return None


@cache
def get_country(alpha2: str) -> Country | None:
    c = pycountry.countries.get(alpha_2=alpha2.upper())
    if c is None:
        return None
    english = getattr(c, "common_name", None) or c.name
    names = _indonesian_names().get(c.alpha_2)
    return Country(alpha2=c.alpha_2, name=english, name_id=names[0] if names else english)
