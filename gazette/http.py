"""The async fetch engine: polite, bounded, conditional, and never fatal for the run.

One ``HttpFetcher`` wraps one ``httpx.AsyncClient`` (passed in, so tests and the
replay server can supply their own transport). It applies a global and a
per-host concurrency limit, retries connection errors, 5xx and 429 with
exponential backoff and jitter (honouring Retry-After up to a cap), sends the
stored ETag / Last-Modified so unchanged documents come back as 304 and are not
parsed again, and stops reading a body past ``max_bytes``.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from gazette import __version__
from gazette.clean import clean_title
from gazette.config import FetchSettings
from gazette.models import Validators as Validators  # re-exported: sources build Pages

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchFailed(Exception):
    """A URL could not be fetched after retries; the message says why in a few words.

    ``status`` is the last HTTP status when there was one, so a source can tell
    "not there" (404) or "not allowed" (401/403) from a network problem.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Page:
    """A fetched document. ``content`` is empty when ``not_modified``."""

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    validators: Validators = field(default_factory=Validators)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def encoding(self) -> str | None:
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    base_delay: float
    max_delay: float  # cap on any single wait, Retry-After included


def build_client(
    settings: FetchSettings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The client every source shares. Hex.pm rejects requests without a User-Agent.

    Without a ``transport`` (tests pass their own) each host gets its own
    connection pool (``HostPools``); HttpFetcher bounds the requests.
    """
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent or f"gazette/{__version__}"},
        timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
        follow_redirects=True,
        max_redirects=5,
        transport=transport or HostPools(settings.per_host, max_hosts=settings.concurrency),
    )


class HostPools(httpx.AsyncBaseTransport):
    """A connection pool per host (scheme, host and port), the least recently
    used ones closed once more than ``max_hosts`` are open.

    httpcore's pool looks at every one of its connections for every request
    it holds, each time a request arrives or ends: one pool for a fetch of many
    hosts costs time that grows with the square of the concurrency (about 8 %
    of a fetch of 1,000 feeds on 50 hosts at concurrency 64). A host's own pool
    holds its few connections, alive for the host's next request (reconnecting
    is what makes an all-304 run slow); closing the pools of hosts not asked
    for lately keeps a run over hundreds of hosts from holding a socket open
    for each. A pool is closed only while none of its responses is still open.
    One SSL context serves every pool (loading the CA bundle takes
    milliseconds; it honours SSL_CERT_FILE as httpx's own does).
    """

    def __init__(self, per_host: int, max_hosts: int) -> None:
        self._limits = httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host)
        self._max_hosts = max_hosts
        self._ssl = httpx.create_ssl_context()
        self._pools: OrderedDict[bytes, httpx.AsyncHTTPTransport] = OrderedDict()
        self._open: Counter[bytes] = Counter()  # responses not closed yet, per host

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        host = b"%s://%s:%d" % (url.raw_scheme, url.raw_host, url.port or 0)
        pool = self._pools.pop(host, None) or httpx.AsyncHTTPTransport(
            verify=self._ssl, limits=self._limits
        )
        self._pools[host] = pool  # the most recently used last
        self._open[host] += 1
        try:
            response = await pool.handle_async_request(request)
        except BaseException:
            self._open[host] -= 1
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)  # an async transport's
        response.stream = _ClosingStream(response.stream, lambda: self._closed(host))
        await self._close_least_recent()
        return response

    def _closed(self, host: bytes) -> None:
        self._open[host] -= 1

    async def _close_least_recent(self) -> None:
        # Chosen and taken out without awaiting anything, so that requests
        # running meanwhile always find the pools in a consistent state.
        excess = len(self._pools) - self._max_hosts
        idle = [host for host in self._pools if not self._open[host]][: max(0, excess)]
        closing = [self._pools.pop(host) for host in idle]
        for host in idle:
            del self._open[host]
        for pool in closing:
            await pool.aclose()

    async def aclose(self) -> None:
        closing = list(self._pools.values())
        self._pools.clear()
        for pool in closing:
            await pool.aclose()


class _ClosingStream(httpx.AsyncByteStream):
    """A response body that calls ``on_close`` once, when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, on_close: Callable[[], None]) -> None:
        self._stream = stream
        self._on_close: Callable[[], None] | None = on_close

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()


class HttpFetcher:
    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: FetchSettings,
    ) -> None:
        self.client = client
        self.max_bytes = settings.max_bytes
        self.per_host = settings.per_host
        self.retry = RetryPolicy(settings.retries + 1, settings.backoff, settings.max_wait)
        self._global = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.per_host)
        return self._hosts[host]

    async def get(
        self,
        url: str,
        validators: Validators | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        """GET ``url``; raises :class:`FetchFailed` once retries are exhausted."""
        request_headers = dict(headers or {})
        if validators and validators.etag:
            request_headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            request_headers["If-Modified-Since"] = validators.last_modified
        last_reason = "no attempt made"
        last_status: int | None = None
        for attempt in range(self.retry.attempts):
            try:
                # Host first: a request queued behind a busy host must not sit on
                # one of the global slots that requests to idle hosts could use.
                async with self._host_limit(url), self._global:
                    page = await self._get_once(url, request_headers)
            except httpx.TooManyRedirects:
                raise FetchFailed(f"too many redirects from {url}") from None
            except (httpx.TransportError, _Truncated) as exc:
                last_reason = _describe(exc)
                delay = self._backoff(attempt, None)
            else:
                if page.status not in RETRY_STATUSES:
                    if page.status >= 400:
                        raise FetchFailed(
                            f"HTTP {page.status} from {page.url}{_error_detail(page)}",
                            page.status,
                        )
                    return page
                last_status = page.status
                last_reason = f"HTTP {page.status}{_error_detail(page)}"
                delay = self._backoff(attempt, page.headers.get("retry-after"))
            if attempt + 1 < self.retry.attempts:
                await asyncio.sleep(delay)
        raise FetchFailed(
            f"{last_reason} from {url} after {self.retry.attempts} attempts", last_status
        )

    async def _get_once(self, url: str, headers: Mapping[str, str]) -> Page:
        async with self.client.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchFailed(
                    f"body of {declared} bytes is over the {self.max_bytes}-byte cap ({url})"
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchFailed(f"body is over the {self.max_bytes}-byte cap ({url})")
                chunks.append(chunk)
            body = b"".join(chunks)
            if declared and declared.isdigit() and response.status_code != 304:
                # A server that closes early without chunked encoding can slip past httpx.
                encoded = response.headers.get("content-encoding", "identity") != "identity"
                if not encoded and len(body) < int(declared):
                    raise _Truncated(f"body cut off at {len(body)} of {declared} bytes")
            return Page(
                url=str(response.url),
                status=response.status_code,
                content=body,
                headers={k.lower(): v for k, v in response.headers.items()},
                validators=Validators(
                    etag=response.headers.get("etag", ""),
                    last_modified=response.headers.get("last-modified", ""),
                ),
            )

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        wanted = _retry_after_seconds(retry_after)
        if wanted is None:
            wanted = self.retry.base_delay * (2**attempt) * (0.5 + random.random())
        return max(0.0, min(wanted, self.retry.max_delay))


class _Truncated(Exception):
    pass


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_DETAIL_KEYS = ("message", "reason", "error", "errors")


def _error_detail(page: Page) -> str:
    """A few words from an error body, e.g. Reddit's "zzz: private" Atom title or
    GitHub's JSON "message", so a failed source says more than its status code.
    The body is hostile like any other: the words pass through clean_title."""
    body = page.content[:4096]
    detail = ""
    if body.lstrip()[:1] in (b"{", b"["):
        try:
            data = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key in _DETAIL_KEYS:
                value = data.get(key)
                if isinstance(value, list) and value:
                    value = value[0]
                if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                    detail = str(value)
                    break
    else:
        match = _TITLE.search(body)
        if match:
            detail = match.group(1).decode("utf-8", "replace")
    detail = clean_title(detail)[:120]
    return f" ({detail})" if detail else ""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError | _Truncated):
        return "connection closed mid-response"
    if isinstance(exc, httpx.ReadError):
        return "connection reset"
    return type(exc).__name__
