"""Job titles -> normalised job codes (reference/jobs.yaml), and the rule lists (reference/rules.yaml)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from reference._data import load_yaml

_NOISE = re.compile(r"[^a-z0-9]+")


def _padded(text: str) -> str:
    """' penata laksana rumah tangga ': spaces around so that phrases match whole words only."""
    return f" {_NOISE.sub(' ', text.lower()).strip()} "


@cache
def _phrases() -> list[tuple[str, str]]:
    """(padded phrase, code) in file order: earlier codes are more specific and win."""
    jobs: dict[str, list[str]] = load_yaml("jobs.yaml")["jobs"]
    return [(_padded(p), code) for code, phrases in jobs.items() for p in phrases]


def job_codes() -> list[str]:
    return list(load_yaml("jobs.yaml")["jobs"])


@cache
def job_code(title: str | None) -> str | None:
    """Code for a free-text job title; 'OTHER' when nothing matches; None for a blank title."""
    if title is None or not title.strip():
        return None
    padded = _padded(title)
    for phrase, code in _phrases():
        if phrase in padded:
            return code
    return "OTHER"


def rules() -> dict[str, Any]:
    """The lists and thresholds of shared/domain/RULES.md (moratorium, SPSK, zero-cost jobs, ...)."""
    data: dict[str, Any] = load_yaml("rules.yaml")
    return data
