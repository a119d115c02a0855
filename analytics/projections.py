"""Projections of the graph for analytics, exported page by page through the engine seam.

``load(engine)`` streams the tables (``analytics.export``) and joins them into one row per
placement (``GraphData.placements``). The projections below are built from it column-wise, as
``EdgeList`` objects (``.to_networkx()`` for a networkx graph; algorithms use igraph directly).
All are undirected; ``weight`` is the edge's strength.

- ``agency_employer``: nodes Agency, Employer. Edge: the agency placed workers with the employer.
  Weight: distinct workers placed (a placement without a worker node counts once).
- ``agency_agency``: nodes Agency. Edge: the two agencies share a director (``directors``), a phone
  (``phones``), an address (``addresses``), a sponsor who recruited for both (``sponsors``), a
  registered partner agency (``partners``), or workers placed by both (``movers``). Weight: the sum
  of those counts (each is also an edge attribute). Pairs within one head office and its branches
  are left out: a branch sharing its head's director is not a finding.
- ``sponsor_agency``: nodes Sponsor, Agency. Edge: the sponsor recruited workers the agency placed.
  Weight: distinct workers.
- ``worker_worker``: nodes Worker. Edge: the two share a phone (``phones``), an address
  (``addresses``) or a sponsor (``sponsors``). Weight: the sum of those counts. A value shared by
  more than ``max_group`` workers links them as a star around its first member, so that edges stay
  linear in the number of workers (components are unchanged). Until entity resolution merges them,
  two worker nodes of one person (one per source) also share their phone.
- ``organisation_network``: nodes Agency, PartnerAgency, Employer, Sponsor, TrainingInstitute.
  Edges: co-occurrence on placements (agency-partner, agency-employer, partner-employer,
  sponsor-agency, institute-agency; weight = distinct workers), registered partnerships
  (PARTNER_OF) and branch links (BRANCH_OF) (weight 1), and the agency-agency identifier links
  (weight 5 per shared director, phone or address).

The suspicion network (``analytics.facts.risk_network``) is a further projection whose edges are
the facts that make a link suspicious.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import export
from analytics.graphs import EdgeList, in_id_order
from engine.base import Engine

REPORT_TABLES = [
    "placements",
    "destination",
    "worker_placements",
    "from_region",
    "placed_by",
    "employed_by",
    "through_partner",
    "recruited_by",
    "trained_at",
    "part_of",
    "branch_of",
    "agency_phone",
    "agency_address",
    "agency_director",
    "partner_of",
    "sub_agent",
    "cases",
    "agencies",
    "sponsors",
    "employers",
    "partners",
    "institutes",
    "persons",
    "regions",
    "countries",
    *[n for n in export.EXPORTS if n.startswith("flags_")],
]
LINKS = {"placed_by": "agency", "employed_by": "employer", "through_partner": "partner", "recruited_by": "sponsor"}
ORG_COLUMNS = ("agency", "partner", "employer", "sponsor", "lpk")
ORG_KIND = {
    "agency": "Agency",
    "partner": "PartnerAgency",
    "employer": "Employer",
    "sponsor": "Sponsor",
    "lpk": "TrainingInstitute",
}


@dataclass
class GraphData:
    """What the analytics read from the graph, as DataFrames (strings; '' and NaN for missing)."""

    placements: pd.DataFrame  # index placement id; worker, country, regency, province, org columns, dates
    agencies: pd.DataFrame
    entities: pd.DataFrame  # every organisation and person: index id; kind, name, country, status, capacity
    cases: pd.DataFrame
    agency_links: pd.DataFrame  # agency, kind (phone/address/director/partner/sub_agent), value
    branch_of: pd.DataFrame  # a (branch), b (head)
    regions: pd.DataFrame
    countries: pd.DataFrame
    flags: pd.DataFrame  # label, id, rule
    raw: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # ``load(extra=...)`` tables
    _column_codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @cached_property
    def names(self) -> dict[str, str]:
        return self.entities["name"].dropna().to_dict()

    @cached_property
    def non_procedural(self) -> pd.Series:
        """Placement id -> looks non-procedural (``analytics.facts.non_procedural``), computed once."""
        from analytics.facts import non_procedural

        return non_procedural(self)

    @cached_property
    def placement_dates(self) -> pd.Series:
        """Placement id -> when it happened: departure, else arrival, else registration (NaT if none).
        Parsed in Arrow as the loaders store dates (YYYY-MM-DD), anything else by pandas (ISO 8601):
        pandas alone took a second and a half at national scale."""
        pl = self.placements
        texts = [
            pa.array(pl[c].to_numpy(dtype=object), pa.string(), from_pandas=True)
            for c in ("departure_date", "arrival_date", "registration_date")
        ]
        text = pc.coalesce(*(pc.if_else(pc.equal(t, ""), pa.scalar(None, pa.string()), t) for t in texts))
        when = pd.Series(
            pc.strptime(text, format="%Y-%m-%d", unit="us", error_is_null=True).to_numpy(zero_copy_only=False),
            index=pl.index,
            name="departure_date",
        )
        other = np.flatnonzero(when.isna().to_numpy() & pc.is_valid(text).to_numpy(zero_copy_only=False))
        if len(other):
            parsed = pd.to_datetime(text.take(other).to_pandas(), errors="coerce", format="ISO8601")
            when.iloc[other] = parsed.to_numpy()
        return when

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Distinct workers per origin province and destination country (with their names)."""
        pairs = _distinct_workers(self, "province", "country")
        out = pairs.rename(columns={"a": "province", "b": "country", "weight": "workers"})
        out["province_name"] = out["province"].map(self.regions["name"]).fillna(out["province"])
        out["country_name"] = out["country"].map(self.countries["name"]).fillna(out["country"])
        return out.sort_values(["workers", "province", "country"], ascending=[False, True, True]).reset_index(drop=True)

    @property
    def worker_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Integer codes of the placements' ``worker_key`` and their values (``_codes``)."""
        return self.codes("worker_key")

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Integer codes of a placements column and their values (``_codes``), hashed once: the
        projections read the organisation columns several times each."""
        if column not in self._column_codes:
            self._column_codes[column] = _codes(self.placements[column])
        return self._column_codes[column]

    @property
    def head_office(self) -> pd.Series:
        """Agency id -> its head office id (itself for a head office)."""
        heads = pd.Series(self.agencies.index, index=self.agencies.index)
        br = self.branch_of.drop_duplicates("a").set_index("a")["b"]
        heads.loc[br.index.intersection(heads.index)] = br
        return heads

    def p3mi(self, agencies: pd.Series) -> pd.Series:
        """The P3MI (head office) of each agency id: a branch is its head office's company; an id
        the registry does not know stands for itself."""
        return agencies.map(self.head_office).fillna(agencies)


def _first_values(keys: pd.Index | pd.Series, tables: list[tuple[pd.DataFrame, str, str]]) -> list[pd.Series]:
    """For each (frame, key column, value column): per key of ``keys``, the value of the frame's
    first row with that key, as a Series on ``keys``' index. Missing: NaN, or -1 in an integer
    value column (the refs of ``analytics.export``); a negative integer key is missing too.

    Keys are integer codes: refs are codes already (FalkorDB's node ids), other keys are factorised
    all at once. At national scale (millions of placements, ten columns) a dict or index look-up per
    column and row cost a minute, and hashing ~13 M id strings 7 s."""
    index = keys.index if isinstance(keys, pd.Series) else keys
    arrays = [_key_array(keys), *(_key_array(frame[key]) for frame, key, _ in tables)]
    if all(a.dtype.kind == "i" for a in arrays):
        codes = [np.where(a >= 0, a, -1) for a in arrays]
        size = max((int(a.max()) for a in codes if len(a)), default=-1) + 1
    else:
        joint, uniques = pd.factorize(np.concatenate([a.astype(object) for a in arrays]))  # missing: -1
        codes = np.split(joint, np.cumsum([len(a) for a in arrays])[:-1])
        size = len(uniques)
    own = codes[0]
    out = []
    for (frame, _, value), table_codes in zip(tables, codes[1:], strict=True):
        values = frame[value].to_numpy()
        integer = values.dtype.kind == "i"
        # each code's first row in the table (len(table) where none; the extra last slot: code -1)
        first = np.full(size + 1, len(values), dtype=np.int64)
        valid = table_codes >= 0
        np.minimum.at(first, table_codes[valid], np.flatnonzero(valid))
        rows = first[own]
        found = rows < len(values)
        picked = np.full(len(own), -1 if integer else np.nan, dtype=np.int64 if integer else object)
        picked[found] = values[rows[found]]
        out.append(pd.Series(picked, index=index, dtype=np.int64 if integer else object))
    return out


def _key_array(values: pd.Index | pd.Series) -> np.ndarray:
    """Integer keys as int64, any other as objects."""
    array = values.to_numpy()
    return array.astype(np.int64) if array.dtype.kind in "iu" else values.to_numpy(dtype=object)


def load(engine: Engine, threads: int = 3, extra: tuple[str, ...] = ()) -> GraphData:
    """Export the tables and join them into ``GraphData``."""
    t = export.tables(engine, [*REPORT_TABLES, *extra], threads=threads)
    pl = t["placements"].set_index("placement")
    pl = pl[~pl.index.duplicated()]
    node = pl.pop("node")  # how the link exports name a placement (a ref)
    # Tables come sorted on all their columns, so the first row per key holds the smallest value:
    # a placement with two destinations counts in the first, a worker with two regions in the first.
    per_placement = {
        "country": (t["destination"], "b", "a"),
        "worker": (t["worker_placements"], "b", "a"),
        "worker_node": (t["worker_placements"], "b", "a_node"),
        **{col: (t[name], "b", "a") for name, col in LINKS.items()},
        "lpk": (t["trained_at"], "b", "a"),
        "certificate_date": (t["trained_at"], "b", "certificate_date"),
    }
    joined = dict(zip(per_placement, _first_values(node, list(per_placement.values())), strict=True))
    worker_node = joined.pop("worker_node")
    for col, values in joined.items():
        pl[col] = values
    (regency,) = _first_values(worker_node, [(t["from_region"], "b", "a")])
    pl["regency"] = regency
    (parent,) = _first_values(regency, [(t["part_of"], "a", "b")])
    pl["province"] = parent.where(parent.notna(), regency)  # a worker linked straight to a province
    pl["worker_key"] = pl["worker"].where(pl["worker"].notna(), pl.index.to_series())

    ag = t["agencies"].set_index("id")
    ag = ag[~ag.index.duplicated()]
    ent = [ag.assign(kind="Agency")[["kind", "name", "status"]]]
    for name, kind in (
        ("sponsors", "Sponsor"),
        ("employers", "Employer"),
        ("partners", "PartnerAgency"),
        ("institutes", "TrainingInstitute"),
        ("persons", "Person"),
    ):
        f = t[name].set_index("id")
        ent.append(f[~f.index.duplicated()].assign(kind=kind))
    entities = pd.concat(ent)
    entities = entities[~entities.index.duplicated()]
    links = []
    for name, kind in (
        ("agency_phone", "phone"),
        ("agency_address", "address"),
        ("agency_director", "director"),
        ("partner_of", "partner"),
        ("sub_agent", "sub_agent"),
    ):
        f = t[name]
        links.append(pd.DataFrame({"agency": f["a"], "kind": kind, "value": f["b"]}))
    flags = pd.concat(
        [t[n] for n in t if n.startswith("flags_")] or [pd.DataFrame(columns=["label", "id", "rule"])],
        ignore_index=True,
    )
    return GraphData(
        placements=pl,
        agencies=ag,
        entities=entities,
        cases=t["cases"],
        agency_links=pd.concat(links, ignore_index=True),
        branch_of=t["branch_of"],
        regions=t["regions"].set_index("id"),
        countries=t["countries"].set_index("id"),
        flags=flags,
        # only the extra tables: the others live on in the frames above (at 1 M workers the
        # per-placement tables are ~13 M more strings to keep)
        raw={n: t[n] for n in extra},
        _column_codes=_worker_key_codes(worker_node, pl["worker_key"]),
    )


def _worker_key_codes(worker_node: pd.Series, worker_key: pd.Series) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The codes of ``worker_key`` (``GraphData.codes``) from the workers' refs when they are
    integers (FalkorDB): the same codes as factorising the 2.6 M key strings at 1 M workers, which
    took a second. A placement without a worker is its own key: a number past every ref."""
    refs = worker_node.to_numpy()
    if refs.dtype.kind != "i":
        return {}
    keys = np.where(refs >= 0, refs, refs.max(initial=0) + 1 + np.arange(len(refs)))
    codes, uniques = pd.factorize(keys)
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # each code's first row (the last write wins)
    return {"worker_key": (codes, worker_key.to_numpy(dtype=object)[first])}


def _pairs(groups: pd.DataFrame, key: str, member: str, max_group: int = 200, star: bool = False) -> pd.DataFrame:
    """Pairs of distinct members sharing a key: all pairs for groups up to ``max_group`` members;
    larger groups are linked as a star around their first member (or left out when ``star`` is False).
    Worked out on integer codes (members ranked in string order), then turned back into ids."""
    keys, key_values = pd.factorize(groups[key].to_numpy(dtype=object))
    members, member_values = in_id_order(*_codes(groups[member]))
    ok = (keys >= 0) & (members >= 0)
    if len(key_values) * max(len(member_values), 1) < 2**62:  # (key, member) as one int64: a 1-D sort
        both = np.unique(keys[ok].astype(np.int64) * len(member_values) + members[ok])
        g = np.column_stack([both // len(member_values), both % len(member_values)])
    else:
        g = np.unique(np.column_stack([keys[ok], members[ok]]), axis=0)  # (key, member), sorted
    sizes = np.bincount(g[:, 0], minlength=len(key_values))[g[:, 0]]
    small = pd.DataFrame({"k": g[:, 0], "m": g[:, 1]})[(sizes > 1) & (sizes <= max_group)]
    both = small.merge(small, on="k")
    both = both[both["m_x"] < both["m_y"]]
    parts = [(both["k"].to_numpy(), both["m_x"].to_numpy(), both["m_y"].to_numpy())]
    if star:
        big = g[sizes > max_group]  # sorted by key, then member: a group's first row is its hub
        first = np.r_[True, big[1:, 0] != big[:-1, 0]] if len(big) else np.zeros(0, dtype=bool)
        hub = big[first][np.cumsum(first) - 1, 1] if len(big) else np.zeros(0, dtype=np.int64)
        parts.append((big[~first, 0], hub[~first], big[~first, 1]))
    k, a, b = (np.concatenate(x) for x in zip(*parts, strict=True))
    return pd.DataFrame({"key": key_values[k], "a": member_values[a], "b": member_values[b]}).astype(object)


def _kinds(ids: pd.Index, data: GraphData) -> pd.DataFrame:
    kinds = data.entities["kind"].reindex(ids)
    nodes = pd.DataFrame({"kind": kinds, "name": data.entities["name"].reindex(ids)}, index=ids)
    return nodes


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and their values; missing and empty values get -1."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    uniques = np.asarray(uniques, dtype=object)
    empty = np.flatnonzero(uniques == "")
    if len(empty):
        codes = np.where(codes == empty[0], -1, codes)
    return codes, uniques


def _distinct_workers(data: GraphData, left: str, right: str) -> pd.DataFrame:
    """(a, b, weight): pairs named together on placements, weighted by their distinct workers."""
    return distinct_worker_pairs(data.codes(left), data.codes(right), data.worker_codes)


def distinct_worker_pairs(
    left: tuple[np.ndarray, np.ndarray], right: tuple[np.ndarray, np.ndarray], workers: tuple[np.ndarray, np.ndarray]
) -> pd.DataFrame:
    """``_distinct_workers`` on the columns' integer codes and values (``GraphData.codes``): a
    groupby-nunique over string columns cost ten times as much."""
    (lc, lu), (rc, ru), (wc, wu) = left, right, workers
    ok = (lc >= 0) & (rc >= 0) & (wc >= 0)
    pair = lc[ok].astype(np.int64) * len(ru) + rc[ok]
    if len(lu) * len(ru) * len(wu) < 2**62:  # one int64 per (pair, worker): hashed, not sorted
        pair_worker = pd.unique(pair * len(wu) + wc[ok])
        pairs, weight = np.unique(pair_worker // len(wu), return_counts=True)
    else:
        pairs, weight = np.unique(np.unique(np.column_stack([pair, wc[ok]]), axis=0)[:, 0], return_counts=True)
    return pd.DataFrame(
        {
            "a": pd.Series(lu[pairs // len(ru)], dtype=object),
            "b": pd.Series(ru[pairs % len(ru)], dtype=object),
            "weight": weight,
        }
    )


def _bipartite(data: GraphData, left: str, right: str, name: str) -> EdgeList:
    e = _distinct_workers(data, left, right)
    ids = pd.Index(pd.unique(np.concatenate([e["a"].to_numpy(), e["b"].to_numpy()])))
    return EdgeList.build(e, _kinds(ids, data), name)


def agency_employer(data: GraphData) -> EdgeList:
    return _bipartite(data, "agency", "employer", "agency_employer")


def sponsor_agency(data: GraphData) -> EdgeList:
    return _bipartite(data, "sponsor", "agency", "sponsor_agency")


def _full_name(data: GraphData, person_ids: pd.Series) -> pd.Series:
    """Whether each director's name has two words or more. A director is known by name only, and a
    one-word name (Slamet, Wahyu, Muhammad) is shared by too many people to tie two agencies."""
    names = data.entities["name"].reindex(person_ids.to_numpy()).fillna("")
    return pd.Series(names.str.split().str.len().ge(2).to_numpy(), index=person_ids.index)


AGENCY_SHARED = ("directors", "phones", "addresses", "sponsors", "partners", "movers")
IDENTIFIERS = ("directors", "phones", "addresses")  # the shared-identifier links (rule H1)


def agency_agency(data: GraphData, shared: tuple[str, ...] = AGENCY_SHARED) -> EdgeList:
    """``shared``: only these kinds of link (the other columns are 0). ``IDENTIFIERS`` is all the
    report needs, and leaves out the costly ones at scale (sponsors and movers: pairs over every
    placement)."""
    heads = data.head_office
    links = data.agency_links
    kinds = {"director": "directors", "phone": "phones", "address": "addresses", "partner": "partners"}
    frames = []
    for kind, attr in kinds.items():
        if attr in shared:
            these = links[links["kind"] == kind]
            if kind == "director":
                these = these[_full_name(data, these["value"])]
            p = _pairs(these.rename(columns={"value": "key_", "agency": "m"}), "key_", "m")
            frames.append(p.assign(**{attr: 1}))
    pl = data.placements
    if "sponsors" in shared:
        sponsors = pl[["sponsor", "agency"]].rename(columns={"sponsor": "key_", "agency": "m"})
        frames.append(_pairs(sponsors, "key_", "m").assign(sponsors=1))
    if "movers" in shared:
        moves = pl[["worker", "agency"]].dropna().rename(columns={"worker": "key_", "agency": "m"})
        frames.append(_pairs(moves, "key_", "m").assign(movers=1))
    e = pd.concat(frames, ignore_index=True).fillna(0)
    e = e[heads.reindex(e["a"]).to_numpy() != heads.reindex(e["b"]).to_numpy()]  # same organisation
    for c in AGENCY_SHARED:
        if c not in e:
            e[c] = 0
    e["weight"] = e[list(AGENCY_SHARED)].sum(axis=1)
    return EdgeList.build(e, _kinds(data.agencies.index, data), "agency_agency", attrs=AGENCY_SHARED)


WORKER_SHARED = ("phones", "addresses", "sponsors")


def worker_worker(data: GraphData, engine: Engine | None = None, max_group: int = 50) -> EdgeList:
    """Workers sharing a phone, address or sponsor (phones and addresses need ``engine`` or the
    ``worker_phone`` / ``worker_address`` exports in ``data.raw``)."""
    for name in ("worker_phone", "worker_address"):
        if name not in data.raw and engine is not None:
            data.raw[name] = export.table(engine, name)
    frames = []
    for name, attr in (("worker_phone", "phones"), ("worker_address", "addresses")):
        f = data.raw.get(name)
        if f is not None and len(f):
            frames.append(
                _pairs(f.rename(columns={"a": "key_", "b": "m"}), "key_", "m", max_group, star=True).assign(**{attr: 1})
            )
    sp = data.placements[["sponsor", "worker"]].rename(columns={"sponsor": "key_", "worker": "m"})
    frames.append(_pairs(sp, "key_", "m", max_group, star=True).assign(sponsors=1))
    e = pd.concat(frames, ignore_index=True).fillna(0)
    for c in WORKER_SHARED:
        if c not in e:
            e[c] = 0
    e["weight"] = e[list(WORKER_SHARED)].sum(axis=1)
    el = EdgeList.build(e, None, "worker_worker", attrs=WORKER_SHARED)
    el.nodes["kind"] = "Worker"
    return el


# organisations named together on placements (edges weighted by distinct workers)
ORG_PAIRS = (
    ("agency", "partner"),
    ("agency", "employer"),
    ("partner", "employer"),
    ("sponsor", "agency"),
    ("lpk", "agency"),
)


@dataclass
class OrganisationInputs:
    """What the organisation network is made of, as plain arrays and small frames: cheap to hand to
    another process (the report builds and analyses it in its side process)."""

    columns: dict[str, tuple[np.ndarray, np.ndarray]]  # organisation column -> codes, values
    workers: tuple[np.ndarray, np.ndarray]  # the placements' worker-key codes, values
    links: pd.DataFrame  # a, b, weight: registered partnerships, branches, shared identifiers

    def edges(self) -> EdgeList:
        """The organisation network without node attributes (``organisation_network`` adds them)."""
        frames = [
            distinct_worker_pairs(self.columns[left], self.columns[right], self.workers) for left, right in ORG_PAIRS
        ]
        e = pd.concat([*frames, self.links], ignore_index=True)
        ids = pd.Index(pd.unique(np.concatenate([e["a"].to_numpy(), e["b"].to_numpy()])))
        return EdgeList.build(e, pd.DataFrame(index=ids), "organisation_network")


def organisation_inputs(data: GraphData, agency_links: EdgeList | None = None) -> OrganisationInputs:
    """``agency_links``: ``agency_agency`` (its shared-identifier links are the ones used)."""
    po = data.agency_links[data.agency_links["kind"] == "partner"]
    aa = agency_links if agency_links is not None else agency_agency(data, IDENTIFIERS)
    ident = aa.edges[["a", "b"]].assign(weight=5.0 * aa.edges[list(IDENTIFIERS)].sum(axis=1))
    links = pd.concat(
        [
            pd.DataFrame({"a": po["agency"], "b": po["value"], "weight": 1.0}),
            data.branch_of[["a", "b"]].assign(weight=1.0),
            ident[ident["weight"] > 0],
        ],
        ignore_index=True,
    )
    columns = {c: data.codes(c) for c in sorted({c for pair in ORG_PAIRS for c in pair})}
    return OrganisationInputs(columns, data.worker_codes, links)


def with_kinds(network: EdgeList, data: GraphData) -> EdgeList:
    """The network with each node's kind and name."""
    return replace(network, nodes=_kinds(network.nodes.index, data))


def organisation_network(data: GraphData, agency_links: EdgeList | None = None) -> EdgeList:
    return with_kinds(organisation_inputs(data, agency_links).edges(), data)
