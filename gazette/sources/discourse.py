"""Elixir Forum and any other Discourse site: topic lists as JSON.

Asks for ``/latest.json`` and ``/top.json?period=weekly`` (plus configured
categories ``/c/<slug>/<id>.json``), paging through ``more_topics_url`` until the
topics are older than ``since``. Topics carry their own engagement numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from gazette.clean import clean_html, clean_title, html_to_text, plain_title
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
    listed,
    load_json,
    metric,
    require,
    text,
    timestamp,
)
from gazette.timeutil import parse_timestamp
from gazette.urls import safe_url

log = logging.getLogger(__name__)
MAX_PAGES = 5
DETAILS = 5  # how many of the best new topics get their first post fetched


@dataclass
class DiscourseSource(SourceTraits):
    """Options: ``site_url`` (public address used in links, defaults to base_url:
    set it when base_url points at a mirror or the replay server), ``categories``
    (a list of "slug/id" strings), ``top`` (also read /top.json?period=weekly,
    default true), ``details`` (how many of the most-liked new topics get their
    first post read from /t/<id>.json, default 5: the excerpt alone is too thin
    for a summary). Ranking options (gazette/forum.py): ``category_roles``
    (category id -> news, libraries, blogs, events, chat, questions or jobs;
    Elixir Forum's are built in), ``category_weights`` (a role or a category id ->
    points) and ``tag_weights`` (a topic tag -> points)."""

    kind: ClassVar[str] = "discourse"
    link_text: ClassVar[str] = "Read the thread on Elixir Forum"
    announces: ClassVar[bool] = True
    options: ClassVar[Mapping[str, type]] = {
        "site_url": str,
        "categories": list,
        "top": bool,
        "details": int,
        "category_roles": dict,
        "category_weights": dict,
        "tag_weights": dict,
    }
    config: SourceConfig

    @classmethod
    def engagement(cls, metrics: Mapping[str, float]) -> float:
        m = metrics
        return m.get("likes", 0) * 2 + m.get("posts", 0) + m.get("views", 0) / 50

    @classmethod
    def unanswered(cls, metrics: Mapping[str, float]) -> bool:
        return metrics.get("posts", 0) <= 1

    @classmethod
    def category(cls, item: Item) -> str:
        """The topic's category id, as the forum's topic list gave it."""
        value = item.raw.get("category_id")
        return str(value) if isinstance(value, int) else ""

    @property
    def site_url(self) -> str:
        return str(self.config.options.get("site_url") or self.config.base_url).rstrip("/")

    def list_paths(self) -> list[str]:
        paths = ["/latest.json"]
        if self.config.options.get("top", True):
            paths.append("/top.json?period=weekly")
        paths += [f"/c/{c}.json" for c in self.config.options.get("categories", [])]
        return paths

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        found: dict[str, Item] = {}
        for path in self.list_paths():
            next_path: str | None = path
            for _ in range(MAX_PAGES):
                if next_path is None:
                    break
                page = await fetch(self.config.base_url + next_path)
                if page.not_modified:
                    break
                data = load_json(page)
                items = parse_topic_list(data, self.config.name, self.site_url, page.url)
                fresh = [i for i in items if i.external_id not in found]
                for item in fresh:
                    found[item.external_id] = item
                # A page with nothing unseen means the site is repeating itself.
                next_path = _next_page(data, since, items) if fresh else None
        return await self._with_first_posts(fetch, since, found)

    async def _with_first_posts(
        self, fetch: Fetch, since: datetime, found: dict[str, Item]
    ) -> list[Item]:
        recent = [
            i
            for i in found.values()
            if i.published_at >= since and "pinned_globally" not in i.flags
        ]
        best = sorted(recent, key=lambda i: -i.metrics.get("likes", 0))[
            : int(self.config.options.get("details", DETAILS))
        ]
        for item in best:
            try:
                # Unconditional: a 304 here would leave the item with only its excerpt.
                page = await fetch(
                    f"{self.config.base_url}/t/{item.external_id}.json", conditional=False
                )
                cooked = first_post_html(load_json(page), self.site_url)
            except (FetchFailed, ParseError):
                continue  # the topic list's excerpt still stands in for the post
            if cooked:
                found[item.external_id] = replace(
                    item, html=cooked, text=html_to_text(cooked, cleaned=True)
                )
        return list(found.values())


def parse_topic_list(data: Any, source: str, site_url: str, url: str = "") -> list[Item]:
    """Items from a Discourse topic list (latest, top, category) fetched from ``url``.

    A topic with a field of the wrong type is skipped (and counted); a broken
    ``users`` list only costs the topics their authors' names.
    """
    require(isinstance(data, dict), "Discourse topic list must be a JSON object")
    topic_list = as_mapping(data.get("topic_list"))
    require("topics" in topic_list, "Discourse response has no topic_list.topics")
    topics = topic_list["topics"]
    require(isinstance(topics, list), f"Discourse topic_list.topics from {url} is not a list")
    try:
        users = {
            u["id"]: u
            for u in listed(data, "users")
            if isinstance(u, dict) and _is_key(u.get("id"))
        }
    except BadField as exc:
        log.warning("%s: %s from %s: authors left out", source, exc, url or site_url)
        users = {}
    return each_record(
        (t for t in topics if isinstance(t, dict)),
        lambda topic: _topic_item(topic, users, source, site_url),
        source,
        url or site_url,
    )


def _is_key(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def first_post_html(data: Any, site_url: str) -> str:
    """The cleaned HTML of a topic's first post, from /t/<id>.json ("" if absent)."""
    posts = as_mapping(as_mapping(data).get("post_stream")).get("posts")
    if not isinstance(posts, list):
        return ""
    first = next((p for p in posts if isinstance(p, dict) and p.get("post_number", 1) == 1), {})
    cooked = first.get("cooked")
    return clean_html(cooked, site_url + "/") if isinstance(cooked, str) else ""


def _topic_item(
    topic: Mapping[str, Any], users: Mapping[Any, Mapping[str, Any]], source: str, site_url: str
) -> Item | None:
    topic_id = topic.get("id")
    if topic_id is not None and not _is_key(topic_id):
        raise BadField("id", topic_id, "not an id")
    created = timestamp(topic, "created_at")
    # "title" is the title as typed; "fancy_title", its HTML-escaped form.
    typed = text(topic, "title")
    title = plain_title(typed) if typed else clean_title(text(topic, "fancy_title"))
    if topic_id is None or created is None or not title:
        return None
    # Slugs and ids go into a path: quoted, so a hostile one cannot add markup,
    # a query or another path segment to the stored URL.
    slug = quote(str(topic.get("slug") or "topic"), safe="-_.~%")
    path_id = quote(str(topic_id), safe="")
    excerpt = clean_html(text(topic, "excerpt"), site_url + "/")
    flags = [f for f in ("pinned", "pinned_globally", "closed", "archived") if topic.get(f)]
    if topic.get("archetype") not in (None, "regular"):
        flags.append("meta")
    if topic.get("has_accepted_answer"):
        flags.append("solved")
    return Item(
        source=source,
        kind="discourse",
        external_id=path_id,
        url=f"{site_url}/t/{slug}/{path_id}",
        title=title,
        published_at=created,
        author=_original_poster(topic, users),
        text=html_to_text(excerpt, cleaned=True),
        html=excerpt,
        tags=tuple(_tag_names(listed(topic, "tags"))),
        metrics={
            "likes": metric(topic, "like_count"),
            "posts": metric(topic, "posts_count"),
            "views": metric(topic, "views"),
            "replies": metric(topic, "reply_count"),
            # Distinct people in the thread (Discourse lists up to five).
            "posters": float(len(listed(topic, "posters"))),
        },
        flags=tuple(flags),
        raw={
            "category_id": _int_or_none(topic.get("category_id")),
            "last_posted_at": _iso_or_none(timestamp(topic, "last_posted_at")),
            "bumped_at": _iso_or_none(timestamp(topic, "bumped_at")),
            "slug": clean_title(slug),
            "fancy_title": clean_title(text(topic, "fancy_title")),
            "image_url": safe_url(text(topic, "image_url"), site_url + "/"),
        },
    )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _iso_or_none(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _original_poster(topic: Mapping[str, Any], users: Mapping[Any, Mapping[str, Any]]) -> str:
    for poster in listed(topic, "posters"):
        if isinstance(poster, dict) and "Original Poster" in str(poster.get("description", "")):
            user_id = poster.get("user_id")
            user = users.get(user_id, {}) if _is_key(user_id) else {}
            return clean_title(text(user, "name") or text(user, "username"))
    return ""


def _tag_names(tags: list[Any]) -> list[str]:
    # Newer Discourse sends tags as objects ({"id", "name", "slug"}), older as strings.
    names = []
    for tag in tags:
        name = tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(name, str) and name:
            names.append(clean_title(name).lower())
    return names


def _next_page(data: Mapping[str, Any], since: datetime, items: list[Item]) -> str | None:
    more = as_mapping(data.get("topic_list")).get("more_topics_url")
    if not isinstance(more, str) or not more or not items:
        return None
    # Lists are ordered by activity; once a whole page was last active before
    # `since`, older pages cannot hold anything new.
    bumped = [parse_timestamp(i.raw.get("bumped_at")) or i.published_at for i in items]
    if max(bumped) < since:
        return None
    parts = urlsplit(more)
    path = parts.path if parts.path.endswith(".json") else parts.path + ".json"
    if not path.startswith("/"):
        raise ParseError(f"unexpected more_topics_url {more!r}")
    return path + (f"?{parts.query}" if parts.query else "")
