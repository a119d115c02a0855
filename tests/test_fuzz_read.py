"""Fuzzing read_file: malformed rows are accounted for, malformed files fail cleanly.

Properties:
  * every row ends either as a canonical row or as a row_rejected reject, never both, and
    rows_read == rows_ok + rows_rejected;
  * any file, however broken, ends as a result or a FileError, never as another exception.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.read import FileError, FileReading, read_file

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Cell text that stresses a CSV parser and the validators: delimiters, quotes, line breaks, digits,
# dates, non-ASCII letters.
_cell = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab ,;"\n\r\t0123456789-/.éß')), max_size=12),
    st.sampled_from(["", "3507015505990001", "2024-02-30", "2024-01-31", "PROSES", "Arab Saudi", "PT. X", "Rp 1.000"]),
)


@contextmanager
def file_with(name: str, content: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        yield path


def check_accounting(reading: FileReading) -> None:
    kept_rows: list[int] = []
    for batch in reading:
        kept_rows.extend(batch.canonical["_row"].tolist())
        assert batch.rows_read == batch.rows_ok + batch.rows_rejected
    rejects = reading.rejects
    rejected_rows = set(rejects.loc[rejects["action"] == "row_rejected", "row"].tolist())
    assert reading.rows_read == reading.rows_ok + reading.rows_rejected
    assert len(kept_rows) == reading.rows_ok == len(set(kept_rows))
    assert len(rejected_rows) == reading.rows_rejected
    assert not rejected_rows & set(kept_rows)
    assert set(rejects.columns) == {"file", "row", "field", "value", "reason", "action"}


def csv_line(cells: list[str]) -> str:
    """Sometimes quoted properly, sometimes written raw (which may split or merge fields)."""
    return ",".join(cells)


@FUZZ
@given(
    rows=st.lists(st.lists(_cell, min_size=0, max_size=10), max_size=25),
    quote=st.booleans(),
)
def test_malformed_csv_rows_are_all_accounted_for(rows: list[list[str]], quote: bool) -> None:
    header = "no_pengaduan,tanggal,nik,nama_pmi,negara,jenis_masalah,status,extra"
    body = []
    for cells in rows:
        if quote:
            cells = ['"' + c.replace('"', '""') + '"' for c in cells]
        body.append(",".join(cells))
    content = (header + "\n" + "\n".join(body) + "\n").encode("utf-8")
    with file_with("pengaduan.csv", content) as path:
        try:
            reading = read_file(path)
            check_accounting(reading)
        except FileError as exc:
            assert str(path) in str(exc)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {
                    "registration_id": st.one_of(st.text(max_size=5), st.integers(), st.none()),
                    "full_name": st.one_of(st.text(max_size=10), st.none()),
                    "country": st.sampled_from(["SA", "Malaysia", "Narnia", "", "tw"]),
                },
                optional={
                    "gender": st.sampled_from(["M", "F", "X", 1]),
                    "date_of_birth": _cell,
                    "phone_local": st.one_of(_cell, st.integers()),
                    "extra": st.one_of(st.lists(st.integers()), st.floats()),
                },
            ).map(json.dumps),
            st.sampled_from(["", "   ", "{", '{"registration_id": "x"', "[1, 2]", "null", '"text"']),
        ),
        max_size=20,
    )
)
def test_jsonl_lines_are_rows_or_a_file_error(lines: list[str]) -> None:
    with file_with("kemlu_lapor_diri.jsonl", ("\n".join(lines) + "\n").encode("utf-8")) as path:
        try:
            check_accounting(read_file(path))
        except FileError as exc:
            assert str(path) in str(exc)


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=400),
        st.binary(max_size=200).map(lambda b: b"no_izin,nama_lpk\n" + b),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
        st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    ),
    name=st.sampled_from(
        ["lpk_registry.csv", "bp2mi_penempatan.csv", "kemlu_lapor_diri.jsonl", "kemnaker_siapkerja.xlsx"]
    ),
)
def test_any_file_ends_as_a_result_or_a_file_error(content: bytes, name: str) -> None:
    with file_with(name, content) as path:
        try:
            check_accounting(read_file(path))
        except FileError as exc:
            assert str(path) in str(exc)
