"""URL hygiene: only http(s) links survive, and one story has one canonical URL."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that identify a click, not a page.
_TRACKING = re.compile(r"^(utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|igshid|si)$", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(url: str | None, base: str | None = None) -> str:
    """Return ``url`` resolved against ``base`` if it is http(s), else "".

    Entities are decoded and control characters dropped first, so
    ``&#106;avascript:`` and ``java\\tscript:`` are seen for what they are.
    """
    if not url:
        return ""
    candidate = _CONTROL.sub("", html.unescape(url.strip()))
    if base:
        candidate = urljoin(base, candidate)
    parts = urlsplit(candidate)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return candidate


def tracking_params(url: str) -> list[str]:
    return [
        key
        for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)
        if _TRACKING.match(key)
    ]


def canonical_url(url: str) -> str:
    """The form used to recognise the same page across sources.

    https, lower-case host without ``www.``, user info and default ports, no
    tracking parameters, no fragment, no trailing slash (except the root path),
    remaining parameters sorted. Only for comparing: links keep the URL the
    source gave.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # an IPv6 literal, which urlsplit hands back without brackets
        host = f"[{host}]"
    elif host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:  # a junk port: compare the URL as it is
        return url
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    )
    return urlunsplit(("https", host, path, urlencode(query), ""))
