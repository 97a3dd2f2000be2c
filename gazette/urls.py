"""URL hygiene: only http(s) links survive, and one story has one canonical URL."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that identify a click, not a page.
_TRACKING = re.compile(r"^(utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|igshid|si)$", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
# Link schemes an editor (or an imported archive, which an editor wrote) may use
# besides http(s): they open a mail or chat client, never run anything.
INERT_SCHEMES = ("mailto", "irc", "ircs", "xmpp")


def safe_url(
    url: str | None,
    base: str | None = None,
    *,
    decoded: bool = False,
    inert_schemes: tuple[str, ...] = (),
) -> str:
    """Return ``url`` resolved against ``base`` if it is http(s), else "".

    Control characters are dropped first, so ``java\\tscript:`` is seen for
    what it is. The URL is never entity-decoded: it reaches here decoded once
    already (by the HTML or feed parser at the source), and decoding it again
    would turn ``?a=1&region=eu&copy=2`` into ``?a=1®ion=eu©=2``. Only to judge
    it, an encoded scheme is looked through, unless ``decoded=True`` says an HTML
    parser has decoded the value already (an attribute value nh3 hands over):
    ``&#106;avascript:`` is refused rather than resolved as a page of the site.
    ``inert_schemes`` (from ``INERT_SCHEMES``) are kept too, for trusted
    authors' links.
    """
    if not url:
        return ""
    candidate = _CONTROL.sub("", url.strip())
    if "&" in candidate and not decoded and _looks_like_other_scheme(candidate):
        return ""
    if base and not candidate[:8].lower().startswith(("http://", "https://")):
        candidate = urljoin(base, candidate)  # absolute links need no join (the common case)
    parts = urlsplit(candidate)
    scheme = parts.scheme.lower()
    if scheme in inert_schemes and scheme in INERT_SCHEMES:
        return candidate
    if scheme not in ("http", "https") or not parts.netloc:
        return ""
    return candidate


def _looks_like_other_scheme(url: str) -> bool:
    decoded = _CONTROL.sub("", html.unescape(url))
    scheme = urlsplit(decoded).scheme.lower()
    return bool(scheme) and scheme not in ("http", "https")


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
    source gave. (Called twice per stored item, hence the hand-split netloc:
    urlsplit's hostname and port properties each parse it again.)
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    netloc = parts.netloc.rpartition("@")[2].lower()
    if netloc.startswith("["):  # an IPv6 literal keeps its brackets
        host, _, port = netloc.partition("]")
        host, port = host + "]", port.removeprefix(":")
    else:
        host, _, port = netloc.partition(":")
        host = host.rstrip(".").removeprefix("www.")
    if not host or host == "]":
        return url
    if port and port not in ("80", "443"):
        if not port.isdigit() or int(port) > 65535:
            return url  # a junk port: compare the URL as it is
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = ""
    if parts.query:
        kept = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
        query = urlencode(sorted(kept))
    return urlunsplit(("https", host, path, query, ""))
