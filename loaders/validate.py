"""Column-wise validation: one mapping's column specs applied to a batch of raw string columns.

Each column type turns the raw strings into canonical values (``loaders.normalize``) and says which
non-blank values are invalid and why. A failing required column rejects the row; a failing optional
column is cleared and the row kept. Everything works on whole pyarrow columns: no per-row Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders import normalize as norm
from loaders.mapping import ColumnSpec, SourceMapping, code_key
from reference.countries import lookup_country
from reference.jobs import job_code
from reference.regions import find_province, find_regency, get_region

REJECT_COLUMNS = ["file", "row", "field", "value", "reason", "action"]
ROW_REJECTED = "row_rejected"
FIELD_CLEARED = "field_cleared"

_NULL = pa.scalar(None, pa.string())


@dataclass
class Converted:
    """A column's canonical values by target, and which non-blank inputs were invalid and why."""

    outputs: dict[str, pa.Array]
    invalid: pa.Array  # bool, never null
    reason: pa.Array | str


def _result(spec: ColumnSpec, main: pa.Array, raw: pa.Array, reason: pa.Array | str, **derived: pa.Array) -> Converted:
    invalid = pc.and_(pc.is_valid(raw), pc.is_null(main))
    outputs = {spec.target: main}
    for name, target in spec.derive.items():
        outputs[target] = pc.if_else(invalid, pa.scalar(None, derived[name].type), derived[name])
    return Converted(outputs, invalid, reason)


def _string(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    value = norm.collapse_spaces(raw)
    if spec.case == "upper":
        value = pc.utf8_upper(value)
    elif spec.case == "lower":
        value = pc.utf8_lower(value)
    return _result(spec, value, raw, "")


def _passport(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    value = pc.replace_substring_regex(pc.utf8_upper(raw), r"[\s\-]", "")
    ok = pc.fill_null(pc.match_substring_regex(value, r"^[A-Z0-9]{5,12}$"), False)
    return _result(spec, pc.if_else(ok, value, _NULL), raw, "not a passport number (5-12 letters/digits)")


def _email(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    value = pc.utf8_lower(raw)
    ok = pc.fill_null(pc.match_substring_regex(value, r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), False)
    return _result(spec, pc.if_else(ok, value, _NULL), raw, "not an e-mail address")


def _nik(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    cols = norm.nik_columns(raw)
    derived = {"birth_date": cols.birth_date, "sex": cols.sex, "province": cols.province, "regency": cols.regency}
    return _result(spec, cols.nik, raw, cols.reason, **derived)


def _person_name(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    name_norm, father = norm.person_name_parts(raw)
    return _result(spec, norm.collapse_spaces(raw), raw, "", name_norm=name_norm, father_name=father)


def _org_name(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    name = norm.on_distinct(raw, norm.collapse_spaces)
    return _result(spec, name, raw, "", name_norm=norm.org_name_norm(raw))


def _date(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    value = norm.dates_iso(raw, spec.formats)
    return _result(spec, value, raw, f"not a date ({' or '.join(spec.formats)})")


def _int(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    return _result(spec, norm.whole_numbers(raw), raw, "not a whole number")


def _money(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    return _result(spec, norm.whole_numbers(raw, money=True), raw, "not an amount in whole rupiah")


def _phone(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    regions = None
    if spec.region_column:
        regions = norm.map_distinct(table.column(spec.region_column), lookup_country)
    return _result(spec, norm.phones_e164(raw, regions), raw, "not a phone number")


def _country(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    return _result(spec, norm.map_distinct(raw, lookup_country), raw, "unknown country")


def _regency_code(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    def code(text: str) -> str | None:
        region = get_region(text)
        return region.code if region is not None and region.level == "regency" else None

    value = norm.map_distinct(raw, code)
    province = pc.utf8_slice_codeunits(value, 0, 2)
    return _result(spec, value, raw, "unknown regency code", province=province)


def _regency_name(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    # The key carries the row's province so that 'MALANG' in Jawa Timur can still be ambiguous
    # (kabupaten or kota) while 'BOGOR' in a row without province is reported as such.
    province = table.column(spec.province_column) if spec.province_column else pa.nulls(len(raw), pa.string())
    keys = pc.binary_join_element_wise(pc.fill_null(province, ""), raw, "|")
    keys = pc.if_else(pc.is_null(raw), _NULL, keys)

    def lookup(key: str) -> tuple[str | None, str]:
        prov, _, name = key.partition("|")
        match = find_regency(name, prov or None)
        if match.region is not None:
            return match.region.code, ""
        if match.reason == "ambiguous":
            options = ", ".join(f"{r.name} ({r.code})" for r in match.candidates)
            return None, f"ambiguous regency name: {options}"
        return None, "unknown regency name"

    value = norm.map_distinct(keys, lambda k: lookup(k)[0])
    reason = norm.map_distinct(keys, lambda k: lookup(k)[1])
    return _result(spec, value, raw, reason, province=pc.utf8_slice_codeunits(value, 0, 2))


def _province_name(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    def code(text: str) -> str | None:
        region = find_province(text)
        return region.code if region is not None else None

    return _result(spec, norm.map_distinct(raw, code), raw, "unknown province")


def _job(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    title = norm.on_distinct(raw, norm.collapse_spaces)
    return _result(spec, title, raw, "", job_code=norm.map_distinct(raw, job_code))


def _code(spec: ColumnSpec, raw: pa.Array, table: pa.Table) -> Converted:
    value = norm.map_distinct(raw, lambda text: spec.values.get(code_key(text)))
    allowed = ", ".join(sorted(set(spec.values.values())))
    return _result(spec, value, raw, f"not one of the known values ({allowed})")


CONVERTERS: dict[str, Callable[[ColumnSpec, pa.Array, pa.Table], Converted]] = {
    "string": _string,
    "passport": _passport,
    "email": _email,
    "nik": _nik,
    "person_name": _person_name,
    "org_name": _org_name,
    "date": _date,
    "int": _int,
    "money": _money,
    "phone": _phone,
    "country": _country,
    "regency_code": _regency_code,
    "regency_name": _regency_name,
    "province_name": _province_name,
    "job": _job,
    "code": _code,
}


@dataclass
class Validated:
    canonical: pd.DataFrame  # kept rows: _row, _record_id, role.field ...
    rejects: pd.DataFrame  # REJECT_COLUMNS
    rejected: np.ndarray  # bool per input row


def _to_numpy_bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _reject_rows(
    file: str, rows: np.ndarray, where: np.ndarray, field: str, raw: pa.Array, reason: pa.Array | str, action: str
) -> pd.DataFrame:
    idx = np.flatnonzero(where)
    taken = pa.array(idx, pa.int64())
    values = pc.take(raw, taken).to_pylist()
    reasons = pc.take(reason, taken).to_pylist() if isinstance(reason, pa.Array) else [reason] * len(idx)
    return pd.DataFrame(
        {
            "file": file,
            "row": rows[idx],
            "field": field,
            "value": ["" if v is None else v for v in values],
            "reason": reasons,
            "action": action,
        },
        columns=REJECT_COLUMNS,
    )


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "row" else "str") for c in REJECT_COLUMNS})


def validate(
    mapping: SourceMapping, table: pa.Table, rows: np.ndarray, record_ids: pa.Array, duplicate: np.ndarray, file: str
) -> Validated:
    """Validate and normalise one batch.

    ``table`` holds the raw columns as strings (blanks already null, mapped columns always present);
    ``rows`` the human row numbers; ``duplicate`` marks rows whose record id was seen before.
    """
    n = table.num_rows
    outputs: dict[str, pa.Array] = {}
    rejected = duplicate.copy()
    problems: list[tuple[np.ndarray, ColumnSpec, pa.Array, pa.Array | str]] = []
    for spec in mapping.columns:
        raw = table.column(spec.column).combine_chunks() if n else pa.array([], pa.string())
        converted = CONVERTERS[spec.type](spec, raw, table)
        invalid = _to_numpy_bool(converted.invalid)
        if spec.required:
            missing = _to_numpy_bool(pc.is_null(raw))
            problems.append((missing, spec, raw, "missing required value"))
            rejected |= missing | invalid
        problems.append((invalid, spec, raw, converted.reason))
        cleared = pa.array(invalid)
        for target, values in converted.outputs.items():
            outputs[target] = pc.if_else(cleared, pa.scalar(None, values.type), values)

    frames = []
    if duplicate.any():
        frames.append(
            _reject_rows(
                file,
                rows,
                duplicate,
                "+".join(mapping.record_id),
                record_ids,
                "duplicate record id in this file",
                ROW_REJECTED,
            )
        )
    for where, spec, raw, reason in problems:
        # an optional field only counts as cleared on a row that is kept
        mask, action = (where & ~duplicate, ROW_REJECTED) if spec.required else (where & ~rejected, FIELD_CLEARED)
        if mask.any():  # most columns of most batches have nothing to report: no frame for them
            frames.append(_reject_rows(file, rows, mask, spec.column, raw, reason, action))
    rejects = pd.concat(frames, ignore_index=True) if frames else empty_rejects()

    keep = pa.array(~rejected)
    columns: dict[str, pa.Array] = {
        "_row": pa.array(rows, pa.int64()),
        "_record_id": pc.binary_join_element_wise(mapping.source, record_ids, ":"),
    }
    for target, value in mapping.constants.items():
        columns[target] = pa.array([value] * n, pa.string())
    for target in mapping.canonical_columns:
        if target in outputs:
            columns[target] = outputs[target]
    canonical = pa.table(columns).filter(keep)
    frame = canonical.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return Validated(frame, rejects, rejected)
