"""Run every source concurrently, store what each returns, report per source.

One failing source never sinks the run (reader's ``update_feeds_iter`` model):
each source yields a SourceResult, and the caller decides the exit code.
Validators (ETag / Last-Modified) are recorded only after that source's items
are saved, so a crash between the two re-fetches rather than loses data.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from gazette.config import Settings
from gazette.http import FetchFailed, HttpFetcher, Page, Validators, build_client
from gazette.models import Item, SourceResult
from gazette.sources import build_sources
from gazette.sources.base import ParseError, Source, parser_pool
from gazette.sources.feeds import FeedSource
from gazette.store import FetchState, Store
from gazette.urls import canonical_url

log = logging.getLogger(__name__)
POOL_MIN_FEEDS = 8  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 4


@dataclass
class _Conditional:
    """The Fetch callable handed to one source: conditional GETs, validators kept aside."""

    fetcher: HttpFetcher
    store: Store
    source: str
    seen: dict[str, Validators] = field(default_factory=dict)
    not_modified: int = 0
    fetched: int = 0

    async def __call__(
        self, url: str, conditional: bool = True, headers: Mapping[str, str] | None = None
    ) -> Page:
        state = self.store.fetch_state(self.source, url) if conditional else FetchState()
        page = await self.fetcher.get(url, Validators(state.etag, state.last_modified), headers)
        if page.not_modified:
            self.not_modified += 1
        else:
            self.fetched += 1
            self.seen[url] = page.validators
        return page


def fetch_all(
    settings: Settings,
    store: Store,
    since: datetime,
    only: tuple[str, ...] = (),
    transport: httpx.AsyncBaseTransport | None = None,
    on_done: Callable[[SourceResult], None] | None = None,
    on_start: Callable[[Sequence[str]], None] | None = None,
) -> list[SourceResult]:
    """Fetch the enabled sources (or those named in ``only``) and store their items.

    ``on_start`` gets the names of the sources about to run, ``on_done`` each
    result as it comes (a progress display); the results come back in config order.
    """
    sources = build_sources(settings, only)
    if on_start:
        on_start([s.config.name for s in sources])
    feeds = sum(1 for s in sources if s.kind == FeedSource.kind)
    with _parser_pool(feeds) as pool, parser_pool(pool), store.fewer_fsyncs():
        return asyncio.run(_fetch_all(settings, store, sources, since, transport, on_done))


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


async def _fetch_all(
    settings: Settings,
    store: Store,
    sources: list[Source],
    since: datetime,
    transport: httpx.AsyncBaseTransport | None,
    on_done: Callable[[SourceResult], None] | None,
) -> list[SourceResult]:
    # A running source may hold a fetched body that waits for the parser; with
    # hundreds of feeds the network outruns parsing, so only this many run at
    # once, which bounds memory without starving the connections.
    running = asyncio.Semaphore(max(2 * settings.fetch.concurrency, 4))
    deadline = settings.fetch.run_deadline
    run_ends = asyncio.get_running_loop().time() + deadline
    async with build_client(settings.fetch, transport) as client:
        fetcher = HttpFetcher(client, settings.fetch)

        async def run(source: Source) -> SourceResult:
            log.debug("%s: fetching", source.config.name)
            try:
                async with asyncio.timeout_at(run_ends), running:
                    result = await _fetch_one(source, fetcher, store, since)
            except TimeoutError:
                result = SourceResult(
                    source.config.name,
                    "failed",
                    error=f"not done within the {deadline:g} s run deadline ([fetch] run_deadline)",
                )
            if result.status == "failed":
                log.warning("%s failed: %s", result.source, result.error)
            else:
                log.info(
                    "%s: %s, %d new, %d updated, %d unchanged",
                    result.source,
                    result.status,
                    result.new,
                    result.updated,
                    result.unchanged,
                )
            if on_done:
                on_done(result)
            return result

        return list(await asyncio.gather(*(run(s) for s in sources)))


async def _fetch_one(
    source: Source, fetcher: HttpFetcher, store: Store, since: datetime
) -> SourceResult:
    name = source.config.name
    fetch = _Conditional(fetcher, store, name)
    try:
        items = await source.collect(fetch, since)
    except (FetchFailed, ParseError) as exc:
        return SourceResult(name, "failed", error=str(exc))
    except Exception as exc:  # a plug-in's bug must not sink the other sources
        return SourceResult(name, "failed", error=f"{type(exc).__name__}: {exc}")
    counts = store.save_items(one_per_page(items))
    for url, validators in fetch.seen.items():
        store.record_fetch(name, url, "ok", FetchState(validators.etag, validators.last_modified))
    if fetch.fetched == 0 and fetch.not_modified:
        return SourceResult(name, "not_modified", unchanged=fetch.not_modified)
    return SourceResult(
        name, "ok", new=counts.new, updated=counts.updated, unchanged=counts.unchanged
    )


def one_per_page(items: Sequence[Item]) -> list[Item]:
    """Drop items of one source that point at the same page under another id.

    A feed that changed its entry ids, or a listing that shows a post twice,
    would otherwise store the page twice. Of each group the earliest published
    item stays (the tie goes to the smaller id), so every re-fetch keeps the
    same one. Entries that only carry their feed's home page as a link
    (``raw["has_link"]`` false) are different posts, not duplicates.
    """
    best: dict[str, Item] = {}
    for item in items:
        if item.raw.get("has_link") is False:
            continue
        key = canonical_url(item.url)
        kept = best.get(key)
        if kept is None or (item.published_at, item.external_id) < (
            kept.published_at,
            kept.external_id,
        ):
            best[key] = item
    keep = {id(item) for item in best.values()}
    return [i for i in items if i.raw.get("has_link") is False or id(i) in keep]
