"""A loopback HTTP server that answers like the real sites from recorded payloads.

Offline demo runs, the test suite and the benchmarks all need the sources to
behave like Elixir Forum, Hex.pm, GitHub or Reddit without touching the network.
Every source takes a base URL, so pointing it at ``<server.url>/<host>`` is all
it takes: a request for ``/<host>/<path>?<query>`` is answered from the file
``DIR/<host>/<path>`` (see :func:`locate` for how queries pick a file).

The server also speaks the parts of HTTP the fetch engine depends on (strong
ETags, Last-Modified, 304s) and can misbehave on purpose through :class:`Fault`
so that retries, Retry-After, cut-off bodies, resets, redirect loops (or
redirects to file:// and other schemes), bodies that trickle in a byte at a time
and stacked compression can be tested against real sockets rather than mocks.
"""

from __future__ import annotations

import contextlib
import email.utils
import fnmatch
import gzip
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit

from gazette.loopback import LoopbackHTTPServer, LoopbackServer

__all__ = [
    "Fault",
    "RecordedRequest",
    "ReplayServer",
    "content_type_for",
    "locate",
    "serve_forever",
]

# Tried in this order after the literal name: the first hit decides Content-Type.
CONTENT_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        ".json": "application/json; charset=utf-8",
        ".atom": "application/atom+xml; charset=utf-8",
        ".rss": "application/rss+xml",
        ".xml": "application/xml",
        ".html": "text/html; charset=utf-8",
        ".txt": "text/plain; charset=utf-8",
    }
)

# Discourse's own 404 body: sources must cope with the real error shape.
NOT_FOUND_BODY: Final = (
    b'{"errors":["The requested URL or resource could not be found."],"error_type":"not_found"}'
)
_JSON: Final = CONTENT_TYPES[".json"]
_POLL_INTERVAL: Final = 0.01  # stop() waits up to this long for the serving loop
# mtime=0: the same body always compresses to the same bytes.
_ENCODERS: Final[Mapping[str, Callable[[bytes], bytes]]] = MappingProxyType(
    {"gzip": lambda body: gzip.compress(body, mtime=0), "deflate": zlib.compress}
)


@dataclass(frozen=True)
class Fault:
    """One way for the server to misbehave on requests matching ``path``.

    ``path`` is an fnmatch pattern over the request target as sent (path plus
    ``?query``), so ``"/hex.pm/api/packages*"`` also covers every query.
    Faults are checked in the order they were added; the first one that matches
    and still has ``times`` left is used, which makes "500 once, then the real
    answer" simply ``Fault(path, status=500, times=1)``.

    ``redirect_to`` goes out as the Location header verbatim, any scheme
    (``file:///etc/passwd``). ``drip`` sends the body one byte every ``drip``
    seconds, which restarts a client's read timeout at every byte.
    ``encodings`` compresses the body with each of "gzip" or "deflate" in
    turn and lists them in Content-Encoding, after any encoding the body
    declares itself (a pre-compressed ``body`` with its own Content-Encoding
    header): ``encodings=("gzip", "gzip")`` is a stacked encoding.
    """

    path: str
    status: int | None = None
    delay: float = 0.0
    retry_after: str | int | None = None
    truncate_at: int | None = None
    reset: bool = False
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    redirect_to: str | None = None
    times: int | None = None
    drip: float = 0.0
    encodings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Freeze the headers too, so a Fault can be shared between tests safely.
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))
        if self.delay < 0:
            raise ValueError("Fault.delay must be >= 0")
        if self.times is not None and self.times < 0:
            raise ValueError("Fault.times must be >= 0 or None")
        if self.truncate_at is not None and self.truncate_at < 0:
            raise ValueError("Fault.truncate_at must be >= 0 or None")
        if self.drip < 0:
            raise ValueError("Fault.drip must be >= 0")
        unknown = set(self.encodings) - set(_ENCODERS)
        if unknown:
            raise ValueError(
                f"Fault.encodings: unknown {sorted(unknown)}; known: {sorted(_ENCODERS)}"
            )


@dataclass(frozen=True)
class RecordedRequest:
    """What a client sent, kept so tests can assert on etiquette (User-Agent,
    conditional headers, how many retries) rather than only on outcomes.

    ``path`` and ``query`` are as sent (still percent-encoded); header names
    are lower-cased; ``time`` is ``time.time()`` when the request arrived.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    time: float

    @property
    def target(self) -> str:
        """The path plus ``?query``: the string faults are matched against."""
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes


# --- mapping requests to files ---------------------------------------------


def locate(root: Path, path: str, query: str = "") -> Path | None:
    """Return the recorded file answering ``path?query``, or None.

    With a query, the exact name ``<path>@<params sorted by key>`` wins, then
    the stored ``<path>@<q>`` with the most params that are all in the request,
    then the bare ``<path>``; each may carry one extra known extension. None
    also means "refused": a path that could leave ``root`` is never served.
    """
    base = _base_path(root, path)
    if base is None:
        return None
    params = parse_qsl(query, keep_blank_values=True)
    for name in _candidate_names(base.parent, base.name, params):
        found = _existing_file(base.parent, name)
        if found is not None:
            return found if _is_inside(root, found) else None
    return None


def _base_path(root: Path, path: str) -> Path | None:
    """Join the decoded URL path under root, refusing anything that could
    climb out (``..``) or names a directory rather than a file."""
    decoded = unquote(path)
    parts = decoded.split("/")
    if "\0" in decoded or parts[0] != "" or len(parts) < 3:
        return None
    if any(part in ("", ".", "..") for part in parts[1:]):
        return None
    return root.joinpath(*parts[1:])


def _is_inside(root: Path, found: Path) -> bool:
    """Symlinks are the one way left out of root once ``..`` is refused."""
    return found.resolve().is_relative_to(root.resolve())


def _query_name(params: list[tuple[str, str]]) -> str:
    """The on-disk spelling of a query: sorted by key, values decoded."""
    return "&".join(f"{key}={value}" for key, value in sorted(params, key=lambda kv: kv[0]))


def _candidate_names(directory: Path, name: str, params: list[tuple[str, str]]) -> Iterator[str]:
    """File names to try, best first."""
    if params:
        exact = _query_name(params)
        if "/" not in exact:  # a slash would name another directory, not a file
            yield f"{name}@{exact}"
        yield from _subset_names(directory, name, set(params))
    yield name


def _subset_names(directory: Path, name: str, wanted: set[tuple[str, str]]) -> list[str]:
    """Stored ``name@q`` files whose params all appear in the request,
    most params first so the most specific recording answers."""
    prefix = f"{name}@"
    try:
        entries = [entry.name for entry in directory.iterdir()]
    except OSError:
        return []
    scored: dict[str, int] = {}
    for entry in entries:
        if not entry.startswith(prefix):
            continue
        stored = _strip_extension(entry)
        pairs = _parse_stored_query(stored[len(prefix) :])
        if pairs and pairs <= wanted:
            scored[stored] = len(pairs)
    return sorted(scored, key=lambda stored: (-scored[stored], stored))


def _strip_extension(entry: str) -> str:
    for extension in CONTENT_TYPES:
        if entry.endswith(extension):
            return entry[: -len(extension)]
    return entry


def _parse_stored_query(stored: str) -> set[tuple[str, str]]:
    """Stored names hold decoded values, so split them without unquoting."""
    return {
        (key, value)
        for key, _, value in (part.partition("=") for part in stored.split("&") if part)
    }


def _existing_file(directory: Path, name: str) -> Path | None:
    """The literal name first, then the name with each known extension."""
    for candidate in (name, *(name + extension for extension in CONTENT_TYPES)):
        path = directory / candidate
        try:
            if path.is_file():
                return path
        except OSError:  # e.g. a name too long for the file system
            continue
    return None


def content_type_for(path: Path | None, body: bytes) -> str:
    """The extension decides when it is known, otherwise the first bytes do,
    since recordings are often saved under the URL's own extension-less name."""
    if path is not None and path.suffix in CONTENT_TYPES:
        return CONTENT_TYPES[path.suffix]
    return _sniff(body)


def _sniff(body: bytes) -> str:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return _JSON
    if head.startswith((b"<?xml", b"<feed", b"<rss")):
        if b"<feed" in head:
            return CONTENT_TYPES[".atom"]
        if b"<rss" in head:
            return CONTENT_TYPES[".rss"]
        return CONTENT_TYPES[".xml"]
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return CONTENT_TYPES[".html"]
    return "application/octet-stream"


# --- building responses ----------------------------------------------------


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _file_response(root: Path, path: str, query: str) -> _Response:
    """The answer the real site would give: the recording, or its 404."""
    found = locate(root, path, query)
    if found is None:
        return _error_response(HTTPStatus.NOT_FOUND)
    try:
        body = found.read_bytes()
        mtime = found.stat().st_mtime
    except OSError:  # removed between locate() and here
        return _error_response(HTTPStatus.NOT_FOUND)
    headers = {
        "Content-Type": content_type_for(found, body),
        "ETag": _etag(body),
        "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
    }
    return _Response(HTTPStatus.OK, headers, body)


def _error_response(status: int) -> _Response:
    if status == HTTPStatus.NOT_FOUND:
        body = NOT_FOUND_BODY
    else:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:  # a made-up status such as 599
            phrase = "Error"
        error_type = phrase.lower().replace(" ", "_")
        body = json.dumps(
            {"errors": [f"{phrase}."], "error_type": error_type}, separators=(",", ":")
        ).encode()
    return _Response(status, {"Content-Type": _JSON}, body)


def _apply_fault(response: _Response, fault: Fault) -> _Response:
    """Bend the normal answer the way the fault asks; unset fields keep it."""
    if fault.redirect_to is not None:
        response = _Response(fault.status or HTTPStatus.FOUND, {"Location": fault.redirect_to}, b"")
    elif fault.status is not None and fault.status != response.status:
        response = (
            _error_response(fault.status)
            if fault.status >= 400
            else _Response(fault.status, {}, b"")
        )
    if fault.body is not None:
        response.body = fault.body
        response.headers["Content-Type"] = content_type_for(None, fault.body)
    if response.status == HTTPStatus.OK:  # every 200 is cacheable, overridden or not
        response.headers["ETag"] = _etag(response.body)
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    response.headers.update(fault.headers)
    if fault.encodings:
        _encode(response, fault.encodings)
    return response


def _encode(response: _Response, layers: tuple[str, ...]) -> None:
    """Compress the body layer by layer; Content-Encoding lists every layer in
    the order applied, after the one the body already declared, if any."""
    declared = [
        response.headers.pop(name)
        for name in list(response.headers)
        if name.lower() == "content-encoding"
    ]
    for layer in layers:
        response.body = _ENCODERS[layer](response.body)
    response.headers["Content-Encoding"] = ", ".join([*declared, *layers])


def _not_modified(request_headers: Mapping[str, str], response: _Response) -> bool:
    """RFC 9110 §13.1: If-None-Match decides when present, else If-Modified-Since."""
    if response.status != HTTPStatus.OK:
        return False
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        etag = response.headers.get("ETag")
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag is not None and ("*" in tags or etag in tags)
    return _not_modified_since(
        request_headers.get("if-modified-since"), response.headers.get("Last-Modified")
    )


def _not_modified_since(if_modified_since: str | None, last_modified: str | None) -> bool:
    if if_modified_since is None or last_modified is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since)
        modified = email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):  # a malformed date is ignored, as servers do
        return False
    if since.tzinfo is None:  # naive comparisons would raise; HTTP dates are GMT
        return False
    return modified <= since


def _to_not_modified(response: _Response) -> _Response:
    kept: dict[str, str] = {
        name: response.headers[name]
        for name in ("ETag", "Last-Modified")
        if name in response.headers
    }
    return _Response(HTTPStatus.NOT_MODIFIED, kept, b"")


# --- thread-safe state shared by the handler threads -----------------------


@dataclass
class _Slot:
    fault: Fault
    remaining: int | None  # None: forever


class _FaultBook:
    """Ordered faults with their remaining uses, consumed atomically so that
    concurrent requests never both take the last use of a ``times=1`` fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: list[_Slot] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._slots.append(_Slot(fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()

    def take(self, target: str) -> Fault | None:
        """The first matching fault with uses left, using one of them up."""
        with self._lock:
            for slot in self._slots:
                if slot.remaining == 0 or not fnmatch.fnmatchcase(target, slot.fault.path):
                    continue
                if slot.remaining is not None:
                    slot.remaining -= 1
                return slot.fault
        return None


class _RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, request: RecordedRequest) -> None:
        with self._lock:
            self._items.append(request)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class _State:
    root: Path
    latency: float
    verbose: bool
    faults: _FaultBook = field(default_factory=_FaultBook)
    log: _RequestLog = field(default_factory=_RequestLog)


class _HTTPServer(LoopbackHTTPServer):
    """Tuned for benchmarks: hundreds of clients at once, and stop() never
    waits for a handler stuck in a long delay fault (daemon threads)."""

    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        self.state = state
        super().__init__(address, _Handler)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        # Clients hanging up (timeouts in tests) are normal; real bugs still print.
        if self.state.verbose or not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real sites
    server_version = "gazette-replay"
    sys_version = ""
    disable_nagle_algorithm = True  # small header+body writes must not wait on ACKs
    timeout = 60  # idle keep-alive connections eventually free their thread

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _refuse(self) -> None:
        """Anything but GET/HEAD: the recordings are read-only."""
        self._record()
        if self._state.latency > 0:
            time.sleep(self._state.latency)
        response = _error_response(HTTPStatus.METHOD_NOT_ALLOWED)
        response.headers["Allow"] = "GET, HEAD"
        self._send(response, head=False)

    def do_POST(self) -> None:
        self._refuse()

    def do_PUT(self) -> None:
        self._refuse()

    def do_PATCH(self) -> None:
        self._refuse()

    def do_DELETE(self) -> None:
        self._refuse()

    def do_OPTIONS(self) -> None:
        self._refuse()

    @property
    def _state(self) -> _State:
        assert isinstance(self.server, _HTTPServer)
        return self.server.state

    def _split_target(self) -> tuple[str, str]:
        parts = urlsplit(self.path)
        return parts.path, parts.query

    def _record(self) -> RecordedRequest:
        path, query = self._split_target()
        headers = MappingProxyType({name.lower(): value for name, value in self.headers.items()})
        request = RecordedRequest(self.command, path, query, headers, time.time())
        self._state.log.append(request)
        return request

    def _serve(self, *, head: bool) -> None:
        request = self._record()
        state = self._state
        fault = state.faults.take(request.target)
        pause = state.latency + (fault.delay if fault else 0.0)
        if pause > 0:
            time.sleep(pause)
        if fault is not None and fault.reset:
            self._reset_connection()
            return
        response = _file_response(state.root, request.path, request.query)
        if fault is not None:
            response = _apply_fault(response, fault)
        if _not_modified(request.headers, response):
            response = _to_not_modified(response)
        self._send(
            response,
            head=head,
            truncate_at=fault.truncate_at if fault else None,
            drip=fault.drip if fault else 0.0,
        )

    def _send(
        self,
        response: _Response,
        *,
        head: bool,
        truncate_at: int | None = None,
        drip: float = 0.0,
    ) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != HTTPStatus.NOT_MODIFIED:
            # The full length even when truncating: that is what makes it a cut-off body.
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not head and response.status != HTTPStatus.NOT_MODIFIED:
            body = response.body if truncate_at is None else response.body[:truncate_at]
            if drip > 0:
                self._drip(body, drip)
            else:
                self.wfile.write(body)
        if truncate_at is not None:
            self.close_connection = True

    def _drip(self, body: bytes, pause: float) -> None:
        """One byte, a pause, the next: a client that hangs up ends it
        (BrokenPipeError, which the server keeps quiet about)."""
        for index in range(len(body)):
            self.wfile.write(body[index : index + 1])
            time.sleep(pause)

    def _reset_connection(self) -> None:
        """Abort with RST (linger 0) and no response at all, like a crashed
        upstream or a dropping load balancer, rather than a polite FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()
        self.rfile.close()  # the makefile holds the last reference to the fd

    def log_message(self, format: str, *args: object) -> None:
        if self._state.verbose:
            super().log_message(format, *args)


# --- public server ---------------------------------------------------------


class ReplayServer(LoopbackServer):
    """The replay server running in a background thread.

    Use as a context manager (``with ReplayServer(root) as srv: srv.url``) or
    call :meth:`start` and :meth:`stop`. ``port=0`` picks a free port; ``host``
    may be any loopback address (127.x.y.z) so a benchmark can spread hosts
    over many addresses. ``latency`` seconds are added before every response.
    The URL (``srv.url``) has no trailing slash: sources use ``f"{url}/hex.pm"``.
    """

    name = "replay server"
    poll_interval = _POLL_INTERVAL

    def __init__(
        self,
        root: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        *,
        verbose: bool = False,
    ) -> None:
        path = Path(root)
        if not path.is_dir():
            raise FileNotFoundError(f"replay directory not found: {path}")
        if latency < 0:
            raise ValueError("latency must be >= 0")
        super().__init__(host, port)
        self.root = path
        self._state = _State(root=path, latency=latency, verbose=verbose)

    def _bind(self) -> _HTTPServer:
        return _HTTPServer((self.host, self._requested_port), self._state)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        return self._state.log.snapshot()

    def clear_requests(self) -> None:
        self._state.log.clear()

    def add_fault(self, fault: Fault) -> None:
        """Append a fault; earlier faults take precedence over later ones."""
        self._state.faults.add(fault)

    def clear_faults(self) -> None:
        self._state.faults.clear()


def serve_forever(
    root: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    latency: float = 0.0,
    verbose: bool = False,
) -> None:
    """Serve ``root`` until Ctrl-C: the body of ``gazette replay DIR --port P``."""
    with ReplayServer(root, host, port, latency, verbose=verbose) as server:
        print(f"Replaying {root} on {server.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()
