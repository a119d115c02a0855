"""`jejak report communities`: suspicious clusters, ranked, explained, traceable to source records.

``write_communities_report(engine, out, seed)`` runs ``analytics.pipeline.analyse`` and writes into
``out``: ``communities.html`` (self-contained: inline CSS and PNG pictures, no network access),
``clusters.csv``, ``cluster_members.csv``, ``explanations.csv``, ``entities.csv``, ``flows.csv`` and
``communities.json`` with the same data. The same graph and seed give the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from analytics import export
from analytics.pipeline import Analysis, analyse
from analytics.projections import ORG_COLUMNS
from engine.base import Engine
from reports.html import figure_data_uri, pyplot, render, write_csv, write_json

TOP_DETAIL = 10  # clusters with a picture and a full explanation in the HTML
TOP_TABLE = 50  # clusters listed in the HTML table (all of them go to the CSV and JSON)
PICTURE_NODES = 80  # members drawn at most in a cluster's picture
PICTURE_LABELS = 12  # organisations named in it
REASONS = 5  # contributions kept per cluster
EVIDENCE = 10  # evidence entities (and their records) kept per contribution
KIND_LABEL = {
    "Agency": "agency (P3MI)",
    "PartnerAgency": "partner agency",
    "Employer": "employer",
    "Sponsor": "sponsor",
    "TrainingInstitute": "training institute",
    "Placement": "placement",
    "Person": "person",
    "Other": "other",
}
COLOURS = {
    "Agency": "#c0392b",
    "PartnerAgency": "#8e44ad",
    "Employer": "#2471a3",
    "Sponsor": "#d35400",
    "TrainingInstitute": "#17a589",
    "Placement": "#95a5a6",
    "Person": "#7f8c8d",
}


def _kinds(analysis: Analysis, ids: pd.Index) -> pd.Series:
    kinds = analysis.data.entities["kind"].reindex(ids)
    kinds[ids.str.startswith("PL-") & kinds.isna()] = "Placement"
    return kinds.fillna("Other")


def _plural(word: str, n: int) -> str:
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


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


def _explanations(engine: Engine | None, analysis: Analysis) -> pd.DataFrame:
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


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _network_png(analysis: Analysis, members: list[str], seed: int) -> str:
    plt = pyplot()
    sub = analysis.risk.edges
    keep = pd.Index(members)
    e = sub[sub["a"].isin(keep) & sub["b"].isin(keep)]
    g = nx.Graph()
    g.add_nodes_from(members)
    g.add_weighted_edges_from(e[["a", "b", "weight"]].itertuples(index=False))
    kinds = _kinds(analysis, keep)
    shown = len(g)
    if len(g) > PICTURE_NODES:  # unreadable beyond, and networkx would need scipy to lay it out
        g = _organisations_only(g, kinds, analysis.data.placements)
    # names of the best-connected organisations only: beyond a dozen they overlap into a smudge
    orgs = sorted((n for n in g if kinds.get(n) != "Placement"), key=lambda n: (-g.degree(n, weight="weight"), n))
    pos = nx.spring_layout(g, seed=seed, k=1.2 / max(1, np.sqrt(len(g))), iterations=80)
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#b8c2cc", width=0.8)
    for kind, colour in COLOURS.items():
        nodes = [n for n in g if kinds.get(n) == kind]
        if nodes:
            nx.draw_networkx_nodes(
                g,
                pos,
                nodelist=nodes,
                node_color=colour,
                ax=ax,
                node_size=28 if kind == "Placement" else (190 if len(orgs) <= PICTURE_LABELS else 70),
                label=KIND_LABEL[kind],
            )
    labels = {n: _short(analysis.data.names.get(n) or n) for n in orgs[:PICTURE_LABELS]}
    nx.draw_networkx_labels(g, pos, labels, font_size=6.5, ax=ax)
    ax.legend(loc="lower left", fontsize=6.5, frameon=False, markerscale=0.6, bbox_to_anchor=(0, -0.12))
    ax.margins(0.18)
    ax.axis("off")
    if len(g) < shown:
        note = "organisations linked through the placements they share"
        ax.set_title(f"{len(g)} of its {shown} members drawn: {note}", fontsize=7)
    return figure_data_uri(fig, dpi=100)


def _organisations_only(g: nx.Graph, kinds: pd.Series, placements: pd.DataFrame) -> nx.Graph:
    """A large cluster as its best-connected organisations, two of them linked (weight: placements)
    when a member placement names both (its agency, partner, employer, sponsor, institute): the
    placements themselves would fill the picture."""
    orgs = nx.Graph()
    orgs.add_nodes_from(n for n in g if kinds.get(n) != "Placement")
    links: list[tuple[str, str, float]] = [(a, b, d.get("weight", 1.0)) for a, b, d in g.edges(data=True)]
    member_placements = [n for n in g if kinds.get(n) == "Placement" and n in placements.index]
    named = placements.loc[member_placements, list(ORG_COLUMNS)].to_numpy(dtype=object)
    for row in named:
        around = sorted({x for x in row if isinstance(x, str) and x in orgs})
        links += [(a, b, 1.0) for i, a in enumerate(around) for b in around[i + 1 :]]
    for a, b, w in links:
        if a in orgs and b in orgs:
            orgs.add_edge(a, b, weight=orgs[a][b]["weight"] + w if orgs.has_edge(a, b) else w)
    best = sorted(orgs, key=lambda n: (-orgs.degree(n, weight="weight"), n))[:PICTURE_NODES]
    return orgs.subgraph(best).copy()


def _distribution_png(analysis: Analysis) -> str:
    plt = pyplot()
    t = analysis.clusters.table
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 2.8))
    sizes = t["size"].to_numpy()
    bins = np.unique(np.logspace(0, np.log10(max(2, sizes.max())) + 0.01, 20).astype(int))
    a1.hist(sizes, bins=bins, color="#2471a3")
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.set_xlabel("cluster size (entities)")
    a1.set_ylabel("clusters")
    a1.set_title("Cluster sizes", fontsize=10)
    a2.hist(t["score"], bins=np.arange(0, 105, 5), color="#c0392b")
    a2.set_yscale("log")
    a2.set_xlabel("suspicion score (0-100)")
    a2.set_title("Cluster scores", fontsize=10)
    for a in (a1, a2):
        a.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return figure_data_uri(fig)


def flows(analysis: Analysis) -> pd.DataFrame:
    """Distinct workers per origin province and destination country."""
    pl = analysis.data.placements
    f = pl[pl["province"].notna() & pl["country"].notna() & (pl["country"] != "")]
    out = f.groupby(["province", "country"])["worker_key"].nunique().reset_index(name="workers")
    regions = analysis.data.regions["name"]
    countries = analysis.data.countries["name"]
    out["province_name"] = out["province"].map(regions).fillna(out["province"])
    out["country_name"] = out["country"].map(countries).fillna(out["country"])
    return out.sort_values(["workers", "province", "country"], ascending=[False, True, True]).reset_index(drop=True)


def _flows_png(fl: pd.DataFrame) -> str:
    plt = pyplot()
    provs = fl.groupby("province_name")["workers"].sum().nlargest(12).index
    ctrs = fl.groupby("country_name")["workers"].sum().nlargest(10).index
    m = fl[fl["province_name"].isin(provs) & fl["country_name"].isin(ctrs)].pivot_table(
        index="province_name", columns="country_name", values="workers", aggfunc="sum", fill_value=0
    )
    m = m.reindex(index=provs, columns=ctrs, fill_value=0)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    im = ax.imshow(m.to_numpy(), cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(ctrs)), ctrs, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(provs)), provs, fontsize=8)
    top = m.to_numpy().max() if m.size else 0
    for (i, j), v in np.ndenumerate(m.to_numpy()):
        if v:
            ax.text(j, i, f"{v:,}", ha="center", va="center", fontsize=6.5, color="white" if v > top / 2 else "#1d2733")
    ax.set_title("Workers by origin province (rows) and destination country (columns), largest flows", fontsize=10)
    fig.colorbar(im, ax=ax, shrink=0.8, label="workers")
    fig.tight_layout()
    return figure_data_uri(fig)


def _records_text(records: list[str], limit: int = 6) -> str:
    if not records:
        return ""
    more = len(records) - limit
    return ", ".join(records[:limit]) + (f" and {more} more" if more > 0 else "")


def build(analysis: Analysis, engine: Engine | None) -> dict[str, Any]:
    """Everything the report shows, as plain data (the JSON file is this)."""
    t = analysis.clusters.table.copy()
    expl = _explanations(engine, analysis)
    first = expl.drop_duplicates("cluster").set_index("cluster")["text"]
    t["members"] = [_members_text(r) for r in t.to_dict("records")]
    t["top_reason"] = t["cluster"].map(first).fillna("")
    memb = analysis.membership.rename("cluster").rename_axis("entity").reset_index()
    memb["kind"] = _kinds(analysis, pd.Index(memb["entity"])).to_numpy()
    memb["name"] = [analysis.data.names.get(i, "") for i in memb["entity"]]
    memb["rank"] = memb["cluster"].map(t.set_index("cluster")["rank"])
    memb = memb.sort_values(["rank", "kind", "entity"]).reset_index(drop=True)
    fl = flows(analysis)
    ot = analysis.org_communities.table
    ot = ot[ot["size"] > 1].head(15).copy()
    oexp = analysis.org_communities.contributions.drop_duplicates("cluster").set_index("cluster")["text"]
    ot["members"] = [_members_text(r) for r in ot.to_dict("records")]
    ot["top_reason"] = ot["cluster"].map(oexp).fillna("")
    formal = analysis.formal.rename("formal_cluster").rename_axis("entity").reset_index()
    formal["name"] = [analysis.data.names.get(i, "") for i in formal["entity"]]
    formal = formal[formal.groupby("formal_cluster")["entity"].transform("size") > 1]
    ents = analysis.entities.head(200)
    brokers = analysis.brokers.head(20)
    pl = analysis.data.placements
    summary = {
        "seed": analysis.seed,
        "placements": len(pl),
        "workers": int(pl["worker_key"].nunique()),
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
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()} for r in df.to_dict("records")]


def write_communities_report(engine: Engine, out: Path, seed: int = 1, analysis: Analysis | None = None) -> Path:
    """Write the report files into ``out``; return the HTML path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    analysis = analysis or analyse(engine, seed=seed)
    d = build(analysis, engine)
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
    write_csv(out / "clusters.csv", _records(t), cluster_cols)
    write_csv(out / "cluster_members.csv", _records(memb), ["rank", "cluster", "entity", "kind", "name"])
    write_csv(
        out / "explanations.csv",
        _records(expl),
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
    for x in _records(expl[["cluster", "points", "rule", "kind", "text", "evidence", "records"]]):
        reasons.setdefault(x.pop("cluster"), []).append(x)
    member_ids = memb.groupby("cluster", sort=False)["entity"].agg(list).to_dict()
    members_by = {c: g for c, g in memb[memb["rank"] <= TOP_TABLE].groupby("cluster", sort=False)}
    json_clusters = []
    for r in _records(t):
        r["explanation"] = reasons.get(r["cluster"], [])
        r["member_ids"] = sorted(member_ids.get(r["cluster"], []))
        json_clusters.append(r)
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
                "picture": _network_png(analysis, sorted(member_ids.get(r["cluster"], [])), seed),
            }
        )
    html = render(
        "communities.html.j2",
        summary=d["summary"],
        clusters=_records(t.head(TOP_TABLE)),
        details=details,
        distribution=_distribution_png(analysis),
        flows_png=_flows_png(d["flows"]) if len(d["flows"]) else None,
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
