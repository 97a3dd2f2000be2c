"""Hacker News through Algolia's ``/api/v1/search_by_date``.

Ask/Show HN posts have no ``url``: they link to the discussion instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from gazette.clean import clean_html, clean_title, html_to_text, plain_title
from gazette.config import SourceConfig
from gazette.models import Item
from gazette.sources.base import (
    BadField,
    Fetch,
    SourceTraits,
    each_record,
    load_json,
    metric,
    require,
    text,
    timestamp,
)
from gazette.urls import safe_url

DISCUSSION = "https://news.ycombinator.com/item?id="


@dataclass
class HackerNewsSource(SourceTraits):
    """Options: ``query`` (default "elixir"), ``min_points`` (default 0)."""

    kind: ClassVar[str] = "hackernews"
    link_text: ClassVar[str] = "Discuss on Hacker News"
    aggregator: ClassVar[bool] = True
    announces: ClassVar[bool] = True
    options: ClassVar[Mapping[str, type]] = {"query": str, "min_points": int}
    config: SourceConfig

    @classmethod
    def engagement(cls, metrics: Mapping[str, float]) -> float:
        return metrics.get("points", 0) + 2 * metrics.get("comments", 0)

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        query = urlencode(
            {
                "query": self.config.options.get("query", "elixir"),
                "tags": "story",
                "numericFilters": f"created_at_i>{int(since.timestamp())}",
                "hitsPerPage": 100,
            }
        )
        page = await fetch(f"{self.config.base_url}/api/v1/search_by_date?{query}")
        if page.not_modified:
            return []
        minimum = int(self.config.options.get("min_points", 0))
        return [
            i
            for i in parse_hits(load_json(page), self.config.name, page.url)
            if i.metrics["points"] >= minimum
        ]


def parse_hits(data: Any, source: str, url: str = "") -> list[Item]:
    """Items from an Algolia answer fetched from ``url``; a hit with a field of
    the wrong type is skipped."""
    require(
        isinstance(data, dict) and isinstance(data.get("hits"), list),
        "Algolia response has no hits",
    )
    return each_record(
        (h for h in data["hits"] if isinstance(h, dict)),
        lambda hit: _hit_item(hit, source),
        source,
        url,
    )


def _hit_item(hit: Mapping[str, Any], source: str) -> Item | None:
    story_id = hit.get("objectID") or hit.get("story_id")
    if story_id is not None and not isinstance(story_id, str | int):
        raise BadField("objectID", story_id, "not an id")
    created = timestamp(hit, "created_at_i") or timestamp(hit, "created_at")
    title = plain_title(text(hit, "title"))
    if not story_id or created is None or not title:
        return None
    discussion = f"{DISCUSSION}{story_id}"
    link = safe_url(text(hit, "url"))
    html = clean_html(text(hit, "story_text"), discussion)
    return Item(
        source=source,
        kind="hackernews",
        external_id=str(story_id),
        url=discussion,
        title=title,
        published_at=created,
        author=clean_title(text(hit, "author")),
        text=html_to_text(html, cleaned=True),
        html=html,
        metrics={"points": metric(hit, "points"), "comments": metric(hit, "num_comments")},
        flags=("ask",) if not link else (),
        link_url=link,
        raw={"link_url": link},
    )
