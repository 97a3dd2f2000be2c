"""Ranking: each component does what it says, on the sample week and on small cases."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gazette.candidates import week_candidates
from gazette.config import load_settings
from gazette.models import Candidate, Item, StoredItem
from gazette.rank import Weights, rank
from gazette.store import open_store
from gazette.tags import load_taxonomy
from gazette.timeutil import week_bounds
from gazette.urls import canonical_url
from tests.conftest import SAMPLE, SAMPLE_WEEK, run_cli

START, END = week_bounds(SAMPLE_WEEK)
VIBE = "150,000 Lines of Vibe Coded Elixir: The Good, The Bad, and The Ugly"
CONFIG = str(SAMPLE / "gazette.toml")


@pytest.fixture(scope="module")
def week(sample_db: Path) -> list[StoredItem]:
    with open_store(sample_db) as store:
        return store.items_between(START, END)


def ranked(
    items: Sequence[StoredItem],
    featured: frozenset[str] = frozenset(),
    weights: Weights | None = None,
    source_weights: Mapping[str, float] | None = None,
    history: Sequence[StoredItem] = (),
) -> list[Candidate]:
    return rank(
        items,
        START,
        END,
        load_taxonomy(),
        source_weights or {},
        featured,
        weights,
        history=history,
    )


def component(candidate: Candidate, name: str) -> float:
    return sum(c.value for c in candidate.components if c.name == name)


def by_title(candidates: Sequence[Candidate], title: str) -> tuple[int, Candidate]:
    for position, candidate in enumerate(candidates):
        if candidate.title == title:
            return position, candidate
    raise AssertionError(f"no candidate {title!r}")


def test_sample_week_leads_with_the_biggest_stories(week: list[StoredItem]) -> None:
    top = [c.title for c in ranked(week)[:3]]
    assert VIBE in top and "Elixir v1.19.5 released" in top


def test_breadth_lifts_a_story_many_sources_carry(week: list[StoredItem]) -> None:
    _, vibe = by_title(ranked(week), VIBE)
    assert {r.item.source for r in vibe.related} == {"reddit", "hackernews"}
    assert component(vibe, "breadth") == 2 * Weights().breadth
    alone = [s for s in week if s.id == vibe.id or s.id not in {r.id for r in vibe.related}]
    _, single = by_title(ranked(alone), VIBE)
    assert component(single, "breadth") == 0
    assert vibe.score > single.score


def test_a_featured_story_drops(week: list[StoredItem]) -> None:
    before = ranked(week)
    position, vibe = by_title(before, VIBE)
    # Featured under its Reddit link, not the forum's: any URL of the story counts.
    reddit = next(r for r in vibe.related if r.item.source == "reddit")
    after = ranked(week, featured=frozenset({canonical_url(reddit.item.url)}))
    new_position, dropped = by_title(after, VIBE)
    assert component(dropped, "featured") == Weights().featured_penalty
    assert dropped.score < vibe.score and new_position > position


def story(
    id: int,
    title: str,
    *,
    source: str = "elixirforum",
    kind: str = "discourse",
    metrics: Mapping[str, float] | None = None,
    flags: tuple[str, ...] = (),
    day: int = 3,
    text: str = "",
    raw: Mapping[str, object] | None = None,
) -> StoredItem:
    moment = START + timedelta(days=day, hours=12)
    return StoredItem(
        id,
        Item(
            source=source,
            kind=kind,
            external_id=str(id),
            url=f"https://{source}.example/t/{id}",
            title=title,
            published_at=moment,
            text=text,
            metrics=dict(metrics or {"likes": 5, "posts": 4, "views": 100}),
            flags=flags,
            raw=dict(raw or {}),
        ),
        moment,
    )


def test_penalties_for_pinned_unanswered_and_featured() -> None:
    items = [
        story(1, "Forum rules and how to ask a good question", flags=("pinned",)),
        story(2, "How do I configure my supervisor tree", metrics={"likes": 5, "posts": 1}),
        story(3, "Deploying LiveView to a small VPS"),
    ]
    found = {
        c.id: c for c in ranked(items, featured=frozenset({"https://elixirforum.example/t/3"}))
    }
    assert component(found[1], "pinned") == Weights().pinned_penalty
    assert component(found[2], "unanswered") == Weights().unanswered_penalty
    assert component(found[3], "featured") == Weights().featured_penalty
    assert component(found[3], "pinned") == component(found[3], "unanswered") == 0


def test_a_pinned_announcement_others_carry_is_not_penalized() -> None:
    pinned = story(1, "Elixir v1.19.5 released", flags=("pinned",))
    reddit = story(2, "Elixir v1.19.5 released", source="reddit", kind="reddit")
    (candidate,) = ranked([pinned, reddit])
    assert component(candidate, "pinned") == 0 and component(candidate, "breadth") > 0


def test_recency_novelty_long_reads_and_source_weights() -> None:
    items = [
        story(1, "An early week announcement", day=0),
        story(2, "A late week announcement", day=6),
        story(3, "grizzly 2.0.0", source="hexpm", kind="hexpm", flags=("release", "major")),
        story(4, "dg 0.1.0", source="hexpm", kind="hexpm", flags=("new-package",)),
        story(5, "qex 0.5.0", source="hexpm", kind="hexpm", flags=("release", "minor")),
        story(6, "A long read", source="blog", kind="feed", text="word " * 500),
    ]
    found = {c.id: c for c in ranked(items, source_weights={"blog": 2.0})}
    assert component(found[2], "recency") > component(found[1], "recency")
    assert (
        component(found[3], "novelty")
        > component(found[4], "novelty")
        > component(found[5], "novelty")
    )
    assert component(found[6], "long_read") == Weights().long_read
    assert component(found[6], "source") == 2 * component(found[1], "source")


def test_weights_come_from_the_config(tmp_path: Path, week: list[StoredItem]) -> None:
    config = tmp_path / "gazette.toml"
    config.write_text("[rank]\nbreadth = 100.0\nfeatured_penalty = -1.0\n", "utf-8")
    weights = Weights.from_settings(load_settings(config).rank)
    assert weights.breadth == 100.0 and weights.featured_penalty == -1.0
    _, vibe = by_title(ranked(week, weights=weights), VIBE)
    assert component(vibe, "breadth") == 200.0


def test_engagement_is_a_percentile_over_the_trailing_window(tmp_path: Path) -> None:
    """The same week scores lower when the weeks before it were busier: week_candidates
    passes the store's items from [rank] window_days before the week."""
    this_week = [story(1, "A fine week topic", metrics={"likes": 10, "posts": 5, "views": 200})]
    this_week.append(story(2, "A quiet week topic", metrics={"likes": 1, "posts": 2, "views": 20}))
    busy = [
        replace(
            story(100 + n, f"Busy older topic {n}", metrics={"likes": 50 + n, "posts": 9}, day=0),
        )
        for n in range(8)
    ]
    settings = load_settings(None)
    with open_store(tmp_path / "g.db") as store:
        store.save_items([s.item for s in this_week])
        quiet = {
            c.title: component(c, "engagement")
            for c in week_candidates(store, settings, SAMPLE_WEEK)
        }
        store.save_items([replace(s.item, published_at=START - timedelta(days=10)) for s in busy])
        store.save_items(  # outside the 28-day window: does not count
            [
                replace(s.item, external_id=f"old{s.id}", published_at=START - timedelta(days=60))
                for s in busy
            ]
        )
        found = week_candidates(store, settings, SAMPLE_WEEK)
    assert [c.title for c in found] == ["A fine week topic", "A quiet week topic"]
    busier = {c.title: component(c, "engagement") for c in found}
    assert busier["A fine week topic"] < quiet["A fine week topic"]
    # Second lowest of ten (mid-rank: (1 + 2) / 2 / 10): the old busy weeks count,
    # the topics from two months ago do not.
    assert busier["A fine week topic"] == pytest.approx(Weights().engagement * 0.15, abs=0.01)


def test_ranking_is_deterministic(week: list[StoredItem]) -> None:
    def summary(found: list[Candidate]) -> list[tuple[int, float, tuple[str, ...]]]:
        return [(c.id, c.score, c.tags) for c in found]

    expected = summary(ranked(week))
    shuffled = list(week)
    random.Random(4).shuffle(shuffled)
    assert summary(ranked(week)) == expected
    assert summary(ranked(shuffled)) == expected


def test_candidates_explain_and_json_show_every_component(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    db = str(sample_db)
    data = json.loads(
        run_cli(
            "--config", CONFIG, "--db", db, "candidates", "--week", SAMPLE_WEEK, "--json"
        ).output
    )
    explained = run_cli(
        "--config", CONFIG, "--db", db, "candidates", "--week", SAMPLE_WEEK, "--explain"
    ).output
    assert data[0]["components"] and len(data) == 20
    for entry in data:
        assert sum(c["value"] for c in entry["components"]) == pytest.approx(
            entry["score"], abs=0.05
        )
        for part in entry["components"]:
            assert f"{part['name']} {part['value']:+.1f} ({part['note']})" in explained
    vibe = next(e for e in data if e["title"] == VIBE)
    assert {r["source"] for r in vibe["related"]} == {"reddit", "hackernews"}


def test_candidates_tag_filter(sample_db: Path) -> None:
    db = str(sample_db)
    args = ("--config", CONFIG, "--db", db, "candidates", "--week", SAMPLE_WEEK, "--json")
    releases = json.loads(run_cli(*args, "--tag", "releases", "--limit", "1000").output)
    assert releases and all("releases" in e["tags"] for e in releases)
    titles = {e["title"] for e in releases}
    assert "Elixir v1.19.5 released" in titles and VIBE not in titles
    both = json.loads(run_cli(*args, "--tag", "releases", "--tag", "ai", "--limit", "1000").output)
    assert VIBE in {e["title"] for e in both} and len(both) > len(releases)
    wrong = run_cli(*args, "--tag", "relases", expect=2)
    assert "unknown tag 'relases'" in wrong.output
