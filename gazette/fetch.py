"""Run every source concurrently, store what each returns, report per source.

One failing source never sinks the run (reader's ``update_feeds_iter`` model):
each source yields a SourceResult, and the caller decides the exit code.
Validators (ETag / Last-Modified) are recorded only after that source's items
are saved, so a crash between the two re-fetches rather than loses data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from gazette.config import Settings
from gazette.http import FetchFailed, HttpFetcher, Page, Validators, build_client
from gazette.models import SourceResult
from gazette.sources import build_sources
from gazette.sources.base import ParseError, Source
from gazette.store import FetchState, Store


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
) -> list[SourceResult]:
    sources = build_sources(settings, only)
    return asyncio.run(_fetch_all(settings, store, sources, since, transport, on_done))


async def _fetch_all(
    settings: Settings,
    store: Store,
    sources: list[Source],
    since: datetime,
    transport: httpx.AsyncBaseTransport | None,
    on_done: Callable[[SourceResult], None] | None,
) -> list[SourceResult]:
    async with build_client(settings.fetch, transport) as client:
        fetcher = HttpFetcher(client, settings.fetch)

        async def run(source: Source) -> SourceResult:
            result = await _fetch_one(source, fetcher, store, since)
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
    counts = store.save_items(items)
    for url, validators in fetch.seen.items():
        store.record_fetch(name, url, "ok", FetchState(validators.etag, validators.last_modified))
    if fetch.fetched == 0 and fetch.not_modified:
        return SourceResult(name, "not_modified", unchanged=fetch.not_modified)
    return SourceResult(
        name, "ok", new=counts.new, updated=counts.updated, unchanged=counts.unchanged
    )
