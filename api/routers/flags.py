"""Red flags over the whole graph (RULES.md), paged; computed once and kept for a while."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from api.deps import AccessDep, EngineDep, SettingsDep
from api.errors import error_responses
from engine.base import Engine
from queries import flags as rules

router = APIRouter(tags=["flags"])

RuleId = Literal[rules.RULE_IDS]  # type: ignore[valid-type]
FlaggedLabel = Literal[rules.FLAGGED_LABELS]  # type: ignore[valid-type]


class FlagCache:
    """The last whole-graph run, per rule selection, for ``ttl_s`` seconds; one run at a time."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._runs: dict[str | None, tuple[float, list[rules.Flag]]] = {}
        self._lock = threading.Lock()

    def get(self, eng: Engine, rule: str | None) -> list[rules.Flag]:
        """Flags as found: each caller masks its page for its own role (``Flag.as_dict``)."""
        with self._lock:
            every = self._runs.get(None)
            if rule is not None and every is not None and time.monotonic() - every[0] <= self.ttl_s:
                return [f for f in every[1] if f.rule == rule]  # a rule of the run already made
            kept = self._runs.get(rule)
            if kept is None or time.monotonic() - kept[0] > self.ttl_s:
                found = rules.run_rules(eng, [rule] if rule else None)
                kept = (time.monotonic(), found)
                self._runs[rule] = kept
            return kept[1]


def _cache(request: Request, ttl_s: float) -> FlagCache:
    cache: FlagCache | None = getattr(request.app.state, "flags", None)
    if cache is None:
        cache = request.app.state.flags = FlagCache(ttl_s)
    return cache


@router.get("/flags", summary="Red flags with their evidence, paged", responses=error_responses())
def flags(
    request: Request,
    eng: EngineDep,
    settings: SettingsDep,
    access: AccessDep,
    rule: Annotated[RuleId | None, Query(description="Only this rule (R1-R11, H1-H4).")] = None,
    label: Annotated[FlaggedLabel | None, Query(description="Only flags on this kind of entity.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """The first call runs every rule over the whole graph (seconds; minutes at national scale).
    Audited when a page names a worker."""
    found = _cache(request, settings.flags_cache_s).get(eng, rule)
    if label:
        found = [f for f in found if f.entity_label == label]
    counts: dict[str, int] = {}
    for f in found:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    page = [f.as_dict(access.role) for f in found[offset : offset + limit]]
    result = {
        "total": len(found),
        "offset": offset,
        "limit": limit,
        "counts": counts,
        "titles": {r: rules.RULE_TITLES.get(r) for r in counts},
        "items": page,
    }
    return access.answer("flags", result)
