"""Plan the graph writes of a batch of canonical rows, column-wise (no per-row Python).

Input: a DataFrame with ``_record_id``, ``_row`` and canonical columns named ``role.field``
(see ``loaders/mappings``). Output: a ``GraphDelta``: node tables per label (``id`` + schema
properties) and edge tables per (from label, type, to label) (``a``, ``b`` + properties).
Writers (``loaders.writers``) send a delta through Cypher MERGE batches or FalkorDB's bulk path.

Ids are business keys, deterministic, so that the same input always gives the same graph:
- Worker: exact keys first: a structurally valid NIK, else a passport number, else the record;
  entity resolution merges across sources what exact keys cannot;
- Agency / TrainingInstitute: the licence number when known, else the registry entry with the
  same normalised name, else a name-only node;
- PartnerAgency, Employer: normalised name + country; Sponsor, Person: normalised name;
- Placement and Case: their source record; Region: Kemendagri code; Country: ISO alpha-2;
- Phone: E.164; Passport: its number; Address: a digest of the normalised text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph_model import SCHEMA

EdgeKey = tuple[str, str, str]

ROLE_LABELS = {
    "worker": "Worker",
    "placement": "Placement",
    "agency": "Agency",
    "lpk": "TrainingInstitute",
    "partner": "PartnerAgency",
    "employer": "Employer",
    "sponsor": "Sponsor",
    "case": "Case",
}
# Placement links: role -> relationship type from the Placement.
PLACEMENT_LINKS = {
    "agency": "PLACED_BY",
    "partner": "THROUGH_PARTNER",
    "employer": "EMPLOYED_BY",
    "sponsor": "RECRUITED_BY",
    "lpk": "TRAINED_AT",
}
ID_PREFIX = {"Agency": "AG-", "TrainingInstitute": "LPK-"}
NAME_PREFIX = {
    "Agency": "AGX-",
    "TrainingInstitute": "LPKX-",
    "PartnerAgency": "PA-",
    "Employer": "EM-",
    "Sponsor": "SP-",
    "Person": "PS-",
}
COUNTRY_SCOPED = ("PartnerAgency", "Employer")  # the same name in two countries is two organisations


def digest(*parts: object) -> str:
    """A short stable id part: the same inputs give the same id on every machine."""
    return hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]


def digest_series(prefix: str, *columns: pd.Series) -> pd.Series:
    """``prefix + digest(columns...)`` per row, hashing each distinct combination once.

    The same key text as ``digest`` ('|'-joined, null as ''), built and deduplicated in Arrow: the
    planner runs this on every id column of every batch.
    """
    parts = [pc.fill_null(pa.array(c.astype("string")).cast(pa.string()), "") for c in columns]
    keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")
    encoded = keys.dictionary_encode()
    sha1 = hashlib.sha1
    hashed = np.array(
        [prefix + sha1(k.encode()).hexdigest()[:16] for k in encoded.dictionary.to_pylist()], dtype=object
    )
    return pd.Series(hashed[encoded.indices.to_numpy()], index=columns[0].index, dtype=object)


@dataclass
class GraphDelta:
    """Nodes and edges to write; tables are appended as planned and deduplicated on demand."""

    nodes: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    edges: dict[EdgeKey, list[pd.DataFrame]] = field(default_factory=dict)

    def add_nodes(self, label: str, frame: pd.DataFrame) -> None:
        allowed = SCHEMA.node(label).property_names
        frame = frame[[c for c in frame.columns if c in allowed]]
        frame = frame[frame["id"].notna()]
        if len(frame):
            self.nodes.setdefault(label, []).append(frame)

    def add_edges(self, key: EdgeKey, a: pd.Series, b: pd.Series, props: pd.DataFrame | None = None) -> None:
        from_label, rel_type, to_label = key
        rel = SCHEMA.rel(rel_type)
        if from_label not in rel.from_labels or to_label not in rel.to_labels:
            raise ValueError(f"schema has no ({from_label})-[:{rel_type}]->({to_label})")
        frame = pd.DataFrame({"a": a.to_numpy(), "b": b.to_numpy()})
        if props is not None:
            allowed = {p.name for p in rel.properties}
            for col in props.columns:
                if col in allowed:
                    frame[col] = props[col].to_numpy()
        frame = frame[frame["a"].notna() & frame["b"].notna()]
        if len(frame):
            self.edges.setdefault(key, []).append(frame)

    def extend(self, other: GraphDelta) -> None:
        for label, frames in other.nodes.items():
            self.nodes.setdefault(label, []).extend(frames)
        for key, frames in other.edges.items():
            self.edges.setdefault(key, []).extend(frames)

    def node_table(self, label: str) -> pd.DataFrame:
        """One row per id; for each property the last non-null value planned wins."""
        frame = pd.concat(self.nodes[label], ignore_index=True)
        if frame["id"].is_unique:
            return frame
        props = [c for c in frame.columns if c != "id"]
        if not props:
            return frame.drop_duplicates("id")
        return frame.groupby("id", sort=False, as_index=False)[props].last()

    def edge_table(self, key: EdgeKey) -> pd.DataFrame:
        frame = pd.concat(self.edges[key], ignore_index=True)
        return frame.drop_duplicates(["a", "b"], keep="last")

    def record_ids(self) -> list[str]:
        return [i for f in self.nodes.get("SourceRecord", []) for i in f["id"].tolist()]

    @property
    def is_empty(self) -> bool:
        return not self.nodes and not self.edges


class NameIndex:
    """Registry organisations by normalised name, so a name in a placement row finds its licence.

    A name shared by two registry entries is ambiguous and links to neither (it stays name-only):
    a wrong link would be worse than a missing one.
    """

    AMBIGUOUS = ""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str, str], str] = {}

    def add(
        self, label: str, name_norm: Iterable[str | None], country: Iterable[str | None], ids: Iterable[str]
    ) -> None:
        for name, ctry, node_id in zip(name_norm, country, ids, strict=True):
            if not isinstance(name, str) or not name:
                continue
            key = (label, name, (ctry or "") if label in COUNTRY_SCOPED else "")
            known = self._ids.get(key)
            self._ids[key] = node_id if known in (None, node_id) else self.AMBIGUOUS

    def lookup(self, label: str, name_norm: pd.Series, country: pd.Series | None) -> pd.Series:
        scoped = country is not None and label in COUNTRY_SCOPED
        ctry = (
            country.fillna("").astype(str) if scoped and country is not None else pd.Series("", index=name_norm.index)
        )
        keys = name_norm.fillna("").astype(str) + "\x1f" + ctry
        table = {k: self._ids.get((label, *k.split("\x1f", 1))) for k in keys.unique()}
        return keys.map(table).replace(self.AMBIGUOUS, None)


def _role(df: pd.DataFrame, role: str) -> pd.DataFrame:
    """The columns of one role, without the ``role.`` prefix."""
    prefix = role + "."
    cols = {c: c[len(prefix) :] for c in df.columns if c.startswith(prefix)}
    return df[list(cols)].rename(columns=cols)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def worker_ids(nik: pd.Series, passport: pd.Series, record_id: pd.Series) -> pd.Series:
    kind = np.where(nik.notna(), "nik", np.where(passport.notna(), "passport", "record"))
    value = nik.astype(object).where(nik.notna(), passport.astype(object).where(passport.notna(), record_id))
    return digest_series("W-", pd.Series(kind, index=nik.index), value)


def org_ids(label: str, frame: pd.DataFrame, names: NameIndex, country: pd.Series | None = None) -> pd.Series:
    name_norm = _col(frame, "name_norm")
    licence = _col(frame, "licence_no")
    ids = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if label in ID_PREFIX:
        ids = (ID_PREFIX[label] + licence.astype("string")).astype(object).where(licence.notna(), None)
    missing = ids.isna() & name_norm.notna()
    if missing.any():
        scoped = country if label in COUNTRY_SCOPED else None
        found = names.lookup(label, name_norm[missing], None if scoped is None else scoped[missing])
        named = digest_series(
            NAME_PREFIX[label], name_norm[missing], *([scoped[missing]] if scoped is not None else [])
        )
        ids[missing] = found.where(found.notna(), named)
    return ids


def _props(label: str, frame: pd.DataFrame, ids: pd.Series, **extra: object) -> pd.DataFrame:
    allowed = SCHEMA.node(label).property_names
    out = frame[[c for c in frame.columns if c in allowed and c != "id"]].copy()
    for key, value in extra.items():
        out[key] = value
    out.insert(0, "id", ids)
    return out


def _normalised_text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.upper().str.split().str.join(" ")


class Planner:
    """Plans deltas; holds the registry name index that links name-only mentions."""

    def __init__(self, names: NameIndex | None = None) -> None:
        self.names = names or NameIndex()

    def plan(self, source: str, file: str, df: pd.DataFrame) -> GraphDelta:
        delta = GraphDelta()
        if not len(df):
            return delta
        df = df.reset_index(drop=True)
        rec = df["_record_id"].astype(object)
        delta.add_nodes(
            "SourceRecord", pd.DataFrame({"id": rec, "source": source, "file": file, "row": df["_row"].astype("int64")})
        )
        delta.add_edges(("SourceRecord", "FROM_SOURCE", "Source"), rec, pd.Series(source, index=df.index))
        roles = {c.split(".", 1)[0] for c in df.columns if "." in c}
        placement = _role(df, "placement") if "placement" in roles else None
        country = _col(placement, "country") if placement is not None else None

        wid = None
        if "worker" in roles:
            worker = _role(df, "worker")
            wid = worker_ids(_col(worker, "nik"), _col(worker, "passport_no"), rec)
            delta.add_nodes("Worker", _props("Worker", worker, wid))
            delta.add_edges(("Worker", "REPORTED_IN", "SourceRecord"), wid, rec)
            delta.add_edges(("Worker", "FROM_REGION", "Region"), wid, _col(worker, "regency"))
            passport = _col(worker, "passport_no")
            delta.add_nodes("Passport", pd.DataFrame({"id": passport}))
            delta.add_edges(("Worker", "HOLDS_PASSPORT", "Passport"), wid, passport)
            self._identifiers(delta, "Worker", wid, worker)

        if placement is not None and wid is not None:
            pid = ("PL-" + rec.astype("string")).astype(object)
            # the placement is one source's record of the event: its source is a property, so that rules
            # select departures or arrivals without a step to the SourceRecord
            delta.add_nodes("Placement", _props("Placement", placement, pid, source=source))
            delta.add_edges(("Worker", "HAS_PLACEMENT", "Placement"), wid, pid)
            delta.add_edges(("Placement", "REPORTED_IN", "SourceRecord"), pid, rec)
            delta.add_edges(("Placement", "DESTINATION", "Country"), pid, country)
            for role, rel_type in PLACEMENT_LINKS.items():
                if role not in roles:
                    continue
                label = ROLE_LABELS[role]
                frame = _role(df, role)
                org = org_ids(label, frame, self.names, country)
                node_frame = frame.drop(columns=[c for c in frame.columns if c.startswith("certificate")])
                extra = {"country": country} if label in COUNTRY_SCOPED else {}
                delta.add_nodes(label, _props(label, node_frame, org, **extra))
                delta.add_edges(("Placement", rel_type, label), pid, org, frame if role == "lpk" else None)
                if label == "Employer":
                    delta.add_edges(("Employer", "EMPLOYER_IN", "Country"), org, country)
        elif "case" not in roles and wid is None:
            self._registry(delta, df, roles, rec)

        if "case" in roles:
            self._case(delta, _role(df, "case"), rec)
        return delta

    def _identifiers(self, delta: GraphDelta, label: str, ids: pd.Series, frame: pd.DataFrame) -> None:
        phone = _col(frame, "phone")
        delta.add_nodes("Phone", pd.DataFrame({"id": phone}))
        delta.add_edges((label, "HAS_PHONE", "Phone"), ids, phone)
        address = _col(frame, "address")
        if address.notna().any():
            text = _normalised_text(address)
            aid = digest_series("AD-", text).where(text.notna(), None)
            delta.add_nodes("Address", pd.DataFrame({"id": aid, "text": text.astype(object)}))
            delta.add_edges((label, "HAS_ADDRESS", "Address"), ids, aid)
        if label in ("Agency", "TrainingInstitute"):
            delta.add_edges((label, "LOCATED_IN", "Region"), ids, _col(frame, "regency"))

    def _registry(self, delta: GraphDelta, df: pd.DataFrame, roles: set[str], rec: pd.Series) -> None:
        for role in ("agency", "lpk", "partner"):
            if role not in roles:
                continue
            label = ROLE_LABELS[role]
            frame = _role(df, role)
            country = _col(frame, "country") if label in COUNTRY_SCOPED else None
            ids = org_ids(label, frame, self.names, country)
            extra: dict[str, object] = {"registered": True}
            if role == "agency":
                extra["is_branch"] = _col(frame, "head_office_licence").notna().to_numpy()
            delta.add_nodes(label, _props(label, frame, ids, **extra))
            delta.add_edges((label, "REPORTED_IN", "SourceRecord"), ids, rec)
            self.names.add(
                label, _col(frame, "name_norm"), country if country is not None else [None] * len(frame), ids
            )
            self._identifiers(delta, label, ids, frame)
            for person_field in ("director", "owner"):
                person = _col(frame, person_field)
                if person.notna().any():
                    norm = _normalised_text(person)
                    pid = digest_series("PS-", norm).where(norm.notna(), None)
                    delta.add_nodes(
                        "Person", pd.DataFrame({"id": pid, "name": person, "name_norm": norm.astype(object)})
                    )
                    delta.add_edges(("Person", "DIRECTS", label), pid, ids)
            if role == "agency":
                head = _col(frame, "head_office_licence")
                head_id = (
                    ("AG-" + head.astype("string"))
                    .astype(object)
                    .where(head.notna() & (head != _col(frame, "licence_no")), None)
                )
                delta.add_nodes("Agency", pd.DataFrame({"id": head_id}))
                delta.add_edges(("Agency", "BRANCH_OF", "Agency"), ids, head_id)
            if role == "partner":
                delta.add_edges(("PartnerAgency", "EMPLOYER_IN", "Country"), ids, country)
                licence = _col(frame, "agency_licence")
                agency = ("AG-" + licence.astype("string")).astype(object).where(licence.notna(), None)
                delta.add_nodes("Agency", pd.DataFrame({"id": agency}))
                delta.add_edges(("PartnerAgency", "PARTNER_OF", "Agency"), ids, agency)

    def _case(self, delta: GraphDelta, case: pd.DataFrame, rec: pd.Series) -> None:
        cid = ("CASE-" + _col(case, "case_id").astype("string")).astype(object)
        delta.add_nodes("Case", _props("Case", case, cid))
        delta.add_edges(("Case", "REPORTED_IN", "SourceRecord"), cid, rec)
        nik, passport = _col(case, "nik"), _col(case, "passport_no")
        known = nik.notna() | passport.notna()
        wid = worker_ids(nik, passport, rec).where(known, None)
        delta.add_nodes("Worker", pd.DataFrame({"id": wid}))
        delta.add_edges(("Case", "CONCERNS", "Worker"), cid, wid)
        country = _col(case, "country")
        for role, label in (("agency", "Agency"), ("employer", "Employer")):
            name = _col(case, f"{role}_name")
            frame = pd.DataFrame({"name": name, "name_norm": _col(case, f"{role}_name_norm")})
            has = frame["name_norm"].notna()
            org = org_ids(label, frame, self.names, country).where(has, None)
            extra = {"country": country} if label in COUNTRY_SCOPED else {}
            delta.add_nodes(label, _props(label, frame, org, **extra))
            delta.add_edges(("Case", "CONCERNS", label), cid, org)


def reference_delta(sources: Iterable[str]) -> GraphDelta:
    """Regions (provinces, regencies, PART_OF), countries and Source nodes."""
    import pycountry

    from reference.countries import get_country
    from reference.regions import provinces, regencies

    delta = GraphDelta()
    provs = provinces()
    regs = regencies()
    delta.add_nodes(
        "Region", pd.DataFrame({"id": [p.code for p in provs], "name": [p.name for p in provs], "level": "province"})
    )
    delta.add_nodes(
        "Region", pd.DataFrame({"id": [r.code for r in regs], "name": [r.name for r in regs], "level": "regency"})
    )
    delta.add_edges(
        ("Region", "PART_OF", "Region"), pd.Series([r.code for r in regs]), pd.Series([r.province_code for r in regs])
    )
    countries = [c for c in (get_country(x.alpha_2) for x in pycountry.countries) if c is not None]
    delta.add_nodes(
        "Country",
        pd.DataFrame(
            {
                "id": [c.alpha2 for c in countries],
                "name": [c.name for c in countries],
                "name_id": [c.name_id for c in countries],
            }
        ),
    )
    names = sorted(set(sources))
    delta.add_nodes("Source", pd.DataFrame({"id": names, "name": names}))
    return delta
