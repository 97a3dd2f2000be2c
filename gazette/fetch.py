"""Run every source concurrently, store what each returns, report per source.

One failing source never sinks the run (reader's ``update_feeds_iter`` model):
:func:`fetch_iter` yields each source's SourceResult as that source finishes,
and the caller decides what to show and the exit code. The conditional-GET
state is read from the store up front and handed to the sources as data, so
the async side never touches the store: it yields what each source collected,
and this module's synchronous side saves it. Validators (ETag /
Last-Modified) are recorded only after that source's items are saved, so a
crash between the two re-fetches rather than loses data.

With many feeds, parsing (feedparser is pure Python) and not the network is
what takes the time, so a run with at least ``POOL_MIN_FEEDS`` feed sources
parses them in a process pool, one worker per core. The workers die with the
run, even one killed with SIGKILL.

A run ends within ``[fetch] run_deadline``: a source still running then fails
with a line that says so, and what the others stored stays.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import httpx

from gazette.config import FetchSettings, Settings
from gazette.http import FetchFailed, HttpFetcher, Page, Validators, build_client
from gazette.models import Item, SourceResult
from gazette.sources import build_sources
from gazette.sources.base import ParseError, Source, counting_skips, parser_pool
from gazette.sources.feeds import FeedSource
from gazette.store import Store
from gazette.urls import canonical_url

log = logging.getLogger(__name__)
POOL_MIN_FEEDS = 8  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 4


class RunDeadlineExceeded(Exception):
    """A source still running when the whole fetch's time was up."""

    def __init__(self, deadline: float) -> None:
        super().__init__(f"not done within the {deadline:g} s run deadline ([fetch] run_deadline)")


# What a source's fetch is expected to fail with: the site, not Gazette.
EXPECTED_FAILURES = (FetchFailed, ParseError, RunDeadlineExceeded)

FetchStates = Mapping[str, Mapping[str, Validators]]  # source name -> URL -> validators
T = TypeVar("T")


@dataclass
class _Conditional:
    """The Fetch callable handed to one source: conditional GETs from the
    validators known before the run, the new ones kept aside."""

    fetcher: HttpFetcher
    known: Mapping[str, Validators]
    seen: dict[str, Validators] = field(default_factory=dict)
    not_modified: int = 0
    fetched: int = 0

    async def __call__(
        self, url: str, conditional: bool = True, headers: Mapping[str, str] | None = None
    ) -> Page:
        validators = self.known.get(url, Validators()) if conditional else Validators()
        page = await self.fetcher.get(url, validators, headers)
        if page.not_modified:
            self.not_modified += 1
        else:
            self.fetched += 1
            self.seen[url] = page.validators
        return page


@dataclass(frozen=True)
class Collected:
    """What one source brought back, not yet stored: its items and the new
    validators of the URLs it fetched, or what it raised."""

    source: str
    items: Sequence[Item] = ()
    seen: Mapping[str, Validators] = field(default_factory=dict)
    fetched: int = 0
    not_modified: int = 0
    exception: Exception | None = None
    # Records left out for a field of the wrong type (each logged as it was skipped).
    skipped: int = 0


class FetchRun(Iterable[SourceResult]):
    """One fetch of the chosen sources; iterating yields each source's result
    as it finishes (iterate once). The sources are built, and config errors
    raised, when the run is made."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        since: datetime,
        only: tuple[str, ...] = (),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.sources = build_sources(settings, only)
        self.names = tuple(s.config.name for s in self.sources)
        self._settings = settings.fetch
        self._store = store
        self._since = since
        self._transport = transport

    def __iter__(self) -> Iterator[SourceResult]:
        store = self._store
        states = store.fetch_states()
        feeds = sum(1 for s in self.sources if isinstance(s, FeedSource))
        with _parser_pool(feeds) as pool, store.fewer_fsyncs(), asyncio.Runner() as runner:
            collected = collect_all(
                self.sources, states, self._since, self._settings, self._transport, pool
            )
            try:
                while (outcome := runner.run(_next_or_none(collected))) is not None:
                    result = save_collected(store, outcome)
                    _log_result(result)
                    yield result
            finally:
                runner.run(collected.aclose())

    def in_config_order(self, results: Iterable[SourceResult]) -> list[SourceResult]:
        """``results`` (this run's, in any order) in the order of the config."""
        position = {name: i for i, name in enumerate(self.names)}
        return sorted(results, key=lambda r: position[r.source])


def fetch_iter(
    settings: Settings,
    store: Store,
    since: datetime,
    only: tuple[str, ...] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> FetchRun:
    """Fetch the enabled sources (or those named in ``only``) and store their
    items, yielding each source's result as it finishes."""
    return FetchRun(settings, store, since, only, transport)


def fetch_all(
    settings: Settings,
    store: Store,
    since: datetime,
    only: tuple[str, ...] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[SourceResult]:
    """:func:`fetch_iter` run to the end, the results in config order."""
    run = fetch_iter(settings, store, since, only, transport)
    return run.in_config_order(run)


async def _next_or_none(iterator: AsyncIterator[T]) -> T | None:
    return await anext(iterator, None)


async def collect_all(
    sources: Sequence[Source],
    states: FetchStates,
    since: datetime,
    settings: FetchSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    pool: Executor | None = None,
) -> AsyncGenerator[Collected, None]:
    """Run the sources concurrently, yielding what each collected as it finishes.

    Holds no store: what it needs from earlier runs is ``states``.
    """
    # A running source may hold a fetched body that waits for the parser, and a
    # finished one holds its items until the caller has taken (and stored)
    # them; with hundreds of feeds the network outruns parsing and storing. So
    # a source runs only with one of these permits, given back when its result
    # has been taken, and results travel through a queue, not the tasks (a
    # finished task keeps its result as long as the task is referenced): a run
    # of 1,000 feeds kept every item in memory to the end, 277 MB.
    permits = asyncio.Semaphore(max(2 * settings.concurrency, 4))
    holding: set[str] = set()  # the sources whose result holds a permit
    finished: asyncio.Queue[Collected] = asyncio.Queue()
    deadline = settings.run_deadline
    run_ends = asyncio.get_running_loop().time() + deadline
    with parser_pool(pool):
        async with build_client(settings, transport) as client:
            fetcher = HttpFetcher(client, settings)

            async def run(source: Source) -> None:
                name = source.config.name
                try:
                    async with asyncio.timeout_at(run_ends):
                        await permits.acquire()
                        holding.add(name)
                        log.debug("%s: fetching", name)
                        collected = await _collect_one(source, fetcher, states.get(name, {}), since)
                except TimeoutError:
                    collected = Collected(name, exception=RunDeadlineExceeded(deadline))
                finished.put_nowait(collected)

            tasks = [asyncio.create_task(run(s)) for s in sources]
            try:
                for _ in tasks:
                    collected = await finished.get()
                    try:
                        yield collected
                    finally:
                        if collected.source in holding:
                            holding.discard(collected.source)
                            permits.release()
                        del collected  # the caller has it; this frame need not
            finally:
                for task in tasks:  # the caller stopped early: stop the rest
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


async def _collect_one(
    source: Source, fetcher: HttpFetcher, known: Mapping[str, Validators], since: datetime
) -> Collected:
    name = source.config.name
    fetch = _Conditional(fetcher, known)
    with counting_skips() as skipped:
        try:
            items = await source.collect(fetch, since)
        except Exception as exc:  # a plug-in's bug must not sink the other sources
            return Collected(name, exception=exc, skipped=len(skipped))
    return Collected(
        name, items, fetch.seen, fetch.fetched, fetch.not_modified, skipped=len(skipped)
    )


def save_collected(store: Store, collected: Collected) -> SourceResult:
    """Store one source's items, then its validators; its SourceResult."""
    name, exc = collected.source, collected.exception
    skipped = collected.skipped
    if exc is not None:
        return SourceResult(
            name, "failed", error=failure_message(exc), exception=exc, skipped=skipped
        )
    counts = store.save_items(one_per_page(collected.items))
    for url, validators in collected.seen.items():
        store.record_fetch(name, url, "ok", validators)
    if collected.fetched == 0 and collected.not_modified:
        return SourceResult(name, "not_modified", unchanged=collected.not_modified)
    return SourceResult(
        name,
        "ok",
        new=counts.new,
        updated=counts.updated,
        unchanged=counts.unchanged,
        skipped=skipped,
    )


def failure_message(exc: BaseException) -> str:
    """The one line a table shows: the site's failure as it is, a bug with its type."""
    if isinstance(exc, EXPECTED_FAILURES):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _log_result(result: SourceResult) -> None:
    exc = result.exception
    if exc is not None and not isinstance(exc, EXPECTED_FAILURES):
        # A bug (in Gazette or a plug-in), not the site: its traceback is the report.
        log.error("%s failed: %s", result.source, result.error, exc_info=exc)
    elif result.status == "failed":
        log.warning("%s failed: %s", result.source, result.error)
    else:
        log.info(
            "%s: %s, %d new, %d updated, %d unchanged, %d skipped",
            result.source,
            result.status,
            result.new,
            result.updated,
            result.unchanged,
            result.skipped,
        )


@contextmanager
def _parser_pool(feeds: int) -> Iterator[Executor | None]:
    workers = min(_usable_cores(), MAX_WORKERS)
    if feeds < POOL_MIN_FEEDS or workers < 2:
        yield None
        return
    # spawn, not fork: the caller may run threads (a replay server, a progress bar).
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# How much lower the parser workers' scheduling priority is than this process's.
WORKER_NICENESS = 5


def _start_worker(parent: int) -> None:
    """Run in each parser worker as it starts."""
    _die_with_parent(parent)
    _yield_to_the_loop()


# linux/prctl.h: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """End this worker when the run that started it ends, however it ends.

    A worker waits on a queue whose writing end it holds itself, so a parent
    killed with SIGKILL (the OOM killer, a cron timeout) would leave it waiting
    forever, and the multiprocessing resource tracker with it. On Linux the
    kernel sends the signal (it fires when the thread that started the worker
    ends: the one that ran fetch_all, which outlives the pool); elsewhere a
    thread looks for a new parent process every second.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before the call above
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _yield_to_the_loop() -> None:
    """Run in each parser worker as it starts: give the event loop's process first call.

    The workers use every core, and the loop (HTTP, handing out pages, saving
    items) competes with them for one: with equal priority it gets a share, so
    pages reach the workers late and they sit idle. At a lower priority the
    workers take only the CPU time the loop leaves over, never less.
    """
    # No nice() on Windows; a refusal costs only speed.
    with suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)


def _usable_cores() -> int:
    """The cores this process may run on: fewer than ``os.cpu_count()`` under a
    CPU affinity mask (taskset, a container's cpuset), where more workers than
    cores would only take turns and each cost a process's memory."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # no affinity masks on macOS or Windows
        return os.cpu_count() or 1


def one_per_page(items: Sequence[Item]) -> list[Item]:
    """Drop items of one source that point at the same page under another id.

    A feed that changed its entry ids, or a listing that shows a post twice,
    would otherwise store the page twice. Of each group the earliest published
    item stays (the tie goes to the smaller id), so every re-fetch keeps the
    same one. Entries that only carry their feed's home page as a link
    (``has_link`` false) are different posts, not duplicates.
    """
    best: dict[str, Item] = {}
    for item in items:
        if not item.has_link:
            continue
        key = canonical_url(item.url)
        kept = best.get(key)
        if kept is None or (item.published_at, item.external_id) < (
            kept.published_at,
            kept.external_id,
        ):
            best[key] = item
    keep = {id(item) for item in best.values()}
    return [i for i in items if not i.has_link or id(i) in keep]
