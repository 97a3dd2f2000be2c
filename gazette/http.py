"""The async fetch engine: polite, bounded, conditional, and never fatal for the run.

One ``HttpFetcher`` wraps one ``httpx.AsyncClient`` (passed in, so tests and the
replay server can supply their own transport). It applies a global and a
per-host concurrency limit, retries connection errors, 5xx and 429 with
exponential backoff and jitter (honouring Retry-After up to a cap), sends the
stored ETag / Last-Modified so unchanged documents come back as 304 and are not
parsed again, and stops reading a body past ``max_bytes``.

Nothing a server does can hold a run or its memory without bound: every URL
has a total deadline (``request_deadline``, attempts and waits included; the
read timeout alone restarts on every byte), bodies are decompressed here a
bounded piece at a time so the cap counts the bytes as they are produced (a
1 KB ``gzip, gzip`` body can inflate to gigabytes), and redirects are followed
here, only to http(s) URLs.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import zlib
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
MAX_REDIRECTS = 5
# The encodings body_decoder knows; asking for no others keeps servers from
# sending a body that could only be passed on undecoded.
ACCEPT_ENCODING = "gzip, deflate"
_FOLLOWED_SCHEMES = frozenset({"http", "https"})
_REDIRECT_BODY_KEPT = 65_536  # read to keep the connection; a longer one is dropped


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
        headers={
            "User-Agent": settings.user_agent or f"gazette/{__version__}",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
        follow_redirects=True,  # HttpFetcher follows its own; this is for HEAD checks
        max_redirects=MAX_REDIRECTS,
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
        self.request_deadline = settings.request_deadline
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
        """GET ``url``; raises :class:`FetchFailed` once retries are exhausted
        or the request deadline has passed."""
        request_headers = dict(headers or {})
        if validators and validators.etag:
            request_headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            request_headers["If-Modified-Since"] = validators.last_modified
        if not any(name.lower() == "accept-encoding" for name in request_headers):
            request_headers["Accept-Encoding"] = ACCEPT_ENCODING
        loop = asyncio.get_running_loop()
        # The clock starts when the first attempt gets its connection slots: time
        # spent queued behind other requests to a busy host is not this URL's.
        deadline: float | None = None
        last_reason = "no attempt made"
        last_status: int | None = None
        for attempt in range(self.retry.attempts):
            try:
                # Host first: a request queued behind a busy host must not sit on
                # one of the global slots that requests to idle hosts could use.
                async with self._host_limit(url), self._global:
                    if deadline is None:
                        deadline = loop.time() + self.request_deadline
                    async with asyncio.timeout_at(deadline):
                        page = await self._get_once(url, request_headers)
            except TimeoutError:
                raise FetchFailed(
                    f"no complete answer within the {self.request_deadline:g} s"
                    f" request deadline from {url}"
                ) from None
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
                if deadline is not None and loop.time() + delay >= deadline:
                    raise FetchFailed(
                        f"{last_reason} from {url} after {attempt + 1} attempts"
                        f" (no time left for another within the {self.request_deadline:g} s"
                        " request deadline)",
                        last_status,
                    )
                await asyncio.sleep(delay)
        raise FetchFailed(
            f"{last_reason} from {url} after {self.retry.attempts} attempts", last_status
        )

    async def _get_once(self, url: str, headers: Mapping[str, str]) -> Page:
        """One attempt: the request and the redirects it leads to, followed
        here rather than by httpx, so that each target is checked before it is
        asked for and no redirect's body is read whole."""
        target = httpx.URL(url)
        for _ in range(MAX_REDIRECTS + 1):
            request = self.client.build_request("GET", target, headers=headers)
            response = await self.client.send(request, stream=True, follow_redirects=False)
            try:
                if not response.has_redirect_location:
                    return await self._read_page(response, url)
                location = response.headers["location"]
                await _drain(response)
            finally:
                await response.aclose()
            following = _redirect_target(target, location)
            headers = _redirect_headers(headers, target, following)
            target = following
        raise FetchFailed(f"too many redirects from {url}")

    async def _read_page(self, response: httpx.Response, url: str) -> Page:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchFailed(
                f"body of {declared} bytes is over the {self.max_bytes}-byte cap ({url})"
            )
        decoder = body_decoder(
            response.headers.get_list("content-encoding", split_commas=True), url
        )
        chunks: list[bytes] = []
        size = 0
        received = 0  # bytes as sent, to compare with Content-Length
        try:
            async for raw in response.aiter_raw():
                received += len(raw)
                decoder.push(raw)
                # Never more than one byte past the cap is decompressed.
                while piece := decoder.pull(self.max_bytes + 1 - size):
                    size += len(piece)
                    if size > self.max_bytes:
                        raise FetchFailed(f"body is over the {self.max_bytes}-byte cap ({url})")
                    chunks.append(piece)
        except zlib.error:
            raise FetchFailed(f"body is not valid {decoder.name} data ({url})") from None
        body = b"".join(chunks)
        # A server that closes early without chunked encoding can slip past httpx.
        cut_off = declared and declared.isdigit() and received < int(declared)
        if cut_off and response.status_code != 304:
            raise _Truncated(f"body cut off at {received} of {declared} bytes")
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


async def _drain(response: httpx.Response) -> None:
    """Read a redirect's (usually empty) body so its connection can be reused;
    a long one is not worth it: closing the connection drops the rest."""
    read = 0
    async for raw in response.aiter_raw():
        read += len(raw)
        if read > _REDIRECT_BODY_KEPT:
            return


def _redirect_target(current: httpx.URL, location: str) -> httpx.URL:
    """Where a redirect leads; only http(s) URLs are followed, and anything else
    is a permanent failure that names the target (a retry would get the same)."""
    try:
        target = current.join(location)
    except httpx.InvalidURL:
        raise FetchFailed(f"redirect to an invalid URL {location!r} (from {current})") from None
    if target.scheme not in _FOLLOWED_SCHEMES or not target.host:
        # As sent: httpx would show file:///etc/passwd as file:/etc/passwd.
        shown = location[:200] if target.scheme not in _FOLLOWED_SCHEMES else str(target)
        raise FetchFailed(f"redirect to {shown} not followed: only http(s) URLs are")
    return target


def _redirect_headers(
    headers: Mapping[str, str], current: httpx.URL, target: httpx.URL
) -> Mapping[str, str]:
    """As httpx does: credentials go only to the origin they were meant for
    (an http to https upgrade of the same host included)."""
    same_host = current.host == target.host
    same_origin = same_host and (current.scheme, current.port) == (target.scheme, target.port)
    upgrade = same_host and current.scheme == "http" and target.scheme == "https"
    if same_origin or upgrade:
        return headers
    return {name: value for name, value in headers.items() if name.lower() != "authorization"}


class BodyDecoder:
    """Undoes one Content-Encoding a bounded piece at a time: ``push`` what came
    off the wire, then ``pull(room)`` until it gives ``b""``; no call returns
    more than ``room`` bytes, however far the data would inflate."""

    name = "identity"

    def __init__(self) -> None:
        self._pending = b""

    def push(self, data: bytes) -> None:
        self._pending += data

    def pull(self, room: int) -> bytes:
        if len(self._pending) <= room:  # the usual case: the whole chunk, not copied
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:room], self._pending[room:]
        return out


class _Inflater(BodyDecoder):
    """gzip, or deflate (zlib-wrapped as the RFC says, or raw as some servers
    send it: tried in that order on the first bytes, as httpx does)."""

    def __init__(self, name: str, formats: tuple[int, ...]) -> None:
        super().__init__()
        self.name = name
        self._formats = formats
        self._inflate = zlib.decompressobj(formats[0])
        self._started = False  # once output came, the format is settled

    def pull(self, room: int) -> bytes:
        if not self._pending and self._inflate.eof:
            return b""
        try:
            out = self._inflate.decompress(self._pending, room)
        except zlib.error:
            if self._started or len(self._formats) < 2:
                raise
            self._formats = self._formats[1:]
            self._inflate = zlib.decompressobj(self._formats[0])
            out = self._inflate.decompress(self._pending, room)
        self._started = self._started or bool(out)
        self._pending = self._inflate.unconsumed_tail
        return out


def body_decoder(encodings: list[str], url: str) -> BodyDecoder:
    """The decoder for a response's Content-Encoding values. More than one
    (``gzip, gzip``) is refused: no real site sends that, and each layer
    would multiply what a few bytes on the wire can become. An encoding not
    asked for passes through undecoded, as httpx leaves it."""
    layers = [e.strip().lower() for e in encodings if e.strip().lower() not in ("", "identity")]
    if len(layers) > 1:
        raise FetchFailed(f"stacked Content-Encoding {', '.join(layers)!r} refused ({url})")
    if layers and layers[0] in ("gzip", "x-gzip"):
        return _Inflater("gzip", (zlib.MAX_WBITS | 16,))
    if layers and layers[0] == "deflate":
        return _Inflater("deflate", (zlib.MAX_WBITS, -zlib.MAX_WBITS))
    return BodyDecoder()


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
