"""Loads the YAML data files shipped inside the reference package."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load_yaml(name: str) -> Any:
    return yaml.safe_load(resources.files("reference").joinpath(name).read_text(encoding="utf-8"))
