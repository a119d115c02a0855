"""`jejak report communities`: suspicious clusters, ranked, explained, traceable to source records.

``write_communities_report(engine, out, seed)`` runs ``analytics.pipeline.analyse`` and writes into
``out``: ``communities.html`` (self-contained: inline CSS and PNG pictures, no network access),
``clusters.csv``, ``cluster_members.csv``, ``explanations.csv``, ``entities.csv``, ``flows.csv`` and
``communities.json`` with the same data. The same graph and seed give the same files.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics import export
from analytics.pipeline import Analysis, Suspicion, analyse
from analytics.projections import ORG_COLUMNS, GraphData
from engine.base import Engine
from reports.html import render, write_csv, write_json
from reports.pictures import (
    KIND_LABEL,
    PICTURE_NODES,
    ClusterDrawing,
    Painter,
    distribution_png,
    flows_png,
    network_png,
)

TOP_DETAIL = 10  # clusters with a picture and a full explanation in the HTML
TOP_TABLE = 50  # clusters listed in the HTML table (all of them go to the CSV and JSON)
REASONS = 5  # contributions kept per cluster
EVIDENCE = 10  # evidence entities (and their records) kept per contribution


def _kinds(data: GraphData, ids: pd.Index) -> pd.Series:
    kinds = data.entities["kind"].reindex(ids)
    kinds[ids.str.startswith("PL-") & kinds.isna()] = "Placement"
    return kinds.fillna("Other")


def _plural(word: str, n: int) -> str:
    if n == 1:
        return f"1 {word}"
    return f"{n:,} {word[:-1]}ies" if word.endswith("y") else f"{n:,} {word}s"


def _members_text(row: dict) -> str:
    parts = [
        _plural(w, int(row.get(k, 0) or 0))
        for k, w in (
            ("Sponsor", "sponsor"),
            ("Agency", "agency"),
            ("PartnerAgency", "partner agency"),
            ("Employer", "employer"),
            ("TrainingInstitute", "training institute"),
        )
        if int(row.get(k, 0) or 0)
    ]
    if row["placements"]:
        parts.append(_plural("placement", int(row["placements"])))
    return ", ".join(parts)


def _explanations(engine: Engine | None, analysis: Suspicion) -> pd.DataFrame:
    c = analysis.clusters.contributions
    top = c.groupby("cluster", sort=False).head(REASONS).copy()
    top["evidence"] = top["evidence"].map(lambda e: list(e)[:EVIDENCE])
    ids = [i for ev in top["evidence"] for i in ev]
    records = export.source_records(engine, ids) if engine is not None else {}
    top["records"] = top["evidence"].map(lambda ev: sorted({r for i in ev for r in records.get(i, [])}))
    rank = analysis.clusters.table.set_index("cluster")["rank"]
    top["rank"] = top["cluster"].map(rank)
    top["points"] = top["points"].round(2)
    return top.sort_values(["rank", "points"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _drawing(s: Suspicion, members: list[str]) -> ClusterDrawing:
    """What the picture of a cluster with these members needs, taken out of the analysis."""
    keep = pd.Index(members)
    e = s.risk.edges
    e = e[e["a"].isin(keep) & e["b"].isin(keep)]
    kinds = _kinds(s.data, keep)
    names = {m: s.data.names[m] for m in members if m in s.data.names}
    placement_orgs: dict[str, list[str]] = {}
    if len(members) > PICTURE_NODES:  # drawn as its organisations, linked through shared placements
        pl = s.data.placements
        own = [m for m in members if kinds[m] == "Placement" and m in pl.index]
        named = pl.loc[own, list(ORG_COLUMNS)].to_numpy(dtype=object)
        placement_orgs = {p: [x for x in row if isinstance(x, str)] for p, row in zip(own, named, strict=True)}
    return ClusterDrawing(
        members,
        list(e[["a", "b", "weight"]].itertuples(index=False, name=None)),
        kinds.to_dict(),
        names,
        placement_orgs,
    )


def _start_pictures(painter: Painter, s: Suspicion, seed: int) -> dict[object, Future[str]]:
    """Start drawing the top clusters, the distributions and the flows (keys: cluster ids,
    ``"distribution"``, ``"flows"``)."""
    t = s.clusters.table
    pictures: dict[object, Future[str]] = {
        int(c): painter.draw(network_png, _drawing(s, sorted(s.members(int(c)))), seed)
        for c in t["cluster"].head(TOP_DETAIL)
    }
    pictures["distribution"] = painter.draw(distribution_png, t["size"].to_numpy(), t["score"].to_numpy())
    fl = s.data.flows
    if len(fl):
        pictures["flows"] = painter.draw(flows_png, _flows_matrix(fl))
    return pictures


def _flows_matrix(fl: pd.DataFrame) -> pd.DataFrame:
    """Workers of the 12 largest origin provinces (rows) by the 10 largest destinations (columns)."""
    provs = fl.groupby("province_name")["workers"].sum().nlargest(12).index
    ctrs = fl.groupby("country_name")["workers"].sum().nlargest(10).index
    m = fl[fl["province_name"].isin(provs) & fl["country_name"].isin(ctrs)].pivot_table(
        index="province_name", columns="country_name", values="workers", aggfunc="sum", fill_value=0
    )
    return m.reindex(index=provs, columns=ctrs, fill_value=0)


def _records_text(records: list[str], limit: int = 6) -> str:
    if not records:
        return ""
    more = len(records) - limit
    return ", ".join(records[:limit]) + (f" and {more} more" if more > 0 else "")


def build(analysis: Analysis, engine: Engine | None, explanations: pd.DataFrame | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (the JSON file is this). ``explanations``: those
    of ``_explanations``, when already worked out."""
    t = analysis.clusters.table.copy()
    expl = _explanations(engine, analysis) if explanations is None else explanations
    first = expl.drop_duplicates("cluster").set_index("cluster")["text"]
    t["members"] = [_members_text(r) for r in t.to_dict("records")]
    t["top_reason"] = t["cluster"].map(first).fillna("")
    memb = analysis.membership.rename("cluster").rename_axis("entity").reset_index()
    memb["kind"] = _kinds(analysis.data, pd.Index(memb["entity"])).to_numpy()
    memb["name"] = [analysis.data.names.get(i, "") for i in memb["entity"]]
    memb["rank"] = memb["cluster"].map(t.set_index("cluster")["rank"])
    memb = memb.sort_values(["rank", "kind", "entity"]).reset_index(drop=True)
    fl = analysis.data.flows
    ot = analysis.org_communities.table
    org_rank = ot.set_index("cluster")["rank"]
    ot = ot[ot["size"] > 1].head(15).copy()
    oexp = analysis.org_communities.contributions.drop_duplicates("cluster").set_index("cluster")["text"]
    ot["members"] = [_members_text(r) for r in ot.to_dict("records")]
    ot["top_reason"] = ot["cluster"].map(oexp).fillna("")
    formal = analysis.formal.rename("formal_cluster").rename_axis("entity").reset_index()
    formal["name"] = [analysis.data.names.get(i, "") for i in formal["entity"]]
    formal = formal[formal.groupby("formal_cluster")["entity"].transform("size") > 1]
    formal = formal.sort_values(["formal_cluster", "entity"], kind="stable").reset_index(drop=True)
    ents = analysis.entities.head(200)
    brokers = analysis.brokers.head(20).copy()
    # the rank of the broker's community in the organisation communities table (its ids are internal)
    brokers["community_rank"] = brokers["community"].map(org_rank).astype("Int64")
    pl = analysis.data.placements
    summary = {
        "seed": analysis.seed,
        "placements": len(pl),
        "workers": len(analysis.data.worker_codes[1]),  # distinct worker keys, hashed once already
        "organisations": int(analysis.data.entities["kind"].isin(list(KIND_LABEL)).sum()),
        "facts": len(analysis.facts),
        "clusters": len(t),
        "clusters_score_50": int((t["score"] >= 50).sum()),
        "entities_in_clusters": len(analysis.membership),
        "top_decile_clusters": int(np.ceil(len(t) / 10)),
        "organisation_communities": int(analysis.org_membership.nunique()),
        "facts_by_rule": {k: int(v) for k, v in analysis.facts["rule"].value_counts().sort_index().items()},
    }
    return {
        "summary": summary,
        "clusters": t,
        "explanations": expl,
        "members": memb,
        "flows": fl,
        "org_communities": ot,
        "formal": formal,
        "entities": ents,
        "brokers": brokers,
    }


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values (``tolist`` turns numpy scalars into ints and floats),
    built column by column: ``to_dict("records")`` took seconds at national scale."""
    columns = [str(c) for c in df.columns]
    values = [df[c].tolist() for c in df.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def write_communities_report(engine: Engine, out: Path, seed: int = 1, analysis: Analysis | None = None) -> Path:
    """Write the report files into ``out``; return the HTML path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with Painter() as painter, ThreadPoolExecutor(1) as lookups:
        pictures: dict[object, Future[str]] = {}
        explanations: list[Future[pd.DataFrame]] = []

        def clusters_known(s: Suspicion) -> None:
            pictures.update(_start_pictures(painter, s, seed))
            # The explanations' source records are the server's work (seconds at national scale):
            # looked up while this process builds the organisation network.
            explanations.append(lookups.submit(_explanations, engine, s))

        if analysis is None:
            analysis = analyse(engine, seed=seed, after_clusters=clusters_known, side=painter.process)
        else:
            clusters_known(analysis)
        return _write_files(engine, out, analysis, pictures, explanations[0].result())


def _write_files(
    engine: Engine, out: Path, analysis: Analysis, pictures: dict[object, Future[str]], explanations: pd.DataFrame
) -> Path:
    d = build(analysis, engine, explanations)
    t, expl, memb = d["clusters"], d["explanations"], d["members"]

    cluster_cols = [
        "rank",
        "cluster",
        "score",
        "raw",
        "size",
        "placements",
        "members",
        "rules",
        "non_procedural_share",
        "Agency",
        "PartnerAgency",
        "Employer",
        "Sponsor",
        "TrainingInstitute",
        "top_reason",
    ]
    cluster_records, reason_records = _records(t), _records(expl)  # each used twice below
    write_csv(out / "clusters.csv", cluster_records, cluster_cols)
    write_csv(out / "cluster_members.csv", _records(memb), ["rank", "cluster", "entity", "kind", "name"])
    write_csv(
        out / "explanations.csv",
        reason_records,
        ["rank", "cluster", "points", "rule", "kind", "text", "evidence", "records"],
    )
    write_csv(
        out / "entities.csv",
        _records(analysis.entities),
        ["entity", "kind", "name", "score", "raw", "facts", "rules", "top_reason"],
    )
    write_csv(
        out / "flows.csv", _records(d["flows"]), ["province", "province_name", "country", "country_name", "workers"]
    )
    reasons: dict[int, list[dict]] = {}
    for x in reason_records:
        reasons.setdefault(x["cluster"], []).append(
            {k: x[k] for k in ("points", "rule", "kind", "text", "evidence", "records")}
        )
    member_ids = memb.groupby("cluster", sort=False)["entity"].agg(list).to_dict()
    members_by = {c: g for c, g in memb[memb["rank"] <= TOP_TABLE].groupby("cluster", sort=False)}
    json_clusters = []
    for r in cluster_records:
        json_clusters.append(
            {**r, "explanation": reasons.get(r["cluster"], []), "member_ids": sorted(member_ids.get(r["cluster"], []))}
        )
    write_json(
        out / "communities.json",
        {
            "summary": d["summary"],
            "clusters": json_clusters,
            "flows": _records(d["flows"]),
            "organisation_communities": _records(d["org_communities"]),
            "formal_clusters": _records(d["formal"]),
            "brokers": _records(d["brokers"]),
            "entities": _records(d["entities"]),
        },
    )

    details = []
    for r in _records(t.head(TOP_DETAIL)):
        shown = [
            {**x, "records_text": _records_text(x["records"]), "evidence_text": _records_text(x["evidence"], 4)}
            for x in reasons.get(r["cluster"], [])
        ]
        m = members_by.get(r["cluster"])
        orgs = _records(m[m["kind"] != "Placement"]) if m is not None else []
        details.append(
            {
                **r,
                "reasons": shown,
                "orgs": orgs[:15],
                "more_orgs": max(0, len(orgs) - 15),
                "picture": pictures[r["cluster"]].result(),
            }
        )
    html = render(
        "communities.html.j2",
        summary=d["summary"],
        clusters=_records(t.head(TOP_TABLE)),
        details=details,
        distribution=pictures["distribution"].result(),
        flows_png=pictures["flows"].result() if "flows" in pictures else None,
        flows=_records(d["flows"].head(15)),
        org=_records(d["org_communities"]),
        formal=_records(d["formal"]),
        brokers=_records(d["brokers"].head(15)),
        entities=_records(d["entities"].head(20)),
        kind_label=KIND_LABEL,
        top_detail=TOP_DETAIL,
        top_table=TOP_TABLE,
    )
    path = out / "communities.html"
    path.write_text(html, encoding="utf-8")
    return path
