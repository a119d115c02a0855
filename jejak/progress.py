"""Progress bars for long work: rows done, rows/s and time left (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Rows per second, the figure people compare loads by."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


class CountColumn(ProgressColumn):
    """Rows done of rows in all; a phase that counts no rows (a model being trained) says "done"."""

    def render(self, task: Task) -> Text:
        if not task.completed:
            return Text("done" if task.finished else "", style="progress.download")
        total = f"/{task.total:,.0f}" if task.total is not None else ""
        return Text(f"{task.completed:,.0f}{total}", style="progress.download")


class RichProgress:
    """Implements ``loaders.pipeline.Progress`` with one bar per phase."""

    def __init__(self, console: Console | None = None, enabled: bool = True) -> None:
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            CountColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            disable=not enabled,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def start(self, phase: str, total: int | None) -> None:
        self._task = self._progress.add_task(phase, total=total)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, rows)

    def done(self) -> None:
        if self._task is not None:
            task = self._progress.tasks[self._task]
            self._progress.update(self._task, total=task.completed)
            self._task = None

    def step(self, phase: str, done: int, total: int) -> None:
        """The generator's callback shape: (phase, done, total)."""
        if self._task is None or self._progress.tasks[self._task].description != phase:
            if self._task is not None:
                self.done()
            self.start(phase, total)
        assert self._task is not None
        self._progress.update(self._task, completed=done, total=total)
