"""A progress bar for `gazette fetch` on a terminal.

Only for a person watching: cron logs, pipes and `--json` get nothing, so the
output a script reads stays exactly the table or the JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gazette.models import SourceResult

if TYPE_CHECKING:  # annotations only: this module must not pull in the fetch engine
    from gazette.fetch import FetchRun


class FetchProgress:
    """Watches a fetch run's results go by: :meth:`track` passes them on
    unchanged and, when a bar is shown, advances it for each."""

    def __init__(self, bar: Progress | None = None) -> None:
        self._bar = bar

    def track(self, run: FetchRun) -> Iterator[SourceResult]:
        if self._bar is None:
            yield from run
            return
        bar = self._bar
        task = bar.add_task("", total=len(run.names))
        failed = 0
        for result in run:
            failed += result.status == "failed"
            note = f"{result.source} {result.status}" + (f" · {failed} failed" if failed else "")
            bar.update(task, advance=1, description=note)
            yield result


@contextmanager
def fetch_progress(console: Console, enabled: bool) -> Iterator[FetchProgress]:
    """A FetchProgress that drives a bar on ``console`` when ``enabled`` (and
    only passes results on otherwise).

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
    with bar:
        yield FetchProgress(bar)
