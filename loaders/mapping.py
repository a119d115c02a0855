"""Declarative source mappings: one YAML file per agency format in ``loaders/mappings/``.

A mapping names the files it reads (globs), their format, the record-id column(s), any constant
canonical values, and for every known column: whether it is required, its type, and the canonical
``role.field`` it fills. Some types also produce derived values, named by the mapping under
``derive`` (e.g. a person name's ``name_norm`` and ``father_name``). Adding an agency format means
adding a YAML file here; the reader has no per-source code.

Types and their options (``derive`` keys in brackets):
  string         strip; option ``case: upper|lower``
  passport       upper case, spaces and dashes removed, 5-12 letters/digits
  email          lower case, must look like ``a@b.c``
  nik            16-digit NIK, structurally checked [birth_date, sex, province, regency]
  person_name    spacing collapsed [name_norm (upper, no titles, no Bin/Binti part), father_name]
  org_name       spacing collapsed [name_norm (upper, no PT/CV/Ltd forms, no punctuation)]
  date           ``formats``: DD-MM-YYYY, YYYY/MM/DD, YYYY-MM-DD, ... or ``excel`` (serial day number);
                 '-', '/' and '.' separate alike; a time after the date (ISO 8601 timestamps) is
                 ignored; output ISO YYYY-MM-DD
  int, money     whole numbers; money also accepts ``Rp``, thousands separators and ``,00``
  phone          E.164; option ``region_column`` names the column holding the country of the number
  country        ISO alpha-2 from a code, English or Indonesian name
  regency_code   Kemendagri code ``PP.KK`` [province]
  regency_name   regency/city name; option ``province_column`` disambiguates [province]
  province_name  province name or code -> ``PP``
  job            job title kept as written [job_code]
  code           ``values``: a map from the written value (case, spaces and punctuation ignored) to
                 the canonical value; anything else is invalid
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jejak.errors import ConfigError

TYPES: dict[str, frozenset[str]] = {
    "string": frozenset(),
    "passport": frozenset(),
    "email": frozenset(),
    "nik": frozenset({"birth_date", "sex", "province", "regency"}),
    "person_name": frozenset({"name_norm", "father_name"}),
    "org_name": frozenset({"name_norm"}),
    "date": frozenset(),
    "int": frozenset(),
    "money": frozenset(),
    "phone": frozenset(),
    "country": frozenset(),
    "regency_code": frozenset({"province"}),
    "regency_name": frozenset({"province"}),
    "province_name": frozenset(),
    "job": frozenset({"job_code"}),
    "code": frozenset(),
}
FORMATS = {"csv", "xlsx", "jsonl"}
_TARGET = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
_CODE_NOISE = re.compile(r"[^A-Z0-9]+")
_HEADER_NOISE = re.compile(r"[\s_]+")


class MappingError(ConfigError):
    """A mapping file is malformed."""


def code_key(text: str) -> str:
    """How code values compare: 'Laki-laki' == 'LAKI LAKI', 'gaji_tidak_dibayar' == 'GAJI TIDAK DIBAYAR'."""
    return _CODE_NOISE.sub(" ", text.upper()).strip()


def header_key(name: str) -> str:
    """How a header names a column: 'NO REGISTRASI' == 'no_registrasi' == ' No  Registrasi '."""
    return _HEADER_NOISE.sub(" ", name).strip().casefold()


class AmbiguousColumns(ValueError):
    """Several columns of a file could be the same mapped column."""


@dataclass(frozen=True)
class ColumnSpec:
    column: str  # the column (or JSON key) as the agency writes it
    type: str
    target: str  # canonical 'role.field'
    required: bool = False
    derive: dict[str, str] = field(default_factory=dict)  # derived value -> 'role.field'
    formats: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)  # code_key(written) -> canonical
    case: str | None = None
    region_column: str | None = None
    province_column: str | None = None

    @property
    def targets(self) -> list[str]:
        return [self.target, *self.derive.values()]


@dataclass(frozen=True)
class SourceMapping:
    source: str
    files: tuple[str, ...]
    format: str
    record_id: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    delimiter: str = ","
    sheet: str | None = None
    constants: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @property
    def required_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.required]

    @property
    def canonical_columns(self) -> list[str]:
        """Every canonical 'role.field' this source can fill, in mapping order."""
        out = list(self.constants)
        for spec in self.columns:
            out.extend(t for t in spec.targets if t not in out)
        return out

    def locate(self, names: list[str], exact: bool = False) -> dict[str, str]:
        """The file's column for each mapped column it has, by mapped name.

        Header rows are typed by people and exporters change their case, so a column is found by its
        exact name or else by the one name that differs only in case, spaces or underscores (``NIK``
        for ``nik``, ``no registrasi`` for ``NO REGISTRASI``). ``exact`` (JSON keys): names as
        written only. Two candidates and no exact name is an error, never a guess.
        """
        present = set(names)
        by_key: dict[str, list[str]] = {}
        for name in names:
            by_key.setdefault(header_key(name), []).append(name)
        found = {}
        for spec in self.columns:
            if spec.column in present:
                found[spec.column] = spec.column
                continue
            candidates = [] if exact else by_key.get(header_key(spec.column), [])
            if len(candidates) > 1:
                raise AmbiguousColumns(
                    f"columns {', '.join(map(repr, candidates))} could each be {spec.column!r}; rename all but one"
                )
            if candidates:
                found[spec.column] = candidates[0]
        return found

    def matches(self, file_name: str) -> bool:
        return any(fnmatch.fnmatch(file_name, pattern) for pattern in self.files)


def _column_spec(source: str, column: str, raw: dict[str, Any]) -> ColumnSpec:
    where = f"mapping {source!r}, column {column!r}"
    type_ = raw.get("type")
    if type_ not in TYPES:
        raise MappingError(f"{where}: unknown type {type_!r} (known: {', '.join(TYPES)})")
    targets = [raw.get("target"), *(raw.get("derive") or {}).values()]
    for target in targets:
        if not isinstance(target, str) or not _TARGET.match(target):
            raise MappingError(f"{where}: target {target!r} is not 'role.field'")
    unknown = set(raw.get("derive") or {}) - TYPES[type_]
    if unknown:
        raise MappingError(f"{where}: type {type_} cannot derive {sorted(unknown)}")
    if type_ == "code" and not raw.get("values"):
        raise MappingError(f"{where}: a code column needs 'values'")
    if type_ == "date" and not raw.get("formats"):
        raise MappingError(f"{where}: a date column needs 'formats'")
    return ColumnSpec(
        column=column,
        type=type_,
        target=raw["target"],
        required=bool(raw.get("required", False)),
        derive=dict(raw.get("derive") or {}),
        formats=tuple(raw.get("formats") or ()),
        values={code_key(str(k)): str(v) for k, v in (raw.get("values") or {}).items()},
        case=raw.get("case"),
        region_column=raw.get("region_column"),
        province_column=raw.get("province_column"),
    )


def parse_mapping(data: dict[str, Any], path: Path | None = None) -> SourceMapping:
    source = data.get("source")
    if not isinstance(source, str) or not source:
        raise MappingError(f"{path}: 'source' is missing")
    fmt = data.get("format") or {}
    if fmt.get("type") not in FORMATS:
        raise MappingError(f"mapping {source!r}: format.type must be one of {sorted(FORMATS)}")
    columns = tuple(_column_spec(source, str(name), spec) for name, spec in (data.get("columns") or {}).items())
    names = {c.column for c in columns}
    record_id = tuple(data.get("record_id") or ())
    if not record_id or not set(record_id) <= names:
        raise MappingError(f"mapping {source!r}: record_id {list(record_id)} must name mapped columns")
    for spec in columns:
        for ref in (spec.region_column, spec.province_column):
            if ref is not None and ref not in names:
                raise MappingError(f"mapping {source!r}, column {spec.column!r}: refers to unmapped column {ref!r}")
    return SourceMapping(
        source=source,
        files=tuple(data.get("files") or ()),
        format=fmt["type"],
        delimiter=str(fmt.get("delimiter", ",")),
        sheet=fmt.get("sheet"),
        record_id=record_id,
        columns=columns,
        constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()},
        path=path,
    )


@cache
def load_mappings() -> dict[str, SourceMapping]:
    """All mappings shipped in loaders/mappings/, by source name."""
    out: dict[str, SourceMapping] = {}
    folder = resources.files("loaders").joinpath("mappings")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            mapping = parse_mapping(yaml.safe_load(entry.read_text(encoding="utf-8")), Path(str(entry)))
            if mapping.source in out:
                raise MappingError(f"two mappings for source {mapping.source!r}")
            out[mapping.source] = mapping
    return out
