"""A progress bar for `gazette fetch` on a terminal.

Only for a person watching: cron logs, pipes and `--json` get nothing, so the
output a script reads stays exactly the table or the JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gazette.models import SourceResult


@dataclass
class FetchProgress:
    """The two hooks ``fetch_all`` takes: ``on_start`` and ``on_done``."""

    on_start: Callable[[Sequence[str]], None] | None = None
    on_done: Callable[[SourceResult], None] | None = None


@contextmanager
def fetch_progress(console: Console, enabled: bool) -> Iterator[FetchProgress]:
    """Hooks that drive a bar on ``console`` when ``enabled`` (and no-ops otherwise).

    The bar is transient: once the run is over, the summary table takes its place.
    """
    if not enabled:
        yield FetchProgress()
        return
    bar = Progress(
        TextColumn("fetching"),
        BarColumn(),
        MofNCompleteColumn(),
        # The description holds a source's name: text, never markup.
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task("", total=None)
    failed = 0

    def on_start(names: Sequence[str]) -> None:
        bar.update(task, total=len(names))

    def on_done(result: SourceResult) -> None:
        nonlocal failed
        failed += result.status == "failed"
        note = f"{result.source} {result.status}" + (f" · {failed} failed" if failed else "")
        bar.update(task, advance=1, description=note)

    with bar:
        yield FetchProgress(on_start, on_done)
