"""``gazette check --links``: does every link in the draft still answer?

Politely, through the fetch engine's client and limits: the configured
User-Agent and timeouts, at most ``[fetch] per_host`` requests to one host at a
time, one request per distinct URL. A cheap HEAD first; servers that refuse or
mishandle HEAD (405, 501, any other error) get a GET through ``HttpFetcher``,
which retries 5xx/429 with backoff (once, here) and caps the body it reads.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal
from urllib.parse import urlsplit

import httpx

from gazette.config import Settings
from gazette.draft.findings import Finding, LinkRef
from gazette.http import FetchFailed, HttpFetcher, build_client
from gazette.urls import safe_url

# Answers that mean "not for robots" rather than "gone": worth a look, not a block.
_REFUSALS = frozenset({401, 403, 429})
_STATUS = re.compile(r"^HTTP (\d{3}) ")
Problem = tuple[Literal["error", "warning"], str]
LINK_RETRIES = 1
LINK_MAX_BYTES = 2_000_000


def check_links(
    refs: Sequence[LinkRef],
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Finding]:
    """One finding per broken link (at each line it appears on)."""
    lines: dict[str, list[int]] = {}
    for ref in refs:
        if safe_url(ref.url):
            lines.setdefault(ref.url, []).append(ref.line)
    if not lines:
        return []
    problems = asyncio.run(_check_all(list(lines), settings, transport))
    findings = []
    for url, (level, reason) in problems.items():
        for line in lines[url]:
            findings.append(Finding(level, f"broken link ({reason}): {url}", line))
    return findings


async def _check_all(
    urls: list[str], settings: Settings, transport: httpx.AsyncBaseTransport | None
) -> dict[str, Problem]:
    fetch = replace(
        settings.fetch,
        retries=min(settings.fetch.retries, LINK_RETRIES),
        max_bytes=min(settings.fetch.max_bytes, LINK_MAX_BYTES),
    )
    hosts: dict[str, asyncio.Semaphore] = {}
    async with build_client(fetch, transport) as client:
        fetcher = HttpFetcher(client, fetch)

        async def one(url: str) -> tuple[str, Problem | None]:
            host = urlsplit(url).netloc.lower()
            limit = hosts.setdefault(host, asyncio.Semaphore(fetch.per_host))
            async with limit:
                return url, await _check_one(client, fetcher, url)

        results = await asyncio.gather(*(one(u) for u in urls))
    return {url: problem for url, problem in results if problem is not None}


async def _check_one(client: httpx.AsyncClient, fetcher: HttpFetcher, url: str) -> Problem | None:
    try:
        response = await client.head(url)
        if response.status_code < 400:
            return None
    except httpx.HTTPError:
        pass  # some servers drop HEAD; the GET below tells
    try:
        await fetcher.get(url)
    except FetchFailed as exc:
        reason = str(exc)
        status = getattr(exc, "status", None)  # FetchFailed carries it in newer engines
        if not isinstance(status, int):
            match = _STATUS.match(reason)
            status = int(match.group(1)) if match else None
        short = f"HTTP {status}" if status else reason.replace(f" from {url}", "")
        return ("warning" if status in _REFUSALS else "error"), short
    return None
