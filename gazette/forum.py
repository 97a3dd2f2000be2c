"""What a forum's structure says about a topic, for ranking.

A forum files every topic in a category, and a category says what kind of
story the topic is: an announcement, a new library, a blog post, a help
question, a job post. Ranking reads that as a *role* and gives it points; the
topic's tags add their own.

Elixir Forum's roles are built in (:data:`ELIXIR_FORUM_ROLES`). Its topic lists
carry only a ``category_id``, so the table was made by reading the topics each
id holds in the real capture (``shared/fixtures/real/discourse/
elixirforum_latest_2026-01.json``, January 2026), noted beside each id. Another
Discourse site, or a category Elixir Forum adds, is configured on its source::

    [[sources]]
    name = "elixirforum"
    kind = "discourse"
    category_roles = { "99" = "libraries" }        # category id -> role
    category_weights = { blogs = 5.0, "43" = 8.0 }  # role or category id -> points
    tag_weights = { "elixir-release" = 6.0 }        # topic tag -> points
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gazette.models import Item
from gazette.sources import traits_of

NEWS = "news"
LIBRARIES = "libraries"
BLOGS = "blogs"
EVENTS = "events"
CHAT = "chat"
QUESTIONS = "questions"
JOBS = "jobs"
ROLES = (NEWS, LIBRARIES, BLOGS, EVENTS, CHAT, QUESTIONS, JOBS)

ELIXIR_FORUM_HOST = "elixirforum.com"
ELIXIR_FORUM_ROLES: Mapping[str, str] = {
    "28": NEWS,  # "Elixir v1.19.5 released" (pinned, tag elixir-release)
    "43": LIBRARIES,  # ChromicPDF, Goblin, GeoSQL, CubDB, BPF, ClaudeCode, ExUnitJSON
    "153": LIBRARIES,  # release threads: "LiveVue - v1.0 released", "Oaskit v0.10", Nex 0.3
    "60": BLOGS,  # tags blogs-by-*: "150,000 Lines of Vibe Coded Elixir", Reactor robotics
    "156": BLOGS,  # podcasts: "Thinking Elixir 285"
    "80": EVENTS,  # "Code BEAM Lite Vancouver"
    "7": CHAT,  # "What Elixir related stuff are you doing?", "I built a Reddit monitoring tool"
    "30": CHAT,  # Phoenix chat: "Tailwind News"
    "126": CHAT,  # Phoenix proposals: ":params opt to JS.patch"
    "31": QUESTIONS,  # "How to include {:eden, ...}", "Is it common to use `use`..."
    "53": QUESTIONS,  # "mix format ignores a script", "Elixir on Microsoft Azure?"
    "121": QUESTIONS,  # Nerves: "Any tips on using Nerves and a Zigbee gateway?"
    "141": QUESTIONS,  # Ash questions (tag ash-questions)
    "16": JOBS,  # "Full Stack Engineer - InvestorHub, Melbourne"
}
# Points per role: an announcement is the news, a new library comes close.
ROLE_POINTS: Mapping[str, float] = {
    NEWS: 10.0,
    LIBRARIES: 6.0,
    BLOGS: 3.0,
    EVENTS: 2.0,
    CHAT: 0.0,
    QUESTIONS: 0.0,
    JOBS: 0.0,
}
# Tags that say what a topic is whatever its category.
ELIXIR_FORUM_TAG_POINTS: Mapping[str, float] = {"elixir-release": 5.0, "library": 2.0}
# A tag that makes a topic news in any category.
NEWS_TAGS = frozenset({"elixir-release"})

# What makes a help question a discussion worth a newsletter's reader's time.
QUESTION_MIN_REPLIES = 3
QUESTION_MIN_LIKES = 3
QUESTION_MIN_POSTERS = 3


@dataclass(frozen=True)
class Placement:
    """Where a topic sits in its forum: its role, and the points category and
    tags give it, with the reason in words."""

    role: str
    points: float
    note: str


def category_of(item: Item) -> str:
    """Where the item's source filed it ("" for none). A plug-in written before
    kinds had categories may lack the trait: it files nothing."""
    category = getattr(traits_of(item.kind), "category", None)
    return str(category(item)) if callable(category) else ""


def placement(item: Item, options: Mapping[str, Any]) -> Placement | None:
    """The topic's role and points, or None for an item no forum filed."""
    category = category_of(item)
    if not category:
        return None
    elixir_forum = urlsplit(item.url).hostname == ELIXIR_FORUM_HOST
    roles = {**(ELIXIR_FORUM_ROLES if elixir_forum else {}), **_strings(options, "category_roles")}
    role = roles.get(category, "")
    if NEWS_TAGS & set(item.tags):
        role = NEWS
    weights = _numbers(options, "category_weights")
    points = weights.get(category, weights.get(role, ROLE_POINTS.get(role, 0.0)))
    notes = [f"{role or 'category'} {category}"]
    tag_points = {
        **(ELIXIR_FORUM_TAG_POINTS if elixir_forum else {}),
        **_numbers(options, "tag_weights"),
    }
    for tag in item.tags:
        if tag_points.get(tag):
            points += tag_points[tag]
            notes.append(f"#{tag}")
    return Placement(role, points, ", ".join(notes))


def real_discussion(metrics: Mapping[str, float]) -> bool:
    """A question with answers, thanks and several people in it."""
    return (
        metrics.get("posts", 0) - 1 >= QUESTION_MIN_REPLIES
        and metrics.get("likes", 0) >= QUESTION_MIN_LIKES
        and metrics.get("posters", 0) >= QUESTION_MIN_POSTERS
    )


def _strings(options: Mapping[str, Any], key: str) -> dict[str, str]:
    table = options.get(key)
    if not isinstance(table, Mapping):
        return {}
    return {str(k): str(v) for k, v in table.items()}


def _numbers(options: Mapping[str, Any], key: str) -> dict[str, float]:
    table = options.get(key)
    if not isinstance(table, Mapping):
        return {}
    return {
        str(k): float(v)
        for k, v in table.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
