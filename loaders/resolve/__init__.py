"""Entity resolution: one Worker per real person across BP2MI, Kemnaker and Kemlu (``jejak resolve``).

    report = resolve(engine, work_dir)            # after ``jejak load``; incremental when it can be
    decide(engine, work_dir, "W-1a..", "kemlu:LD2020-0000186", "reject")

Pipeline (see each module):
1. ``records``: every loaded worker record, re-derived from the raw-row store with comparison keys;
2. ``model``: exact keys first (records sharing a NIK), then a Fellegi-Sunter model in Splink
   (DuckDB), trained by EM without labels, scores candidate pairs from blocking rules;
3. ``cluster``: human decisions, exact keys and model links (p >= 0.9) into clusters under
   constraints (never two NIKs in one person, never two people a human kept apart);
4. ``graph``: Workers merged (relationships moved, old ids kept as ``aliases``), resolved values
   set, every REPORTED_IN scored with the fields that agreed, uncertain pairs proposed as
   ``POSSIBLY_SAME`` for review.

Ids are stable: a cluster keeps the id of a Worker it already had, preferring the survivor of an
earlier run, else the smallest; re-running on the same input yields the same ids, and a new file
never renames an existing person (new records join the existing cluster's id).

Resolved values: per field, the first value stated in trust order bp2mi > kemnaker > kemlu, then
the most recent record (departure, arrival or registration date), then the record id. Every
source's own value stays queryable (``queries.reconcile.conflicts``).

Incremental: the state of the last run (``<work_dir>/resolution/``: record -> person, scored pairs,
the model) lets a later run score only new records (against everything, with the saved model) and
re-cluster only the people they touch. The state is checked against the graph first; a mismatch
(graph reset, another graph) means a full run.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.base import Engine, WriteSummary
from engine.cypher import cypher
from jejak.aside import run_aside
from jejak.errors import InputError, NotFound
from loaders.pipeline import NoProgress, Progress
from loaders.plan import digest, digest_series
from loaders.resolve import graph as g
from loaders.resolve import lookup, tables
from loaders.resolve import model as m
from loaders.resolve.cluster import ACCEPT, REVIEW, Decisions, cluster
from loaders.resolve.orgs import resolve_organisations
from loaders.resolve.records import TRUST, WORKER_SOURCES, complaint_keys, load_features

STATE_VERSION = 1
STATE_FILES = ("records.parquet", "pairs.parquet", "conflicts.parquet", "model.json", "state.json")
log = logging.getLogger(__name__)
RESOLVED_FIELDS = {  # Worker property -> feature column
    "name": "name",
    "name_norm": "name_norm",
    "sex": "sex",
    "birth_date": "birth_date",
    "nik": "nik",
    "passport_no": "passport",
    "phone": "phone",
    "address": "address",
    "birth_place": "birth_place",
    "father_name": "father_name",
    "nik_birth_date": "nik_birth_date",
    "nik_sex": "nik_sex",
}
# Fields whose disagreement between a person's records is a conflict (feature column -> label).
CONFLICT_FIELDS = {
    "name_norm": "name",
    "birth_date": "birth_date",
    "sex": "sex",
    "nik": "nik",
    "passport": "passport_no",
    "phone": "phone",
    "regency": "regency",
}

DECISIONS = cypher(
    "resolve.decisions",
    "MATCH (d:MatchDecision) RETURN d.id AS id, d.decision AS decision, d.a AS a, d.b AS b, "
    "d.a_records AS a_records, d.b_records AS b_records, d.decided_at AS decided_at, "
    "d.withdrawn_at AS withdrawn_at ORDER BY d.decided_at, d.id",
    doc="Every human match decision, oldest first, withdrawn ones too.",
)
WITHDRAW_DECISION = cypher(
    "resolve.withdraw_decision",
    "MATCH (d:MatchDecision {id: $id}) WHERE d.withdrawn_at IS NULL SET d.withdrawn_at = $at, d.withdraw_note = $note "
    "RETURN d.id AS id, d.decision AS decision, d.a AS a, d.b AS b",
    doc="Withdraw a human match decision: kept, no longer applied.",
)
SAVE_DECISION = cypher(
    "resolve.save_decision",
    "MERGE (d:MatchDecision {id: $id}) SET d += $props",
)
WORKER_RECORDS = cypher(
    "resolve.worker_records",
    "UNWIND $ids AS id MATCH (w:Worker {id: id})-[:REPORTED_IN]->(s:SourceRecord) WHERE s.source IN $sources "
    "RETURN w.id AS worker, s.id AS record",
    doc="The source records of these workers.",
)
RECORD_EXISTS = cypher(
    "resolve.record_exists", "MATCH (s:SourceRecord {id: $id}) WHERE s.source IN $sources RETURN s.id AS id"
)


@dataclass
class ResolveReport:
    mode: str = ""  # full or incremental
    records: int = 0
    new_records: int = 0
    touched_records: int = 0  # records re-clustered: the new ones and every record of the people they touch
    people: int = 0
    unresolved: int = 0  # records with no usable identifying field: kept alone, never force-merged
    exact_links: int = 0
    model_pairs: int = 0
    review_pairs: int = 0
    refused_links: int = 0
    merged_nodes: int = 0
    merged_organisations: int = 0
    detached_records: int = 0
    decisions: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    written: WriteSummary = field(default_factory=WriteSummary)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def state_dir(work_dir: Path) -> Path:
    return Path(work_dir) / "resolution"


def _ids_as_objects(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Id columns as Python strings: pandas 3 reads text as Arrow strings, whose isin, iteration
    and set building are 4-5x slower (an incremental run at 1 M workers spent a minute in them)."""
    return frame.astype({c: object for c in columns if c in frame.columns})


# -- state of the last run ------------------------------------------------------------------------
@dataclass
class State:
    records: pd.DataFrame  # record_id, worker, score, reason
    pairs: pd.DataFrame  # a, b, p, reason (model pairs >= REVIEW)
    model: dict[str, Any]
    decisions: list[str]

    @staticmethod
    def load(folder: Path) -> State | None:
        meta = folder / "state.json"
        if not meta.exists():
            return None
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("version") != STATE_VERSION:
            return None
        model = m.load(folder / "model.json")
        if model is None:
            return None
        return State(
            _ids_as_objects(pd.read_parquet(folder / "records.parquet"), ("record_id", "worker")),
            pd.read_parquet(folder / "pairs.parquet"),  # only filtered by small sets: Arrow is fast there
            model,
            list(info.get("decisions", [])),
        )

    def save(self, folder: Path, extra: dict[str, Any], conflicts: pd.DataFrame) -> None:
        """Write the state (and the conflicts table) into ``folder/next``; ``publish`` moves it into
        place, so that the state in ``folder`` always describes what the graph holds."""
        staging = folder / "next"
        staging.mkdir(parents=True, exist_ok=True)
        self.records.to_parquet(staging / "records.parquet", index=False)
        self.pairs.to_parquet(staging / "pairs.parquet", index=False)
        conflicts.to_parquet(staging / "conflicts.parquet", index=False)
        m.save(self.model, staging / "model.json")
        info = {"version": STATE_VERSION, "decisions": self.decisions, **extra}
        (staging / "state.json").write_text(json.dumps(info, indent=1, default=str), encoding="utf-8")

    @staticmethod
    def publish(folder: Path) -> None:
        for name in STATE_FILES:  # state.json last: the state is read only when it is there
            (folder / "next" / name).replace(folder / name)


def _state_matches_graph(engine: Engine, state: State, sample: int = 300) -> bool:
    """The state describes this graph: a sample of its records sit in the Workers it says."""
    if not len(state.records):
        return False
    rng = random.Random(len(state.records))
    idx = sorted(rng.sample(range(len(state.records)), min(sample, len(state.records))))
    rows = state.records.iloc[idx]
    found = g.record_workers(engine, rows["record_id"].tolist(), WORKER_SOURCES)
    bad = [(r, w, found.get(r)) for r, w in zip(rows["record_id"], rows["worker"], strict=True) if found.get(r) != w]
    if bad:
        log.info(
            "resolution state does not match the graph (%d of %d sampled records differ, e.g. %s): full run",
            len(bad),
            len(rows),
            bad[0],
        )
    return not bad


# -- decisions ---------------------------------------------------------------------------------------
def read_decisions(engine: Engine, withdrawn: bool = False) -> list[dict[str, Any]]:
    """The decisions in force, oldest first; with ``withdrawn``, the withdrawn ones too."""
    return [d for d in engine.read(DECISIONS) if withdrawn or not d["withdrawn_at"]]


def _named(d: dict[str, Any]) -> str:
    """A decision as a refusal names it: when, and how to withdraw it if it was wrong."""
    return f"decision {d['id']} of {d['decided_at']}; withdraw it with jejak resolve --withdraw {d['id']}"


def withdraw(engine: Engine, decision_id: str, note: str = "") -> dict[str, Any]:
    """Withdraw a human decision (its id as ``decide`` printed it, ``MD-...``): the next resolve
    decides its records again, and a contradicting decision may then be made. Kept, marked withdrawn."""
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    found, _ = engine.write(WITHDRAW_DECISION, {"id": decision_id, "at": at, "note": note})
    if not found:
        raise NotFound(f"no decision in force with id {decision_id!r} (see the refusal message or the review report)")
    return {**found[0], "withdrawn_at": at}


def _as_decisions(rows: list[dict[str, Any]]) -> Decisions:
    out = Decisions()
    for d in rows:
        pair = (list(d["a_records"] or []), list(d["b_records"] or []))
        (out.confirm if d["decision"] == "confirm" else out.reject).append(pair)
    return out


def _ref_records(engine: Engine, ref: str) -> tuple[str, list[str]]:
    """A reference (worker id, alias, or source record id) -> (its worker id or record, its records)."""
    from queries.reconcile import resolve_alias

    if ":" in ref and engine.read(RECORD_EXISTS, {"id": ref, "sources": list(WORKER_SOURCES)}):
        return ref, [ref]
    worker = resolve_alias(engine, ref)
    if worker is None:
        raise InputError(f"{ref}: no such worker or worker source record")
    rows = engine.read(WORKER_RECORDS, {"ids": [worker], "sources": list(WORKER_SOURCES)})
    records = sorted(r["record"] for r in rows)
    if not records:
        raise InputError(f"{ref}: worker {worker} has no source record of its own to decide on")
    return worker, records


class _Links:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, xs: list[str]) -> None:
        for x in xs[1:]:
            self.parent[self.find(x)] = self.find(xs[0])

    def connected(self, xs: list[str], ys: list[str]) -> bool:
        roots = {self.find(x) for x in xs}
        return any(self.find(y) in roots for y in ys)


def decide(engine: Engine, work_dir: Path, a: str, b: str, decision: str, note: str = "") -> dict[str, Any]:
    """Record a human decision that ``a`` and ``b`` are (confirm) or are not (reject) the same person.

    ``a`` and ``b`` are worker ids (aliases too) or worker source record ids (``kemlu:LD2020-0000186``);
    a worker stands for all its records at the time of the decision. Refused (InputError) when it
    contradicts an earlier decision: confirming a pair rejected before (directly or through other
    confirmed matches), or rejecting a pair confirmed before. Takes effect on the next resolve.
    """
    if decision not in ("confirm", "reject"):
        raise InputError(f"unknown decision {decision!r}: use confirm or reject")
    a_id, a_records = _ref_records(engine, a)
    b_id, b_records = _ref_records(engine, b)
    earlier = read_decisions(engine)
    confirms = [d for d in earlier if d["decision"] == "confirm"]
    rejects = [d for d in earlier if d["decision"] == "reject"]
    if a_id == b_id or set(a_records) == set(b_records):
        confirmed = [d for d in confirms if set(a_records) & set(list(d["a_records"]) + list(d["b_records"]))]
        if decision == "reject" and confirmed:
            raise InputError(
                f"refused: {a} and {b} were confirmed as the same person ({_named(confirmed[0])}); "
                f"a reject would contradict that decision"
            )
        raise InputError(f"{a} and {b} are the same worker: name a source record to split one off")
    if decision == "reject":  # a record rejected from its own worker splits off from the rest
        a_records = [r for r in a_records if r not in set(b_records)]
        b_records = [r for r in b_records if r not in set(a_records)]
    links = _Links()
    for d in confirms:
        links.union(list(d["a_records"]) + list(d["b_records"]))
    if decision == "reject":
        if links.connected(a_records, b_records):
            made = [d for d in confirms if links.connected(list(d["a_records"]), a_records + b_records)]
            raise InputError(
                f"refused: {a} and {b} were confirmed as the same person "
                f"({'; '.join(_named(d) for d in made or confirms)}); a reject would contradict that decision"
            )
    else:
        # each side stands for all its records when decided, so confirmed chains reach whole people
        links.union(a_records + b_records)
        for d in rejects:
            if links.connected(list(d["a_records"]), list(d["b_records"])):
                raise InputError(
                    f"refused: confirming {a} = {b} would make one person of {d['a']} and {d['b']}, "
                    f"which a person rejected as different people ({_named(d)})"
                )
    key = digest(decision, *sorted([",".join(sorted(a_records)), ",".join(sorted(b_records))]))
    props = {
        "decision": decision,
        "a": a_id,
        "b": b_id,
        "a_records": sorted(a_records),
        "b_records": sorted(b_records),
        "decided_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "note": note,
    }
    engine.write(SAVE_DECISION, {"id": "MD-" + key, "props": props})
    return {"id": "MD-" + key, **props}


# -- resolution ----------------------------------------------------------------------------------------
def _usable(records: pd.DataFrame) -> pd.Series:
    """A record can be matched at all: a NIK, a passport, a phone, or a name with a birth date."""
    return (
        records["nik"].notna()
        | records["passport"].notna()
        | records["phone"].notna()
        | (records["name_key"].notna() & records["birth_date"].notna())
    )


def _targets(recs: pd.DataFrame, established: set[str]) -> tuple[pd.Series, pd.Series]:
    """(per cluster label: the Worker id it keeps, per current Worker id: the cluster that owns it).

    A current Worker belongs to the cluster holding most of its records (ties: the cluster with the
    smallest record id); a cluster keeps one of the Workers it owns, an earlier survivor first, else
    the smallest id; a cluster owning none gets a new id from its smallest record id.
    """
    # smallest record ids by sorting: a groupby min over Python strings goes group by group in Python
    ordered = recs[["cluster", "current", "record_id"]].sort_values("record_id", kind="stable")
    counts = ordered.drop_duplicates(["cluster", "current"]).rename(columns={"record_id": "first"})
    sizes = ordered.groupby(["cluster", "current"]).size().rename("n")
    counts = counts.join(sizes, on=["cluster", "current"])
    counts = counts.sort_values(["current", "n", "first"], ascending=[True, False, True])
    owner = counts.drop_duplicates("current")
    # a set look-up per owner: isin() would first turn every established id into an array
    est = [c not in established for c in owner["current"]]
    ranked = owner.assign(est=est).sort_values(["cluster", "est", "current"])
    target = ranked.drop_duplicates("cluster").set_index("cluster")["current"]
    first = ordered.drop_duplicates("cluster").set_index("cluster")["record_id"]
    missing = first.index.difference(target.index)
    new = pd.Series(["W-" + digest("person", first[c]) for c in missing], index=missing, dtype=object)
    return pd.concat([target, new]), owner.set_index("current")["cluster"]


def _lists(keys: Any, values: Any) -> dict[Any, list[Any]]:
    """key -> its values in order (a groupby(...).agg(list) calls Python once per group)."""
    out: dict[Any, list[Any]] = {}
    for k, v in zip(keys, values, strict=True):
        out.setdefault(k, []).append(v)
    return out


def _small_lists(groups: np.ndarray, values: np.ndarray, n: int) -> list[list[Any] | None]:
    """Per group 0..n-1: its values in order (``groups`` sorted), None for a group without any.

    For few distinct values (sources, conflict fields), each group's sequence is encoded as one
    integer, so Python builds one list per distinct sequence and copies it per group: building a
    million lists value by value took 3.7 s at 1 M workers."""
    codes, uniques = pd.factorize(values)
    base = len(uniques) + 1
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(groups) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    if len(groups) and base ** (int(rank.max()) + 1) >= 2**62:  # too long to encode: one by one
        lists = _lists(groups.tolist(), values.tolist())
        return [lists.get(g) for g in range(n)]
    combo = np.zeros(n, dtype=np.int64)
    np.add.at(combo, groups, (codes + 1) * base**rank)
    decoded: dict[int, list[Any] | None] = {0: None}
    for c in np.unique(combo).tolist():
        digits, rest = [], c
        while rest:
            rest, digit = divmod(rest, base)
            digits.append(uniques[digit - 1])
        decoded.setdefault(c, digits)
    return [None if c == 0 else list(decoded[c]) for c in combo.tolist()]  # type: ignore[arg-type]


def _resolved_props(recs: pd.DataFrame, conflicts: pd.DataFrame) -> pd.DataFrame:
    """Per worker: resolved values (trust, then most recent, then record id), sources, conflicts
    (``conflict_rows(recs)``).

    Column by column in Arrow over one sort order: sorting the whole frame and a groupby ``first``
    moved every column of 2.6 M records through pandas and took 27 s at 1 M workers."""
    worker = pa.array(recs["worker"].to_numpy(object), pa.string())
    keys = pa.table(
        {
            "w": worker,
            "t": pa.array(recs["source"].map(TRUST).to_numpy()),
            "d": pa.array(recs["event_date"].fillna("").to_numpy(object), pa.string()),
            "r": pa.array(recs["record_id"].to_numpy(object), pa.string()),
        }
    )
    # by worker, then trust, newest, record id
    order = pc.sort_indices(
        keys, sort_keys=[("w", "ascending"), ("t", "ascending"), ("d", "descending"), ("r", "ascending")]
    )
    sorted_workers = worker.take(order)
    starts = np.r_[True, pc.not_equal(sorted_workers[1:], sorted_workers[:-1]).to_numpy(zero_copy_only=False)]
    starts = starts[: len(sorted_workers)]  # no record: no worker
    by_worker = np.cumsum(starts) - 1  # 0, 1, ... per worker, in the sorted order
    workers = sorted_workers.filter(pa.array(starts)).to_numpy(zero_copy_only=False)
    columns: dict[str, Any] = {}
    for prop, col in RESOLVED_FIELDS.items():
        values = pa.array(recs[col], from_pandas=True).take(order)
        stated = values.is_valid().to_numpy(zero_copy_only=False)
        owners = by_worker[stated]
        first = np.r_[True, owners[1:] != owners[:-1]][: len(owners)]  # the first stated value of each worker
        column = np.full(len(workers), None, dtype=object)
        column[owners[first]] = values.filter(pa.array(stated)).filter(pa.array(first)).to_numpy(zero_copy_only=False)
        columns[prop] = column
    src = pd.DataFrame({"w": by_worker, "s": recs["source"].to_numpy(object)[order.to_numpy()]}).drop_duplicates()
    columns["sources"] = _small_lists(src["w"].to_numpy(), src["s"].to_numpy(object), len(workers))
    fields = conflicts.drop_duplicates(["worker", "field"])
    owner = pd.Index(workers).get_indexer(fields["worker"].to_numpy(object))
    conflicted = _small_lists(owner, fields["field"].to_numpy(object), len(workers))
    columns["conflicts"] = [np.nan if c is None else c for c in conflicted]
    props = pd.DataFrame(columns, index=pd.Index(workers, dtype=object), dtype=object)  # no str inference
    props["record_count"] = np.bincount(by_worker, minlength=len(workers))
    return props


def conflict_rows(recs: pd.DataFrame) -> pd.DataFrame:
    """worker, source, record_id, field, value: every value of a field on which a person's records
    differ, in that order of worker, field, source and record."""
    # Field by field, on integer codes of the values: a long frame of every value (18 M rows at 1 M
    # workers) and a grouped nunique took 29 s and 4 GB.
    worker, people = pd.factorize(recs["worker"])
    ids = {c: recs[c].to_numpy(object) for c in ("worker", "source", "record_id")}
    parts = []
    for column, name in CONFLICT_FIELDS.items():
        codes = pd.factorize(recs[column])[0]  # -1: no value
        has = codes >= 0
        lowest = np.full(len(people), np.iinfo(np.int64).max)
        highest = np.full(len(people), -1)
        np.minimum.at(lowest, worker[has], codes[has])
        np.maximum.at(highest, worker[has], codes[has])
        take = np.flatnonzero(has & (lowest != highest)[worker])  # a person with two values or more
        part = {c: lookup.strings(values[take]) for c, values in ids.items()}
        part["field"] = pa.array([name] * len(take), type=pa.string())
        part["value"] = lookup.strings(recs[column].to_numpy(object)[take])
        parts.append(pa.table(part))
    table = pa.concat_tables(parts).sort_by([(c, "ascending") for c in ("worker", "field", "source", "record_id")])
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get)


@dataclass
class Outcome:
    """What a run decided, before anything is written: where each touched record goes."""

    recs: pd.DataFrame  # the touched records: features + cluster, score, reason, current, worker
    owner_target: pd.Series  # current Worker id -> the Worker it goes to as a whole
    survivors: set[str]  # the Worker ids the clusters keep
    review: pd.DataFrame  # record pairs awaiting review (a, b, p, reason)
    conflicts: pd.DataFrame  # conflict rows of the touched people
    state: State  # the state to save once the graph holds the outcome
    last: State | None  # the state of the last run (None: a full run)
    all_conflicts: pd.DataFrame  # conflict rows of every person (saved with the state)
    extra: dict[str, Any]
    # complaints' NIK keys and their passport keys (``records.complaint_keys``)
    complaints: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["key", "alt"]))

    def merges(self) -> list[tuple[str, str]]:
        """(old, new): current Workers that go whole into another Worker and do not survive themselves."""
        return [(old, new) for old, new in self.owner_target.items() if old != new and old not in self.survivors]

    def moves(self) -> pd.DataFrame:
        """record, old, new: records leaving a Worker whose other records go elsewhere."""
        recs = self.recs
        goes_whole_to = lookup.Lookup(self.owner_target.index.to_numpy(object), self.owner_target.to_numpy(object))
        worker = lookup.strings(recs["worker"])
        leaves = pc.not_equal(lookup.strings(recs["current"]), worker)
        elsewhere = pc.fill_null(pc.not_equal(goes_whole_to.get(recs["current"]), worker), True)
        movers = recs[pc.and_(leaves, elsewhere).to_numpy(zero_copy_only=False)]
        return movers.rename(columns={"record_id": "record", "current": "old", "worker": "new"})[
            ["record", "old", "new"]
        ]

    def key_workers(self, kinds: tuple[str, ...] = ("nik", "passport")) -> pd.Series:
        """Exact-key Worker ids (NIK, passport) that no record sits in -> the one person they name.

        A complaint names its worker by NIK or passport; when no record took that key's Worker, the
        complaint's Worker is bare and merges into the person whose records hold the key (when one does).
        """
        recs = self.recs
        parts = []
        for column in kinds:  # the loader's key ids (``loaders.plan.worker_ids``)
            has = recs[column].notna().to_numpy()
            values = recs.loc[has, column]
            key = digest_series("W-", pd.Series(column, index=values.index), values)
            parts.append(pd.DataFrame({"key": key.to_numpy(), "worker": recs.loc[has, "worker"].to_numpy(object)}))
        every = pd.concat(parts, ignore_index=True).drop_duplicates()
        every = every[~every["key"].duplicated(keep=False)]  # a key two people hold names neither
        keys = every[~lookup.isin(every["key"], recs["current"].unique())]
        named = keys.set_index("key")["worker"]
        # a complaint's NIK that no record holds: its passport may name the person (whether or not
        # a record's Worker was keyed by that passport)
        c = self.complaints
        person = c["alt"].map(every.set_index("key")["worker"])
        c = c.assign(worker=person)[person.notna() & ~c["key"].isin(named.index)]
        c = c[~lookup.isin(c["key"], recs["current"].unique())].drop_duplicates(["key", "worker"])
        c = c[~c["key"].duplicated(keep=False)]
        return pd.concat([named, c.set_index("key")["worker"]]).sort_index()

    def worker_rows(self) -> pd.DataFrame:
        """Per person: the resolved property values (``_resolved_props``), ready to write."""
        props = _resolved_props(self.recs, self.conflicts)
        props["conflicts"] = [c if isinstance(c, list) else [] for c in props["conflicts"]]
        props["record_count"] = props["record_count"].astype("int64")
        return props

    def proposals(self) -> pd.DataFrame:
        """wa, wb, p, reason: the review pairs between the people as they now are, strongest per pair."""
        recs, review_pairs = self.recs, self.review
        worker_of = dict(zip(recs["record_id"], recs["worker"], strict=True))
        if self.last is not None:  # the other records in the review pairs: where the last run put them
            others = (set(review_pairs["a"]) | set(review_pairs["b"])) - worker_of.keys()
            old = self.last.records[self.last.records["record_id"].isin(others)]
            worker_of.update(zip(old["record_id"], old["worker"], strict=True))
        # look-ups per review pair: Series.map(dict) would first copy the whole dict into a Series
        rev = review_pairs.assign(
            wa=[worker_of.get(x) for x in review_pairs["a"]], wb=[worker_of.get(x) for x in review_pairs["b"]]
        )
        rev = rev[rev["wa"].notna() & rev["wb"].notna() & (rev["wa"] != rev["wb"])]
        wa, wb = rev["wa"].to_numpy(), rev["wb"].to_numpy()  # column-wise (see loaders/resolve/model.py)
        rev = rev.assign(wa=np.where(wa > wb, wb, wa), wb=np.where(wa > wb, wa, wb))
        rev = rev.sort_values("p", ascending=False).drop_duplicates(["wa", "wb"])
        return rev[["wa", "wb", "p", "reason"]]


class _Run:
    """One run's report, state folder, progress and stage clock."""

    def __init__(self, work_dir: Path, folder: Path | None, progress: Progress | None) -> None:
        self.started = self.clock = time.monotonic()
        self.report = ResolveReport()
        self.folder = folder or state_dir(work_dir)
        self.progress = progress or NoProgress()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.report.timings[name] = round(now - self.clock, 2)
        self.clock = now

    def finish(self) -> ResolveReport:
        self.report.seconds = round(time.monotonic() - self.started, 2)
        return self.report


def _decide(
    engine: Engine | None, work_dir: Path, run: _Run, *, full: bool, accept: float, review: float
) -> Outcome | None:
    """Read the records, score and cluster them, and decide where each goes. ``engine`` None: the
    graph is being built from these files (no decisions, no earlier state, records in their loader
    Workers). None when nothing needs doing."""
    report, folder, progress, lap = run.report, run.folder, run.progress, run.lap
    progress.start("read records", None)
    records = load_features(work_dir, folder / "features")
    records = _ids_as_objects(records, ("record_id", "loader_id", "nik", "passport"))
    progress.done()
    lap("features")
    report.records = len(records)
    every_decision = read_decisions(engine, withdrawn=True) if engine is not None else []
    decision_rows = [d for d in every_decision if not d["withdrawn_at"]]
    decisions = _as_decisions(decision_rows)
    decision_ids = [d["id"] for d in decision_rows]
    report.decisions = len(decision_ids)

    state = None if full or engine is None else State.load(folder)
    if state is not None and engine is not None and not _state_matches_graph(engine, state):
        state = None
    lap("state")
    known = set(state.records["record_id"]) if state is not None else set()
    new_ids = [r for r in records["record_id"] if r not in known]
    report.new_records = len(new_ids)

    if state is None:
        report.mode = "full"
        progress.start("train model", None)
        model = m.train(records)
        lap("train")
        progress.start("score pairs", None)
        pairs = m.predict(records, model, review)
        progress.done()
        pairs["reason"] = m.reasons(pairs)
        pairs = pairs[["a", "b", "p", "reason"]]
        all_pairs = pairs
        subset = records
        lap("predict")
    else:
        report.mode = "incremental"
        model = state.model
        new_pairs = pd.DataFrame(columns=["a", "b", "p", "reason"])
        if new_ids:
            progress.start("score new records", None)
            scored = m.predict(records, model, review, new_ids=pd.Series(new_ids))
            progress.done()
            if len(scored):
                scored["reason"] = m.reasons(scored)
                new_pairs = scored[["a", "b", "p", "reason"]]
        lap("predict")
        # every new pair has a new record, which no earlier pair can have: only the new ones need deduplicating
        # (the new pairs as Arrow strings too: a concat with Python strings converts all 3 M old ones)
        new_pairs = new_pairs.drop_duplicates(["a", "b"]).astype(
            {"a": state.pairs["a"].dtype, "b": state.pairs["b"].dtype}
        )
        all_pairs = pd.concat([state.pairs, new_pairs], ignore_index=True)
        # the people touched: new records, their candidate partners, NIK partners, and decided records
        touched = set(new_ids) | set(new_pairs["a"]) | set(new_pairs["b"])
        new_set = set(new_ids)
        new_niks = set(records.loc[records["record_id"].isin(new_set), "nik"].dropna())
        touched |= set(records.loc[records["nik"].isin(new_niks), "record_id"])
        if decision_ids != state.decisions:  # a decision made or withdrawn: its records are decided again
            for d in every_decision:
                touched |= set(d["a_records"] or []) | set(d["b_records"] or [])
        old = state.records[["record_id", "worker"]]
        hit = set(old.loc[old["record_id"].isin(touched), "worker"])
        touched |= set(old.loc[old["worker"].isin(hit), "record_id"])
        subset = records[records["record_id"].isin(touched)].reset_index(drop=True)
        pairs = all_pairs[all_pairs["a"].isin(touched) & all_pairs["b"].isin(touched)]
    report.touched_records = len(subset)
    report.model_pairs = int((all_pairs["p"] >= accept).sum())

    if not len(subset):
        report.people = state.records["worker"].nunique() if state is not None else 0
        return None

    # a record with no usable identifying field is never linked by the model (only by a human)
    unusable = set(subset.loc[~_usable(subset), "record_id"])
    if unusable and len(pairs):
        pairs = pairs[~(pairs["a"].isin(unusable) | pairs["b"].isin(unusable))]
    progress.start("cluster", None)
    result = cluster(subset, pairs, decisions, accept=accept, review=review)
    progress.done()
    lap("cluster")
    report.refused_links = result.refused
    recs = subset.assign(cluster=result.cluster, score=result.score, reason=result.reason)
    recs["source"] = recs["source"].astype(object)  # iterated per record below: Python strings
    report.exact_links = int(recs["reason"].eq("nik").sum())

    # where each record sits now (a graph being built: in its loader Worker), and where it goes
    current: dict[str, str] = {}
    if engine is not None:
        current = g.record_workers(engine, None if state is None else recs["record_id"].tolist(), WORKER_SOURCES)
    recs["current"] = recs["record_id"].map(current) if current else None
    lost = recs["current"].isna()
    recs.loc[lost, "current"] = recs.loc[lost, "loader_id"]  # not in the graph: its loader id
    established = set(state.records["worker"]) if state is not None else set()
    target, owner = _targets(recs, established)
    recs["worker"] = recs["cluster"].map(target).astype(object)  # Python strings: iterated and hashed below
    lap("map")

    now = recs[["record_id", "worker", "score", "reason"]]
    if state is not None:
        kept = state.records[~state.records["record_id"].isin(set(now["record_id"]))]
        if len(records) - len(new_ids) < len(known):  # records whose file is gone leave
            kept = kept[kept["record_id"].isin(records["record_id"])]
        now = pd.concat([kept, now], ignore_index=True).reset_index(drop=True)
    new_conflicts = conflict_rows(recs)
    conflicts = new_conflicts
    if state is not None and (folder / "conflicts.parquet").exists():
        old_conf = pd.read_parquet(folder / "conflicts.parquet")
        old_conf = old_conf[~old_conf["worker"].isin(set(recs["worker"]) | set(recs["current"]))]
        conflicts = pd.concat([old_conf, new_conflicts], ignore_index=True)
    report.unresolved = int((~_usable(records)).sum())  # ``now`` holds every record, each once
    report.people = int(now["worker"].nunique())
    outcome = Outcome(
        recs=recs,
        owner_target=owner.map(target).astype(object),
        survivors=set(target),
        review=result.review,
        conflicts=new_conflicts,
        state=State(now, all_pairs.reset_index(drop=True), model, decision_ids),
        last=state,
        all_conflicts=conflicts,
        extra={"accept": accept, "review": review, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
        complaints=complaint_keys(work_dir),
    )
    return outcome


def resolve(
    engine: Engine,
    work_dir: Path,
    *,
    full: bool = False,
    folder: Path | None = None,
    accept: float = ACCEPT,
    review: float = REVIEW,
    progress: Progress | None = None,
) -> ResolveReport:
    """Resolve workers across sources and write the result to the graph (see the module docstring)."""
    run = _Run(work_dir, folder, progress)
    outcome = _decide(engine, work_dir, run, full=full, accept=accept, review=review)
    if outcome is None:
        return run.finish()
    folder, report, lap = run.folder, run.report, run.lap
    # The new state is known now: it is saved while the graph is written (the writes mostly wait on
    # the server), and published once the graph holds it.
    with ThreadPoolExecutor(1) as saver:
        saving = saver.submit(outcome.state.save, folder, outcome.extra, outcome.all_conflicts)
        _write_graph(engine, report, outcome, progress=run.progress, lap=lap)
    saving.result()
    State.publish(folder)
    lap("save")
    if report.mode == "full":  # most of the graph was rewritten (an incremental run writes little)
        engine.compact()
        lap("compact")
    return run.finish()


def _write_graph(
    engine: Engine,
    report: ResolveReport,
    outcome: Outcome,
    *,
    progress: Progress,
    lap: Callable[[str], None],
) -> None:
    """Move records between Workers, merge Workers, set resolved properties, links and proposals."""
    total = WriteSummary()
    recs = outcome.recs
    progress.start("write graph", None)
    moves = outcome.moves()
    g.detach_records(engine, moves, recs, total)
    report.detached_records = len(moves)
    merges = outcome.merges()
    # Workers known only from complaints (bare), reachable through a record's NIK or passport key
    key_workers = outcome.key_workers()
    bare = g.bare_workers(engine, key_workers.index.tolist())
    merges += [(k, key_workers[k]) for k in sorted(bare)]
    g.merge_nodes(engine, "Worker", merges, total)
    report.merged_nodes = len(merges)
    lap("merge")

    props = outcome.worker_rows()
    rows = []
    for wid, row in props.to_dict("index").items():
        p: dict[str, Any] = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        p["record_count"] = int(p["record_count"])
        rows.append({"id": wid, "props": p})
    g._write(engine, g.SET_WORKER, "rows", rows, total)
    links = [
        {"a": w, "b": s, "score": None if np.isnan(sc) else round(float(sc), 4), "reason": why}
        for w, s, sc, why in recs[["worker", "record_id", "score", "reason"]].itertuples(index=False)
    ]
    g._write(engine, g.SET_LINK, "rows", links, total)

    rev = outcome.proposals()
    if outcome.last is None:
        engine.write(g.CLEAR_ALL_PROPOSALS)
    else:
        g._write(engine, g.CLEAR_PROPOSALS, "ids", sorted(set(recs["worker"])), total)
    g._write(
        engine,
        g.PROPOSE,
        "rows",
        [
            {"a": a, "b": b, "score": round(float(p), 4), "reason": why}
            for a, b, p, why in rev[["wa", "wb", "p", "reason"]].itertuples(index=False)
        ],
        total,
    )
    engine.write(g.SOURCE_TRUST, {"rows": [{"id": s, "trust": t} for s, t in TRUST.items()]})
    report.merged_organisations = resolve_organisations(engine, total)
    progress.done()
    lap("write")
    # every match awaiting review, not only those of the people this run touched
    report.review_pairs = engine.read(g.COUNT_PROPOSALS)[0]["n"] if outcome.last is not None else len(rev)
    report.written = total


def resolve_tables(
    work_dir: Path,
    nodes: dict[str, pd.DataFrame],
    edges: dict[Any, pd.DataFrame],
    *,
    folder: Path | None = None,
    accept: float = ACCEPT,
    review: float = REVIEW,
    progress: Progress | None = None,
) -> tuple[ResolveReport, Callable[[], None] | None]:
    """A full run on the records of a graph being built in bulk (``jejak load --resolve`` into an
    empty graph), applied to its node and edge tables (``tables.apply``) instead of written into a
    graph.

    The run is decided in a side process (``_plan_tables``): its features, candidate pairs and model
    (a peak of ~8 GB at 1 M workers) are freed when it ends instead of sitting next to the planned
    tables. It saves the new state to staging and sends back only what the tables need. Returns the
    report and the call that publishes the state, for once the graph holds the outcome."""
    run = _Run(work_dir, folder, progress)
    report, plan = run_aside(_plan_tables, run.progress, work_dir, run.folder, accept, review)
    run.report = report
    if plan is None:
        return run.finish(), None
    run.clock = time.monotonic()
    run.progress.start("apply to the graph's tables", None)
    tables.apply(plan, nodes, edges, run.report)
    run.progress.done()
    run.lap("tables")
    return run.finish(), functools.partial(State.publish, run.folder)


def _plan_tables(
    work_dir: Path, folder: Path, accept: float, review: float, *, progress: Progress
) -> tuple[ResolveReport, tables.TablePlan | None]:
    """``resolve_tables``'s side: decide, reduce the outcome to a ``TablePlan``, save the state."""
    run = _Run(work_dir, folder, progress)
    outcome = _decide(None, work_dir, run, full=True, accept=accept, review=review)
    if outcome is None:
        return run.report, None
    plan = tables.TablePlan.of(outcome)
    run.lap("plan")
    outcome.state.save(run.folder, outcome.extra, outcome.all_conflicts)
    run.lap("save")
    return run.report, plan
