"""Countries: ISO 3166-1 from pycountry, plus the Indonesian names the agencies use.

``lookup_country`` accepts an alpha-2 or alpha-3 code, an English name (official or common) or an
Indonesian name, in any case and spacing, and returns the alpha-2 code or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pycountry

from reference._data import load_yaml

_NOISE = re.compile(r"[^A-Z0-9]+")


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
        for text in (c.alpha_2, c.alpha_3, c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if text:
                index.setdefault(_key(text), c.alpha_2)
    for alpha2, names in _indonesian_names().items():
        for name in names:
            index[_key(name)] = alpha2
    return index


@cache
def lookup_country(text: str | None) -> str | None:
    """Alpha-2 code for a code or name; pycountry's fuzzy search as a last resort; None if unknown."""
    if text is None:
        return None
    key = _key(str(text))
    if not key:
        return None
    found = _index().get(key)
    if found:
        return found
    try:
        matches = pycountry.countries.search_fuzzy(key)
    except LookupError:
        return None
    # Only accept an unambiguous fuzzy answer; a guess is worse than a blank for a destination.
    return matches[0].alpha_2 if len(matches) == 1 else None


@cache
def get_country(alpha2: str) -> Country | None:
    c = pycountry.countries.get(alpha_2=alpha2.upper())
    if c is None:
        return None
    english = getattr(c, "common_name", None) or c.name
    names = _indonesian_names().get(c.alpha_2)
    return Country(alpha2=c.alpha_2, name=english, name_id=names[0] if names else english)
