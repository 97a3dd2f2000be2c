"""RSS and Atom: blogs, podcasts, YouTube channels, and the feed fallbacks of
GitHub and Reddit.

feedparser's sanitizer lets entity-encoded ``javascript:`` links through when it
knows no base URL, and returns ``entry.link`` and RSS titles unsanitized. So the
feed's own URL is passed as the base, feedparser's sanitizer is switched off
(it is also the slow part) and every field we keep goes through nh3 and
``safe_url`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import feedparser

from gazette.clean import clean_html, clean_title, html_to_text
from gazette.config import SourceConfig
from gazette.http import Page
from gazette.models import Item
from gazette.sources.base import Fetch, ParseError
from gazette.timeutil import parse_timestamp
from gazette.urls import safe_url


@dataclass
class FeedSource:
    """Any RSS/Atom feed, configured with ``url``."""

    kind: ClassVar[str] = "feed"
    options: ClassVar[Mapping[str, type]] = {}
    config: SourceConfig

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        url = self.config.url or self.config.base_url
        page = await fetch(url)
        if page.not_modified:
            return []
        return parse_feed_page(page, self.config.name, "feed")


def parse_feed_page(page: Page, source: str, kind: str) -> list[Item]:
    return parse_feed(page.content, page.url, source, kind, page.headers.get("content-type", ""))


def parse_feed(
    content: bytes, url: str, source: str, kind: str, content_type: str = ""
) -> list[Item]:
    """Items from an RSS/Atom document fetched from ``url``."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # Relative links inside content are resolved by clean_html after entity decoding,
    # so an encoded javascript: link cannot hide as a relative path.
    parsed = feedparser.parse(
        content, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    feed_type = parsed.get("version", "")
    if not feed_type and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        start = content[:60].decode("utf-8", "replace").strip()
        raise ParseError(f"not a feed at {url} ({reason}); it starts with {start!r}")
    feed_link = safe_url(parsed.feed.get("link"), url) or url
    items = []
    for entry in parsed.entries:
        item = _entry_item(entry, url, feed_link, source, kind)
        if item is not None:
            items.append(item)
    return items


def _entry_item(entry: Any, feed_url: str, feed_link: str, source: str, kind: str) -> Item | None:
    link = safe_url(entry.get("link"), feed_url)
    title = clean_title(entry.get("title"))
    published = (
        _struct_time(entry.get("published_parsed"))
        or _struct_time(entry.get("updated_parsed"))
        or parse_timestamp(entry.get("published"))
    )
    if not title or published is None:
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
        published_at=published,
        author=clean_title(entry.get("author")),
        text=html_to_text(html),
        html=html,
        tags=tuple(
            clean_title(t.get("term", "")).lower() for t in entry.get("tags", []) if t.get("term")
        ),
        metrics={},
        flags=(),
        raw={
            "feed_url": feed_url,
            "enclosures": [safe_url(e.get("href")) for e in entry.get("enclosures", [])],
        },
    )


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    from calendar import timegm

    return parse_timestamp(timegm(value))
