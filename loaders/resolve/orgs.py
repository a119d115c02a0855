"""Organisation resolution: name variants the loader's normalisation leaves apart.

The loader already identifies organisations by licence, by the registry entry with the same
normalised name (``PT. Maju Jaya Abadi`` = ``MAJU JAYA ABADI, PT``: legal forms and punctuation are
dropped), and otherwise by normalised name (+ country abroad). What is left are designations written
as part of the name by some sources only: ``LPK Sinar Harapan`` vs ``Sinar Harapan``. Nodes whose
names agree once those words are dropped are merged (same label, same country); the registered
node, else the smallest id, survives, and the others' ids go to its ``aliases``.
"""

from __future__ import annotations

import re

import pandas as pd

from engine.base import Engine, WriteSummary
from engine.cypher import cypher
from loaders.resolve import graph as g

# label -> words that designate the kind of organisation rather than name it
DESIGNATIONS = {
    "TrainingInstitute": r"^(?:LPK|BLK|LPKS|LEMBAGA PELATIHAN KERJA)\s+",
    "PartnerAgency": r"\s+(?:AGENCY|AGENCIES|MANPOWER)$",
}
NODES = {
    label: cypher(
        f"resolve.org_nodes.{label}",
        f"MATCH (n:{label}) RETURN n.id AS id, n.name_norm AS name_norm, n.registered AS registered"
        + (", n.country AS country" if label == "PartnerAgency" else ""),
    )
    for label in DESIGNATIONS
}


def org_merges(label: str, nodes: pd.DataFrame) -> list[tuple[str, str]]:
    """(old, survivor) pairs for nodes of ``label`` whose names differ only by designation words."""
    if not len(nodes):
        return []
    nodes = nodes[nodes["name_norm"].notna()].copy()
    pattern = re.compile(DESIGNATIONS[label])
    nodes["key"] = nodes["name_norm"].map(lambda s: pattern.sub("", s).strip() or s)
    if "country" in nodes.columns:
        nodes["key"] = nodes["key"] + "|" + nodes["country"].fillna("")
    nodes["rank"] = (~nodes["registered"].fillna(False).astype(bool)).astype(int)
    nodes = nodes.sort_values(["key", "rank", "id"])
    survivor = nodes.groupby("key")["id"].transform("first")
    return [(o, s) for o, s in zip(nodes["id"], survivor, strict=True) if o != s]


def resolve_organisations(engine: Engine, total: WriteSummary) -> int:
    merged = 0
    for label in DESIGNATIONS:
        pairs = org_merges(label, pd.DataFrame(engine.read(NODES[label], timeout_s=600)))
        g.merge_nodes(engine, label, pairs, total)
        merged += len(pairs)
    return merged
