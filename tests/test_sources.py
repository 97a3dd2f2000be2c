"""Each source parses the real captured payloads as they are, quirks included."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gazette.http import Page
from gazette.models import Item
from gazette.sources.base import ParseError
from gazette.sources.discourse import parse_topic_list
from gazette.sources.feeds import parse_feed
from gazette.sources.hackernews import parse_hits
from gazette.sources.hexpm import parse_packages
from gazette.sources.reddit import parse_listing
from tests.conftest import REAL, ROOT, SAMPLE


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


def test_github_rest_releases_with_reactions() -> None:
    from gazette.sources.github import parse_rest_releases

    items = parse_rest_releases(
        load("github/rest_releases_anthropics-claude-code_per_page5_2026-05.json"),
        "gh",
        "anthropics/claude-code",
    )
    assert len(items) == 5
    latest = items[0]
    assert latest.external_id == "anthropics/claude-code@v2.1.132"
    assert latest.title == "claude-code v2.1.132"
    assert latest.url == "https://github.com/anthropics/claude-code/releases/tag/v2.1.132"
    assert latest.published_at == datetime(2026, 5, 6, 22, 8, 13, tzinfo=UTC)
    assert latest.metrics == {"reactions": 22.0}
    assert latest.raw["reactions"]["+1"] == 8
    assert latest.flags == ("release",)
    # the Markdown body becomes cleaned HTML and plain text, not raw Markdown
    assert latest.html.startswith("<h2>What's changed</h2>")
    assert "<code>CLAUDE_CODE_SESSION_ID</code>" in latest.html
    assert latest.text.startswith("What's changed\n\nAdded CLAUDE_CODE_SESSION_ID")
    assert "##" not in latest.text


def test_github_rest_prerelease_flag_and_old_shape_without_reactions() -> None:
    from gazette.sources.github import parse_rest_releases

    items = parse_rest_releases(
        load("github/rest_releases_github-licensed_page1_2021-04.json"), "gh", "github/licensed"
    )
    assert len(items) == 30
    pre = items[0]
    assert pre.external_id == "github/licensed@pre-release-disable-bundler-ruby-packer"
    assert "prerelease" in pre.flags
    assert items[1].title == "licensed 2.15.2" and "prerelease" not in items[1].flags
    assert items[1].metrics == {"reactions": 0.0}
    assert "<h3>Fixed</h3>" in items[1].html


def test_github_rest_release_bodies_are_hostile_markdown() -> None:
    from gazette.sources.github import parse_rest_releases

    body = (
        "# v1 <script>alert(1)</script>\n\n[click](javascript:alert(1)) "
        '<a href="&#106;avascript:alert(1)" onclick="x()">y</a> <img src=x onerror=alert(1)>'
    )
    [item] = parse_rest_releases(
        [
            {
                "tag_name": "v1.0.0",
                "name": "<b>v1</b><script>alert(1)</script>",
                "html_url": "javascript:alert(1)",
                "published_at": "2026-01-06T10:00:00Z",
                "body": body,
                "prerelease": False,
                "draft": False,
            },
            {"tag_name": "v2.0.0", "draft": True, "published_at": None},
        ],
        "gh",
        "o/r",
    )
    assert item.title == "r v1"
    assert item.url == "https://github.com/o/r/releases/tag/v1.0.0"
    for bad in ("<script", "onclick", "onerror", 'href="javascript', "&#106;"):
        assert bad not in item.html.lower()
    # markdown-it leaves a javascript: link as literal text; nh3 drops the encoded one
    assert re.findall(r'(?:href|src)="([^"]*)"', item.html) == []


def test_github_atom_and_rest_give_a_release_the_same_id() -> None:
    from gazette.sources.github import _as_release

    path = REAL / "github/releases_atom_bilalcaliskan-s3-manager_2023-08.atom"
    url = "https://github.com/bilalcaliskan/s3-manager/releases.atom"
    items = parse_feed(path.read_bytes(), url, "gh", "github")
    release = _as_release(items[0], "bilalcaliskan/s3-manager", url, url)
    assert release.external_id == "bilalcaliskan/s3-manager@v2.1.1"


def test_hexpm_keeps_description_docs_and_repository_links() -> None:
    items = parse_packages(
        load("hexpm/packages_sort_updated_at_2022-03-24.json"), "hex", "updated_at"
    )
    qex = next(i for i in items if i.raw["package"] == "qex")
    assert qex.raw["description"].startswith("A `:queue` wrapper")
    assert qex.raw["docs_url"] == "https://hexdocs.pm/qex/"
    assert qex.raw["repository_url"] == "https://github.com/princemaple/elixir-queue"
    assert qex.raw["links"]["Changelog"] == "https://hexdocs.pm/qex/changelog.html"


def test_hexpm_2019_package_shape() -> None:
    from gazette.sources.hexpm import package_item

    # GET /api/packages/phoenix in 2019: no latest_version, releases without inserted_at
    item = package_item(load("hexpm/package_phoenix_2019-01.json"), "hex")
    assert item is not None
    assert item.external_id == "phoenix@1.4.0"
    assert item.url == "https://hex.pm/packages/phoenix/1.4.0"
    # 1.4.0 after 1.4.0-rc.3 is the minor release that follows 1.3.x
    assert item.raw["change"] == "minor" and "prerelease" not in item.flags
    assert item.metrics["downloads_all"] == 6694198
    assert item.raw["docs_url"] == "https://hexdocs.pm/phoenix/"
    assert item.raw["repository_url"].startswith("https://github.com/phoenixframework/")
    assert item.text.startswith("Productive. Reliable. Fast.")
    assert item.published_at == datetime(2019, 1, 15, 20, 16, 25, 248523, tzinfo=UTC)


def test_hexpm_null_release_dates_and_missing_downloads_are_tolerated() -> None:
    from gazette.sources.hexpm import package_item

    item = package_item(
        {
            "name": "tiny",
            "latest_version": "0.1.0-rc.0",
            "updated_at": "2026-01-06T10:00:00Z",
            "releases": [{"version": "0.1.0-rc.0", "inserted_at": None}],
            "downloads": None,
            "meta": {"description": None, "links": None},
        },
        "hex",
    )
    assert item is not None and item.flags == ("new-package", "prerelease")
    assert item.metrics["downloads_all"] == 0 and item.raw["repository_url"] == ""


UTF8_FEED = (
    '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>x</title>'
    "<item><title>Cr\u00e8me br\u00fbl\u00e9e \u2014 \u00e9t\u00e9</title><link>https://x.org/1</link>"
    "<pubDate>Tue, 06 Jan 2026 10:00:00 GMT</pubDate></item></channel></rss>"
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        # UTF-8 labelled windows-1252 by the server and by its own declaration
        (UTF8_FEED.encode("utf-8"), "application/rss+xml; charset=windows-1252"),
        # text/xml without a charset means US-ASCII to RFC 3023
        (UTF8_FEED.encode("utf-8"), "text/xml"),
        # real windows-1252 bytes labelled UTF-8 by the server
        (
            UTF8_FEED.replace("\u2014", "-").encode("windows-1252"),
            "application/rss+xml; charset=utf-8",
        ),
        # UTF-16 with a byte order mark, whatever the labels say
        (UTF8_FEED.encode("utf-16"), "application/rss+xml; charset=iso-8859-1"),
    ],
)
def test_feed_charset_wrong_or_missing(body: bytes, content_type: str) -> None:
    [item] = parse_feed(body, "https://x.org/feed", "x", "feed", content_type)
    assert item.title.replace("-", "\u2014") == "Cr\u00e8me br\u00fbl\u00e9e \u2014 \u00e9t\u00e9"


def test_json_with_a_wrong_charset_label() -> None:
    from gazette.sources.base import load_json

    page = Page(
        url="https://f.org/latest.json",
        status=200,
        content='{"title": "Caf\u00e9 \u2014 ok"}'.encode(),
        headers={"content-type": "application/json; charset=iso-8859-1"},
    )
    assert load_json(page) == {"title": "Caf\u00e9 \u2014 ok"}


def test_malformed_xml_feed_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="malformed feed"):
        parse_feed(
            b"<?xml version='1.0'?><rss><channel><item><title>x", "https://x.org/f", "x", "feed"
        )


def test_feed_times_are_utc() -> None:
    path = SAMPLE / "thinkingelixir.com/feed/podcast.rss"  # RFC 822 dates in -06:00
    items = parse_feed(path.read_bytes(), "https://thinkingelixir.com/feed/podcast", "te", "feed")
    assert items and all(i.published_at.utcoffset() == timedelta(0) for i in items)
    raw = path.read_text("utf-8")
    assert "-0600" in raw


def test_text_of_cleaned_html_needs_no_second_sanitizing_pass() -> None:
    from gazette.clean import clean_html, html_to_text

    fragments = [
        HOSTILE_FEED.decode(),
        (SAMPLE / "dashbit.co/feed.atom").read_text("utf-8"),
        '<p title="a > b">one &amp; two</p><ul><li>x<br>y</li></ul><script>z</script>',
        *(
            t.get("excerpt") or ""
            for t in load("discourse/elixirforum_latest_2026-01.json")["topic_list"]["topics"]
        ),
    ]
    for fragment in fragments:
        cleaned = clean_html(fragment, "https://x.org/")
        assert html_to_text(cleaned, cleaned=True) == html_to_text(cleaned)
    assert (
        html_to_text(clean_html('<p title="a > b">one &amp; two</p>'), cleaned=True) == "one & two"
    )


def test_feeds_parse_with_buffered_expat_and_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The Dashbit feed's posts are escaped HTML: thousands of entity references
    # that the buffered driver joins into one text callback per element.
    import xml.sax

    import feedparser.api

    from gazette.sources.feedxml import BufferedExpatParser

    assert isinstance(
        xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS), BufferedExpatParser
    )
    url = "https://dashbit.co/feed"
    content = (SAMPLE / "dashbit.co" / "feed.atom").read_bytes()
    buffered = parse_feed(content, url, "dashbit", "feed")
    monkeypatch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", [])  # the stock SAX reader
    assert not isinstance(xml.sax.make_parser([]), BufferedExpatParser)
    assert parse_feed(content, url, "dashbit", "feed") == buffered
    assert buffered and all(item.html.startswith("<") for item in buffered)  # markup, unescaped


@pytest.mark.parametrize(
    "title",
    ["Plain title", "  spaced\n\tout  ", "a > b", 'quote "x"', "nul\x00byte", "\ufeffbom",
     "<b>bold</b> &amp; co", "&#106;avascript", "café ☕ \u00a0nbsp"],
)  # fmt: skip
def test_clean_title_fast_path_matches_nh3(title: str) -> None:
    import html

    import nh3

    from gazette.clean import clean_title

    slow = " ".join(html.unescape(nh3.clean(title, tags=set(), attributes={})).split())
    assert clean_title(title) == slow


# -- real-world feed documents (../shared/corpora/feeds, read its README) --------

SHARED_FEEDS = ROOT.parent / "shared" / "corpora" / "feeds"
needs_corpus = pytest.mark.skipif(
    not SHARED_FEEDS.is_dir(), reason=f"the real feed corpus is absent ({SHARED_FEEDS})"
)


def corpus_feed(name: str) -> bytes:
    return (SHARED_FEEDS / name).read_bytes()


@needs_corpus
@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("heise_rss090_undated.rdf", 60),  # RSS 0.90: no date element at all
        ("rss091_dicas-l_iso-8859-1_excerpt.rss", 1),  # RSS 0.91 without item dates
        ("uol-noticias_latin1_no-decl.rss", 15),  # "Seg, 24 Set 2018": Portuguese, unreadable
    ],
)
def test_undated_feed_entries_are_kept_and_marked_undated(name: str, count: int) -> None:
    items = parse_feed(corpus_feed(name), "https://feeds.test/feed", "f", "feed")
    assert len(items) == count
    assert not any(item.dated for item in items)
    assert all(item.published_at.tzinfo is not None for item in items)


@needs_corpus
def test_dated_entries_stay_dated() -> None:
    items = parse_feed(corpus_feed("donthitsave_2019.rss"), "https://feeds.test/f", "f", "feed")
    assert items and all(item.dated for item in items)


@needs_corpus
def test_undefined_html_entity_in_an_undated_feed_keeps_what_feedparser_recovers() -> None:
    # "&eacute;" is not an XML entity: the document is not well-formed, and
    # feedparser's lenient parser still reads every entry (bozo set).
    body = corpus_feed("heise_rss090_undated.rdf").replace(b"<title>", b"<title>Caf&eacute; ")
    import feedparser

    assert feedparser.parse(body).bozo
    items = parse_feed(body, "https://feeds.test/feed", "f", "feed")
    assert len(items) == 60
    assert all(item.title.startswith("Caf\u00e9 ") for item in items)


@needs_corpus
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_utf16_and_utf32_feeds_without_a_byte_order_mark(codec: str, declared: bool) -> None:
    original = corpus_feed("donthitsave_2019.rss")
    text = original.decode("utf-8-sig")
    if declared:
        text = re.sub(r'encoding="[^"]+"', f'encoding="{codec.upper()[:6]}"', text, count=1)
    else:
        text = re.sub(r"<\?xml[^>]*\?>", "", text, count=1)
    expected = parse_feed(original, "https://feeds.test/f", "f", "feed")
    items = parse_feed(text.encode(codec), "https://feeds.test/f", "f", "feed")
    assert [i.title for i in items] == [i.title for i in expected] and len(items) == 10
    assert [i.html for i in items] == [i.html for i in expected]


@needs_corpus
@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_utf16_and_utf32_feeds_with_a_byte_order_mark(codec: str) -> None:
    text = corpus_feed("donthitsave_2019.rss").decode("utf-8-sig")
    text = re.sub(r'encoding="[^"]+"', f'encoding="{codec.upper()}"', text, count=1)
    assert len(parse_feed(text.encode(codec), "https://feeds.test/f", "f", "feed")) == 10


@needs_corpus
def test_an_iframe_written_as_self_closing_does_not_leak_the_post_as_literal_tags() -> None:
    # Blogger writes "<iframe ... />": an iframe's content is raw text up to
    # "</iframe>", so the rest of the post was kept as escaped "<p><iframe" text.
    items = parse_feed(
        corpus_feed("blogger_4fightingserpents_2014.atom"), "https://feeds.test/f", "f", "feed"
    )
    assert len(items) == 25
    for item in items:
        assert "<iframe" not in item.text and "</p>" not in item.text
        assert "&lt;iframe" not in item.html


def test_an_undated_entry_keeps_its_first_seen_date_on_every_fetch(tmp_path: Path) -> None:
    from gazette.store import open_store

    def undated(title: str, with_date: datetime | None = None) -> bytes:
        date = f"<pubDate>{with_date:%a, %d %b %Y %H:%M:%S} GMT</pubDate>" if with_date else ""
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
            f"<item><title>{title}</title><link>https://x.org/1</link>{date}</item>"
            "</channel></rss>"
        ).encode()

    first = datetime(2026, 1, 5, 8, tzinfo=UTC)
    later = datetime(2026, 1, 12, 8, tzinfo=UTC)
    with open_store(tmp_path / "g.db") as store:
        [item] = parse_feed(undated("One"), "https://x.org/feed", "x", "feed")
        assert store.save_items([item], now=first).new == 1
        [again] = parse_feed(undated("One"), "https://x.org/feed", "x", "feed")
        assert store.save_items([again], now=later).unchanged == 1
        [edited] = parse_feed(undated("One, edited"), "https://x.org/feed", "x", "feed")
        assert store.save_items([edited], now=later).updated == 1
        [stored] = store.items_between(first - timedelta(days=1), later + timedelta(days=1))
        assert stored.item.published_at == first and not stored.item.dated
        assert stored.item.title == "One, edited"
        # The feed dates it at last: the real date wins.
        real = datetime(2025, 12, 30, 9, tzinfo=UTC)
        [dated] = parse_feed(undated("One, edited", real), "https://x.org/feed", "x", "feed")
        assert store.save_items([dated], now=later).updated == 1
        [stored] = store.items_between(real, later)
        assert stored.item.published_at == real and stored.item.dated


# -- one bad record skips only itself ------------------------------------------


def _forum(mutate: Callable[[dict[str, Any]], None]) -> tuple[list[Item], int]:
    data = load("discourse/elixirforum_latest_2026-01.json")
    assert isinstance(data, dict)
    mutate(data)
    return parse_topic_list(data, "forum", "https://elixirforum.com", URL), 30


def _hex(mutate: Callable[[list[Any]], None]) -> tuple[list[Item], int]:
    data = load("hexpm/packages_sort_inserted_at_2022-03-24.json")
    assert isinstance(data, list)
    mutate(data)
    return parse_packages(data, "hex", "inserted_at", URL), 100


def _reddit(mutate: Callable[[dict[str, Any]], None]) -> tuple[list[Item], int]:
    data = load("reddit/r_ClaudeAI_hot_limit10_2026-05.json")
    assert isinstance(data, dict)
    mutate(data)
    return parse_listing(data, "reddit", URL), len(data["data"]["children"])


def _hn(mutate: Callable[[dict[str, Any]], None]) -> tuple[list[Item], int]:
    data = load("hn/algolia_search_story_anthropic_2026-05.json")
    assert isinstance(data, dict)
    mutate(data)
    return parse_hits(data, "hn", URL), len(data["hits"])


def _github(mutate: Callable[[list[Any]], None]) -> tuple[list[Item], int]:
    from gazette.sources.github import parse_rest_releases

    data = load("github/rest_releases_github-licensed_page1_2021-04.json")
    assert isinstance(data, list)
    mutate(data)
    return parse_rest_releases(data, "gh", "github/licensed", url=URL), len(data)


URL = "https://records.test/page.json"


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Any], None]:
    def mutate(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("parse", "mutate", "field"),
    [
        (_forum, _set(("topic_list", "topics", 3, "tags"), 5), "tags"),
        (_forum, _set(("topic_list", "topics", 3, "like_count"), 10**400), "like_count"),
        (_forum, _set(("topic_list", "topics", 3, "created_at"), 1e300), "created_at"),
        (_forum, _set(("topic_list", "topics", 3, "posters"), "x"), "posters"),
        (_forum, _set(("topic_list", "topics", 3, "title"), ["a"]), "title"),
        (_hex, _set((7, "releases"), 7), "releases"),
        (_hex, _set((7, "downloads"), {"all": 10**400}), "all"),
        (_hex, _set((7, "inserted_at"), 1e300), "inserted_at"),
        (_reddit, _set(("data", "children", 2, "data", "score"), 10**400), "score"),
        (_reddit, _set(("data", "children", 2, "data", "created_utc"), 1e300), "created_utc"),
        (_reddit, _set(("data", "children", 2, "data", "title"), 5), "title"),
        (_hn, _set(("hits", 1, "points"), 10**400), "points"),
        (_hn, _set(("hits", 1, "created_at_i"), 1e300), "created_at_i"),
        (_github, _set((4, "reactions"), {"total_count": 10**400}), "total_count"),
        (_github, _set((4, "published_at"), 1e300), "published_at"),
    ],
)
def test_one_record_with_a_wrong_type_is_skipped_and_the_others_kept(
    parse: Callable[[Callable[[Any], None]], tuple[list[Item], int]],
    mutate: Callable[[Any], None],
    field: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from gazette.sources.base import counting_skips

    good, _ = parse(lambda data: None)
    with caplog.at_level(logging.WARNING), counting_skips() as skipped:
        items, _ = parse(mutate)
    assert len(items) == len(good) - 1 and len(skipped) == 1
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert URL in warning and repr(field) in warning
    assert warning.split(":")[0] in {"forum", "hex", "reddit", "hn", "gh"}  # the source


@pytest.mark.parametrize("users", [None, 5, "x"])
def test_a_broken_discourse_users_list_costs_only_the_authors(
    users: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Before, `users: null` failed the whole source with "TypeError: 'NoneType'
    # object is not iterable". Null is as good as absent; another type is a warning.
    data = load("discourse/elixirforum_latest_2026-01.json")
    assert isinstance(data, dict)
    data["users"] = users
    with caplog.at_level(logging.WARNING):
        items = parse_topic_list(data, "forum", "https://elixirforum.com", URL)
    assert len(items) == 30 and {i.author for i in items} == {""}
    warned = [r.getMessage() for r in caplog.records if "'users'" in r.getMessage()]
    assert bool(warned) == (users is not None)
    assert all(URL in w and w.startswith("forum:") for w in warned)


def test_a_record_skipped_in_a_fetch_is_counted_in_the_result(tmp_path: Path) -> None:
    from gazette.config import load_settings
    from gazette.fetch import fetch_all
    from gazette.output import print_fetch_results
    from gazette.replay import ReplayServer
    from gazette.store import open_store

    data = load("discourse/elixirforum_latest_2026-01.json")
    assert isinstance(data, dict)
    data["topic_list"]["topics"][5]["like_count"] = 10**400
    data["topic_list"]["topics"][6]["tags"] = 5
    site = tmp_path / "replay" / "forum"
    site.mkdir(parents=True)
    (site / "latest.json").write_text(json.dumps(data), "utf-8")
    (site / "latest.json@page=1").write_text('{"topic_list": {"topics": []}}')
    with ReplayServer(tmp_path / "replay") as server:
        config = tmp_path / "gazette.toml"
        config.write_text(
            '[fetch]\nbackoff = 0.01\nmax_wait = 0.2\n\n[[sources]]\nname = "forum"\n'
            f'kind = "discourse"\nbase_url = "{server.url}/forum"\ntop = false\n'
            'site_url = "https://elixirforum.com"\n',
            "utf-8",
        )
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(load_settings(config), store, datetime(2026, 1, 1, tzinfo=UTC))
            assert store.count_items() == 28
    assert (result.status, result.new, result.skipped) == ("ok", 28, 2)
    assert result.as_dict()["skipped"] == 2
    from gazette import output

    with output.console.capture() as captured:
        print_fetch_results([result])
    assert "skipped" in captured.get()


@needs_corpus
def test_a_refetched_undated_feed_keeps_its_first_seen_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gazette import store as store_module
    from gazette.config import load_settings
    from gazette.fetch import fetch_all
    from gazette.replay import ReplayServer
    from gazette.store import open_store

    site = tmp_path / "replay" / "feeds.test"
    site.mkdir(parents=True)
    (site / "heise.rdf").write_bytes(corpus_feed("heise_rss090_undated.rdf"))
    first = datetime(2026, 1, 5, 8, tzinfo=UTC)
    with ReplayServer(tmp_path / "replay") as server:
        config = tmp_path / "gazette.toml"
        config.write_text(
            f'[[sources]]\nname = "heise"\nkind = "feed"\nurl = "{server.url}/feeds.test/heise.rdf"\n',
            "utf-8",
        )
        settings = load_settings(config)
        with open_store(tmp_path / "g.db") as store:
            for n, now in enumerate([first, first + timedelta(days=7)]):
                monkeypatch.setattr(store_module, "utc_now", lambda now=now: now)
                store.db.execute("delete from fetch_state")  # no 304: parse it again
                [result] = fetch_all(settings, store, first - timedelta(days=30))
                assert (result.status, result.new, result.unchanged) == (
                    ("ok", 60, 0) if n == 0 else ("ok", 0, 60)
                )
            items = store.items_between(first - timedelta(days=1), first + timedelta(days=1))
    assert len(items) == 60
    assert all(i.item.published_at == first and not i.item.dated for i in items)


# -- a plain-text title keeps its characters ------------------------------------

# What plain-text titles of the Elixir world really hold: a component, a type
# parameter, an operator, an entity written out as text.
PLAIN = "Phoenix <.link> and Vec<T>: a <= b && c, &amp; is not &"


def test_an_atom_text_title_keeps_its_characters_and_an_html_one_its_text() -> None:
    """Atom says which titles are plain text: their "<" and "&" are characters,
    decoded once by the XML parser and never again; an HTML title loses its
    tags, not its words. RSS titles are HTML by custom and stay so."""
    escaped = PLAIN.replace("&", "&amp;").replace("<", "&lt;")
    feed = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>'
        f'<entry><id>1</id><title type="text">{escaped}</title>'
        '<link href="https://a.example/1"/><updated>2026-01-05T10:00:00Z</updated></entry>'
        f"<entry><id>2</id><title>{escaped}</title>"
        '<link href="https://a.example/2"/><updated>2026-01-05T10:00:00Z</updated></entry>'
        '<entry><id>3</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more</title>'
        '<link href="https://a.example/3"/><updated>2026-01-05T10:00:00Z</updated></entry>'
        "</feed>"
    ).encode()
    titles = [item.title for item in parse_feed(feed, "https://a.example/feed", "blog", "blog")]
    assert titles == [PLAIN, PLAIN, "Bold & more"]


def test_plain_text_titles_of_json_sources_keep_their_characters() -> None:
    from gazette.sources.github import parse_rest_releases

    topics = load("discourse/elixirforum_latest_2026-01.json")
    topics["topic_list"]["topics"][0]["title"] = PLAIN
    [first, *_] = parse_topic_list(topics, "forum", "https://elixirforum.com")
    hits = load("hn/algolia_search_story_anthropic_2026-05.json")
    hits["hits"][0]["title"] = PLAIN
    [story, *_] = parse_hits(hits, "hn")
    packages = load("hexpm/packages_sort_inserted_at_2022-03-24.json")
    packages[0]["meta"]["description"] = PLAIN
    [package, *_] = parse_packages(packages, "hex", "inserted_at")
    release = {"tag_name": "v1.0.0", "name": PLAIN, "published_at": "2026-01-06T10:00:00Z"}
    [released] = parse_rest_releases([release], "gh", "o/r")
    assert first.title == story.title == PLAIN
    assert package.text == PLAIN
    assert released.title == f"r {PLAIN}"


def test_a_plain_title_that_would_run_as_script_is_still_cleaned() -> None:
    from gazette.clean import plain_title

    assert plain_title("<script>alert(1)</script>Forum topic") == "Forum topic"
    assert plain_title('Hi <img src=x onerror="alert(1)"> there') == "Hi there"
    assert plain_title("  two\n lines\x00\ufeff ") == "two lines"
