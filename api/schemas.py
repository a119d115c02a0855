"""The shapes of the API's main answers, for its OpenAPI description: what a client can rely on.

They describe the JSON ``queries.chain`` and ``queries.rights`` build (their docstrings are the
reference); every model allows keys it does not list, since new keys may be added. Personal
values are strings either way: masked for a role that may not see them (``"***"``,
``"1999-**-**"``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Ref(Open):
    id: str
    name: str | None = None


class Record(Open):
    """A source record: one row of one agency's file."""

    id: str = Field(description="source:record id, e.g. bp2mi:SK-2023-0001234")
    source: str | None = None
    file: str | None = None
    row: int | None = None


class Case(Open):
    id: str
    date: str | None = None
    kind: str | None = None
    status: str | None = None


class Agency(Ref):
    licence_no: str | None = None
    status: str | None = Field(default=None, description="AKTIF, DIBEKUKAN (suspended) or DICABUT (revoked)")
    registered: bool | None = Field(default=None, description="whether the P3MI registry lists it")
    head_office: list[Ref] = Field(default_factory=list)


class Placement(Open):
    id: str
    date: str | None = Field(default=None, description="departure, else registration, else arrival date")
    status: str | None = None
    job: str | None = None
    cost_to_worker: int | None = Field(default=None, description="rupiah charged to the worker")
    sponsors: list[Ref] = Field(default_factory=list)
    training: list[Ref] = Field(default_factory=list)
    agencies: list[Agency] = Field(default_factory=list)
    partners: list[Ref] = Field(default_factory=list)
    employers: list[Ref] = Field(default_factory=list)
    countries: list[Ref] = Field(default_factory=list)
    sources: list[Record] = Field(default_factory=list)
    cases: list[Case] = Field(default_factory=list)


class Worker(Open):
    id: str
    name: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    nik: str | None = None
    passport_no: str | None = None


class Conflict(Open):
    kind: str
    field: str
    values: list[dict[str, Any]] = Field(default_factory=list)


class Flag(Open):
    rule: str = Field(description="R1-R11 or H1-H4 (shared/domain/RULES.md)")
    entity_label: str
    entity_id: str
    summary: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    record_ids: list[str] = Field(default_factory=list)


class Right(Open):
    right: str
    rule: str | None = None
    placement: str
    applies: bool
    status: Literal["met", "missing", "violated", "not_applicable"]
    evidence: dict[str, Any] = Field(default_factory=dict)
    record_ids: list[str] = Field(default_factory=list)


class WorkerChain(Open):
    """A worker's whole path: where they come from, who recruited, trained, placed and employed
    them, in which country, which records say so, where the sources disagree, and what they were
    owed (``queries.chain``)."""

    ref: str = Field(description="what was asked for")
    resolved_by: Literal["id", "alias", "nik", "passport", "record"]
    role: str
    worker: Worker
    origin: dict[str, Ref | None]
    sources: list[Record]
    cases: list[Case]
    possibly_same: list[dict[str, Any]] = Field(description="entity resolution's open questions")
    placements: list[Placement] = Field(description="oldest first")
    conflicts: list[Conflict]
    flags_checked: bool = Field(description="false when flags=false: then flags and rights are [] unchecked")
    flags: list[Flag] = Field(description="red flags on the worker or a step of the chain; [] with flags=false")
    rights: list[Right] = Field(description="per placement and right; [] with flags=false")


class WorkerRights(Open):
    worker: Ref
    rights: list[Right]
    gaps: list[Right] = Field(description="the rights that apply and are missing or violated")
