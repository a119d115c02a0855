"""Read one agency file: recognise its source, parse it, validate it, and hand it over in batches.

    reading = read_file("in/bp2mi_penempatan_2024.csv")
    for batch in reading:
        batch.canonical   # kept rows: _row, _record_id, role.field ... (see loaders/mappings/*.yaml)
        batch.raw         # every row as written, all original columns (for the Parquet file store)
        batch.rejects     # file, row, field, value, reason, action
    reading.rows_read == reading.rows_ok + reading.rows_rejected

Columns are found by name (``SourceMapping.locate``): a CSV or XLSX header may differ from the
mapping in case, spacing and underscores, as exporters write them; JSON keys are matched as written.

Row numbers are the ones a person opening the file would use: for CSV the physical line (the header
is line 1; a quoted value spanning lines moves later rows down), for XLSX the sheet row, for JSONL
the line. Blank lines are not rows: they are skipped and not counted.

What rejects a row and what fails the file:
  * row_rejected: a required value is missing or invalid, the record id repeats an earlier row, or a
    CSV line has the wrong number of fields.
  * field_cleared: an optional value is invalid; it is blanked and the row kept.
  * FileError: the file cannot be read as a whole: not UTF-8, binary, a required column missing
    from the header, a broken XLSX or missing sheet, or any JSONL line that is not a complete JSON
    object. A truncated JSONL line fails the whole file, as the ingest issue asks: it means the
    export was cut off, so the rest of the file cannot be trusted either.
A FileError found after the first batch (e.g. bad UTF-8 far down a CSV) is raised while iterating.

Speed: files are parsed by pyarrow single-threaded (so figures are per core) and validated
column-wise (loaders.validate); no per-row Python except for XLSX cells and the JSONL fallback.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from jejak.errors import InputError
from loaders.mapping import AmbiguousColumns, SourceMapping, header_key, load_mappings
from loaders.normalize import blank_to_null
from loaders.validate import REJECT_COLUMNS, ROW_REJECTED, empty_rejects, validate

DEFAULT_BATCH_SIZE = 50_000
XLSX_HEADER_ROWS = 10  # how far down a sheet its header row may be (below a title)
_CSV_BLOCK_BYTES = 4 << 20


class FileError(InputError):
    """A file that cannot be read at all. The message names the file (and line where known)."""


def list_sources() -> list[str]:
    return sorted(load_mappings())


def recognise(path: str | Path) -> str | None:
    """The source whose file globs match this file name, or None."""
    name = Path(path).name
    for mapping in load_mappings().values():
        if mapping.matches(name):
            return mapping.source
    return None


@dataclass
class Batch:
    source: str
    file: str
    canonical: pd.DataFrame
    raw_table: pa.Table  # original columns as strings + _row, _record_id, _rejected
    rejects: pd.DataFrame
    rows_read: int

    @property
    def raw(self) -> pd.DataFrame:
        """The raw rows as a DataFrame; write ``raw_table`` directly to Parquet to skip pandas."""
        return self.raw_table.to_pandas()

    @property
    def rows_ok(self) -> int:
        return len(self.canonical)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_ok


@dataclass
class _Chunk:
    """Raw rows from a parser, before validation."""

    table: pa.Table  # string columns as in the file
    rows: np.ndarray  # human row numbers
    parse_rejects: list[dict[str, object]] = field(default_factory=list)  # rows the parser could not split


@dataclass
class FileReading:
    """An open file. Iterate once for its batches; the counters and rejects fill as you go."""

    path: Path
    source: str
    mapping: SourceMapping
    batch_size: int = DEFAULT_BATCH_SIZE
    rows_read: int = 0
    rows_ok: int = 0
    rows_rejected: int = 0
    _rejects: list[pd.DataFrame] = field(default_factory=list)
    _chunks: Iterator[_Chunk] | None = None
    _seen_ids: set[str] = field(default_factory=set)

    @property
    def file(self) -> str:
        return str(self.path)

    @property
    def rejects(self) -> pd.DataFrame:
        frames = [f for f in self._rejects if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else empty_rejects()

    def __iter__(self) -> Iterator[Batch]:
        if self._chunks is None:
            raise RuntimeError(f"{self.path} was already read; call read_file again")
        chunks, self._chunks = self._chunks, None
        for chunk in chunks:
            yield self._batch(chunk)

    def read_all(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(all canonical rows, all rejects), for small files and tests."""
        frames = [b.canonical for b in self]
        canonical = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return canonical, self.rejects

    def _batch(self, chunk: _Chunk) -> Batch:
        table, cleaned, rows = _drop_blank_rows(
            chunk.table, _with_mapped_columns(chunk.table, self.mapping), chunk.rows
        )
        record_ids = _record_ids(cleaned, self.mapping)
        duplicate = self._duplicates(record_ids)
        result = validate(self.mapping, cleaned, rows, record_ids, duplicate, self.file)

        parse_rejects = pd.DataFrame(chunk.parse_rejects, columns=REJECT_COLUMNS)
        rejects = pd.concat(
            [f for f in (parse_rejects, result.rejects) if len(f)] or [empty_rejects()], ignore_index=True
        )
        rows_read = table.num_rows + len(chunk.parse_rejects)
        self.rows_read += rows_read
        self.rows_ok += len(result.canonical)
        self.rows_rejected += rows_read - len(result.canonical)
        self._rejects.append(rejects)

        raw = table.append_column("_row", pa.array(rows, pa.int64()))
        raw = raw.append_column("_record_id", pc.binary_join_element_wise(self.source, record_ids, ":"))
        raw = raw.append_column("_rejected", pa.array(result.rejected))
        return Batch(self.source, self.file, result.canonical, raw, rejects, rows_read)

    def _duplicates(self, record_ids: pa.Array) -> np.ndarray:
        """True for a row whose id appeared on an earlier row of this file (the first one is kept)."""
        ids = record_ids.to_pylist()
        seen = self._seen_ids
        out = np.zeros(len(ids), dtype=bool)
        for i, rid in enumerate(ids):
            if rid is None:
                continue
            if rid in seen:
                out[i] = True
            else:
                seen.add(rid)
        return out


def read_file(path: str | Path, source: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> FileReading:
    """Open ``path`` as ``source`` (or the source its name matches). Header problems raise here."""
    path = Path(path)
    mappings = load_mappings()
    if source is None:
        source = recognise(path)
        if source is None:
            raise FileError(
                f"{path}: file name matches no known source ({', '.join(sorted(mappings))}); pass the source explicitly"
            )
    if source not in mappings:
        raise FileError(f"{path}: unknown source {source!r} (known: {', '.join(sorted(mappings))})")
    if not path.is_file():
        raise FileError(f"{path}: no such file")
    mapping = mappings[source]
    reader = {"csv": _csv_chunks, "xlsx": _xlsx_chunks, "jsonl": _jsonl_chunks}[mapping.format]
    chunks = reader(path, mapping, batch_size)
    first = next(chunks, None)  # parse the header now so a bad file fails at open, not mid-load

    def all_chunks() -> Iterator[_Chunk]:
        if first is not None:
            yield first
            yield from chunks

    return FileReading(path, source, mapping, batch_size, _chunks=all_chunks())


# ---------------------------------------------------------------------------------------------
# shared steps


def _drop_blank_rows(table: pa.Table, cleaned: pa.Table, rows: np.ndarray) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """Drop blank lines (all fields empty): they are not rows. ``cleaned`` is the mapped columns
    with blanks as null; only rows blank there need a look at the other columns."""
    if cleaned.num_columns == 0 or cleaned.num_rows == 0:
        return table, cleaned, rows
    blank = pc.is_null(cleaned.column(0))
    for column in cleaned.columns[1:]:
        blank = pc.and_(blank, pc.is_null(column))
    if not pc.any(blank).as_py():
        return table, cleaned, rows
    mapped = set(cleaned.column_names)
    for name in table.column_names:
        if name not in mapped:
            blank = pc.and_(blank, pc.fill_null(pc.equal(pc.utf8_trim_whitespace(table.column(name)), ""), True))
    keep = pc.invert(blank)
    mask = np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)
    return table.filter(keep), cleaned.filter(keep), rows[mask]


def _with_mapped_columns(table: pa.Table, mapping: SourceMapping) -> pa.Table:
    """Mapped columns only, under their mapped names, blanks as null; an optional column absent
    from the file is all null."""
    located = mapping.locate(table.column_names, exact=mapping.format == "jsonl")
    columns = {}
    for spec in mapping.columns:
        if spec.column in located:
            columns[spec.column] = blank_to_null(table.column(located[spec.column]).combine_chunks())
        else:
            columns[spec.column] = pa.nulls(table.num_rows, pa.string())
    return pa.table(columns) if columns else table


def _record_ids(table: pa.Table, mapping: SourceMapping) -> pa.Array:
    if len(mapping.record_id) == 1:
        return table.column(mapping.record_id[0]).combine_chunks()
    parts = [pc.fill_null(table.column(c).combine_chunks(), "") for c in mapping.record_id]
    return pc.binary_join_element_wise(*parts, "|")


def _rechunk(batches: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    """Tables of exactly ``size`` rows (the last one smaller) from parser batches of any size."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        while count >= size:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, size)
            rest = table.slice(size)
            pending, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(pending)


def _first_bad_utf8_line(path: Path) -> int | None:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _not_utf8(path: Path) -> FileError:
    line = _first_bad_utf8_line(path)
    where = f", line {line}" if line else ""
    return FileError(f"{path}{where}: not UTF-8 text (agencies must export UTF-8)")


# ---------------------------------------------------------------------------------------------
# CSV


def _read_header(path: Path, mapping: SourceMapping) -> list[str]:
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if not head.strip():
        raise FileError(f"{path}: empty file, expected a header line")
    if b"\x00" in head:
        raise FileError(f"{path}: binary data, not a {mapping.delimiter!r}-separated CSV file")
    # a line ends at \n, \r\n or a lone \r, as for the CSV reader proper (pyarrow)
    first_line = (head.splitlines() or [b""])[0]
    try:
        text = first_line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError(f"{path}, line 1: not UTF-8 text (agencies must export UTF-8)") from None
    try:
        header = next(csv.reader([text], delimiter=mapping.delimiter), [])
    except csv.Error as e:
        raise FileError(f"{path}, line 1: not a readable CSV header ({e})") from None
    header = _unique_names([h.strip() for h in header])
    missing = _missing_required(header, mapping, f"{path}, line 1")
    if missing:
        # one field only: the line was not split at all, so the delimiter is the likely mistake
        hint = (
            f" (is this a {mapping.source} file with {mapping.delimiter!r} between fields?)" if len(header) <= 1 else ""
        )
        raise FileError(f"{path}, line 1: header lacks required column(s) {', '.join(missing)}{hint}")
    return header


def _missing_required(header: list[str], mapping: SourceMapping, where: str) -> list[str]:
    try:
        located = mapping.locate(header)
    except AmbiguousColumns as exc:
        raise FileError(f"{where}: {exc}") from None
    return [c for c in mapping.required_columns if c not in located]


def _unique_names(header: list[str]) -> list[str]:
    """Repeated or empty header names get a suffix, so that every column survives into the raw store."""
    out: list[str] = []
    for i, name in enumerate(header):
        name = name or f"column_{i + 1}"
        candidate, n = name, 1
        while candidate in out:
            n += 1
            candidate = f"{name}.{n}"
        out.append(candidate)
    return out


def _check_utf8(path: Path) -> bool:
    """Fail early and clearly on a non-UTF-8 file; say whether it holds a double quote at all.

    pyarrow would stop at the first bad byte with a message lacking the line, or (inside a line with
    the wrong field count) not at all. Decoding in C runs at about 1 GB/s, a few % of the read time.
    Without a quote no value can span lines, and row numbers need no count of line breaks.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    quoted = False
    with path.open("rb") as handle:
        try:
            while block := handle.read(1 << 22):
                decoder.decode(block)
                quoted = quoted or b'"' in block
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
    return quoted


def _csv_chunks(path: Path, mapping: SourceMapping, batch_size: int) -> Iterator[_Chunk]:
    header = _read_header(path, mapping)
    quoted = _check_utf8(path)
    skipped: list[dict[str, object]] = []  # lines the parser could not split into the header's fields

    def on_invalid_row(row: pa_csv.InvalidRow) -> str:
        skipped.append(
            {
                "file": str(path),
                "row": row.number or 0,
                "field": "",
                "value": (row.text or "")[:200],
                "reason": f"expected {row.expected_columns} fields, found {row.actual_columns}",
                "action": ROW_REJECTED,
            }
        )
        return "skip"

    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(
                column_names=header, skip_rows=1, use_threads=False, block_size=_CSV_BLOCK_BYTES
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=mapping.delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid_row,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _csv_error(path, exc) from None

    records_before = 0  # records pyarrow returned so far
    newlines_before = 0  # line breaks inside quoted values so far
    emitted = 0  # skipped lines already attached to a chunk
    try:
        for table in _rechunk(iter(reader), batch_size):
            extra = _newlines_per_record(table) if quoted else np.zeros(table.num_rows, dtype=np.int64)
            within = np.arange(table.num_rows, dtype=np.int64) + np.concatenate(([0], np.cumsum(extra)[:-1]))
            base = 2 + records_before + newlines_before + within
            records_before += table.num_rows
            newlines_before += int(extra.sum())
            rows = _shift_past_skipped(base, skipped)
            new_skips, emitted = skipped[emitted:], len(skipped)
            yield _Chunk(table, rows, new_skips)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _csv_error(path, exc) from None
    if len(skipped) > emitted:
        yield _Chunk(pa.table({h: pa.array([], pa.string()) for h in header}), np.zeros(0, np.int64), skipped[emitted:])


def _csv_error(path: Path, exc: Exception) -> FileError:
    message = str(exc)
    if "UTF8" in message or "utf-8" in message.lower() or isinstance(exc, UnicodeDecodeError):
        return _not_utf8(path)
    return FileError(f"{path}: cannot be read as CSV: {message.splitlines()[0] if message else type(exc).__name__}")


def _newlines_per_record(table: pa.Table) -> np.ndarray:
    total = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        if pc.any(pc.match_substring(column, "\n")).as_py():
            total += np.asarray(pc.count_substring(column, "\n").to_numpy(zero_copy_only=False), dtype=np.int64)
    return total


def _shift_past_skipped(base: np.ndarray, skipped: list[dict[str, object]]) -> np.ndarray:
    """Line numbers of parsed records, given the lines the parser skipped (wrong field count).

    ``base`` assumes no line was skipped. With skipped lines S (sorted), the j-th skipped line has
    S[j] - j parsed lines before it, so a record moves down by the number of those <= its base.
    """
    if not skipped:
        return base
    lines = np.sort(np.array([int(s["row"]) for s in skipped], dtype=np.int64))  # type: ignore[call-overload]
    adjusted = lines - np.arange(len(lines))
    return base + np.searchsorted(adjusted, base, side="right")


# ---------------------------------------------------------------------------------------------
# XLSX


def _cell_text(value: object) -> str | None:
    """Cells as text: Excel dates become ISO dates, whole floats lose their '.0' (NIKs, phones)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        # A whole number above 2**53 did not survive as a float (an Excel cell holds a double): the
        # 16-digit NIK 9171015505990001 reads back as ...0000. Written out as the float it is, it
        # fails its check and is reported instead of passing with the wrong digits.
        return str(int(value)) if abs(value) < 2**53 else repr(value)
    return str(value)


def _column_text(rows: Sequence[Sequence[object]], i: int) -> list[str | None]:
    """Column ``i`` of the rows as text; most cells are already non-empty strings (the hot path)."""
    return [v if type(v) is str and v else _cell_text(v) for v in (r[i] if i < len(r) else None for r in rows)]


def _sheet(names: list[str], wanted: str | None) -> str | None:
    """The sheet to read: the mapping's, by exact name or else ignoring case and spacing; the
    first sheet when the mapping names none."""
    if wanted is None:
        return names[0] if names else None
    if wanted in names:
        return wanted
    return next((n for n in names if header_key(n) == header_key(wanted)), None)


def _xlsx_chunks(path: Path, mapping: SourceMapping, batch_size: int) -> Iterator[_Chunk]:
    # python-calamine (Rust) reads a sheet ~15x faster than openpyxl, which reads cell by cell.
    from python_calamine import CalamineWorkbook

    # A damaged workbook surfaces as one of several exception types (zip, XML, calamine's own);
    # any of them while opening or reading means the file cannot be read.
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise FileError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    sheet_name = _sheet(workbook.sheet_names, mapping.sheet)
    if sheet_name is None:
        raise FileError(f"{path}: no sheet {mapping.sheet!r} (sheets: {', '.join(workbook.sheet_names)})")
    try:
        # skip_empty_area=False keeps row i of the list as sheet row i + 1, so row numbers hold.
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise FileError(f"{path}: sheet {sheet_name!r} cannot be read ({type(exc).__name__}: {exc})") from None
    if not rows:
        raise FileError(f"{path}: sheet {sheet_name!r} is empty, expected a header row")
    # Exported sheets often carry a title and a blank line above the header: the header is the
    # first of the top rows that names every required column.
    headers = [_unique_names([str(h).strip() if h is not None else "" for h in row]) for row in rows[:XLSX_HEADER_ROWS]]
    at = next(
        (
            i
            for i, h in enumerate(headers)
            if not _missing_required(h, mapping, f"{path}, sheet {sheet_name!r} row {i + 1}")
        ),
        None,
    )
    if at is None:
        missing = _missing_required(headers[0], mapping, f"{path}, sheet {sheet_name!r} row 1")
        raise FileError(
            f"{path}, sheet {sheet_name!r} row 1: header lacks required column(s) {', '.join(missing)} "
            f"(nor is any of the first {XLSX_HEADER_ROWS} rows a header with them)"
        )
    header, body = headers[at], rows[at + 1 :]
    for start in range(0, len(body), batch_size):
        part = body[start : start + batch_size]
        columns = {name: pa.array(_column_text(part, i), pa.string()) for i, name in enumerate(header)}
        # Sheet row numbers: calamine yields empty rows too, so the list index + 1 is the row.
        first = at + 2 + start
        yield _Chunk(pa.table(columns), np.arange(first, first + len(part), dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# JSONL


def _jsonl_chunks(path: Path, mapping: SourceMapping, batch_size: int) -> Iterator[_Chunk]:
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):  # written by some Windows tools; not part of the first object
        data = data[len(codecs.BOM_UTF8) :]
    table = _jsonl_fast(data, mapping)
    if table is None:
        table = _jsonl_exact(path, data)
    else:
        table = table.append_column("_line", pa.array(np.arange(1, table.num_rows + 1), pa.int64()))
    lines = np.asarray(table.column("_line").to_numpy(), dtype=np.int64)
    table = table.drop_columns(["_line"])
    absent = [c for c in mapping.required_columns if c not in table.column_names]
    if absent and table.num_rows:
        raise FileError(f"{path}: no record has the required key(s) {', '.join(absent)}")
    for start in range(0, table.num_rows, batch_size):
        yield _Chunk(table.slice(start, batch_size), lines[start : start + batch_size])


def _jsonl_fast(data: bytes, mapping: SourceMapping) -> pa.Table | None:
    """pyarrow's JSON reader, when the file is regular enough that its row i is line i + 1.

    Returns None (use the exact reader) on blank lines, on any parse problem (the exact reader finds
    the line), on mixed types in a column, or on nested values.
    """
    if not data.strip() or b"\n\n" in data or b"\n\r\n" in data or data[:1] in (b"\n", b"\r"):
        return None
    if not _every_line_is_braced(data):
        return None  # pyarrow 26 crashes (SIGSEGV) on a line such as `null`: never hand it one
    if any(f'"{c}"'.encode() not in data for c in mapping.required_columns):
        return None  # the explicit schema would invent the missing key; the exact reader reports it
    schema = pa.schema([(c.column, pa.string()) for c in mapping.columns])
    try:
        table = pa_json.read_json(
            io.BytesIO(data),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=16 << 20),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer"),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != data.rstrip(b"\r\n").count(b"\n") + 1:
        return None
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            columns[name] = column
        elif pa.types.is_null(column.type):
            columns[name] = pa.nulls(table.num_rows, pa.string())
        elif pa.types.is_integer(column.type) or pa.types.is_boolean(column.type):
            columns[name] = pc.cast(column, pa.string())
        else:  # floats, timestamps, lists, objects: text form differs from the file, read exactly
            return None
    return pa.table(columns)


def _every_line_is_braced(data: bytes) -> bool:
    """Every line starts with '{' and ends with '}' (before an optional CR).

    A raw line break cannot occur inside a JSON value, so this holds exactly when the text starts
    with '{', ends with '}' and every line break sits between '}' (or '}\\r') and '{': three
    counts in C instead of an array the size of the file.
    """
    body = data.rstrip(b"\r\n")
    if not (body.startswith(b"{") and body.endswith(b"}")):
        return False
    return body.count(b"}\n{") + body.count(b"}\r\n{") == body.count(b"\n")


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _jsonl_exact(path: Path, data: bytes) -> pa.Table:
    """Line by line with the json module: slower, but exact line numbers and messages."""
    records: list[dict[str, object]] = []
    lines: list[int] = []
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            raise FileError(f"{path}, line {number}: not UTF-8 text (agencies must export UTF-8)") from None
        except json.JSONDecodeError as exc:
            raise FileError(
                f"{path}, line {number}: not a complete JSON object ({exc.msg}, character {exc.colno}); "
                "the file looks truncated or corrupt"
            ) from None
        if not isinstance(record, dict):
            raise FileError(f"{path}, line {number}: expected a JSON object, found {type(record).__name__}")
        records.append(record)
        lines.append(number)
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    columns = {k: pa.array([_json_text(r.get(k)) for r in records], pa.string()) for k in keys}
    columns["_line"] = pa.array(lines, pa.int64())
    return pa.table(columns)
