"""Reddit: ``/r/<subreddit>/new.json`` (score, comments), the Atom feed as fallback.

Reddit wants a descriptive User-Agent (``<platform>:<app id>:<version> (by
/u/<user>)``) and answers the old hosts with redirects, which the client follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from gazette import __version__
from gazette.clean import clean_html, clean_title, html_to_text
from gazette.config import SourceConfig
from gazette.http import FetchFailed
from gazette.models import Item
from gazette.sources.base import (
    BadField,
    Fetch,
    ParseError,
    SourceTraits,
    as_mapping,
    each_record,
    load_json,
    metric,
    require,
    text,
    timestamp,
)
from gazette.sources.feeds import parse_feed_page
from gazette.urls import safe_url

PUBLIC = "https://www.reddit.com"


@dataclass
class RedditSource(SourceTraits):
    """Options: ``subreddit`` (default "elixir"), ``username`` (the Reddit account
    named in the User-Agent, as Reddit's API rules ask)."""

    kind: ClassVar[str] = "reddit"
    link_text: ClassVar[str] = "Join the discussion on Reddit"
    aggregator: ClassVar[bool] = True
    announces: ClassVar[bool] = True
    options: ClassVar[Mapping[str, type]] = {"subreddit": str, "username": str}
    config: SourceConfig

    @classmethod
    def engagement(cls, metrics: Mapping[str, float]) -> float:
        return metrics.get("score", 0) + 2 * metrics.get("comments", 0)

    @property
    def user_agent(self) -> str:
        user = self.config.options.get("username", "gazette-newsletter")
        return f"python:gazette:{__version__} (by /u/{user})"

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        sub = self.config.options.get("subreddit", "elixir")
        headers = {"User-Agent": self.user_agent}
        try:
            page = await fetch(
                f"{self.config.base_url}/r/{sub}/new.json?limit=100", headers=headers
            )
            if page.not_modified:
                return []
            return parse_listing(load_json(page), self.config.name, page.url)
        except (FetchFailed, ParseError) as exc:
            json_error = str(exc)
        # Reddit blocks or rate-limits the JSON API for some clients while the
        # feed still answers; a private or banned subreddit fails both.
        try:
            page = await fetch(f"{self.config.base_url}/r/{sub}.rss", headers=headers)
        except FetchFailed as exc:
            raise FetchFailed(
                f"{exc}; the JSON listing failed too: {json_error}", exc.status
            ) from None
        if page.not_modified:
            return []
        return await parse_feed_page(page, self.config.name, "reddit")


def parse_listing(data: Any, source: str, url: str = "") -> list[Item]:
    """Items from a Listing fetched from ``url``; a post with a field of the
    wrong type is skipped."""
    require(
        isinstance(data, dict) and data.get("kind") == "Listing", "Reddit response is not a Listing"
    )
    children = as_mapping(data.get("data")).get("children") or []
    require(isinstance(children, list), f"Reddit listing from {url} has no list of children")
    return each_record(
        (as_mapping(as_mapping(child).get("data")) for child in children),
        lambda post: _post_item(post, source),
        source,
        url,
    )


def _post_item(post: Mapping[str, Any], source: str) -> Item | None:
    post_id = post.get("id")
    if post_id is not None and not isinstance(post_id, str | int):
        raise BadField("id", post_id, "not an id")
    created = timestamp(post, "created_utc")
    title = clean_title(text(post, "title"))
    permalink = safe_url(text(post, "permalink"), PUBLIC)
    if not post_id or created is None or not title or not permalink:
        return None
    html = clean_html(_unescape_reddit(post.get("selftext_html")), PUBLIC)
    link = safe_url(text(post, "url_overridden_by_dest") or text(post, "url"))
    flags = [f for f in ("stickied", "over_18") if post.get(f)]
    if post.get("stickied"):
        flags.append("pinned")
    return Item(
        source=source,
        kind="reddit",
        external_id=str(post_id),
        url=permalink,
        title=title,
        published_at=created,
        author=clean_title(text(post, "author")),
        text=html_to_text(html, cleaned=True),
        html=html,
        tags=(clean_title(flair).lower(),) if (flair := text(post, "link_flair_text")) else (),
        metrics={"score": metric(post, "score"), "comments": metric(post, "num_comments")},
        flags=tuple(flags),
        link_url=link if link and link != permalink else "",
        raw={
            "link_url": link if link and link != permalink else "",
            "domain": clean_title(text(post, "domain")),
        },
    )


def _unescape_reddit(value: Any) -> str:
    # Reddit sends selftext_html entity-escaped once more than usual.
    import html

    return html.unescape(value) if isinstance(value, str) else ""
