"""The audit trail: one JSON line per access to a person's record, appended before the answer leaves.

The file is ``<data_dir>/audit/audit.jsonl``, opened for appending only; each line is written with
one ``write`` call (atomic for lines this short on a local file system, even with several server
processes) and, unless ``audit_fsync`` is off, fsynced before the response is returned. If the line
cannot be written, the request fails: no access goes unrecorded.

A line::

    {"ts": "2026-11-28T06:01:02.123456Z", "key_id": "k-3f9a0c1b2d", "role": "analyst",
     "action": "worker.chain", "worker_ids": ["W-266965072dc4a7e2"],
     "path": "/workers/W-266965072dc4a7e2/chain", "query": "", "client": "127.0.0.1"}

``key_id`` names the key without revealing it (a hash prefix). ``path`` and ``query`` are what the
caller asked for, so a lookup by NIK leaves the NIK in the trail: the trail is as confidential as
the graph. ``read_audit`` reads it back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WORKER_ID = re.compile(r"^W-[0-9a-f]{16}$")
PERSON_LABELS = frozenset({"Worker", "Person"})


def audit_path(data_dir: Path) -> Path:
    return Path(data_dir) / "audit" / "audit.jsonl"


def people_in(value: Any, found: dict[str, None] | None = None) -> list[str]:
    """Every worker id (and Person node id) anywhere in a response body, in order of appearance."""
    found = {} if found is None else found
    if isinstance(value, str):
        if WORKER_ID.match(value):
            found[value] = None
    elif isinstance(value, dict):
        if value.get("label") in PERSON_LABELS and isinstance(value.get("id"), str):
            found[value["id"]] = None
        for v in value.values():
            people_in(v, found)
    elif isinstance(value, list | tuple):
        for v in value:
            people_in(v, found)
    return list(found)


class AuditLog:
    """Appends audit lines to one file; safe to share between threads."""

    def __init__(self, path: Path, fsync: bool = True) -> None:
        self.path = path
        self.fsync = fsync
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> dict[str, Any]:
        line = {"ts": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"), **entry}
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
        return line


def read_audit(
    data_dir: Path, worker_id: str | None = None, key_id: str | None = None, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The audit lines, oldest first, optionally only those touching a worker, by a key, or after ``since``."""
    return list(iter_audit(audit_path(data_dir), worker_id, key_id, since))


def iter_audit(
    path: Path, worker_id: str | None = None, key_id: str | None = None, since: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    cutoff = since.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if since else None
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            line = json.loads(raw)
            if worker_id and worker_id not in line.get("worker_ids", ()):
                continue
            if key_id and line.get("key_id") != key_id:
                continue
            if cutoff and line.get("ts", "") < cutoff:
                continue
            yield line
