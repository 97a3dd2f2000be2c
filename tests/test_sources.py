"""Each source parses the real captured payloads as they are, quirks included."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gazette.http import Page
from gazette.sources.base import ParseError
from gazette.sources.discourse import parse_topic_list
from gazette.sources.feeds import parse_feed
from gazette.sources.hackernews import parse_hits
from gazette.sources.hexpm import parse_packages
from gazette.sources.reddit import parse_listing
from tests.conftest import REAL


def load(relative: str) -> object:
    return json.loads((REAL / relative).read_text("utf-8"))


def test_discourse_latest_from_elixir_forum() -> None:
    items = parse_topic_list(
        load("discourse/elixirforum_latest_2026-01.json"), "forum", "https://elixirforum.com"
    )
    assert len(items) == 30
    release = items[0]
    assert release.title == "Elixir v1.19.5 released"
    assert release.url == "https://elixirforum.com/t/elixir-v1-19-5-released/73923"
    assert release.published_at == datetime(2026, 1, 9, 11, 51, 39, 556000, tzinfo=UTC)
    assert release.tags == ("elixir-release",)
    assert {"pinned", "pinned_globally"} <= set(release.flags)
    assert release.author == "Elixir Release News"
    assert release.metrics["likes"] == 8 and release.metrics["views"] == 298
    assert "Optimize protocol consolidation" in release.text
    chromic = next(i for i in items if i.title.startswith("ChromicPDF"))
    assert chromic.metrics["posts"] == 64 and "pinned" not in chromic.flags


def test_discourse_category_list_with_string_tags_and_old_shapes() -> None:
    items = parse_topic_list(
        load("discourse/stackstorm_c_workflow-related-issues_15.json"),
        "st2",
        "https://forum.stackstorm.com",
    )
    assert items and all(i.url.startswith("https://forum.stackstorm.com/t/") for i in items)
    api_docs = parse_topic_list(
        load("discourse/apidocs_latest_topics_response.json"), "dev", "http://localhost:3000"
    )
    assert api_docs


def test_discourse_error_body_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no topic_list"):
        parse_topic_list(
            load("discourse/elixirforum_404_not_found.json"), "forum", "https://elixirforum.com"
        )


def test_hexpm_new_packages_with_sparse_downloads() -> None:
    items = parse_packages(
        load("hexpm/packages_sort_inserted_at_2022-03-24.json"), "hex", "inserted_at"
    )
    assert len(items) == 100
    checkdigit = next(i for i in items if i.raw["package"] == "checkdigit")
    assert checkdigit.external_id == "checkdigit@0.1.0"
    assert checkdigit.url == "https://hex.pm/packages/checkdigit"
    assert checkdigit.metrics == {
        "downloads_all": 0.0,
        "downloads_recent": 0.0,
        "downloads_week": 0.0,
    }
    assert "new-package" in checkdigit.flags
    assert checkdigit.text.startswith("Library to provide check digit")
    assert checkdigit.published_at == datetime(2022, 3, 24, 9, 48, 27, 958929, tzinfo=UTC)


def test_hexpm_updates_know_their_semver_jump() -> None:
    items = parse_packages(
        load("hexpm/packages_sort_updated_at_2022-03-24.json"), "hex", "updated_at"
    )
    changes = {i.raw["change"] for i in items}
    assert {"major", "minor", "patch"} & changes
    updated = [i for i in items if "release" in i.flags]
    assert updated and all(i.url.endswith("/" + i.raw["version"]) for i in updated)


def test_hexpm_rejects_an_object_where_a_list_belongs() -> None:
    with pytest.raises(ParseError):
        parse_packages(load("hexpm/package_phoenix_copy.json"), "hex")


def test_github_atom_relative_links_resolve() -> None:
    path = REAL / "github/releases_atom_shopify-timber_2015.atom"
    items = parse_feed(
        path.read_bytes(), "https://github.com/Shopify/Timber/releases.atom", "gh", "github"
    )
    assert items
    assert items[0].url == "https://github.com/Shopify/Timber/releases/tag/v2.0.2"


def test_github_atom_current_shape() -> None:
    path = REAL / "github/releases_atom_bilalcaliskan-s3-manager_2023-08.atom"
    items = parse_feed(
        path.read_bytes(),
        "https://github.com/bilalcaliskan/s3-manager/releases.atom",
        "gh",
        "github",
    )
    assert len(items) == 10
    assert items[0].title == "v2.1.1"
    assert "<a" in items[0].html and "data-hovercard" not in items[0].html


def test_reddit_listing_json() -> None:
    items = parse_listing(load("reddit/r_ClaudeAI_hot_limit10_2026-05.json"), "reddit")
    assert len(items) == 10
    sticky = items[0]
    assert (
        sticky.url
        == "https://www.reddit.com/r/ClaudeAI/comments/1s7fepn/rclaudeai_list_of_ongoing_megathreads/"
    )
    assert "pinned" in sticky.flags and sticky.metrics["score"] == 118
    assert "<!--" not in sticky.html and "Megathreads" in sticky.text


def test_reddit_old_listing_shape_still_parses() -> None:
    assert parse_listing(load("reddit/r_angularjs_listing_2012.json"), "reddit")


def test_reddit_atom_feed() -> None:
    path = REAL / "reddit/r_elixir_rss_2024-06-14.extracted.atom"
    items = parse_feed(path.read_bytes(), "https://www.reddit.com/r/elixir.rss", "reddit", "reddit")
    assert len(items) == 26
    assert all(i.url.startswith("https://www.reddit.com/r/elixir/comments/") for i in items)


def test_hackernews_hits() -> None:
    items = parse_hits(load("hn/algolia_search_story_anthropic_2026-05.json"), "hn")
    assert len(items) == 6
    assert all(i.url.startswith("https://news.ycombinator.com/item?id=") for i in items)
    assert all(i.metrics["points"] >= 0 for i in items)


def test_a_html_page_where_a_feed_was_expected() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(
            b"<!doctype html><html><body>Hello</body></html>", "https://x.org/feed", "blog", "feed"
        )


HOSTILE_FEED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Evil</title><link>https://evil.example/</link>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Nice post</title>
<link>javascript:alert(1)</link><guid>1</guid><pubDate>Tue, 06 Jan 2026 10:00:00 GMT</pubDate>
<description>&lt;p onclick="alert(1)"&gt;Hi &lt;a href="&amp;#106;avascript:alert(1)"&gt;x&lt;/a&gt;
&lt;img src="x.png" onerror="alert(1)"&gt;&lt;a href="/ok"&gt;rel&lt;/a&gt;&lt;/p&gt;</description></item>
</channel></rss>"""


def test_hostile_feed_fields_are_cleaned() -> None:
    [item] = parse_feed(HOSTILE_FEED, "https://evil.example/feed.xml", "evil", "feed")
    assert item.title == "Nice post"
    assert item.url == "https://evil.example/"  # the javascript: link is dropped
    for bad in ("javascript", "onclick", "onerror", "<script"):
        assert bad not in item.html.lower()
    assert 'href="https://evil.example/ok"' in item.html


def test_page_charset_is_honoured(tmp_path: Path) -> None:
    body = '{"topic_list": {"topics": [{"id": 1, "title": "Caf\u00e9", "slug": "c", "created_at": "2026-01-06T00:00:00Z"}]}}'
    page = Page(
        url="https://f.org/latest.json",
        status=200,
        content=body.encode("latin-1"),
        headers={"content-type": "application/json; charset=latin-1"},
    )
    from gazette.sources.base import load_json

    [item] = parse_topic_list(load_json(page), "f", "https://f.org")
    assert item.title == "Café"


def test_discourse_first_post_from_topic_details() -> None:
    from gazette.sources.discourse import first_post_html

    html = first_post_html(load("discourse/apidocs_topic_response.json"), "http://localhost:3000")
    assert html.startswith("<p>") and "<script" not in html
    assert first_post_html({"errors": ["nope"]}, "https://x.org") == ""
