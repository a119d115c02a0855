"""Clustering: exact keys, model links and human decisions into one person per cluster.

Links are taken strongest first into a union-find that refuses any union breaking a constraint:
1. confirmed matches (human decisions) first: they win over everything;
2. records sharing a NIK (exact key, score 1.0);
3. model pairs with match probability >= ``accept``, in decreasing probability.
A union is refused when it would put two different NIKs in one person (a NIK is personal), or two
records a human rejected as the same person. Model pairs in ``[review, accept)``, and accepted pairs
refused by a constraint, that still join two different people are returned for human review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loaders.resolve.lookup import Lookup, positions

ACCEPT = 0.9  # match probability at or above which the model links two records
REVIEW = 0.3  # pairs from here up to ACCEPT wait for a human decision


@dataclass
class Decisions:
    """Human decisions as record-id sets: each pair (left, right) is confirmed or rejected."""

    confirm: list[tuple[list[str], list[str]]] = field(default_factory=list)
    reject: list[tuple[list[str], list[str]]] = field(default_factory=list)


class _UnionFind:
    def __init__(self, n: int, nik: list[str | None]) -> None:
        self.parent = list(range(n))
        # a root's NIK: one string, or a frozenset once a confirmed match joined people with two
        # (a set per record cost 6 s at 1 M workers, for the rare case)
        self.niks: dict[int, str | frozenset[str]] = {i: v for i, v in enumerate(nik) if isinstance(v, str) and v}
        self.apart: dict[int, set[int]] = {}

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def forbid(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        self.apart.setdefault(ra, set()).add(rb)
        self.apart.setdefault(rb, set()).add(ra)

    def allowed(self, ra: int, rb: int, check_nik: bool = True) -> bool:
        if self.apart and rb in self.apart.get(ra, ()):
            return False
        if check_nik:
            na, nb = self.niks.get(ra), self.niks.get(rb)
            if na and nb and na != nb:
                return False
        return True

    def union(self, a: int, b: int, check_nik: bool = True) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not self.allowed(ra, rb, check_nik):
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        if rb in self.niks:
            theirs, ours = self.niks.pop(rb), self.niks.get(ra)
            self.niks[ra] = theirs if ours is None or ours == theirs else _as_set(ours) | _as_set(theirs)
        if rb in self.apart:
            moved = self.apart.pop(rb)
            for other in moved:
                partners = self.apart.get(other)
                if partners is not None:
                    partners.discard(rb)
                    partners.add(ra)
            self.apart.setdefault(ra, set()).update(moved)
        return True


def _as_set(niks: str | frozenset[str]) -> frozenset[str]:
    return niks if isinstance(niks, frozenset) else frozenset((niks,))


@dataclass
class Clustering:
    cluster: np.ndarray  # per record: the index of its cluster's first record
    score: np.ndarray  # per record: the strongest accepted link into its cluster (nan: alone)
    reason: list[str]  # per record: which fields agreed on that link
    review: pd.DataFrame  # a, b (record ids), p, reason: pairs awaiting a human decision
    refused: int  # accepted links refused by a constraint


def exact_pairs(records: pd.DataFrame) -> pd.DataFrame:
    """Pairs of records sharing a NIK (each record linked to the first of its NIK group)."""
    has = records.loc[records["nik"].notna(), ["record_id", "nik"]]
    # the smallest id of each group by sorting (a groupby "min" on strings ran per group in Python:
    # 86 s for 950,000 NIKs), then back to the records' order
    ordered = has.sort_values(["nik", "record_id"])
    starts = ordered["nik"].ne(ordered["nik"].shift())
    first = ordered["record_id"].where(starts).ffill().sort_index()
    pairs = pd.DataFrame({"a": first, "b": has["record_id"]})
    pairs = pairs[pairs["a"] != pairs["b"]]
    return pairs.assign(p=1.0, reason="nik")


def cluster(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    decisions: Decisions | None = None,
    accept: float = ACCEPT,
    review: float = REVIEW,
) -> Clustering:
    """Cluster ``records`` (``record_id``, ``nik``) from model ``pairs`` (a, b, p, reason)."""
    ids = records["record_id"].tolist()
    position = Lookup(ids, np.arange(len(ids)))  # record id -> its index (record ids are unique)
    uf = _UnionFind(len(ids), records["nik"].tolist())
    decisions = decisions or Decisions()

    def idx(values: Iterable[str]) -> list[int]:
        return [i for i in positions(list(values), position).tolist() if i >= 0]

    for left, right in decisions.reject:
        for a in idx(left):
            for b in idx(right):
                uf.forbid(a, b)
    for left, right in decisions.confirm:
        members = idx(left) + idx(right)
        for b in members[1:]:
            uf.union(members[0], b, check_nik=False)

    exact = exact_pairs(records)
    model = pairs[pairs["p"] >= accept] if len(pairs) else pairs
    links = pd.concat([exact, model[["a", "b", "p", "reason"]]], ignore_index=True) if len(model) else exact
    a_idx, b_idx = positions(links["a"], position), positions(links["b"], position)
    ok = (a_idx >= 0) & (b_idx >= 0)
    links, a_idx, b_idx = links[ok], a_idx[ok], b_idx[ok]
    refused = 0
    for a, b in zip(a_idx.tolist(), b_idx.tolist(), strict=True):
        if not uf.union(a, b):
            refused += 1
    roots = np.fromiter((uf.find(i) for i in range(len(ids))), dtype=np.int64, count=len(ids))

    # per record: the strongest accepted link inside its cluster
    same = roots[a_idx] == roots[b_idx]
    inside = links[same]
    ends = pd.DataFrame(
        {
            "r": np.concatenate([a_idx[same], b_idx[same]]),
            "p": np.concatenate([inside["p"].to_numpy(), inside["p"].to_numpy()]),
            "reason": np.concatenate([inside["reason"].to_numpy(), inside["reason"].to_numpy()]),
        }
    )
    best = ends.sort_values("p", ascending=False, kind="stable").drop_duplicates("r")
    score = np.full(len(ids), np.nan)
    reason = ["only record"] * len(ids)
    score[best["r"].to_numpy()] = best["p"].to_numpy()
    for r, why in zip(best["r"].tolist(), best["reason"].tolist(), strict=True):
        reason[r] = why
    for left, right in decisions.confirm:
        for r in idx(left) + idx(right):
            if roots[r] == roots[idx(left)[0]] if idx(left) else False:
                score[r], reason[r] = 1.0, "confirmed by a person"

    # pairs for review: uncertain, or accepted but refused, and still in two clusters
    pending = pairs[(pairs["p"] >= review)] if len(pairs) else pairs
    if len(pending):
        pa_, pb_ = positions(pending["a"], position), positions(pending["b"], position)
        keep = (pa_ >= 0) & (pb_ >= 0)
        pending, pa_, pb_ = pending[keep], pa_[keep], pb_[keep]
        differ = roots[pa_] != roots[pb_]
        allowed = np.array(
            [
                uf.allowed(uf.find(x), uf.find(y), check_nik=False)
                for x, y in zip(pa_[differ], pb_[differ], strict=True)
            ],
            dtype=bool,
        )
        pending = pending[differ][allowed] if len(allowed) else pending[differ]
    review_pairs = (
        pending[["a", "b", "p", "reason"]].reset_index(drop=True)
        if len(pending)
        else pd.DataFrame(columns=["a", "b", "p", "reason"])
    )
    return Clustering(roots, score, reason, review_pairs, refused)
