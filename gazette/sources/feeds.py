"""RSS and Atom: blogs, podcasts, YouTube channels, and the feed fallbacks of
GitHub and Reddit.

feedparser's sanitizer lets entity-encoded ``javascript:`` links through when it
knows no base URL, and returns ``entry.link`` and RSS titles unsanitized. So
feedparser's sanitizer is switched off (it is also the slow part) and every
field we keep goes through nh3, every link through ``safe_url``, which decodes
entities first and then resolves the link against the feed's own URL.

feedparser itself is not told the feed's URL: with a base it runs a urljoin on
every start tag, a third of its parsing time, and nothing it resolves is kept
without passing through ``safe_url`` with that same URL anyway (relative
``xml:base`` values still work: feedparser applies them, we resolve the rest).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import feedparser

from gazette.clean import clean_html, clean_title, html_to_text, plain_title
from gazette.config import SourceConfig
from gazette.http import Page
from gazette.models import Item
from gazette.sources import feedxml
from gazette.sources.base import (
    RECORD_ERRORS,
    Fetch,
    ParseError,
    SourceTraits,
    offload,
    record_problem,
    skip_record,
)
from gazette.timeutil import parse_timestamp
from gazette.urls import safe_url

feedxml.install()  # expat with buffered text: the same parse in far fewer callbacks


@dataclass
class FeedSource(SourceTraits):
    """Any RSS/Atom feed, configured with ``url``."""

    kind: ClassVar[str] = "feed"
    link_text: ClassVar[str] = "Read the full post"
    announces: ClassVar[bool] = True
    long_form: ClassVar[bool] = True
    options: ClassVar[Mapping[str, type]] = {}
    config: SourceConfig

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        url = self.config.url or self.config.base_url
        page = await fetch(url)
        if page.not_modified:
            return []
        return await parse_feed_page(page, self.config.name, "feed")


async def parse_feed_page(page: Page, source: str, kind: str) -> list[Item]:
    """:func:`parse_feed` over a fetched page, in the run's parser pool if it has one."""
    items, skipped = await offload(
        _parse_feed, page.content, page.url, source, kind, page.headers.get("content-type", "")
    )
    # Counted here, in the run's process: a pool worker's count would be lost.
    for reason in skipped:
        skip_record(source, page.url, reason)
    return items


def parse_feed(
    content: bytes, url: str, source: str, kind: str, content_type: str = ""
) -> list[Item]:
    """Items from an RSS/Atom document fetched from ``url``.

    An entry without a title is left out; one without a date is kept, undated
    (``Item.dated``); one that cannot be converted is skipped (and counted).
    """
    items, skipped = _parse_feed(content, url, source, kind, content_type)
    for reason in skipped:
        skip_record(source, url, reason)
    return items


def _parse_feed(
    content: bytes, url: str, source: str, kind: str, content_type: str
) -> tuple[list[Item], list[str]]:
    """:func:`parse_feed`'s items and the reasons of the entries it skipped."""
    headers = {}
    content, content_type = _as_utf8(content, content_type)
    if content_type:
        headers["content-type"] = content_type
    # Relative links, in content too, are resolved by safe_url and clean_html after
    # entity decoding, so an encoded javascript: link cannot pass as a relative path.
    parsed = feedparser.parse(
        content, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    feed_type = parsed.get("version", "")
    if not feed_type and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        start = content[:60].decode("utf-8", "replace").strip()
        raise ParseError(f"not a feed at {url} ({reason}); it starts with {start!r}")
    feed_link = safe_url(parsed.feed.get("link"), url) or url
    # Atom and JSON Feed say when a title is plain text; an RSS title is
    # entity-escaped HTML by custom, whatever feedparser guesses of it.
    typed_titles = feed_type.startswith(("atom", "json"))
    items = []
    skipped = []
    for entry in parsed.entries:
        try:
            item = _entry_item(entry, url, feed_link, source, kind, typed_titles)
        except RECORD_ERRORS as exc:
            skipped.append(record_problem(exc))
            continue
        if item is not None:
            items.append(item)
    problem = parsed.get("bozo_exception")
    if not items and parsed.get("bozo") and not isinstance(problem, _HARMLESS):
        # feedparser recovers what it can from broken XML (an undefined entity,
        # a truncated document) and what it recovers is kept; when that is
        # nothing, "0 new items" would hide a feed that is broken, not quiet.
        raise ParseError(f"malformed feed at {url} ({problem})")
    return items, skipped


# Labels that disagree with the document: reported by feedparser, but the parse is fine.
_HARMLESS = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
    feedparser.UndeclaredNamespace,
)


_DECLARED_ENCODING = re.compile(rb"^(\s*<\?xml[^>]*?encoding=[\"'])[^\"']*([\"'])")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _wide_encoding(head: bytes) -> str | None:
    """UTF-32 or UTF-16 without a byte order mark, told by where the NUL bytes
    of its first (ASCII) characters fall (XML 1.0, appendix F; whatever the
    first character, "<" or whitespace). Such text is also valid UTF-8 (NUL
    bytes and ASCII), so it must be recognized before the UTF-8 check."""
    if len(head) < 4:
        return None
    nul = (head[0] == 0, head[1] == 0, head[2] == 0, head[3] == 0)
    return {
        (True, True, True, False): "utf-32-be",
        (False, True, True, True): "utf-32-le",
        (True, False, True, False): "utf-16-be",
        (False, True, False, True): "utf-16-le",
    }.get(nul)


def _as_utf8(content: bytes, content_type: str) -> tuple[bytes, str]:
    """The body and Content-Type to give feedparser, whose charset rules trust labels.

    Servers often label UTF-8 feeds as ISO-8859-1 or windows-1252 (or send
    text/xml with no charset, which RFC 3023 reads as US-ASCII), and a byte order
    mark outranks any label: so a body with a BOM (or the NUL-byte pattern of
    UTF-16/32 without one), or one that is valid UTF-8,
    goes on as UTF-8 said so. Anything else keeps its label, and feedparser falls
    back from it to the XML declaration and then to windows-1252.
    """
    wide = next((codec for bom, codec in _BOMS if content.startswith(bom)), None)
    wide = wide or _wide_encoding(content[:4])
    if wide:
        try:
            text = content.decode(wide).lstrip("\ufeff")
        except UnicodeError:
            return content, content_type
        # The declaration still names UTF-16/32, which the bytes no longer are.
        content = _DECLARED_ENCODING.sub(b"\\1utf-8\\2", text.encode("utf-8"), count=1)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return content, content_type
    return content, "application/xml; charset=utf-8"


def _entry_item(
    entry: Any, feed_url: str, feed_link: str, source: str, kind: str, typed_titles: bool
) -> Item | None:
    link = safe_url(_own_link(entry), feed_url)
    if link == feed_url:  # href="" resolved to the feed document: not the entry's page
        link = ""
    plain = typed_titles and (entry.get("title_detail") or {}).get("type") == "text/plain"
    title = (plain_title if plain else clean_title)(entry.get("title"))
    published = (
        _struct_time(entry.get("published_parsed"))
        or _struct_time(entry.get("updated_parsed"))
        or parse_timestamp(entry.get("published"))
    )
    if not title:
        return None
    content = entry.get("content") or []
    body = content[0].get("value", "") if content else entry.get("summary", "")
    html = clean_html(body, link or feed_url)
    external_id = str(entry.get("id") or link or title)
    return Item(
        source=source,
        kind=kind,
        external_id=external_id,
        url=link or feed_link,
        title=title,
        # Undated (no date, or one feedparser cannot read such as "Seg, 24 Set
        # 2018"): a placeholder the store replaces with the first-seen time.
        published_at=published or datetime.now(UTC).replace(microsecond=0),
        dated=published is not None,
        author=clean_title(entry.get("author")),
        text=html_to_text(html, cleaned=True),
        html=html,
        tags=tuple(
            clean_title(t.get("term", "")).lower() for t in entry.get("tags", []) if t.get("term")
        ),
        metrics={},
        flags=(),
        # Entries without a link of their own share the feed's home page;
        # fetch must not take them for one page seen twice.
        has_link=bool(link),
        raw={
            "feed_url": feed_url,
            "has_link": bool(link),
            "enclosures": [
                href
                for e in entry.get("enclosures", [])
                if (href := safe_url(e.get("href"), feed_url))
            ],
        },
    )


def _own_link(entry: Any) -> str | None:
    """The entry's link, unless feedparser made it up from an id that is no URL.

    Without a <link>, feedparser copies the entry's id into ``link``: a
    "post-123" or "tag:" id is not a page. It is kept only when it is a web
    address itself (an RSS permalink guid).
    """
    link = entry.get("link")
    if not isinstance(link, str):
        return None
    if not entry.get("links") and not link.strip().lower().startswith(("http://", "https://")):
        return None
    return link


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    from calendar import timegm

    try:
        return parse_timestamp(timegm(value))
    except (OverflowError, ValueError, OSError):  # a year datetime cannot hold
        return None
