"""Tags: whole-word keywords, packages, flags; the editor's tags are never overwritten."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gazette.errors import ConfigError
from gazette.models import Item
from gazette.tags import load_taxonomy, parse_taxonomy
from tests.conftest import SAMPLE_WEEK, run_cli

TAXONOMY = load_taxonomy()


def tags(title: str, text: str = "", **fields: object) -> tuple[str, ...]:
    item = Item(
        source="s",
        kind=str(fields.pop("kind", "discourse")),
        external_id="1",
        url="https://example.org/1",
        title=title,
        published_at=datetime(2026, 1, 6, tzinfo=UTC),
        text=text,
        **fields,  # type: ignore[arg-type]
    )
    return TAXONOMY.tag_item(item)


def test_keywords_match_whole_words_only() -> None:
    assert "ai" not in tags("Sending email that maintains state", "Said and paid.")
    assert "testing" not in tags("A circuit breaker for decisive code", "Circle CIrcuits")
    assert "ash" not in tags("Cash flow and flash messages", "A crash course")
    assert tags("Better AI tooling for your CI")[:2] == ("ai", "testing")
    assert "ash" in tags("Ash aggregates with sqlite")


@pytest.mark.parametrize(
    ("title", "text", "not_expected"),
    [
        # Real texts of the sample week that used to get the wrong tag.
        ("oban 2.11.3", "Robust job processing, backed by modern PostgreSQL.", "community"),
        (
            "google_api_logging 0.45.1",
            "Cloud Logging API client library. Writes log entries and manages your Cloud Logging configuration.",
            "deployment",
        ),
        (
            "google_api_you_tube 0.42.0",
            "YouTube Data API v3 client library. The YouTube Data API v3 is an API that provides access to YouTube data, such as videos, playlists, and channels.",
            "phoenix",
        ),
        ("[Podcast] Thinking Elixir 206: BeamOps - DevOps on the BEAM", "", "otp"),
        ("Sharing state with an Agent", "Start an Agent under your supervisor.", "ai"),
        ("LiveVue - v1.0 released with igniter installer", "", "ash"),
    ],
)
def test_sample_week_false_positives_are_gone(title: str, text: str, not_expected: str) -> None:
    assert not_expected not in tags(title, text)


def test_packages_and_flags() -> None:
    assert tags("live_vue 1.0.0", package="live_vue", kind="hexpm")[0] == "liveview"
    # A bare release is tagged as one, but any topical word is stronger.
    assert tags("grizzly 2.0.0", "Elixir Z-Wave library", flags=("release", "major")) == (
        "releases",
    )
    assert tags(
        "typed_ecto_schema 0.4.0", "Define Ecto schemas with typespecs", flags=("release",)
    ) == ("ecto", "releases")


def test_at_most_three_tags_strongest_first_and_emoji_of_the_first() -> None:
    found = tags(
        "Vibe coding a Phoenix LiveView app with Claude",
        "Ecto, tests, deployment with Docker, security, performance, Nerves, OTP.",
    )
    assert len(found) == 3 and found[0] in ("ai", "liveview", "phoenix")
    assert TAXONOMY.emoji_for(("nerves", "ai")) == "🏠"
    assert TAXONOMY.emoji_for(()) == "📰"


def test_taxonomy_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"\[tags.ai\] has unknown key 'keyword'"):
        parse_taxonomy({"tags": {"ai": {"keyword": ["llm"]}}}, "taxonomy.toml")


def test_reranking_never_rewrites_the_editors_tags(workspace: Path) -> None:
    """The draft's `<!-- item: N; tags: ... -->` is the editor's word: ranking and
    re-tagging (candidates, draft --refresh) leave it alone."""
    run_cli("--db", "g.db", "fetch", "--since", "2026-01-01")
    run_cli("--db", "g.db", "draft", "--week", SAMPLE_WEEK)
    path = workspace / "out" / "issues" / f"{SAMPLE_WEEK}.md"
    text = path.read_text("utf-8")
    first = re.search(r"<!-- item: (\d+); tags: ([^>]*?) -->", text)
    assert first is not None
    edited = text.replace(first.group(0), f"<!-- item: {first.group(1)}; tags: community -->", 1)
    path.write_text(edited, "utf-8")

    run_cli("--db", "g.db", "candidates", "--week", SAMPLE_WEEK, "--explain")
    run_cli("--db", "g.db", "candidates", "--week", SAMPLE_WEEK, "--json")
    assert path.read_text("utf-8") == edited
    run_cli("--db", "g.db", "draft", "--week", SAMPLE_WEEK, "--refresh")
    assert f"<!-- item: {first.group(1)}; tags: community -->" in path.read_text("utf-8")
