"""Who may talk to the studio: the rules every request passes before the app.

- Host and Origin must name the address the studio listens on, so a web page
  whose DNS name is rebound to 127.0.0.1 gets nothing (DNS rebinding).
- Every request that changes something (any method but GET and HEAD) carries
  the per-run token the page was served with (``X-Studio-Token``), so another
  site cannot post a form to it (CSRF).
- With a password (required to listen beyond loopback), every request needs it
  as HTTP Basic credentials.
- Every answer forbids scripts from anywhere but the studio itself, and the
  previews run no script at all: scraped text that slipped through would stay
  inert.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import secrets
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_HEADER = "x-studio-token"
SAFE_METHODS = frozenset({"GET", "HEAD"})
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data: https: http:; frame-src 'self'; frame-ancestors 'self';"
    " form-action 'self'; base-uri 'none'; object-src 'none'"
)
# The previews are the email and the web page: styles and images, no script.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https: http:;"
    " font-src data: https:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host headers that name this server (lower case, with the port)."""
    shown = f"[{host}]" if ":" in host else host
    names = {f"{shown}:{port}".lower()}
    if is_loopback(host):
        names.add(f"localhost:{port}")
    return frozenset(names)


@dataclass(frozen=True)
class Rules:
    hosts: frozenset[str]  # empty: any Host (a wildcard address, password required)
    port: int
    token: str
    password: str | None = None


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Guard:
    """ASGI middleware applying ``Rules`` to every HTTP request."""

    def __init__(self, app: ASGIApp, rules: Rules) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is not None:
            status, reason, extra = refusal
            response = PlainTextResponse(reason, status_code=status, headers=extra)
            await response(scope, receive, send)
            return
        policy = PREVIEW_POLICY if scope["path"].startswith("/preview/") else PAGE_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", policy.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: Scope) -> tuple[int, str, dict[str, str]] | None:
        """Why the request is refused (status, reason, headers), or None."""
        headers = Headers(scope=scope)
        rules = self.rules
        host = headers.get("host", "").lower()
        if not self._host_ok(host):
            return 403, "refused: this server does not answer to that Host name", {}
        origin = headers.get("origin")
        if origin is not None and not self._host_ok(_origin_host(origin)):
            return 403, "refused: a request from another site", {}
        if rules.password is not None and not _authorized(headers, rules.password):
            challenge = {"WWW-Authenticate": 'Basic realm="Gazette studio", charset="UTF-8"'}
            return 401, "the studio needs its password", challenge
        if scope["method"] not in SAFE_METHODS:
            sent = headers.get(TOKEN_HEADER, "")
            if not secrets.compare_digest(sent.encode(), rules.token.encode()):
                return 403, "refused: missing or wrong studio token (reload the page)", {}
        return None

    def _host_ok(self, host: str) -> bool:
        if self.rules.hosts:
            return host in self.rules.hosts
        return host.rpartition(":")[2] == str(self.rules.port)


def _origin_host(origin: str) -> str:
    scheme, _, rest = origin.lower().partition("://")
    return rest if scheme == "http" and "/" not in rest else ""


def _authorized(headers: Headers, password: str) -> bool:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given = decoded.partition(":")[2]
    return secrets.compare_digest(given.encode(), password.encode())
