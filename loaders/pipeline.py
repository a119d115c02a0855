"""``jejak load DIR``: read every recognised file, keep rejects and raw rows, write the graph.

Order: registries first (so that names in placement rows find their licensed organisations),
then the person sources in increasing order of trust (so the most trusted value wins), then
complaints (which point at workers and agencies already loaded).

Two ways to write: into an empty graph on an engine with a bulk path, everything is planned first
and built in one atomic bulk operation; otherwise each file goes through idempotent MERGE
batches. Either way a file that cannot be read fails alone, before any of it is written.

With ``resolve``, entity resolution follows the load (``loaders.resolve``). On the bulk path it
runs before the build, on the planned tables, so that the graph is built resolved instead of
built and then edited (at 1 M workers the edits took 11 minutes).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engine.base import Engine, WriteSummary
from engine.cypher import Cypher
from jejak.errors import InputError
from loaders.mapping import load_mappings
from loaders.plan import GraphDelta, Planner, reference_delta
from loaders.read import Batch, FileError, list_sources, read_file, recognise
from loaders.upgrade import upgrade_graph
from loaders.writers import BulkWriter, CypherWriter, name_index_from_graph

LOAD_ORDER = ("p3mi_registry", "lpk_registry", "mitra_registry", "kemlu", "kemnaker", "bp2mi", "pengaduan")
REJECT_FILE_COLUMNS = ["file", "row", "field", "value", "reason", "action"]


@dataclass
class FileResult:
    file: str
    source: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_already_loaded: int = 0
    # already loaded, but the file now says something else: not applied (see ``_RawStore.changes``)
    rows_changed: int = 0
    fields_cleared: int = 0
    error: str = ""
    seconds: float = 0.0


@dataclass
class LoadReport:
    mode: str = ""
    files: list[FileResult] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    written: WriteSummary = field(default_factory=WriteSummary)
    seconds: float = 0.0
    rejects_dir: str = ""
    resolution: Any = None  # loaders.resolve.ResolveReport when the load resolved

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.error]

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "failed": len(self.failed)}


class Progress(Protocol):
    """What long work reports: a phase, rows done, rows in total when known. The CLI draws bars."""

    def start(self, phase: str, total: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...

    def done(self) -> None: ...


class NoProgress:
    """Reports nothing (library use, tests)."""

    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def done(self) -> None:
        pass


def order_files(directory: Path, source: str | None = None) -> tuple[list[tuple[Path, str]], list[str]]:
    """Recognised files in load order, and the names of the files no mapping recognises."""
    found: list[tuple[Path, str]] = []
    unknown: list[str] = []
    known = set(list_sources())
    if source is not None and source not in known:
        raise InputError(f"unknown source {source!r}: use one of {', '.join(sorted(known))}")
    for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")):
        src = source or recognise(path)
        if src is None or src not in known:
            unknown.append(path.name)
        else:
            found.append((path, src))
    rank = {s: i for i, s in enumerate(LOAD_ORDER)}
    found.sort(key=lambda item: (rank.get(item[1], len(rank)), item[0].name))
    return found, unknown


def _count_lines(path: Path) -> int | None:
    if path.suffix.lower() not in (".csv", ".jsonl", ".json", ".txt"):
        return None
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


class _RawStore:
    """Full raw rows, one Parquet file per input file: the graph keeps only slim SourceRecords."""

    def __init__(self, folder: Path, file: str) -> None:
        self.path = folder / (Path(file).name + ".parquet")
        self.tmp = self.path.with_suffix(".parquet.tmp")
        self.writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        table = table.cast(
            pa.schema(
                [pa.field(f.name, pa.string() if f.name not in ("_row", "_rejected") else f.type) for f in table.schema]
            )
        )
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.writer.write_table(table.cast(self.writer.schema) if table.schema != self.writer.schema else table)

    def changes(self) -> pd.DataFrame:
        """Rows of this file an earlier load of the same folder's file stored with other values:
        record id, row, field, the stored value and the new one (a corrected re-export)."""
        if self.writer is None or not self.path.exists():
            return pd.DataFrame(columns=CHANGE_COLUMNS)
        self.writer.close()
        self.writer = None
        old, new = pq.read_table(self.path).to_pandas(), pq.read_table(self.tmp).to_pandas()
        fields = [c for c in new.columns if c in old.columns and not c.startswith("_")]
        # whole rows first (one hash each), then field by field only where a row differs
        digest = {
            name: pd.Series(
                pd.util.hash_pandas_object(t[fields].fillna(""), index=False).to_numpy(), index=t["_record_id"]
            )
            for name, t in (("old", old), ("new", new))
        }
        digest = {k: d[~d.index.duplicated(keep="last")] for k, d in digest.items()}  # a repeated id: its last row
        same = digest["new"].reindex(digest["old"].index)
        differ = set(same.index[same.notna() & (same != digest["old"])])
        if not differ:
            return pd.DataFrame(columns=CHANGE_COLUMNS)
        both = new[new["_record_id"].isin(differ)].merge(old, on="_record_id", suffixes=("", "@old"))
        out = []
        for f in fields:
            rows = both[both[f].fillna("") != both[f + "@old"].fillna("")]
            out.append(
                pd.DataFrame(
                    {
                        "record_id": rows["_record_id"],
                        "row": rows["_row"],
                        "field": f,
                        "loaded": rows[f + "@old"],
                        "now": rows[f],
                    }
                )
            )
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=CHANGE_COLUMNS)

    def keep_stored(self, record_ids: set[str]) -> None:
        """Store the earlier version of these rows: what the graph holds, since they were not applied."""
        ids = pa.array(sorted(record_ids), pa.string())
        table, old = pq.read_table(self.tmp), pq.read_table(self.path)
        fresh = table.filter(pc.invert(pc.is_in(table["_record_id"], ids)))
        stored = old.filter(pc.is_in(old["_record_id"], ids))
        pq.write_table(pa.concat_tables([fresh, stored], promote_options="default"), self.tmp)

    def commit(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.tmp.exists():
            self.tmp.replace(self.path)  # atomic: a rerun never sees half a file

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.tmp.unlink(missing_ok=True)


def _read_whole_file(
    path: Path, source: str, result: FileResult, store: _RawStore, progress: Progress
) -> tuple[list[Batch], pd.DataFrame]:
    """Read and validate every row before anything is written: a file that breaks half-way
    (truncated, bad bytes) then fails whole and leaves the graph unchanged."""
    reading = read_file(path, source)
    progress.start(f"read {path.name}", _count_lines(path))
    batches = []
    for batch in reading:
        store.write(batch.raw_table)
        batches.append(batch)
        progress.advance(batch.rows_read)
    progress.done()
    result.rows_read = reading.rows_read
    result.rows_rejected = reading.rows_rejected
    rejects = reading.rejects
    result.fields_cleared = int((rejects["action"] == "field_cleared").sum()) if len(rejects) else 0
    return batches, rejects


CHANGE_COLUMNS = ["record_id", "row", "field", "loaded", "now"]


def _write_changes(rejects_dir: Path, file: str, changes: pd.DataFrame) -> None:
    """Rows already loaded that the file now tells differently, field by field, beside the rejects."""
    target = rejects_dir / (Path(file).name + ".changed.csv")
    if len(changes):
        rejects_dir.mkdir(parents=True, exist_ok=True)
        changes.reindex(columns=CHANGE_COLUMNS).to_csv(target, index=False)
    else:
        target.unlink(missing_ok=True)


def _write_rejects(rejects_dir: Path, file: str, rejects: pd.DataFrame) -> None:
    rejects_dir.mkdir(parents=True, exist_ok=True)
    target = rejects_dir / (Path(file).name + ".rejects.csv")
    if len(rejects):
        out = rejects.reindex(columns=REJECT_FILE_COLUMNS)
        out["file"] = Path(file).name
        out.to_csv(target, index=False)
    else:
        target.unlink(missing_ok=True)


def folder_tag(directory: Path) -> str:
    """A folder's name in the work dir: its own name and a hash of its full path, so that the
    January and February folders' ``bp2mi_penempatan.csv`` keep their raw rows and rejects apart."""
    full = str(Path(directory).resolve())
    return f"{Path(full).name or 'root'}-{hashlib.sha1(full.encode()).hexdigest()[:8]}"


def load_directory(
    directory: Path,
    engine: Engine,
    *,
    work_dir: Path,
    source: str | None = None,
    mode: str = "auto",
    progress: Progress | None = None,
    on_file: Callable[[FileResult], None] | None = None,
    on_query: Callable[[Cypher, WriteSummary, float], None] | None = None,
    resolve: bool = False,
) -> LoadReport:
    """Load every recognised file of ``directory``. ``mode``: auto, bulk or merge. ``resolve``:
    then resolve workers across sources (see the module docstring). ``on_query`` hears each MERGE
    batch query (``CypherWriter.write``; benchmarks)."""
    started = time.monotonic()
    progress = progress or NoProgress()
    if not directory.is_dir():
        raise FileError(f"{directory}: not a directory")
    files, unknown = order_files(directory, source)
    if not files:
        raise InputError(
            f"{directory}: no file here is one Jejak reads ({len(unknown)} other file(s)); files are recognised "
            f"by name ({', '.join(sorted({g for m in load_mappings().values() for g in m.files}))}), or name "
            "the source with --source"
        )
    if mode == "bulk" and not engine.is_empty():  # say so before reading anything
        raise InputError("--mode bulk builds an empty graph only, and this graph holds data: use auto or merge")
    tag = folder_tag(directory)
    report = LoadReport(unrecognised=unknown, rejects_dir=str(work_dir / "rejects" / tag))
    engine.apply_schema()
    upgrade_graph(engine)  # a graph loaded by an earlier Jejak gets what this version's rules read
    bulk = mode == "bulk" or (mode == "auto" and engine.supports_bulk and engine.is_empty())
    report.mode = "bulk" if bulk else "merge"
    planner = Planner(None if bulk else name_index_from_graph(engine))
    cypher_writer = CypherWriter(engine)
    bulk_writer = BulkWriter(engine) if bulk else None

    reference = reference_delta({s for _, s in files} | set(LOAD_ORDER))
    if bulk_writer:
        bulk_writer.add(reference)
    else:
        report.written.add(cypher_writer.write(reference))

    for path, src in files:
        result = FileResult(file=path.name, source=src)
        t0 = time.monotonic()
        store = _RawStore(work_dir / "records" / src / tag, path.name)
        try:
            batches, rejects = _read_whole_file(path, src, result, store, progress)
        except FileError as exc:
            store.abort()
            result.error = str(exc)
        else:
            _write_rejects(Path(report.rejects_dir), path.name, rejects)
            # a row loaded before that the file now tells differently is not applied (its old facts
            # would stay beside the new ones): it is listed, and the store keeps what the graph holds
            changes = pd.DataFrame(columns=CHANGE_COLUMNS) if bulk else store.changes()
            changed, stale = set(changes["record_id"]), set()
            progress.start(f"load {path.name}", sum(len(b.canonical) for b in batches))
            for batch in batches:
                frame = batch.canonical
                if not bulk and len(frame):
                    done = cypher_writer.complete(frame["_record_id"].tolist())
                    result.rows_already_loaded += len(done)
                    stale |= changed & set(done)
                    frame = frame[~frame["_record_id"].isin(done)]
                delta = planner.plan(src, path.name, frame) if len(frame) else GraphDelta()
                if bulk_writer:
                    bulk_writer.add(delta)
                elif not delta.is_empty:
                    report.written.add(cypher_writer.write(delta, on_query))
                result.rows_loaded += len(frame)
                progress.advance(len(batch.canonical))
            progress.done()
            if stale:
                store.keep_stored(stale)
            store.commit()
            result.rows_changed = len(stale)
            _write_changes(Path(report.rejects_dir), path.name, changes[changes["record_id"].isin(stale)])
        result.seconds = time.monotonic() - t0
        report.files.append(result)
        if on_file:
            on_file(result)

    if bulk_writer:
        nodes, edges = bulk_writer.tables()
        publish = None
        if resolve:
            from loaders.resolve import resolve_tables

            report.resolution, publish = resolve_tables(work_dir, nodes, edges, progress=progress)
        total = sum(len(t) for t in nodes.values()) + sum(len(t) for t in edges.values())
        progress.start("bulk write", total)
        report.written.add(engine.bulk_create(nodes, edges, progress.advance))
        progress.done()
        if publish:  # the graph holds the outcome: the state that describes it becomes current
            publish()
    elif resolve:
        from loaders.resolve import resolve as resolve_graph

        report.resolution = resolve_graph(engine, work_dir, progress=progress)
    report.seconds = time.monotonic() - started
    return report
