"""References users type, and what they may see: resolving refs to nodes, masking personal data.

A *worker ref* is one of
- a Jejak worker id: ``W-`` and 16 hex digits (``W-266965072dc4a7e2``);
- a NIK: 16 digits (spaces, dots and dashes are ignored);
- a passport number: 5-12 letters and digits (``C2914960``);
- a source record id: ``<source>:<record>`` (``bp2mi:SK-2023-0001234``), or the bare record
  (``SK-2023-0001234``), which is looked up in every source.

An *entity ref* (explore, agency) is any node id (``AG-KEP.418/MEN/2017``, ``EM-…``, ``PL-…``,
``33.24``, ``HK``), or an identifier that names one node: NIK, passport, phone, licence number,
source record id.

Failures are user errors (``jejak.errors``): an unknown ref is ``NotFound``; a ref that names more
than one node (a NIK or passport shared by two Worker nodes before entity resolution) is
``InputError`` listing the candidates; a malformed ref is ``InputError`` saying what a valid one
looks like.

Masking: the roles are ``investigator`` (sees everything), ``analyst`` and ``public``. For the other
roles every property the schema marks ``personal`` is masked: ``analyst`` keeps what analysis needs
and identifies no one (birth year, the NIK's region prefix, the last two digits of a phone),
``public`` sees ``"***"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from engine.base import Engine
from engine.cypher import cypher
from graph_model import SCHEMA
from jejak.errors import Forbidden, InputError, NotFound
from loaders.normalize import normalize_phone, parse_nik
from loaders.plan import ID_PREFIX, NAME_PREFIX

ROLES = ("investigator", "analyst", "public")
HIDDEN = "***"
MAX_CANDIDATES = 10

VALID_WORKER_REFS = (
    "a Jejak worker id (W- and 16 hex digits), a NIK (16 digits), a passport number (5-12 letters/digits) "
    "or a source record id (<source>:<record>, e.g. bp2mi:SK-2023-0001234)"
)

# Id prefixes the planner gives (loaders.plan), longest first so that LPKX- wins over LPK-.
_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            **{p: label for label, p in ID_PREFIX.items()},
            **{p: label for label, p in NAME_PREFIX.items()},
            "W-": "Worker",
            "PL-": "Placement",
            "CASE-": "Case",
            "AD-": "Address",
        }.items(),
        key=lambda kv: -len(kv[0]),
    )
)
_WORKER_ID = re.compile(r"^W-[0-9a-f]{16}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,12}$")
_REGION = re.compile(r"^[0-9]{2}(\.[0-9]{2})?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Candidate:
    label: str
    id: str
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.id} ({self.name})" if self.name else self.id


# -- queries ---------------------------------------------------------------------------------------
WORKERS_BY_NIK = cypher(
    "refs.workers_by_nik",
    """
    MATCH (w:Worker {nik: $nik})
    RETURN w.id AS id, w.name AS name
    ORDER BY id
    LIMIT $limit
    """,
    doc="Worker nodes carrying a NIK (more than one before entity resolution merges them).",
)

WORKERS_BY_PASSPORT = cypher(
    "refs.workers_by_passport",
    """
    MATCH (:Passport {id: $passport})<-[:HOLDS_PASSPORT]-(w:Worker)
    RETURN DISTINCT w.id AS id, w.name AS name
    ORDER BY id
    LIMIT $limit
    """,
    doc="Worker nodes that held a passport number (every record's passport, not only the last one).",
)

WORKERS_BY_RECORD = cypher(
    "refs.workers_by_record",
    """
    MATCH (s:SourceRecord)
    WHERE s.id IN $records
    RETURN s.id AS record,
           [(s)<-[:REPORTED_IN]-(w1:Worker) | w1 {.id, .name}]
           + [(s)<-[:REPORTED_IN]-(:Placement)<-[:HAS_PLACEMENT]-(w2:Worker) | w2 {.id, .name}]
           + [(s)<-[:REPORTED_IN]-(:Case)-[:CONCERNS]->(w3:Worker) | w3 {.id, .name}] AS workers
    """,
    doc="The workers a source record reports, directly, through its placement or through its case.",
)

WORKER_BY_ALIAS = cypher(
    "refs.worker_by_alias",
    """
    MATCH (w:Worker)
    WHERE $id IN w.aliases
    RETURN w.id AS id, w.name AS name
    LIMIT $limit
    """,
    doc="The worker an id was merged into by entity resolution (a label scan: only after a miss by id).",
)

NODES_BY_RECORD = cypher(
    "refs.nodes_by_record",
    """
    MATCH (s:SourceRecord)
    WHERE s.id IN $records
    RETURN s.id AS record, [(s)<-[:REPORTED_IN]-(n) | {label: labels(n)[0], id: n.id, name: n.name}] AS nodes
    """,
    doc="The entities a source record asserts.",
)

HOLDERS_OF_PHONE = cypher(
    "refs.holders_of_phone",
    """
    MATCH (:Phone {id: $phone})<-[:HAS_PHONE]-(n)
    RETURN labels(n)[0] AS label, n.id AS id, n.name AS name
    ORDER BY label, id
    LIMIT $limit
    """,
    doc="Whoever uses a phone number (workers, agencies, institutes, partners, sponsors).",
)

AGENCIES_BY_LICENCE = cypher(
    "refs.agencies_by_licence",
    """
    MATCH (a:Agency {licence_no: $licence})
    RETURN 'Agency' AS label, a.id AS id, a.name AS name
    UNION ALL
    MATCH (t:TrainingInstitute {licence_no: $licence})
    RETURN 'TrainingInstitute' AS label, t.id AS id, t.name AS name
    """,
    doc="P3MI and training institutes by licence number.",
)


def _node_exists_query(label: str) -> Any:
    SCHEMA.node(label)  # labels only from the schema
    return cypher(
        f"refs.node_exists.{label}",
        f"""
        MATCH (n:{label} {{id: $id}})
        RETURN n.id AS id, n.name AS name
        """,
        doc=f"Whether a {label} with this id exists.",
    )


NODE_EXISTS = {label: _node_exists_query(label) for label in SCHEMA.labels}


# -- parsing ---------------------------------------------------------------------------------------
@cache
def known_sources() -> tuple[str, ...]:
    from loaders.mapping import load_mappings

    return tuple(sorted(load_mappings()))


def _compact(ref: str) -> str:
    return re.sub(r"[\s.\-]", "", ref).upper()


def _looks_like_nik(compact: str) -> bool:
    """Digit-heavy and about NIK-long: a NIK with a typo rather than a passport or record."""
    digits = sum(c.isdigit() for c in compact)
    return compact.isalnum() and 13 <= len(compact) <= 18 and digits >= 13 and len(compact) - digits <= 2


def _nik_error(ref: str, compact: str) -> InputError:
    info = parse_nik(compact)
    if len(compact) == 16 and not compact.isdigit():
        bad = ", ".join(f"{c!r} at position {i + 1}" for i, c in enumerate(compact) if not c.isdigit())
        why = f"it has {bad}"
    elif len(compact) != 16:
        why = f"it has {len(compact)} characters"
    else:
        why = info.reason or "it is not a valid NIK"
    return InputError(
        f"{ref!r} is not a valid NIK ({why}): a NIK is 16 digits, PPKKCC DDMMYY NNNN "
        "(region, birth date with day + 40 for women, serial)"
    )


@dataclass(frozen=True)
class WorkerRef:
    kind: str  # "id", "nik", "passport" or "record"
    value: str
    records: tuple[str, ...] = ()  # record ids to try (kind "record", or a passport-like bare record)


def parse_worker_ref(ref: str) -> WorkerRef:
    """Classify a worker ref without touching the graph; malformed refs raise ``InputError``."""
    text = (ref or "").strip()
    if not text:
        raise InputError(f"empty worker reference: give {VALID_WORKER_REFS}")
    if text.upper().startswith("W-"):
        if not _WORKER_ID.match("W-" + text[2:].lower()):
            raise InputError(
                f"{text!r} is not a Jejak worker id: one looks like W-266965072dc4a7e2 (W- and 16 hex digits)"
            )
        return WorkerRef("id", "W-" + text[2:].lower())
    if ":" in text:
        source, _, record = text.partition(":")
        source = source.strip().lower()
        if source not in known_sources() or not record.strip():
            raise InputError(
                f"{text!r} is not a source record id: use <source>:<record> with a source among "
                f"{', '.join(known_sources())} (e.g. bp2mi:SK-2023-0001234)"
            )
        return WorkerRef("record", f"{source}:{record.strip()}", (f"{source}:{record.strip()}",))
    compact = _compact(text)
    if compact.isdigit() and len(compact) == 16:
        # The structural check (pyarrow, ~1 ms for one value) runs only when no worker has the NIK.
        return WorkerRef("nik", compact)
    if _looks_like_nik(compact):
        raise _nik_error(text, compact)
    bare_records = tuple(f"{s}:{text}" for s in known_sources())
    if _PASSPORT.match(compact):
        return WorkerRef("passport", compact, bare_records)
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9./\-_ ]{2,60}", text):
        return WorkerRef("record", text, bare_records)
    raise InputError(f"{text!r} is not a worker reference: give {VALID_WORKER_REFS}")


def _unique(candidates: Iterable[Candidate], ref: str, what: str) -> Candidate:
    found = list(dict.fromkeys(candidates))
    if not found:
        raise NotFound(f"no {what}{'y' if what == 'entit' else ''} matches {ref!r} in the graph")
    if len(found) > 1:
        shown = "; ".join(str(c) for c in found[:MAX_CANDIDATES])
        more = f" and {len(found) - MAX_CANDIDATES} more" if len(found) > MAX_CANDIDATES else ""
        plural = "ies" if what == "entit" else "s"
        raise InputError(
            f"{ref!r} is ambiguous: it matches {len(found)} {what}{plural}: {shown}{more}; use one of these ids"
        )
    return found[0]


def _workers(rows: Iterable[dict[str, Any]]) -> list[Candidate]:
    return [Candidate("Worker", r["id"], r.get("name")) for r in rows if r.get("id")]


def _record_workers(engine: Engine, records: Iterable[str]) -> list[Candidate]:
    out = []
    for row in engine.read(WORKERS_BY_RECORD, {"records": list(records)}):
        out.extend(_workers(row["workers"]))
    return out


# Identifiers a role may look a person up by only if it sees them in full: otherwise a masked
# role could learn whose NIK, passport or phone a number is by asking.
PERSONAL_LOOKUPS = {"nik": "nik", "passport": "passport_no", "phone": "phone"}


def may_look_up(kind: str, role: str) -> bool:
    """Whether ``role`` may find someone by this kind of identifier: only if it sees it unmasked."""
    field = PERSONAL_LOOKUPS.get(kind)
    return field is None or mask_value(field, "x", role) == "x"


def check_lookup(kind: str, role: str) -> None:
    """Refuse a look-up by a personal identifier to a role that sees that identifier masked."""
    if not may_look_up(kind, role):
        raise Forbidden(
            f"looking someone up by {kind} needs the investigator role: the {role} role sees {kind} "
            "masked (search by name, or use the Jejak id)"
        )


def resolve_worker(engine: Engine, ref: str, role: str = "investigator") -> tuple[str, str]:
    """``(worker id, how it was resolved)``; one or two index-backed queries.

    For a Jejak id no query is made here: the caller's own query by id tells whether it exists
    (and, if not, ``worker_alias`` finds a worker entity resolution merged it into).
    """
    parsed = parse_worker_ref(ref)
    if parsed.kind == "id":
        return parsed.value, "id"
    if parsed.kind in PERSONAL_LOOKUPS:
        check_lookup(parsed.kind, role)
    if parsed.kind == "nik":
        found = _workers(engine.read(WORKERS_BY_NIK, {"nik": parsed.value, "limit": MAX_CANDIDATES + 1}))
        if not found and not parse_nik(parsed.value).valid:
            raise _nik_error(ref.strip(), parsed.value)
        return _unique(found, ref, "worker").id, "nik"
    if parsed.kind == "passport":
        found = _workers(engine.read(WORKERS_BY_PASSPORT, {"passport": parsed.value, "limit": MAX_CANDIDATES + 1}))
        if found:
            return _unique(found, ref, "worker").id, "passport"
    found = _record_workers(engine, parsed.records)
    if not found and parsed.kind == "passport":
        raise NotFound(f"no worker with passport number {parsed.value} and no source record {ref!r} in the graph")
    return _unique(found, ref, "worker").id, "record"


def worker_alias(engine: Engine, worker_id: str) -> str:
    """After a miss by id: the worker entity resolution merged ``worker_id`` into, else ``NotFound``."""
    found = _workers(engine.read(WORKER_BY_ALIAS, {"id": worker_id, "limit": MAX_CANDIDATES + 1}))
    if not found:
        raise NotFound(f"no worker with id {worker_id} in the graph")
    return _unique(found, worker_id, "worker").id


def label_of_id(node_id: str) -> str | None:
    """The label an id's prefix says, for ids the planner makes with a prefix."""
    for prefix, label in _PREFIXES:
        if node_id.startswith(prefix):
            return label
    return None


def resolve_entity(
    engine: Engine, ref: str | Candidate, labels: Iterable[str] | None = None, role: str = "investigator"
) -> Candidate:
    """Any node by id or by an identifier that names one node; ``labels`` restricts what may match.
    A NIK, phone or passport number names someone only for a role that may see it (``check_lookup``).

    A ``Candidate`` (label and id already known, e.g. from a search hit) is taken as it is."""
    allowed = set(labels) if labels is not None else set(SCHEMA.labels)
    if isinstance(ref, Candidate):
        if ref.label not in allowed:
            raise InputError(f"{ref} is a {ref.label}, not a {' or '.join(sorted(allowed))}")
        return ref
    text = (ref or "").strip()
    if not text:
        raise InputError("empty reference: give a node id, NIK, passport, phone, licence or source record id")
    what = " or ".join(sorted(allowed)) if len(allowed) <= 3 else "entit"
    candidates: list[Candidate] = []

    def by_id(label: str, node_id: str) -> None:
        if label in allowed:
            candidates.extend(
                Candidate(label, r["id"], r.get("name")) for r in engine.read(NODE_EXISTS[label], {"id": node_id})
            )

    label = label_of_id(text)
    if label is not None:
        if label == "Worker":
            parse_worker_ref(text)  # a malformed W- id says what a valid one looks like
        by_id(label, text)
        if not candidates and label == "Worker" and "Worker" in allowed:  # merged by entity resolution
            found = _workers(engine.read(WORKER_BY_ALIAS, {"id": text, "limit": MAX_CANDIDATES + 1}))
            candidates.extend(found)
        return _unique(candidates, text, what)
    if ":" in text and text.split(":", 1)[0].lower() in known_sources():
        by_id("SourceRecord", text)
        for row in engine.read(NODES_BY_RECORD, {"records": [text]}):
            candidates.extend(
                Candidate(n["label"], n["id"], n.get("name")) for n in row["nodes"] if n["label"] in allowed
            )
        # a record that asserts a worker and a placement names the worker: prefer it
        people = [c for c in candidates if c.label == "Worker"]
        return _unique(people or candidates, text, what)
    if _REGION.match(text):
        by_id("Region", text)
    if _COUNTRY.match(text.upper()):
        by_id("Country", text.upper())
    if "/" in text:
        candidates.extend(
            c
            for c in (
                Candidate(r["label"], r["id"], r.get("name"))
                for r in engine.read(AGENCIES_BY_LICENCE, {"licence": text})
            )
            if c.label in allowed
        )
    compact = _compact(text)
    if compact.isdigit() and len(compact) == 16 and "Worker" in allowed:
        check_lookup("nik", role)
        candidates.extend(_workers(engine.read(WORKERS_BY_NIK, {"nik": compact, "limit": MAX_CANDIDATES + 1})))
    elif _looks_like_nik(compact):
        raise _nik_error(text, compact)
    phone = normalize_phone(text) if re.fullmatch(r"[+0-9()\s.\-]{8,20}", text) else None
    if phone and not candidates:
        check_lookup("phone", role)
    if phone and phone == text and "Phone" in allowed:
        by_id("Phone", phone)  # a Phone node's own id (E.164) names the node
    if phone and not candidates:
        holders = [
            Candidate(r["label"], r["id"], r.get("name"))
            for r in engine.read(HOLDERS_OF_PHONE, {"phone": phone, "limit": MAX_CANDIDATES + 1})
        ]
        holders = [c for c in holders if c.label in allowed]
        if holders:  # whoever uses the number is what a user means by it
            candidates.extend(holders)
        else:
            by_id("Phone", phone)
    passport = _PASSPORT.match(compact) is not None and not compact.isdigit()
    if passport and may_look_up("passport", role):
        by_id("Passport", compact)
    if not candidates and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9./\-_ ]{2,60}", text):
        for row in engine.read(NODES_BY_RECORD, {"records": [f"{s}:{text}" for s in known_sources()]}):
            candidates.extend(
                Candidate(n["label"], n["id"], n.get("name")) for n in row["nodes"] if n["label"] in allowed
            )
    if not candidates and passport:  # not a record number either: what else it names is not for this role
        check_lookup("passport", role)
    return _unique(candidates, text, what)


# -- masking ---------------------------------------------------------------------------------------
def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


@cache
def personal_fields(label: str) -> frozenset[str]:
    return SCHEMA.node(label).personal


@cache
def _unlabelled_personal() -> frozenset[str]:
    """In output of unknown shape, a worker's personal fields (names of organisations stay)."""
    return personal_fields("Worker")


def mask_value(field: str, value: Any, role: str) -> Any:
    """One personal value as ``role`` may see it (``None`` stays ``None``)."""
    if value is None or role == "investigator":
        return value
    if role != "analyst":
        return HIDDEN
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # dates: the year only
        return text[:4] + "-**-**"
    if field == "nik" and len(text) == 16:  # region of registration only
        return text[:6] + "*" * 10
    if field == "phone" and len(text) > 4:
        return text[:3] + "*" * (len(text) - 5) + text[-2:]
    return HIDDEN


# Nodes whose id is itself personal data (the schema declares no property for it): the number.
PERSONAL_IDS = {"Phone": "phone", "Passport": "passport_no"}


def mask_id(label: str, node_id: Any, role: str) -> Any:
    """A node id as ``role`` may see it: a phone or passport number is masked like the property."""
    field = PERSONAL_IDS.get(label)
    return mask_value(field, node_id, role) if field else node_id


def mask(label: str, props: dict[str, Any] | None, role: str) -> dict[str, Any] | None:
    """A node's properties with its personal fields (schema ``personal: true``) masked for ``role``."""
    if props is None or role == "investigator":
        return props
    personal = personal_fields(label)
    out = {k: (mask_value(k, v, role) if k in personal else v) for k, v in props.items()}
    if "id" in out:
        out["id"] = mask_id(label, out["id"], role)
    return out


def mask_deep(value: Any, role: str) -> Any:
    """Mask any nested structure by key: every key that is a personal field of some label.

    For output built by other modules (flags, rights) whose shape this module does not know.
    """
    if role == "investigator":
        return value
    if isinstance(value, dict):
        label = value.get("label") if isinstance(value.get("label"), str) else None
        personal = personal_fields(label) if label in SCHEMA.nodes else _unlabelled_personal()
        return {
            k: (mask_value(k, v, role) if k in personal and not isinstance(v, dict | list) else mask_deep(v, role))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_deep(v, role) for v in value]
    return value
