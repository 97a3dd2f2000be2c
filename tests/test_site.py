"""The static archive: files, feed, links, determinism, incremental rebuilds,
golden pages, and a real browser (layout at phone width, hostile content inert)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import itertools
import json
import os
import re
import shutil
import sqlite3
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser
import pytest

import gazette.render.site as site_module
import gazette.render.site.feeds as feeds_module
import gazette.render.site.manifest as manifest_module
import gazette.render.site.pages as pages_module
import gazette.render.site.writing as writing_module
import gazette.writer as writer_module
from gazette.config import Settings, load_settings
from gazette.draft import parse_draft, write_draft
from gazette.errors import RenderError
from gazette.importer import import_archive
from gazette.models import Issue, Pick, PublishedIssue, Sponsor
from gazette.publish import archive_issues
from gazette.render import BUILTIN_TEMPLATES
from gazette.render.site import MANIFEST, SiteReport, build_site
from gazette.render.site.views import archive_of
from gazette.render.web import body_digest, issue_body_html, sanitize_body_html, slugify
from gazette.search import update_search
from gazette.store import open_store
from gazette.writer import DuplicateWriteError, Writer
from tests.conftest import launch_chromium
from tests.subprocess_cli import child_env, new_workspace, run_gazette
from tests.test_link_check import filtered_by_nh3

GOLDEN = Path(__file__).parent / "golden" / "site"
BASE_URL = "https://gazette.example.org/archive"
SUBSCRIBE = "https://newsletter.example.org/subscribe"
HOSTILE_TITLE = "Pwned? <script>window.__pwned = 1; alert('title')</script>"
SPONSOR = Sponsor(
    heading="TIRED OF DEVOPS HEADACHES?",
    body="Deploy your next Elixir app hassle-free with Gigalixir and focus more on coding, "
    "less on ops.",
    cta_text="Try Gigalixir",
    cta_url="https://www.gigalixir.com",
)


def _issue(number: int, **fields: object) -> Issue:
    defaults: dict[str, object] = {
        "week": f"2026-W{number + 1:02d}",
        "welcome": "Welcome to GigaElixir Gazette, your 5-minute digest of Elixir ecosystem "
        "news that actually matters 👋.",
        "sponsor": SPONSOR,
        "sign_off": "See you next week,",
        "editor": "Michael",
        "ps": "Forward this to a friend who loves Elixir as much as you do 💜",
        "number": number,
        "published_on": f"2026-01-{5 + 7 * (number - 1):02d}",
    }
    defaults.update(fields)
    return Issue(**defaults)  # type: ignore[arg-type]


def _published(issue: Issue, tags: tuple[str, ...]) -> PublishedIssue:
    assert issue.number is not None and issue.published_on is not None
    # Published as the editor's draft file gives it back, which must be the same.
    drafted = parse_draft(write_draft(issue)).issue
    assert drafted == issue
    issue = drafted
    return _row(
        issue,
        number=issue.number,
        week=issue.week,
        slug=slugify(issue.title),
        published_on=issue.published_on,
        html=issue_body_html(issue),
        tags=tags,
    )


def _row(
    issue: Issue,
    *,
    number: int,
    week: str,
    slug: str,
    published_on: str,
    html: str,
    tags: tuple[str, ...],
) -> PublishedIssue:
    """A published issue made from ``issue`` with the given body, as a
    row without Gazette's digest (so the site sanitizes its HTML again)."""
    return PublishedIssue(
        week=week,
        number=number,
        slug=slug,
        title=issue.title,
        published_on=published_on,
        html_utf8=html.encode("utf-8"),
        tags=tags,
        emoji=issue.emoji,
        subtitle=issue.subtitle,
    )


def issue_one() -> PublishedIssue:
    return _published(
        _issue(
            1,
            title="Drain Your Queue, Save Your Week",
            emoji="🔄",
            subtitle="GenServer migration reality check",
            picks=(
                Pick(
                    headline="Migrating GenServers Between Nodes? Drain and Restart Beats "
                    "Clever Solutions",
                    emoji="🔄",
                    body="Alex66 asked how to move running GenServers between nodes without "
                    "losing data. Three approaches emerged: blue-green deployment, hot code "
                    "reload with `code_change/3`, or drain-and-restart.\n\nThe pragmatic "
                    "truth: unless you're running a stock exchange, **drain the queue and "
                    "restart**.",
                    url="https://elixirforum.com/t/moving-genservers/70001",
                    link_text="Read the thread on Elixir Forum",
                    tags=("otp",),
                ),
                Pick(
                    headline="Homex Brings Home Assistant Integration to Nerves Without the "
                    "YAML Hell",
                    emoji="🏠",
                    body="Kevin Schweikert's Homex brings first-class Home Assistant "
                    "integration to Nerves devices without boilerplate: `use "
                    "Homex.Entity.Switch`, implement `handle_on/1` and `handle_off/1`, done.",
                    url="https://hex.pm/packages/homex",
                    link_text="See the package on Hex.pm",
                    tags=("nerves",),
                ),
            ),
            feature=Pick(
                headline="Framework Migrations Are Toil, Not Real Work",
                body="Ricardo García Vega's blog sat dormant for four years. Not because he "
                "stopped caring about writing, but because framework migrations are "
                "high-friction, low-creativity work.\n\nThe usage_rules library changes the "
                "equation: your agent gets authoritative documentation on how to use your "
                "stack.",
                url="https://example.com/blog/migrations-are-toil",
                link_text="Read the full post",
                remember=(
                    "usage_rules library = agent follows José's docs, not 2019 Stack Overflow",
                    "Mechanical translation work doesn't require your expertise",
                ),
            ),
            quick_links=(
                Pick(
                    headline="Phoenix 1.8 release notes",
                    url="https://github.com/phoenixframework/phoenix/releases",
                    body="scopes, *magic links* and more",
                ),
                Pick(  # a title quoting HTML as text, a URL with parentheses
                    headline="Why <b> in a title stays text",
                    url="https://en.wikipedia.org/wiki/Elixir_(programming_language)",
                    # Scraped text as the draft holds it: identifiers stay text, not bold.
                    body="on \\_\\_MODULE\\_\\_ and %\\_\\_struct\\_\\_{}",
                ),
            ),
        ),
        ("otp", "nerves"),
    )


def issue_two() -> PublishedIssue:
    """Hostile everywhere an editor's or a source's text reaches the page."""
    return _published(
        _issue(
            2,
            title=HOSTILE_TITLE,
            emoji="⚖️",
            subtitle='"><img src=x onerror="window.__pwned = 2">',
            picks=(
                Pick(
                    headline='<img src=x onerror="window.__pwned = 3"> Tribunal tests LLM outputs',
                    emoji="⚖️",
                    body="Summary with <script>window.__pwned = 4</script> a script, an "
                    '<img src="x" onerror="window.__pwned = 5"> image and a '
                    "[bad link](javascript:window.__pwned=6) plus an "
                    '<a href="&#106;avascript:alert(1)">encoded one</a>.',
                    url="javascript:window.__pwned = 7",
                    link_text="Never a link",
                    tags=("testing",),
                ),
            ),
            quick_links=(
                Pick(headline="data: link", url="data:text/html,<script>alert(1)</script>"),
            ),
            sponsor=Sponsor(heading="<b>bold</b>", body="x", cta_text="Go", cta_url="vbscript:x"),
        ),
        ("testing", "<script>alert('tag')</script>"),
    )


def issue_three() -> PublishedIssue:
    return _published(
        _issue(
            3,
            title="LiveView Streams Grow Up",
            emoji="⚡",
            subtitle="Plus: Ecto's new query inspector",
            picks=(
                Pick(
                    headline="Streams now reset without a full re-render",
                    emoji="⚡",
                    body="A long URL that must wrap on a phone: https://hexdocs.pm/"
                    "phoenix_live_view/Phoenix.LiveView.html#stream/4-resetting-a-stream-"
                    "without-a-full-re-render-of-the-whole-list",
                    url="https://hexdocs.pm/phoenix_live_view/Phoenix.LiveView.html",
                    link_text="Read the docs",
                    tags=("liveview",),
                ),
            ),
        ),
        ("liveview", "otp"),
    )


def issue_four() -> PublishedIssue:
    return _published(
        _issue(
            4,
            title="Ecto Gets a Query Inspector",
            emoji="🗄️",
            subtitle="See the SQL before it runs",
            picks=(
                Pick(
                    headline="Ecto.Inspector",
                    body="Shows the SQL.",
                    url="https://hex.pm/packages/ecto",
                    tags=("ecto",),
                ),
            ),
        ),
        ("ecto", "otp"),
    )


@pytest.fixture
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    config = tmp_path_factory.mktemp("config") / "gazette.toml"
    config.write_text(f'[publication]\nbase_url = "{BASE_URL}/"\n', "utf-8")
    return load_settings(config)


def three_issues() -> list[PublishedIssue]:
    return [issue_one(), issue_two(), issue_three()]


def build(out: Path, settings: Settings, issues: list[PublishedIssue] | None = None) -> SiteReport:
    return build_site(
        three_issues() if issues is None else issues, settings, out, subscribe_url=SUBSCRIBE
    )


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


ISSUE_DIRS = {
    1: "issues/1-drain-your-queue-save-your-week",
    2: "issues/2-pwned-script-window-pwned-1-alert-title-script",
    3: "issues/3-liveview-streams-grow-up",
    4: "issues/4-ecto-gets-a-query-inspector",
}


# --- files ---------------------------------------------------------------------


def test_builds_every_page(tmp_path: Path, settings: Settings) -> None:
    report = build(tmp_path, settings)
    expected = {
        "index.html",
        f"{ISSUE_DIRS[1]}/index.html",
        f"{ISSUE_DIRS[2]}/index.html",
        f"{ISSUE_DIRS[3]}/index.html",
        "tags/index.html",
        "tags/liveview/index.html",
        "tags/liveview/feed.xml",
        "tags/nerves/index.html",
        "tags/nerves/feed.xml",
        "tags/otp/index.html",
        "tags/otp/feed.xml",
        "tags/testing/index.html",
        "tags/testing/feed.xml",
        "tags/script-alert-tag-script/index.html",
        "tags/script-alert-tag-script/feed.xml",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "style.css",
        "favicon.svg",
        "search/index.html",
        "search.js",
    }
    assert set(report.written) == expected
    assert report.unchanged == ()
    assert set(tree(tmp_path)) == expected | {MANIFEST}
    assert report.written == tuple(sorted(report.written))


def test_headings_descend_one_level_and_every_page_has_an_icon(
    tmp_path: Path, settings: Settings
) -> None:
    """What the Nu HTML Checker and Lighthouse reported: a tag page went from h1
    to h3, the tag index put aria-label on a plain span, /favicon.ico was a 404."""
    build(tmp_path, settings)
    for page in (
        "tags/otp/index.html",
        "tags/index.html",
        "index.html",
        ISSUE_DIRS[1] + "/index.html",
    ):
        html = (tmp_path / page).read_text("utf-8")
        levels = [int(n) for n in re.findall(r"<h([1-6])\b", html)]
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{page}: h{before} then h{after}"
        assert not re.search(r"<span[^>]*aria-label", html), page
        assert re.search(r'<link rel="icon" href="[./]*favicon.svg"', html), page
    assert (tmp_path / "favicon.svg").read_text("utf-8").startswith("<svg")
    tag_index = re.sub(r"<[^>]+>", "", (tmp_path / "tags/index.html").read_text("utf-8"))
    assert re.search(r"otp [0-9]+ issues", tag_index)  # the count reads as words


def test_search_off_means_no_search_page(tmp_path: Path) -> None:
    config = tmp_path / "gazette.toml"
    config.write_text(f'[publication]\nbase_url = "{BASE_URL}"\n[site]\nsearch = false\n')
    report = build_site(three_issues(), load_settings(config), tmp_path / "out")
    assert "search/index.html" not in report.written
    assert "search/index.html" not in (tmp_path / "out/index.html").read_text("utf-8")


def test_index_shows_latest_in_full_and_every_issue_newest_first(
    tmp_path: Path, settings: Settings
) -> None:
    build(tmp_path, settings)
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "Streams now reset without a full re-render" in index  # latest issue's body
    assert "Homex Brings" not in index  # older issues are listed, not shown
    positions = [index.index(f'href="{ISSUE_DIRS[n]}/index.html"') for n in (3, 2, 1)]
    assert positions == sorted(positions)
    assert f'<link rel="canonical" href="{BASE_URL}/">' in index
    assert f'<form class="subscribe-form" action="{SUBSCRIBE}" method="post">' in index


def test_issue_page_has_meta_and_prev_next(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    page = (tmp_path / ISSUE_DIRS[3] / "index.html").read_text("utf-8")
    assert f'<link rel="canonical" href="{BASE_URL}/{ISSUE_DIRS[3]}/">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="⚡ LiveView Streams Grow Up">' in page
    assert '<meta property="article:published_time" content="2026-01-19">' in page
    assert f'rel="prev" href="../../{ISSUE_DIRS[2]}/index.html"' in page
    assert 'rel="next"' not in page
    assert '<link rel="stylesheet" href="../../style.css">' in page
    first = (tmp_path / ISSUE_DIRS[1] / "index.html").read_text("utf-8")
    assert 'rel="prev"' not in first
    assert f'rel="next" href="../../{ISSUE_DIRS[2]}/index.html"' in first
    # The sample issue's shape.
    for text in (". WEEKLY PICKS .", "Remember:", ". TIRED OF DEVOPS HEADACHES? .", "P.S. Forward"):
        assert text in first


def test_robots_sitemap_and_404(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    robots = (tmp_path / "robots.txt").read_text("utf-8")
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in robots
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = ET.parse(tmp_path / "sitemap.xml").getroot().findall("s:url", ns)
    locs = {
        u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in urls
    }
    assert locs[f"{BASE_URL}/"] == "2026-01-19"
    assert locs[f"{BASE_URL}/{ISSUE_DIRS[1]}/"] == "2026-01-05"
    assert locs[f"{BASE_URL}/tags/nerves/"] == "2026-01-05"
    assert len(locs) == 1 + 3 + 1 + 5
    not_found = (tmp_path / "404.html").read_text("utf-8")
    # Served at any depth, so its links start at the site's path, not relative.
    assert 'href="/archive/style.css"' in not_found
    assert '<meta name="robots" content="noindex">' in not_found


def test_no_subscribe_box_without_url(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    assert "subscribe-form" not in (tmp_path / "index.html").read_text("utf-8")


def test_empty_archive(tmp_path: Path, settings: Settings) -> None:
    report = build_site([], settings, tmp_path)
    assert "index.html" in report.written
    assert feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries == []


def test_duplicate_issue_numbers_are_refused(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(RenderError, match="number 1"):
        build_site([issue_one(), issue_one()], settings, tmp_path)


# --- feeds ---------------------------------------------------------------------


def test_atom_feed(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.updated == "2026-01-19T00:00:00Z"
    assert feed.feed.id.startswith("urn:uuid:")
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [f"{BASE_URL}/feed.xml"]
    assert len(feed.entries) == 3
    assert [e.link for e in feed.entries] == [f"{BASE_URL}/{ISSUE_DIRS[n]}/" for n in (3, 2, 1)]
    assert [e.updated for e in feed.entries] == [
        "2026-01-19T00:00:00Z",
        "2026-01-12T00:00:00Z",
        "2026-01-05T00:00:00Z",
    ]
    ids = [e.id for e in feed.entries]
    assert len(set(ids)) == 3 and all(i.startswith("urn:uuid:") for i in ids)
    assert feed.entries[2].title == "🔄 Drain Your Queue, Save Your Week"
    assert "Migrating GenServers Between Nodes?" in feed.entries[2].content[0].value
    assert {t.term for t in feed.entries[2].tags} == {"otp", "nerves"}
    # The hostile title arrives as text, not markup.
    raw = (tmp_path / "feed.xml").read_text("utf-8")
    assert "<script>" not in raw
    assert "&lt;script&gt;window.__pwned" in raw


def test_feed_ids_depend_only_on_base_url_and_number(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path / "a", settings)
    renamed = _published(_issue(1, title="A Corrected Title", published_on="2026-01-06"), ("otp",))
    build(tmp_path / "b", settings, [renamed, issue_two(), issue_three()])
    ids_a = [e.id for e in feedparser.parse((tmp_path / "a/feed.xml").read_bytes()).entries]
    ids_b = [e.id for e in feedparser.parse((tmp_path / "b/feed.xml").read_bytes()).entries]
    assert ids_a == ids_b
    tag_feed = feedparser.parse((tmp_path / "a/tags/otp/feed.xml").read_bytes())
    assert [e.id for e in tag_feed.entries] == [ids_a[0], ids_a[2]]


def _many(count: int) -> list[PublishedIssue]:
    return [
        _published(
            _issue(n, title=f"Issue {n}", published_on=f"2025-{1 + n // 28:02d}-{1 + n % 28:02d}"),
            ("otp",),
        )
        for n in range(1, count + 1)
    ]


def test_feed_keeps_the_last_twenty(tmp_path: Path, settings: Settings) -> None:
    assert settings.site.feed_entries == 20
    build(tmp_path, settings, _many(25))
    entries = feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries
    assert len(entries) == 20
    assert entries[0].title == "Issue 25"
    assert entries[-1].title == "Issue 6"


def test_feed_entries_comes_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "gazette.toml"
    config.write_text(f'[publication]\nbase_url = "{BASE_URL}"\n[site]\nfeed_entries = 3\n')
    build(tmp_path / "out", load_settings(config), _many(5))
    for feed in ("feed.xml", "tags/otp/feed.xml"):
        entries = feedparser.parse((tmp_path / "out" / feed).read_bytes()).entries
        assert [e.title for e in entries] == ["Issue 5", "Issue 4", "Issue 3"]


# --- links ---------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if tag == "form" and name == "action" and value is not None:
                self.links.append(value)


def broken_links(out: Path) -> list[str]:
    """Every internal href/src of every page resolves to a file of the build."""
    site_path = urlsplit(BASE_URL).path.rstrip("/") + "/"
    broken = []
    for page in sorted(out.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text("utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                assert parts.scheme in ("http", "https"), f"{page}: {link}"
                continue
            if not parts.path:
                continue  # a fragment on the same page
            if parts.path.startswith("/"):
                assert parts.path.startswith(site_path), f"{page}: {link}"
                target = out / unquote(parts.path[len(site_path) :])
            else:
                target = page.parent / unquote(parts.path)
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or out.resolve() not in target.resolve().parents:
                broken.append(f"{page.relative_to(out)}: {link}")
    return broken


def test_every_internal_link_resolves(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    assert broken_links(tmp_path) == []
    # The checker itself notices a broken link.
    (tmp_path / "style.css").unlink()
    assert "index.html: style.css" in broken_links(tmp_path)


def test_links_resolve_with_the_search_index(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    update_search(tmp_path, three_issues(), settings)
    assert broken_links(tmp_path) == []
    # Every page links to the search page, which loads search.js, which reads
    # the list of segments, then each segment's files.
    assert 'href="../../search/index.html"' in (tmp_path / ISSUE_DIRS[1] / "index.html").read_text()
    search_js = (tmp_path / "search.js").read_text("utf-8")
    assert 'load("index.json")' in search_js and '"/meta.json"' in search_js
    years = json.loads((tmp_path / "search-index/index.json").read_text("utf-8"))["years"]
    for year in years:
        assert (tmp_path / "search-index" / year / "meta.json").is_file(), year
    assert 'data-index="../search-index/"' in (tmp_path / "search/index.html").read_text("utf-8")


def test_internal_links_are_relative(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    for page in sorted(tmp_path.rglob("*.html")):
        if page.name == "404.html":
            continue
        parser = _Links()
        parser.feed(page.read_text("utf-8"))
        internal = [link for link in parser.links if not urlsplit(link).scheme]
        assert internal and not [link for link in internal if link.startswith("/")], page


# --- hostile content -------------------------------------------------------------


class _Audit(HTMLParser):
    """Every element and attribute of a page: what a browser would act on."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []

        self.scripts: list[str] = []  # the src of each <script>, "" for inline ones
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "")
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.scripts.append("inline")


def test_hostile_content_is_inert(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    for page in sorted(tmp_path.rglob("*.html")):
        audit = _Audit()
        audit.feed(page.read_text("utf-8"))
        # The one script of the whole site is search.js, on the search page only.
        if page == tmp_path / "search/index.html":
            assert audit.scripts == ["../search.js"]
        else:
            assert audit.scripts == [], page
        assert "iframe" not in audit.tags, page
        for tag, name, value in audit.attributes:
            assert not name.startswith("on"), (page, tag, name, value)
            if name in ("href", "src", "action"):
                assert urlsplit(value).scheme in ("", "http", "https"), (page, tag, value)
    hostile = (tmp_path / ISSUE_DIRS[2] / "index.html").read_text("utf-8")
    escaped = "Pwned? &lt;script&gt;window.__pwned = 1; alert(&#39;title&#39;)&lt;/script&gt;"
    assert escaped in hostile
    assert "Never a link" not in hostile  # its javascript: URL was dropped, so no link at all
    assert 'content="&#34;&gt;&lt;img src=x onerror=' in hostile  # og:description stays text


TAMPERED_HTML = (
    '<p onclick="window.__pwned = 1">x</p><script>window.__pwned = 2</script>'
    '<a href="javascript:window.__pwned = 3">a</a><a href="&#106;avascript:alert(1)">b</a>'
    '<a href="java\tscript:alert(1)">c</a><img src="data:image/png;base64,AAAA">'
    '<iframe src="https://evil.example"></iframe><a href="https://ok.example/">ok</a>'
)


def assert_tampering_inert(site: Path, issue_dir: str) -> None:
    for page in (f"{issue_dir}/index.html", "index.html", "feed.xml"):
        text = (site / page).read_text("utf-8")
        for bad in ("onclick", "<script>window", "javascript:", "data:image", "<iframe", "alert"):
            assert bad not in text, (page, bad)
        assert "https://ok.example/" in text


def test_tampered_stored_html_is_sanitized_again(tmp_path: Path, settings: Settings) -> None:
    """HTML that comes without Gazette's digest still runs nothing."""
    tampered = _row(
        _issue(1, title="Tampered"),
        number=1,
        week="2026-W02",
        slug="tampered",
        published_on="2026-01-05",
        html=TAMPERED_HTML,
        tags=("otp",),
    )
    build_site([tampered], settings, tmp_path)
    assert_tampering_inert(tmp_path, "issues/1-tampered")


def test_html_changed_in_the_database_is_sanitized_again(
    tmp_path: Path, settings: Settings
) -> None:
    """Gazette stores a digest of the HTML it sanitized and places that HTML as
    it is; HTML another program wrote into the database no longer matches the
    digest and is sanitized again, and trusting the digest changes no byte."""
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "a.md").write_text(
        "Title: Clean\nNumber: 1\nDate: 2024-01-10\n\nA [link](https://ok.example/).\n"
    )
    db = tmp_path / "g.db"
    with open_store(db) as store:
        import_archive(store, folder)
        build_site(archive_issues(store), settings, tmp_path / "trusted")
        store.db.execute("update issues set html_digest = null")
        build_site(archive_issues(store), settings, tmp_path / "checked")
    assert tree(tmp_path / "trusted") == tree(tmp_path / "checked")
    with open_store(db) as store:
        store.db.execute("update issues set html_digest = ?", [body_digest("<p>clean</p>\n")])
    # Another program rewrites the stored HTML and leaves Gazette's digest as it was.
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("update issues set html = ?", [TAMPERED_HTML])
    with open_store(db) as store:
        issues = archive_issues(store)
    assert issues[0].html_digest == body_digest("<p>clean</p>\n")
    build_site(issues, settings, tmp_path / "site")
    assert_tampering_inert(tmp_path / "site", "issues/1-clean")


def test_sanitizing_is_idempotent_and_links_must_be_absolute_http() -> None:
    html = (
        '<p><a href="https://a.example/x?y=1&amp;z=2">a</a> <a href="/relative">r</a>'
        ' <a href="HTTPS://B.example">b</a> <a href=" https://c.example/ ">c</a>'
        ' <img src="http://d.example/i.png" alt="i"></p>'
    )
    strict = sanitize_body_html(html)
    assert 'href="https://a.example/x?y=1&amp;z=2"' in strict
    assert "/relative" not in strict  # relative links go where a draft's HTML is made
    assert 'href="HTTPS://B.example"' in strict and 'href="https://c.example/"' in strict
    assert sanitize_body_html(strict) == strict
    assert sanitize_body_html(strict, strict_links=False) == strict
    # Links are checked in nh3's output, not by nh3's per-link filter: the same result.
    plain = '<p><a href="https://a.example/x?y=1">a</a> <img src="HTTP://d.example/i.png"></p>'
    assert sanitize_body_html(plain) == filtered_by_nh3(plain)
    assert sanitize_body_html(html) == filtered_by_nh3(html)
    text_only = '<p>write href="javascript:alert(1)" in a tag</p><a href="/x">x</a>'
    assert "/x" not in sanitize_body_html(text_only)


def test_slugify() -> None:
    assert slugify("Drain Your Queue, Save Your Week") == "drain-your-queue-save-your-week"
    assert slugify("Miguel Cobá & Oban: ¿scopes?") == "miguel-coba-oban-scopes"
    assert slugify("🔄🔄") == "issue"
    assert slugify("") == "issue"
    assert slugify("../../etc/passwd") == "etc-passwd"
    long = slugify("word " * 40)
    assert len(long) <= 60 and not long.endswith("-") and long.endswith("word")
    assert len(slugify("x" * 100)) == 60


# --- determinism and incremental builds -------------------------------------------


def test_rebuild_with_nothing_changed_writes_nothing(tmp_path: Path, settings: Settings) -> None:
    first = build(tmp_path, settings)
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    second = build(tmp_path, settings)
    assert second.written == ()
    assert second.unchanged == first.written
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == mtimes


def test_unchanged_pages_are_not_even_rendered(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tmp_path, settings)
    # An unchanged page whose bytes on disk match the manifest is trusted as is:
    # rendering would be the slow part of a rebuild of hundreds of issues.
    manifest = json.loads((tmp_path / MANIFEST).read_text("utf-8"))["files"]
    assert f"{ISSUE_DIRS[1]}/index.html" in manifest
    assert "feed.xml" in manifest and "tags/otp/feed.xml" in manifest
    rendered: list[str] = []
    original = pages_module.render_template

    def counting(env: object, name: str, **context: object) -> str:
        rendered.append(name)
        return original(env, name, **context)  # type: ignore[arg-type]

    for module in (pages_module, feeds_module):
        monkeypatch.setattr(module, "render_template", counting)
    build(tmp_path, settings)
    assert "site/404.html.j2" in rendered  # untracked small files are always rendered
    assert "site/issue.html.j2" not in rendered
    assert "site/feed.xml.j2" not in rendered


def test_pages_edited_or_deleted_by_hand_are_rebuilt(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    page = tmp_path / ISSUE_DIRS[1] / "index.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"Drain", b"Hacked"))
    (tmp_path / "tags/otp/feed.xml").unlink()
    report = build(tmp_path, settings)
    assert set(report.written) == {f"{ISSUE_DIRS[1]}/index.html", "tags/otp/feed.xml"}
    assert page.read_bytes() == original
    (tmp_path / MANIFEST).write_text("{not json")  # a damaged manifest: everything is checked
    assert build(tmp_path, settings).written == ()


def test_a_rebuild_trusts_pages_whose_stat_is_unchanged(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A no-change rebuild of hundreds of issues read and hashed every page
    (0.15 s of 0.5 s). The stat of each file as the build left it is kept in
    the user's cache, outside the site: a page whose size, time and inode are
    unchanged is trusted without reading it; any other is read."""
    out = tmp_path / "site"
    build(out, settings)
    hashed: list[int] = []
    original = manifest_module.digest

    def counting(data: bytes) -> str:
        hashed.append(len(data))
        return original(data)

    monkeypatch.setattr(manifest_module, "digest", counting)
    assert build(out, settings).written == ()
    assert hashed == []
    assert not [p for p in out.rglob("*") if "stat" in p.name]  # nothing of it in the site
    # A hand edit of the same size (a new modification time) is still found.
    page = out / ISSUE_DIRS[1] / "index.html"
    original_page = page.read_bytes()
    page.write_bytes(original_page.replace(b"Drain", b"Brain"))
    assert build(out, settings).written == (f"{ISSUE_DIRS[1]}/index.html",)
    assert page.read_bytes() == original_page
    # Without the cache (another machine, a cleared ~/.cache) every page is read.
    shutil.rmtree(Path(os.environ["XDG_CACHE_HOME"]) / "gazette" / "builds")
    hashed.clear()
    assert build(out, settings).written == ()
    assert len(hashed) > 5


def test_a_template_override_rebuilds_every_page(tmp_path: Path) -> None:
    templates = tmp_path / "templates" / "site"
    templates.mkdir(parents=True)
    config = tmp_path / "gazette.toml"
    config.write_text(
        f'[publication]\nbase_url = "{BASE_URL}"\n[paths]\n'
        f'templates_dir = "{(tmp_path / "templates").as_posix()}"\n'
    )
    build(tmp_path / "out", load_settings(config))
    builtin = BUILTIN_TEMPLATES / "site" / "_macros.html.j2"
    (templates / "_macros.html.j2").write_text(
        builtin.read_text("utf-8").replace("Issue #", "No. "), "utf-8"
    )
    report = build(tmp_path / "out", load_settings(config))
    assert f"{ISSUE_DIRS[1]}/index.html" in report.written
    assert "No. 1" in (tmp_path / "out" / ISSUE_DIRS[1] / "index.html").read_text("utf-8")


def test_stale_pages_go_and_other_files_stay(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path, settings)
    (tmp_path / "search-index").mkdir()
    (tmp_path / "search-index" / "index.json").write_text("search index")
    (tmp_path / "CNAME").write_text("gazette.example.org")  # the user's own file
    # Issue 2 is gone (say, withdrawn): its page and its only tags go with it.
    report = build(tmp_path, settings, [issue_one(), issue_three()])
    assert set(report.removed) == {
        f"{ISSUE_DIRS[2]}/index.html",
        "tags/testing/index.html",
        "tags/testing/feed.xml",
        "tags/script-alert-tag-script/index.html",
        "tags/script-alert-tag-script/feed.xml",
    }
    assert not (tmp_path / ISSUE_DIRS[2]).exists()
    assert not (tmp_path / "tags/testing").exists()
    assert (tmp_path / "search-index" / "index.json").is_file()
    assert (tmp_path / "CNAME").is_file()
    assert broken_links(tmp_path) == []


def test_two_builds_are_byte_identical(tmp_path: Path, settings: Settings) -> None:
    build(tmp_path / "a", settings)
    build(tmp_path / "b", settings, list(reversed(three_issues())))
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_a_parallel_build_is_byte_identical_to_a_serial_one(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From PARALLEL_MIN_PAGES pages on, every other page is rendered and written
    by a forked process: the same files, report and manifest as one process."""
    html = issue_one().html
    many = [
        _row(
            _issue(n, title=f"Issue {n}", week=f"W{n}"),
            number=n,
            week=f"W{n}",
            slug=f"issue-{n}",
            published_on=(date(2020, 1, 6) + timedelta(weeks=n)).isoformat(),
            html=html,
            tags=(f"tag-{n % 4}",),
        )
        for n in range(1, 41)
    ]
    reports = {}
    for name, minimum in (("parallel", 10), ("serial", 10**9)):
        monkeypatch.setattr(writing_module, "PARALLEL_MIN_PAGES", minimum)
        reports[name] = build_site(many, settings, tmp_path / name)
    assert reports["parallel"] == reports["serial"]
    assert len(reports["parallel"].written) > 50
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
    monkeypatch.setattr(writing_module, "PARALLEL_MIN_PAGES", 10)
    assert build_site(many, settings, tmp_path / "parallel").written == ()


def test_publishing_an_issue_rewrites_only_what_shows_it(
    tmp_path: Path, settings: Settings
) -> None:
    build(tmp_path, settings)
    report = build(tmp_path, settings, [*three_issues(), issue_four()])
    assert set(report.written) == {
        f"{ISSUE_DIRS[4]}/index.html",  # the new page
        f"{ISSUE_DIRS[3]}/index.html",  # its "next" link
        "index.html",
        "tags/index.html",
        "tags/ecto/index.html",
        "tags/ecto/feed.xml",
        "tags/otp/index.html",
        "tags/otp/feed.xml",
        "feed.xml",
        "sitemap.xml",
    }
    assert f"{ISSUE_DIRS[1]}/index.html" in report.unchanged
    assert "tags/nerves/feed.xml" in report.unchanged


# --- writer --------------------------------------------------------------------


def test_writer(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    assert writer.write("a/b.txt", "hé") is True
    assert (tmp_path / "a/b.txt").read_bytes() == "hé".encode()
    assert (tmp_path / "a/b.txt").stat().st_mode & 0o777 == 0o644
    with pytest.raises(DuplicateWriteError, match=re.escape("a/b.txt")):
        writer.write("a/./b.txt", b"other")
    for bad in ("../x", "/etc/x", "a/../../x", ""):
        with pytest.raises(RenderError):
            writer.write(bad, "x")
    again = Writer(tmp_path)
    assert again.write("a/b.txt", "hé".encode()) is False
    assert again.write("c.txt", "new") is True
    (tmp_path / "stale.html").write_text("old")
    (tmp_path / "search-index").mkdir()
    (tmp_path / "search-index" / "index.json").write_text("keep")
    assert again.remove_stale(keep=("search-index/*",)) == ["stale.html"]
    assert again.written == ["c.txt"] and again.unchanged == ["a/b.txt"]
    assert not [p for p in tmp_path.rglob("*.tmp")]
    # keep() claims without writing; a later write of the same path is refused.
    third = Writer(tmp_path)
    third.keep("a/b.txt")
    with pytest.raises(DuplicateWriteError):
        third.write("a/b.txt", "x")
    assert third.unchanged == ["a/b.txt"] and third.written == []
    # A build that hands paths to another Writer checks them all first, then
    # adopts what the other wrote.
    with pytest.raises(DuplicateWriteError, match="x/y"):
        third.check_free(["x/y", "z", "x/./y"])
    with pytest.raises(DuplicateWriteError, match=re.escape("a/b.txt")):
        third.check_free(["a/b.txt"])
    other = Writer(tmp_path)
    other.write("c.txt", "new")
    third.adopt(other.written, other.unchanged)
    assert third.unchanged == ["a/b.txt", "c.txt"] and third.written == []

    # Only files within the given globs are candidates for removal.
    (tmp_path / "issues" / "9-old").mkdir(parents=True)
    (tmp_path / "issues" / "9-old" / "index.html").write_text("old")
    (tmp_path / "mine.txt").write_text("the user's")
    assert third.remove_stale(within=("issues/*",)) == ["issues/9-old/index.html"]
    assert not (tmp_path / "issues").exists()  # emptied folders go too
    assert (tmp_path / "mine.txt").exists() and (tmp_path / "c.txt").exists()
    # Symbolic links are removed as links; the folder a link points to is not entered.
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "keep.html").write_text("not the build's")
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "linked").symlink_to(outside, target_is_directory=True)
    (tmp_path / "issues" / "x.html").symlink_to(outside / "keep.html")
    assert Writer(tmp_path).remove_stale(within=("issues/*",)) == [
        "issues/linked",
        "issues/x.html",
    ]
    assert (outside / "keep.html").read_text() == "not the build's"


# --- golden --------------------------------------------------------------------


@pytest.mark.parametrize("page", ["index.html", f"{ISSUE_DIRS[1]}/index.html"])
def test_site_golden(tmp_path: Path, settings: Settings, page: str) -> None:
    build(tmp_path, settings)
    actual = (tmp_path / page).read_text("utf-8")
    golden = GOLDEN / page.replace("/", "__")
    if os.environ.get("GAZETTE_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, "utf-8")
    assert golden.exists(), f"{golden} is missing: run `make golden` and review the diff"
    assert actual == golden.read_text("utf-8"), (
        f"{page} changed: run `make golden` and review `git diff`"
    )


# --- browser -------------------------------------------------------------------


@pytest.fixture
def served_site(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The three issues built with their search index, served over loopback
    HTTP (search needs http: browsers refuse search.js's fetches on file://).
    The index is cut in small buckets and chunks, as a large year is, so that
    search.js must find the right one of each (its bucketOf, its chunks)."""
    from gazette import search_index

    monkeypatch.setattr(search_index, "POSTINGS_PER_BUCKET", 20)
    monkeypatch.setattr(search_index, "CHUNK_CHARS", 100)
    build(tmp_path, settings)
    update_search(tmp_path, three_issues(), settings)
    meta = json.loads((tmp_path / "search-index/2026/meta.json").read_text("utf-8"))
    assert meta["buckets"] > 3 and len(meta["chunks"]) > 3

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


WIDTHS = (375, 1280)  # a phone, a desktop


@pytest.mark.parametrize(
    ("glob", "folder"),
    [("*", ""), ("*.html", ""), ("issues/*", "issues"), ("search-index/2024/*", "search-index/2024"),
     ("tags/[a-z]*/x", "tags"), ("search.js", "")],
)  # fmt: skip
def test_stale_files_are_looked_for_only_where_a_glob_can_match(glob: str, folder: str) -> None:
    """A search index update walks its year's folder, not the whole site."""
    assert writer_module._literal_folder(glob) == folder


def _failed(request: Any, failed: list[str]) -> None:
    """Note a failed request; not the icon's when the next page aborted it
    (browsers fetch the icon after the page has loaded, at low priority)."""
    aborted = request.failure == "net::ERR_ABORTED"
    if not (aborted and request.url.endswith("/favicon.svg")):
        failed.append(request.url)


def _overflow(page: Any) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.browser
@pytest.mark.slow
def test_pages_in_a_browser(served_site: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    pages = [
        "index.html",
        f"{ISSUE_DIRS[2]}/index.html",
        f"{ISSUE_DIRS[1]}/index.html",
        "tags/otp/index.html",
    ]
    dialogs: list[str] = []
    failed: list[str] = []
    scripts: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 800})
                page = context.new_page()
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.on("requestfailed", lambda r: _failed(r, failed))
                page.on(
                    "request",
                    lambda r: scripts.append(r.url) if r.resource_type == "script" else None,
                )
                for path in pages:
                    response = page.goto(served_site + path)
                    assert response is not None and response.ok, path
                    page.wait_for_load_state("load")
                    assert page.evaluate("typeof window.__pwned") == "undefined", path
                    overflow = _overflow(page)
                    assert overflow <= 0, f"{path} overflows by {overflow}px at {width}px"
                    # The stylesheet loaded through the relative link.
                    assert (
                        page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")
                        != "none"
                    ), path
                assert failed == [], failed
                context.close()
            page = browser.new_page(viewport={"width": 375, "height": 800})
            page.goto(served_site + f"{ISSUE_DIRS[2]}/index.html")
            assert "<script>window.__pwned = 1" in page.inner_text("h1")
        finally:
            browser.close()
    assert dialogs == []
    # Reading the archive downloads no JavaScript at all; search loads it when used.
    assert scripts == []


@pytest.mark.browser
@pytest.mark.slow
def test_search_in_a_browser(served_site: str, settings: Settings) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from gazette.search_records import issue_records

    views = archive_of(three_issues(), settings).issues
    tagged = [record for view in views for record in issue_records(view) if "otp" in record.tags]
    otp, newest = len(tagged), max(tagged, key=lambda record: record.date_iso).date_text
    dialogs: list[str] = []
    failed: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 800})
                page = context.new_page()
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.on("requestfailed", lambda r: _failed(r, failed))
                # From any page, the Search link leads to the search page...
                page.goto(served_site + "tags/otp/index.html")
                page.get_by_role("link", name="Search", exact=True).first.click()
                page.wait_for_url("**/search/index.html")
                # ...where typing finds the story itself, not just its issue.
                box = page.get_by_label("Search every story")
                box.fill("Homex")
                result = page.locator(".search-result-link").first
                result.wait_for(timeout=15_000)
                assert result.inner_text().startswith("Homex Brings Home Assistant")
                assert result.get_attribute("href") == (
                    f"{served_site}{ISSUE_DIRS[1]}/index.html#pick-2"
                )
                item = page.locator(".search-result").first
                assert "Issue #1 · January 5, 2026" in item.inner_text()
                assert "Tags: nerves, otp" in item.inner_text()
                source = item.locator(".search-result-source")
                assert source.get_attribute("href") == "https://hex.pm/packages/homex"
                assert "Homex" in item.locator("mark").first.inner_text()
                overflow = _overflow(page)
                assert overflow <= 0, f"search results overflow by {overflow}px at {width}px"
                # Text from the feature is the feature's result, not the picks';
                # the case, the start of a word and an accent are read as the
                # index reads them (gazette/search_index.py).
                box.fill("GARCÍ")
                page.wait_for_function(
                    "document.querySelector('.search-result-link')?.href.endsWith('#feature')"
                )
                assert page.locator(".search-result mark").first.inner_text() == "García"
                box.fill("dormant")
                page.wait_for_function(
                    "document.querySelector('.search-result mark')?.textContent === 'dormant'"
                )
                # Filters by year and tag; a query that finds nothing says so plainly.
                page.select_option("#search-tag", "liveview")
                page.wait_for_function(
                    "document.getElementById('search-status').textContent === 'No results'"
                )
                box.fill("")
                page.wait_for_function("document.querySelectorAll('.search-result').length === 1")
                assert "Streams now reset" in page.inner_text(".search-results")
                # A tag alone: every story that has it, the newest first.
                page.select_option("#search-tag", "otp")
                page.wait_for_function(
                    f"document.getElementById('search-status').textContent === '{otp} stories'"
                )
                dates = page.locator(".search-result-issue").all_inner_texts()
                assert len(dates) == otp and newest in dates[0]
                page.select_option("#search-tag", "liveview")
                page.wait_for_function("document.querySelectorAll('.search-result').length === 1")
                result = page.locator(".search-result-link").first
                result.click()
                page.wait_for_url(f"**/{ISSUE_DIRS[3]}/index.html#pick-1")
                # A query in the address (?q=) searches at once; the hostile
                # issue's headline shows as text in the results and runs nothing.
                page.goto(served_site + "search/index.html?q=Tribunal")
                hostile = page.locator(".search-result-link").first
                hostile.wait_for(timeout=15_000)
                assert "<img" in hostile.inner_text()
                assert page.evaluate("typeof window.__pwned") == "undefined"
                assert failed == [], failed
                context.close()
        finally:
            browser.close()
    assert dialogs == []


def test_a_rebuild_in_another_process_finds_every_page_built(tmp_path: Path) -> None:
    """Build keys and body digests are the same in every process (no set order,
    hash seed or address in them): a rebuild by the next cron run re-renders
    nothing, so its manifest of keys comes out byte for byte the same."""
    folder = new_workspace(tmp_path / "news")
    archive = folder / "archive"
    archive.mkdir()
    for number in (1, 2):
        (archive / f"{number}.md").write_text(
            f"Title: Issue {number}\nNumber: {number}\nDate: 2024-01-1{number}\nTags: otp\n\n"
            "A [link](https://ok.example/) and <b>raw</b> HTML.\n"
        )
    runs = []
    for seed, args in (
        ("1", ("import-archive", "archive")),
        ("1", ("build-site", "--out", "site")),
        ("2", ("build-site", "--out", "site")),
    ):
        env = child_env("http://127.0.0.1:9", PYTHONHASHSEED=seed)
        runs.append(run_gazette(*args, cwd=folder, env=env))
        assert runs[-1].returncode == 0, runs[-1].stderr
        if args[0] == "build-site" and seed == "1":
            manifest = (folder / "site" / site_module.MANIFEST).read_bytes()
    assert "0 files written" in runs[-1].stdout
    assert (folder / "site" / site_module.MANIFEST).read_bytes() == manifest
