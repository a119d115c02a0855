"""Run a function in a spawned process, relaying its progress, and return its result.

For work whose memory should be gone when it ends: a process returns all of its memory to the
system, where a long-lived one keeps its peak (Python's and the allocators' free lists) next to
whatever it already holds.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from loaders.pipeline import Progress


class _PipeProgress:
    """The side process's progress, sent to the caller's."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def start(self, phase: str, total: int | None) -> None:
        self.conn.send(("start", phase, total))

    def advance(self, rows: int) -> None:
        self.conn.send(("advance", rows))

    def done(self) -> None:
        self.conn.send(("done",))


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        result = fn(*args, progress=_PipeProgress(conn))
    except BaseException as exc:
        try:
            conn.send(("error", exc))
        except Exception:
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    else:
        conn.send(("result", result))
    finally:
        conn.close()


def run_aside[T](fn: Callable[..., T], progress: Progress, *args: Any) -> T:
    """``fn(*args, progress=...)`` in a spawned process (``fn`` importable by name); its progress
    goes to ``progress``, its exception is raised here."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(theirs, fn, args), name=f"jejak-{fn.__name__}")
    process.start()
    theirs.close()  # ours sees the end of the pipe when the child is gone, even if it died
    try:
        while True:
            try:
                kind, *rest = ours.recv()
            except EOFError:
                process.join()
                raise RuntimeError(
                    f"{fn.__name__} ended without a result (its process exited with {process.exitcode}; "
                    "-9 is the kernel's out-of-memory killer)"
                ) from None
            if kind == "start":
                progress.start(*rest)
            elif kind == "advance":
                progress.advance(*rest)
            elif kind == "done":
                progress.done()
            elif kind == "error":
                raise rest[0]
            else:
                return rest[0]
    finally:
        ours.close()
        process.join(timeout=30)
        if process.is_alive():  # we were interrupted: the work is abandoned
            process.kill()
            process.join()
