"""Suspicion scores, per cluster and per entity, each with the facts that make it up.

A score adds up points (raw) and maps them to 0-100: ``100 * (1 - exp(-raw / 15))``.
Points, per cluster (a community of the suspicion network, or of the organisation network):
- every fact about a member (``analytics.facts``: rings, licence problems, complaints, red flags),
  the strongest of each kind counting fully and each further one of the same kind 0.7 times the
  previous (repetition adds less and less); complaints and red flags about the workers of member
  placements count too;
- non-procedural share: 4 x the share of member placements that look non-procedural (non-work
  visa, or known only from the embassy register), when the cluster has at least 3 placements;
  placements that an H3 finding of a member employer names already are left out (one finding,
  counted once);
- concentration: when several sponsors feed many P3MIs (branches count as their head office),
  2 x log2(P3MIs reached / sponsors); a lone sponsor's P3MIs are in its own R7 finding;
- red-flag density: 4 x the share of members carrying a written-back red flag;
- growth: when the last 12 months of the data hold at least 3 of its placements and more than
  1.5 times the 12 months before, min(3, log2(recent / (previous + 1))).
Each point counted is kept as a *contribution* (points, rule, sentence, evidence entities), so
that every score is explained by its top contributions and each one leads to source records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.graphs import within
from analytics.projections import GraphData

DECAY = 0.7
SCALE = 15.0


def to_score(raw: float | np.ndarray) -> float | np.ndarray:
    return 100.0 * (1.0 - np.exp(-np.asarray(raw, dtype=float) / SCALE))


@dataclass
class Scored:
    table: pd.DataFrame  # one row per cluster: cluster, score, raw, size, placements, ... , rank
    contributions: pd.DataFrame  # cluster, points, rule, kind, text, evidence (list of entity ids)


def _decayed(facts: pd.DataFrame, group: str) -> pd.DataFrame:
    """Points per fact after the repetition decay within (group, kind)."""
    f = facts.sort_values([group, "kind", "weight"], ascending=[True, True, False], kind="stable")
    order = f.groupby([group, "kind"], sort=False).cumcount().to_numpy()
    return f.assign(points=f["weight"].to_numpy() * DECAY**order)


def _first_per_group(ids: np.ndarray, groups: np.ndarray, limit: int) -> dict[int, list[str]]:
    """The first ``limit`` of each group's ids, in their order (a groupby ``agg(list)`` builds every
    list in Python, to keep twenty of each)."""
    if not len(ids):
        return {}
    order = np.argsort(groups, kind="stable")
    g, ids = groups[order], ids[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], len(g)]
    return {g[a].item(): ids[a : min(b, a + limit)].tolist() for a, b in zip(starts, ends, strict=True)}


def _joined(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """Per key, its values joined with commas in the order given (a groupby ``agg`` with a Python
    function runs group by group)."""
    out: dict[object, list[str]] = {}
    for k, v in zip(keys, values, strict=True):
        out.setdefault(k, []).append(v)
    return pd.Series({k: ",".join(v) for k, v in out.items()}, dtype=object)


def _per_group(positions: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Rows (or their ``weights``) per group from each row's group position (-1: not a group)."""
    keep = positions >= 0
    return np.bincount(positions[keep], weights=None if weights is None else weights[keep], minlength=n)


def score_groups(
    data: GraphData, facts: pd.DataFrame, membership: pd.Series, *, extra_placements: pd.Series | None = None
) -> Scored:
    """Score each group of ``membership`` (entity id -> group id).

    ``extra_placements`` (placement id -> group id) adds placements that belong to a group without
    being nodes of it (organisation communities own their agencies' placements)."""
    pl = data.placements
    member = membership.rename("cluster")
    place_of = member[within(member.index, pl.index)]
    if extra_placements is not None:
        place_of = pd.concat([place_of, extra_placements[~within(extra_placements.index, place_of.index)]])
    at = pl.index.get_indexer(place_of.index)  # rows of pl: every look-up below by position
    # facts about members; facts about the workers of member placements
    f_direct = facts.merge(member, left_on="entity", right_index=True)
    # each worker of a member placement, with the group of its first such placement (by integer code)
    codes, _ = data.worker_codes
    has_worker = np.flatnonzero(pl["worker"].notna().to_numpy()[at])
    _, first = np.unique(codes[at[has_worker]], return_index=True)
    first = has_worker[np.sort(first)]
    worker_group = pd.Series(place_of.to_numpy()[first], index=pl["worker"].to_numpy()[at[first]])
    f_workers = facts[facts["kind"].isin(["case", "red_flag"])].merge(
        worker_group.rename("cluster"), left_on="entity", right_index=True
    )
    f = pd.concat([f_direct, f_workers[~within(f_workers.index, f_direct.index)]])
    f = _decayed(f, "cluster")
    contrib = [f[["cluster", "points", "rule", "kind", "text", "evidence"]]]

    groups = pd.Index(pd.unique(member.to_numpy()), name="cluster")
    member_at = groups.get_indexer(member.to_numpy())
    place_at = groups.get_indexer(place_of.to_numpy())  # -1: an extra placement of no group here
    size = pd.Series(_per_group(member_at, len(groups)), index=groups)
    n_pl = pd.Series(_per_group(place_at, len(groups)), index=groups)
    kinds = data.entities["kind"].reindex(member.index)
    kinds[within(member.index, pl.index)] = "Placement"
    kind_codes, kind_names = pd.factorize(kinds.fillna("Other").to_numpy())
    counts = np.zeros((len(groups), len(kind_names)), dtype=np.int64)
    np.add.at(counts, (member_at, kind_codes), 1)
    kind_count = dict(zip(kind_names, counts.T, strict=True))
    rows = []

    # non-procedural share
    nonproc = data.non_procedural.to_numpy(dtype=bool)[at]
    np_count = _per_group(place_at, len(groups), weights=nonproc)
    share = pd.Series(np.divide(np_count, n_pl.to_numpy(), out=np.zeros(len(groups)), where=n_pl.to_numpy() > 0))
    share.index = groups
    # points only for the placements no H3 finding of the same cluster names already: an employer's
    # non-procedural cluster is one finding, not two
    h3 = f_direct[f_direct["kind"] == "non_procedural_cluster"]
    named = pl.index.get_indexer([p for ev in h3["evidence"] for p in ev])  # rows of pl, like ``at``
    named_by = np.repeat(h3["cluster"].to_numpy(), [len(ev) for ev in h3["evidence"]])
    in_cluster = pd.Series(place_of.to_numpy(), index=at).reindex(named).to_numpy()
    new_np = nonproc & ~np.isin(at, named[in_cluster == named_by])
    extra = _per_group(place_at, len(groups), weights=new_np)
    npl_ids = _first_per_group(place_of.index.to_numpy()[new_np], place_of.to_numpy()[new_np], 20)
    with_h3 = set(h3["cluster"])
    for c in groups[(n_pl >= 3) & (extra > 0)]:
        more = extra[groups.get_loc(c)] / n_pl[c]
        rows.append(
            (
                c,
                4.0 * more,
                "H3",
                "non_procedural_share",
                f"{more:.0%} of its {n_pl[c]} placements look non-procedural (non-work visa or embassy "
                "register only)"
                + (", besides those of its employers' non-procedural clusters" if c in with_h3 else ""),
                npl_ids.get(c, []),
            )
        )

    # concentration: sponsors feeding agencies
    sp = pl[["sponsor", "agency"]].iloc[at].assign(cluster=place_of.to_numpy()).dropna()
    sp["agency"] = data.p3mi(sp["agency"])
    if len(sp):
        sponsors = sp.drop_duplicates(["cluster", "sponsor"])  # first appearances, in order
        n_sp = sponsors["cluster"].value_counts()
        n_ag = sp.drop_duplicates(["cluster", "agency"])["cluster"].value_counts().reindex(n_sp.index)
        # one sponsor's agencies are told by its own R7 finding: concentration is about several sponsors
        fed = n_sp.index[(n_ag.to_numpy() >= 2 * n_sp.to_numpy()) & (n_sp.to_numpy() >= 2)]
        who = _first_per_group(sponsors["sponsor"].to_numpy(dtype=object), sponsors["cluster"].to_numpy(), 10)
        for c in sorted(fed):
            rows.append(
                (
                    c,
                    2.0 * math.log2(n_ag[c] / n_sp[c]),
                    "R7",
                    "concentration",
                    f"{n_sp[c]} sponsor(s) feed {n_ag[c]} agencies",
                    who[c],
                )
            )

    # red-flag density
    flagged = set(data.flags["id"]) if len(data.flags) else set()
    if flagged:
        is_flagged = within(member.index, flagged)
        dens = pd.Series(_per_group(member_at, len(groups), weights=is_flagged) / size.to_numpy())
        dens.index = groups
        carriers = _first_per_group(member.index.to_numpy()[is_flagged], member.to_numpy()[is_flagged], 20)
        for c in dens.index[dens > 0].sort_values():
            rows.append(
                (
                    c,
                    4.0 * dens[c],
                    "",
                    "red_flag_density",
                    f"{dens[c]:.0%} of its members carry red flags",
                    carriers.get(c, []),
                )
            )

    # growth over time
    when = data.placement_dates
    end = when.max()
    if pd.notna(end):
        w = pd.Series(when.to_numpy()[at], index=place_of.index)
        is_recent = (w > end - pd.Timedelta(days=365)).to_numpy()
        recent = pd.Series(is_recent).groupby(place_of.to_numpy()).sum()
        is_before = ((w <= end - pd.Timedelta(days=365)) & (w > end - pd.Timedelta(days=730))).to_numpy()
        before = pd.Series(is_before).groupby(place_of.to_numpy()).sum()
        ok = (recent >= 3) & (recent > 1.5 * before)
        recent_ids = _first_per_group(place_of.index.to_numpy()[is_recent], place_of.to_numpy()[is_recent], 20)
        for c in recent.index[ok]:
            pts = min(3.0, math.log2(recent[c] / (before[c] + 1)))
            if pts > 0:
                ids = recent_ids.get(c, [])
                rows.append(
                    (
                        c,
                        pts,
                        "",
                        "growth",
                        f"{recent[c]} placements in the last 12 months of the data "
                        f"(to {end.date()}), {before[c]} in the 12 months before",
                        ids,
                    )
                )

    contrib.append(pd.DataFrame(rows, columns=["cluster", "points", "rule", "kind", "text", "evidence"]))
    allc = (
        pd.concat([c for c in contrib if len(c)], ignore_index=True)
        if any(len(c) for c in contrib)
        else pd.DataFrame(columns=["cluster", "points", "rule", "kind", "text", "evidence"])
    )
    allc = allc.sort_values(["cluster", "points"], ascending=[True, False], kind="stable").reset_index(drop=True)
    raw = allc.groupby("cluster")["points"].sum().reindex(groups, fill_value=0.0)
    named = allc.loc[allc["rule"] != "", ["cluster", "rule"]].drop_duplicates().sort_values(["cluster", "rule"])
    rules = _joined(named["cluster"].to_numpy(), named["rule"].to_numpy())
    table = pd.DataFrame(
        {
            "cluster": groups,
            "score": np.round(to_score(raw.to_numpy()), 2),
            "raw": raw.round(3).to_numpy(),
            "size": size.to_numpy(),
            "placements": n_pl.to_numpy(),
            "non_procedural_share": share.round(3).to_numpy(),
            "rules": rules.reindex(groups).fillna("").to_numpy(),
        }
    )
    for k in ("Agency", "PartnerAgency", "Employer", "Sponsor", "TrainingInstitute"):
        table[k] = kind_count.get(k, 0)
    table = table.sort_values(["raw", "size", "cluster"], ascending=[False, False, True], kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    return Scored(table.reset_index(drop=True), allc)


def score_entities(data: GraphData, facts: pd.DataFrame) -> pd.DataFrame:
    """Per entity: its own facts with the repetition decay; score, top reason, rules."""
    if not len(facts):
        return pd.DataFrame(columns=["entity", "score", "raw", "facts", "rules", "top_reason"])
    f = _decayed(facts, "entity")
    g = f.groupby("entity")
    top = f.sort_values("points", ascending=False).drop_duplicates("entity").set_index("entity")["text"]
    named = f.loc[f["rule"] != "", ["entity", "rule"]].drop_duplicates().sort_values(["entity", "rule"])
    out = pd.DataFrame({"raw": g["points"].sum(), "facts": g.size()})
    out["rules"] = (
        _joined(named["entity"].to_numpy(), named["rule"].to_numpy()).reindex(out.index).fillna("").astype(str)
    )
    out["score"] = np.round(to_score(out["raw"].to_numpy()), 2)
    out["top_reason"] = top.reindex(out.index)
    kinds = data.entities["kind"].reindex(out.index)
    kinds[within(out.index, data.placements.index)] = "Placement"
    out["kind"] = kinds.fillna("Other")
    out["name"] = [data.names.get(i, "") for i in out.index]
    out = out.rename_axis("entity").reset_index().sort_values(["raw", "entity"], ascending=[False, True])
    return out.reset_index(drop=True)
