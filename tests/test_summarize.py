"""Extractive summaries: whole sentences from the source, no boilerplate, never cut."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from gazette.config import load_settings
from gazette.models import Item
from gazette.sources.feeds import parse_feed
from gazette.store import Store
from gazette.summarize import extractive_summary, summarize_item
from gazette.timeutil import week_bounds
from tests.conftest import REAL, SAMPLE, SAMPLE_WEEK, run_cli

CONFIG = str(SAMPLE / "gazette.toml")
ENDS_A_SENTENCE = re.compile(r"[.!?][\"')\]]*$")


def item(text: str, title: str = "A title") -> Item:
    return Item(
        source="s",
        kind="feed",
        external_id="1",
        url="https://example.org/1",
        title=title,
        published_at=datetime(2026, 1, 6, tzinfo=UTC),
        text=text,
    )


def test_sample_week_summaries_are_whole_sentences_of_the_source(store: Store) -> None:
    checked = 0
    for stored in store.items_between(*week_bounds(SAMPLE_WEEK)):
        summary = extractive_summary(stored.item, max_words=70)
        if summary == stored.item.title:
            continue
        checked += 1
        assert len(summary.split()) <= 70, summary
        assert ENDS_A_SENTENCE.search(summary), summary
        assert "…" not in summary and "submitted by" not in summary
        source = " ".join(stored.item.text.split())
        for sentence in re.split(r"(?<=[.!?])\s+", summary):
            assert sentence.rstrip(".") in source, sentence
    assert checked >= 40


def test_reddit_atom_boilerplate_is_skipped() -> None:
    atom = (REAL / "reddit" / "r_elixir_rss_2024-06-14.extracted.atom").read_bytes()
    items = {
        i.title: i
        for i in parse_feed(atom, "https://www.reddit.com/r/elixir.rss", "reddit", "reddit")
    }
    link_post = items["Elixir v1.16 released"]
    assert "submitted by" in link_post.text  # the feed's own footer, nothing else
    assert extractive_summary(link_post) == "Elixir v1.16 released"
    question = items["Conditional routing in Phoenix"]
    summary = extractive_summary(question)
    assert summary.startswith("I have a home_live page")
    assert "submitted by" not in summary and "[link]" not in summary and "/u/" not in summary


def test_sentences_are_never_cut() -> None:
    long = "This sentence goes on " + "and on " * 40 + "until it ends."
    text = f"{long} A short one follows it. Then a second short one."
    assert extractive_summary(item(text), max_words=20) == (
        "A short one follows it. Then a second short one."
    )
    only_long = item(long, title="The title stands in")
    assert extractive_summary(only_long, max_words=20) == "The title stands in"


def test_truncated_text_lead_ins_and_bare_links_are_skipped() -> None:
    text = (
        "LiveVue v1.0 is out! It renders Vue components from LiveView.\n\n"
        "Highlights of 1.0:\n\nDocs: https://hexdocs.pm/live_vue\n\n"
        "The installer runs in one command and the forms support is comp…"
    )
    assert extractive_summary(item(text)) == (
        "LiveVue v1.0 is out! It renders Vue components from LiveView."
    )


def test_release_notes_give_their_lines() -> None:
    notes = (
        "1. Enhancements\n\nElixir\n\n"
        "[Protocol] Optimize protocol consolidation to no longer load structs\n\n"
        "2. Bug fixes\n\nElixir\n\n"
        "[Kernel] Fix unnecessary recompilation when dbg_callback is modified at runtime"
    )
    assert extractive_summary(item(notes)) == (
        "[Protocol] Optimize protocol consolidation to no longer load structs."
        " [Kernel] Fix unnecessary recompilation when dbg_callback is modified at runtime."
    )
    assert extractive_summary(item("Elixir Z-Wave library"), max_words=70) == (
        "Elixir Z-Wave library."
    )


def test_summarize_uses_the_storys_own_text(store: Store) -> None:
    """A Reddit link post has no text; its story's forum thread does."""
    week = store.items_between(*week_bounds(SAMPLE_WEEK))
    reddit = next(s for s in week if s.item.source == "reddit" and "Vibe Coded" in s.item.title)
    assert reddit.item.text == ""
    result = summarize_item(store, load_settings(SAMPLE / "gazette.toml"), reddit.id)
    assert result.backend == "extractive" and not result.warnings
    assert result.text.startswith(
        "I wrote up what it has been like to build and run a 150,000-line"
    )


def test_summarize_command(sample_db: Path, store: Store) -> None:
    week = store.items_between(*week_bounds(SAMPLE_WEEK))
    forum = next(s for s in week if s.item.title.startswith("LiveVue - v1.0"))
    result = run_cli("--config", CONFIG, "--db", str(sample_db), "summarize", str(forum.id))
    assert result.output.startswith("LiveVue v1.0 is out! LiveVue lets you render Vue components")
    missing = run_cli("--config", CONFIG, "--db", str(sample_db), "summarize", "99999", expect=2)
    assert "no item 99999" in missing.output
