"""Work run in a side process: its result, progress and failures reach the caller."""

from __future__ import annotations

import os
import signal

import pytest

from jejak.aside import run_aside
from jejak.errors import InputError


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def start(self, phase: str, total: int | None) -> None:
        self.events.append(("start", phase, total))

    def advance(self, rows: int) -> None:
        self.events.append(("advance", rows))

    def done(self) -> None:
        self.events.append(("done",))


def count_rows(rows: int, *, progress: Recorder) -> tuple[int, int]:
    progress.start("count", rows)
    progress.advance(rows)
    progress.done()
    return rows * 2, os.getpid()


def refuse(name: str, *, progress: Recorder) -> None:
    raise InputError(f"{name}: row 3, field nik: not 16 digits")


def killed(*, progress: Recorder) -> None:
    progress.start("about to be killed", None)
    os.kill(os.getpid(), signal.SIGKILL)


def test_the_result_and_progress_come_back_from_another_process() -> None:
    progress = Recorder()
    doubled, pid = run_aside(count_rows, progress, 21)
    assert doubled == 42 and pid != os.getpid()
    assert progress.events == [("start", "count", 21), ("advance", 21), ("done",)]


def test_a_failure_in_the_side_process_is_raised_here_as_itself() -> None:
    with pytest.raises(InputError, match=r"kemlu.jsonl: row 3, field nik"):
        run_aside(refuse, Recorder(), "kemlu.jsonl")


def test_a_killed_side_process_is_a_clear_error_not_a_hang() -> None:
    progress = Recorder()
    with pytest.raises(RuntimeError, match=r"killed ended without a result .* exited with -9"):
        run_aside(killed, progress)
    assert progress.events == [("start", "about to be killed", None)]
