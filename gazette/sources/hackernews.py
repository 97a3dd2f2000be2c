"""Hacker News through Algolia's ``/api/v1/search_by_date``.

Ask/Show HN posts have no ``url``: they link to the discussion instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from gazette.clean import clean_html, clean_title, html_to_text
from gazette.config import SourceConfig
from gazette.models import Item
from gazette.sources.base import Fetch, SourceTraits, load_json, number, require
from gazette.timeutil import parse_timestamp
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
            for i in parse_hits(load_json(page), self.config.name)
            if i.metrics["points"] >= minimum
        ]


def parse_hits(data: Any, source: str) -> list[Item]:
    require(
        isinstance(data, dict) and isinstance(data.get("hits"), list),
        "Algolia response has no hits",
    )
    items = []
    for hit in data["hits"]:
        if isinstance(hit, dict):
            item = _hit_item(hit, source)
            if item is not None:
                items.append(item)
    return items


def _hit_item(hit: Mapping[str, Any], source: str) -> Item | None:
    story_id = hit.get("objectID") or hit.get("story_id")
    created = parse_timestamp(hit.get("created_at_i")) or parse_timestamp(hit.get("created_at"))
    title = clean_title(hit.get("title"))
    if not story_id or created is None or not title:
        return None
    discussion = f"{DISCUSSION}{story_id}"
    link = safe_url(hit.get("url"))
    html = clean_html(hit.get("story_text"), discussion)
    return Item(
        source=source,
        kind="hackernews",
        external_id=str(story_id),
        url=discussion,
        title=title,
        published_at=created,
        author=clean_title(hit.get("author")),
        text=html_to_text(html, cleaned=True),
        html=html,
        metrics={"points": number(hit.get("points")), "comments": number(hit.get("num_comments"))},
        flags=("ask",) if not link else (),
        link_url=link,
        raw={"link_url": link},
    )
