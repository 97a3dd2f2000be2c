"""The offline first draft has the sample issue's shape, every week, and never
repeats a headline as its summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.candidates import week_candidates
from gazette.compose import NO_REMEMBER, NO_SUMMARY, compose_issue
from gazette.config import Settings, load_settings
from gazette.models import Issue, StoredItem
from gazette.prose import release_highlights, repeats_headline, short_title
from gazette.rank import rank
from gazette.sources.discourse import parse_topic_list
from gazette.store import open_store
from gazette.tags import load_taxonomy
from gazette.timeutil import week_bounds
from tests.conftest import REAL, SAMPLE, SAMPLE_WEEK

START, END = week_bounds(SAMPLE_WEEK)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SAMPLE / "gazette.toml")


def assert_sample_shape(issue: Issue, remember: bool = True) -> None:
    assert issue.emoji and issue.title and issue.subtitle.startswith("Plus: ")
    assert issue.welcome.startswith("Welcome to GigaElixir Gazette")
    assert len(issue.picks) == 6 and issue.quick_links
    assert issue.feature is not None and issue.feature.body
    if remember:
        assert 3 <= len(issue.feature.remember) <= 4
    else:
        assert NO_REMEMBER in issue.feature.body
    assert issue.sponsor is not None and issue.sign_off and issue.editor and issue.ps
    for pick in issue.picks:
        assert pick.body == NO_SUMMARY or not repeats_headline(pick.body, pick.headline), pick


def test_the_sample_week_has_every_part(settings: Settings, sample_db: Path) -> None:
    with open_store(sample_db) as store:
        candidates = week_candidates(store, settings, SAMPLE_WEEK)
    issue = compose_issue(SAMPLE_WEEK, candidates, settings.publication, settings.draft)
    assert_sample_shape(issue)
    # The title is the top story's short name, not a whole source title.
    assert issue.title == short_title(issue.picks[0].headline)
    release = next(p for p in issue.picks if p.headline == "Elixir v1.19.5 released")
    # Release notes become a sentence, not a raw changelog line.
    assert release.body.startswith("The release notes: in Protocol, optimize protocol")
    assert "\\[" not in release.body
    # The Reddit post that is only a link gets a note, not its headline again.
    igniter = next(p for p in issue.picks if p.headline.startswith("Igniter"))
    assert igniter.body == NO_SUMMARY


def test_a_week_without_a_long_read_features_its_richest_discussion(
    settings: Settings,
) -> None:
    data = json.loads((REAL / "discourse" / "elixirforum_latest_2026-01.json").read_bytes())
    items = parse_topic_list(data, "elixirforum", "https://elixirforum.com")
    week = [
        StoredItem(n, item, item.published_at)
        for n, item in enumerate(items, start=1)
        if START <= item.published_at < END
    ]
    candidates = rank(week, START, END, load_taxonomy(), {})
    issue = compose_issue(SAMPLE_WEEK, candidates, settings.publication, settings.draft)
    # The capture's topic list has no excerpts: nothing to take points from,
    # and the draft says so rather than inventing any.
    assert_sample_shape(issue, remember=False)
    assert issue.picks[0].headline == "Elixir v1.19.5 released"
    assert issue.feature is not None
    assert issue.feature.headline.startswith("150,000 Lines of Vibe Coded Elixir")
    assert issue.feature.headline not in {p.headline for p in issue.picks}


def test_release_highlights_skip_cut_entries() -> None:
    notes = (
        "1. Enhancements\n\n[Protocol] Optimize protocol consolidation\n\n"
        "2. Bug fixes\n\n[Kernel] Fix unnecessary recompilation [Kernel] Fix parser cra…"
    )
    assert release_highlights(notes) == (
        "The release notes: in Protocol, optimize protocol consolidation;"
        " in Kernel, fix unnecessary recompilation."
    )
    assert release_highlights("No entries here.") == ""


@pytest.mark.parametrize(
    ("summary", "headline", "repeats"),
    [
        (
            "Igniter - a code generation and project patching framework",
            "Igniter - a code generation and project patching framework",
            True,
        ),
        ("LiveVue v1.0 is out!", "LiveVue - v1.0 released with igniter installer", True),
        ("Elixir Z-Wave library.", "grizzly 2.0.0", False),
        ("", "Anything", True),
    ],
)
def test_repeats_headline(summary: str, headline: str, repeats: bool) -> None:
    assert repeats_headline(summary, headline) is repeats
