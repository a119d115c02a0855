"""Masking the API adds on top of ``queries.refs``: identifier nodes.

A Passport or Phone node's id *is* the passport or phone number, and the schema marks no property
of those nodes personal, so neighbour lists and paths would show a worker's passport and phone to a
masked role. For every role but investigator, such ids are masked wherever they appear in an
answer (node ids, relationship ends, props) the way ``queries.refs.mask_value`` masks the worker's
own ``passport_no`` and ``phone``.
"""

from __future__ import annotations

from typing import Any

from queries.refs import mask_value

IDENTIFIER_NODES = {"Passport": "passport_no", "Phone": "phone"}


def _raw_identifiers(value: Any, found: dict[str, str]) -> None:
    if isinstance(value, dict):
        field = IDENTIFIER_NODES.get(value.get("label"))  # type: ignore[arg-type]
        if field and isinstance(value.get("id"), str):
            found[value["id"]] = field
        for v in value.values():
            _raw_identifiers(v, found)
    elif isinstance(value, list | tuple):
        for v in value:
            _raw_identifiers(v, found)


def _replace(value: Any, masked: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return masked.get(value, value)
    if isinstance(value, dict):
        return {k: _replace(v, masked) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace(v, masked) for v in value]
    return value


def mask_identifiers(body: Any, role: str) -> Any:
    """``body`` with the ids of Passport and Phone nodes masked for ``role``."""
    if role == "investigator":
        return body
    found: dict[str, str] = {}
    _raw_identifiers(body, found)
    if not found:
        return body
    return _replace(body, {raw: mask_value(field, raw, role) for raw, field in found.items()})
