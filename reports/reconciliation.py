"""The reconciliation report (``jejak report reconciliation --out DIR``): how many people, really?

BP2MI, Kemnaker and Kemlu each count the workers they know: 4.2 M, 5 M and 4.5 M in 2021. After entity
resolution (``jejak resolve``) every Worker node is one person and carries the registers that know it
(``sources``), so the report can say, per register, records vs distinct people, how the three
registers overlap, who is known to one register only (only the embassy: non-procedural departure
candidates, rule H3; only the labour ministry: registered, never departed?; only the placement agency),
on which fields the registers disagree, and which matches wait for a human decision.

Writes ``reconciliation.html`` (self-contained), ``reconciliation.json`` and CSV files into DIR.
"""

from __future__ import annotations

from itertools import combinations as subsets
from pathlib import Path
from typing import Any

from engine.base import Engine
from jejak.errors import JejakError
from queries import reconcile as q
from reports.html import figure_data_uri, pyplot, render, write_csv, write_json

SOURCES = q.WORKER_SOURCES
LABELS = {"bp2mi": "BP2MI (placements)", "kemnaker": "Kemnaker (registrations)", "kemlu": "Kemlu (embassy)"}
COLOURS = {"bp2mi": "#2b6cb0", "kemnaker": "#c05621", "kemlu": "#2f855a"}
SHOWN = 50  # rows shown per list in the HTML; the CSV files have them all


def _all_combinations() -> list[tuple[str, ...]]:
    return [c for k in range(1, len(SOURCES) + 1) for c in subsets(SOURCES, k)]


def collect(engine: Engine, work_dir: Path) -> dict[str, Any]:
    """Every number of the report, as plain data (the JSON file)."""
    combos = q.combinations(engine)
    if not combos:
        raise JejakError("no resolved workers in the graph: run `jejak load DIR` then `jejak resolve` first")
    records = q.records_per_source(engine)
    people = sum(combos.values())
    per_source = []
    for s in SOURCES:
        distinct = sum(n for c, n in combos.items() if s in c)
        per_source.append(
            {
                "source": s,
                "label": LABELS[s],
                "records": records.get(s, 0),
                "people": distinct,
                "only_here": combos.get((s,), 0),
                "records_per_person": round(records.get(s, 0) / distinct, 3) if distinct else None,
            }
        )
    overlap: list[dict[str, Any]] = [
        {"combination": "+".join(c), "sources": list(c), "people": combos.get(c, 0)} for c in _all_combinations()
    ]
    overlap.sort(key=lambda r: -r["people"])
    only = {s: q.only_in(engine, s) for s in SOURCES}
    kemnaker_status: dict[str, int] = {}
    for row in only["kemnaker"]:
        statuses = set(row["statuses"] or [])
        key = "DEPARTED" if "DEPARTED" in statuses else "CANCELLED" if statuses == {"CANCELLED"} else "REGISTERED"
        kemnaker_status[key] = kemnaker_status.get(key, 0) + 1
    conflict_counts = q.conflict_counts(engine)
    conflict_values = q.conflicts(engine, work_dir)
    review = q.proposals(engine)
    unresolved = q.unresolved(engine)
    decisions = q.decisions(engine)
    return {
        "people": people,
        "records": sum(records.values()),
        "per_source": per_source,
        "overlap": overlap,
        "in_all_three": combos.get(SOURCES, 0),
        "only_counts": {s: len(only[s]) for s in SOURCES},
        "only": only,
        "only_kemnaker_by_status": kemnaker_status,
        "conflicts_by_field": conflict_counts,
        "conflict_values": conflict_values.to_dict("records"),
        "review": review,
        "unresolved": unresolved,
        "decisions": decisions,
    }


def upset_plot(data: dict[str, Any]) -> str:
    """UpSet-style: one bar per combination of registers, the membership matrix under it, set sizes left."""
    plt = pyplot()
    rows = list(data["overlap"])
    fig = plt.figure(figsize=(9.5, 5.2))
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 3.2], height_ratios=[3, 1.3], wspace=0.05, hspace=0.05)
    bars = fig.add_subplot(grid[0, 1])
    matrix = fig.add_subplot(grid[1, 1], sharex=bars)
    sizes = fig.add_subplot(grid[1, 0])
    x = list(range(len(rows)))
    heights = [r["people"] for r in rows]
    bars.bar(x, heights, color="#334e68", width=0.6)
    top = max(heights) if heights else 1
    for i, h in enumerate(heights):
        bars.text(i, h + top * 0.01, f"{h:,}", ha="center", va="bottom", fontsize=8)
    bars.set_ylabel("people")
    bars.set_ylim(0, top * 1.12)
    bars.tick_params(axis="x", bottom=False, labelbottom=False)
    for side in ("top", "right"):
        bars.spines[side].set_visible(False)
    bars.set_title("People per combination of registers", fontsize=11, loc="left")
    for k, s in enumerate(SOURCES):
        y = len(SOURCES) - 1 - k
        member = [i for i, r in enumerate(rows) if s in r["sources"]]
        matrix.scatter(x, [y] * len(x), color="#d9e2ec", s=60, zorder=1)
        matrix.scatter(member, [y] * len(member), color=COLOURS[s], s=60, zorder=2)
    for i, r in enumerate(rows):
        ys = [len(SOURCES) - 1 - SOURCES.index(s) for s in r["sources"]]
        if len(ys) > 1:
            matrix.plot([i, i], [min(ys), max(ys)], color="#334e68", lw=2, zorder=1.5)
    matrix.set_yticks(range(len(SOURCES)))
    matrix.set_yticklabels([LABELS[s] for s in reversed(SOURCES)], fontsize=8)
    matrix.yaxis.tick_right()
    matrix.tick_params(axis="x", bottom=False, labelbottom=False)
    matrix.tick_params(axis="y", length=0)
    for side in ("top", "right", "left", "bottom"):
        matrix.spines[side].set_visible(False)
    matrix.set_ylim(-0.6, len(SOURCES) - 0.4)
    totals = {r["source"]: r["people"] for r in data["per_source"]}
    ys = [len(SOURCES) - 1 - k for k in range(len(SOURCES))]
    sizes.barh(ys, [totals[s] for s in SOURCES], color=[COLOURS[s] for s in SOURCES], height=0.5)
    sizes.invert_xaxis()
    sizes.set_ylim(-0.6, len(SOURCES) - 0.4)
    sizes.set_yticks([])
    sizes.set_xlabel("people per register", fontsize=8)
    sizes.tick_params(axis="x", labelsize=7)
    for side in ("top", "left", "right"):
        sizes.spines[side].set_visible(False)
    return figure_data_uri(fig)


def records_plot(data: dict[str, Any]) -> str:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 2.8))
    srcs = data["per_source"]
    y = range(len(srcs))
    ax.barh([i + 0.2 for i in y], [s["records"] for s in srcs], height=0.4, color="#bcccdc", label="records")
    ax.barh(
        [i - 0.2 for i in y],
        [s["people"] for s in srcs],
        height=0.4,
        color=[COLOURS[s["source"]] for s in srcs],
        label="distinct people",
    )
    ax.set_yticks(list(y))
    ax.set_yticklabels([s["label"] for s in srcs], fontsize=9)
    ax.invert_yaxis()
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("Records vs distinct people per register", fontsize=11, loc="left")
    return figure_data_uri(fig)


def conflicts_plot(data: dict[str, Any]) -> str | None:
    counts = data["conflicts_by_field"]
    if not counts:
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(counts) + 1))
    fields = list(counts)
    ax.barh(fields, [counts[f] for f in fields], color="#9b2c2c")
    ax.invert_yaxis()
    for i, f in enumerate(fields):
        ax.text(counts[f], i, f" {counts[f]:,}", va="center", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("people whose registers disagree on the field", fontsize=9)
    return figure_data_uri(fig)


def write_report(engine: Engine, work_dir: Path, out: Path) -> list[Path]:
    """Write reconciliation.html, reconciliation.json and the CSV files into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = collect(engine, work_dir)
    paths = [
        write_csv(
            out / "reconciliation_sources.csv",
            data["per_source"],
            ["source", "records", "people", "only_here", "records_per_person"],
        ),
        write_csv(out / "reconciliation_overlap.csv", data["overlap"], ["combination", "people"]),
        write_csv(
            out / "reconciliation_conflicts.csv",
            data["conflict_values"],
            ["worker", "field", "source", "record_id", "value"],
        ),
        write_csv(
            out / "reconciliation_review.csv",
            data["review"],
            [
                *("a", "a_name", "a_birth", "a_nik", "a_passport", "a_sources"),
                *("b", "b_name", "b_birth", "b_nik", "b_passport", "b_sources"),
                *("score", "reason", "disagree"),
            ],
        ),
        write_csv(out / "reconciliation_unresolved.csv", data["unresolved"], ["id", "record", "name"]),
    ]
    for s in SOURCES:
        paths.append(
            write_csv(
                out / f"reconciliation_only_{s}.csv",
                data["only"][s],
                ["id", "name", "sex", "birth_date", "statuses", "departures", "arrivals", "registrations"],
            )
        )
    summary = {k: v for k, v in data.items() if k not in ("only", "conflict_values")}
    summary["conflict_values"] = len(data["conflict_values"])
    paths.append(write_json(out / "reconciliation.json", summary))
    html = render(
        "reconciliation.html.j2",
        data=data,
        labels=LABELS,
        shown=SHOWN,
        sources=SOURCES,
        upset=upset_plot(data),
        records_img=records_plot(data),
        conflicts_img=conflicts_plot(data),
    )
    page = out / "reconciliation.html"
    page.write_text(html, encoding="utf-8")
    return [page, *paths]
