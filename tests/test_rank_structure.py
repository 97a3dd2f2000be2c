"""Ranking reads the sources' structure: forum categories and tags, core
releases, and sources without engagement numbers (the real Elixir Forum capture)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta

import pytest

from gazette.forum import ELIXIR_FORUM_ROLES, JOBS, NEWS, placement
from gazette.models import Candidate, Item, StoredItem
from gazette.rank import Weights, rank
from gazette.sources.discourse import parse_topic_list
from gazette.tags import load_taxonomy
from gazette.timeutil import week_bounds
from tests.conftest import REAL, SAMPLE_WEEK

START, END = week_bounds(SAMPLE_WEEK)
FORUM = REAL / "discourse" / "elixirforum_latest_2026-01.json"


@pytest.fixture(scope="module")
def forum_week() -> list[StoredItem]:
    items = parse_topic_list(
        json.loads(FORUM.read_bytes()), "elixirforum", "https://elixirforum.com"
    )
    week = [i for i in items if START <= i.published_at < END]
    return [StoredItem(n, item, item.published_at) for n, item in enumerate(week, start=1)]


def ranked(
    items: Sequence[StoredItem],
    options: Mapping[str, Mapping[str, object]] | None = None,
    source_weights: Mapping[str, float] | None = None,
) -> list[Candidate]:
    return rank(
        items,
        START,
        END,
        load_taxonomy(),
        source_weights or {},
        weights=Weights(),
        source_options=options,
    )


def component(candidate: Candidate, name: str) -> float:
    return sum(c.value for c in candidate.components if c.name == name)


def find(candidates: Sequence[Candidate], start: str) -> tuple[int, Candidate]:
    for position, candidate in enumerate(candidates):
        if candidate.title.startswith(start):
            return position, candidate
    raise AssertionError(f"no candidate {start!r}")


def test_every_category_in_the_real_capture_has_a_role() -> None:
    topics = json.loads(FORUM.read_bytes())["topic_list"]["topics"]
    assert {str(t["category_id"]) for t in topics} <= set(ELIXIR_FORUM_ROLES)


def test_the_pinned_release_announcement_is_news(forum_week: list[StoredItem]) -> None:
    candidates = ranked(forum_week)
    position, release = find(candidates, "Elixir v1.19.5 released")
    assert position == 0
    assert component(release, "pinned") == 0
    assert component(release, "category") > 0
    assert component(release, "notable_release") == Weights().notable_release


def test_a_job_post_is_never_a_candidate(forum_week: list[StoredItem]) -> None:
    job = next(s for s in forum_week if s.item.title.startswith("Full Stack Engineer"))
    assert placement(job.item, {}) is not None
    assert placement(job.item, {}).role == JOBS  # type: ignore[union-attr]
    assert all(job.id not in {c.id, *(r.id for r in c.related)} for c in ranked(forum_week))


def test_new_libraries_outrank_a_thin_help_question(forum_week: list[StoredItem]) -> None:
    candidates = ranked(forum_week)
    question_at, question = find(candidates, "How to include {:eden")
    assert component(question, "question") == Weights().question_penalty
    for library in ("LiveVue - v1.0", "BPF - Convert", "ClaudeCode"):
        library_at, found = find(candidates, library)
        assert library_at < question_at, library
        # An announcement needs no replies to be news.
        assert component(found, "unanswered") == 0


def test_a_question_with_a_real_discussion_competes(forum_week: list[StoredItem]) -> None:
    _, discussed = find(ranked(forum_week), "Improve regex performance")
    assert component(discussed, "question") == 0


def test_category_and_tag_weights_are_configurable(forum_week: list[StoredItem]) -> None:
    options = {
        "elixirforum": {"category_weights": {"blogs": 30.0}, "tag_weights": {"ai": 4.0}},
    }
    _, vibe = find(ranked(forum_week, options), "150,000 Lines")
    assert component(vibe, "category") == 34.0
    notes = " ".join(c.note for c in vibe.components)
    assert "blogs 60" in notes and "#ai" in notes
    roles = {"elixirforum": {"category_roles": {"16": NEWS}}}
    assert any(c.title.startswith("Full Stack Engineer") for c in ranked(forum_week, roles))


def blog_post(id: int, title: str, day: int) -> StoredItem:
    moment = START + timedelta(days=day)
    item = Item(
        source="tinyblog",
        kind="feed",
        external_id=str(id),
        url=f"https://tiny.example/{id}",
        title=title,
        published_at=moment,
        text="A short note.",
    )
    return StoredItem(id, item, moment)


def test_a_feed_without_engagement_gets_its_weighted_prior(
    forum_week: list[StoredItem],
) -> None:
    posts = [blog_post(901, "A note on pattern matching", 5), blog_post(902, "Another note", 6)]
    candidates = ranked([*forum_week, *posts], source_weights={"tinyblog": 1.0})
    position, post = find(candidates, "A note on pattern matching")
    assert component(post, "engagement") == 0
    assert component(post, "prior") == Weights().engagement * Weights().no_signal_prior
    # Not a median forum topic: the week's well-discussed announcements stay above it.
    assert position > 5
    heavier = ranked([*forum_week, *posts], source_weights={"tinyblog": 2.0})
    assert component(find(heavier, "A note on pattern matching")[1], "prior") == 2 * component(
        post, "prior"
    )


def test_a_discussion_naming_a_version_is_not_a_release(forum_week: list[StoredItem]) -> None:
    talk = blog_post(903, "Elixir 1.19 compilation performance - have you noticed a difference?", 3)
    older = blog_post(904, "Elixir v1.18.0 released", 4)
    candidates = ranked([*forum_week, talk, older])
    assert component(find(candidates, "Elixir 1.19 compilation")[1], "notable_release") == 0
    # An older release resurfacing the week a newer one is out is not the news.
    assert component(find(candidates, "Elixir v1.18.0")[1], "notable_release") == 0
    assert component(find(candidates, "Elixir v1.19.5")[1], "notable_release") > 0


def test_an_undated_entry_gets_no_recency_for_being_seen_late(
    forum_week: list[StoredItem],
) -> None:
    """A feed without dates is dated when first seen: its whole back catalogue
    arrives "new" on the first fetch, so being seen is not being recent."""
    dated = blog_post(905, "A dated note", 6)
    undated = blog_post(906, "An undated note", 6)
    undated = StoredItem(906, dataclasses.replace(undated.item, dated=False), undated.fetched_at)
    candidates = ranked([*forum_week, dated, undated])
    _, seen = find(candidates, "An undated note")
    assert component(find(candidates, "A dated note")[1], "recency") > 0
    assert component(seen, "recency") == 0
    assert any(c.name == "recency" and c.note.startswith("undated") for c in seen.components)
