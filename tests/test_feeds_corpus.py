"""Every real feed document we have, fetched over loopback and stored.

The documents are real feeds from other projects' parser fixtures
(``../shared/corpora/feeds/``, see its README) and the real captures in
``../shared/fixtures/real/``. Each is served by the replay server and fetched
as a ``feed`` source through the whole fetch path (HTTP, parser pool, store).
The yardstick is bare ``feedparser.parse`` on the same bytes, computed here:
every entry with a title that it finds must be stored, under the title a
reader sees (an Atom text title as it is, an HTML one's text through the
stdlib's parser). Every stored link must be http(s), and no stored field may
hold executable markup.

Documented choice: an entry whose only link is not http(s) (a ``tag:`` id, a
``javascript:`` or ``mailto:`` link) is stored without a link of its own
(``has_link`` false, its URL the feed's home page).

The JSON captures go through their own sources (Discourse, Hex.pm, Reddit,
Hacker News, GitHub REST) the same way: every record with a title is stored.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest

from gazette.config import load_settings
from gazette.fetch import fetch_all
from gazette.models import SourceResult
from gazette.replay import ReplayServer
from gazette.store import open_store
from gazette.urls import canonical_url
from tests.conftest import ROOT
from tests.visible_text import read_visible

SHARED = ROOT.parent / "shared"
FEEDS = SHARED / "corpora" / "feeds"
REAL = SHARED / "fixtures" / "real"
SINCE = datetime(2000, 1, 1, tzinfo=UTC)

pytestmark = pytest.mark.skipif(
    not FEEDS.is_dir() or not REAL.is_dir(),
    reason=f"the real test corpora are absent ({FEEDS} and {REAL}; see the project's README)",
)

FEED_SUFFIXES = (".rss", ".atom", ".rdf", ".xml", ".gz")


def documents() -> list[Path]:
    """Every feed document: the corpus, then the real captures' RSS and Atom."""
    if not FEEDS.is_dir() or not REAL.is_dir():
        return []
    corpus = [p for p in sorted(FEEDS.iterdir()) if p.is_file() and p.name != "README.md"]
    captures = [p for p in sorted(REAL.glob("*/*")) if p.is_file() and p.suffix in FEED_SUFFIXES]
    return corpus + captures


def doc_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@dataclass(frozen=True)
class Stored:
    result: SourceResult
    rows: list[dict[str, Any]]


def write_config(tmp: Path, sources: str) -> Path:
    config = tmp / "gazette.toml"
    config.write_text(
        f"[fetch]\nbackoff = 0.01\nmax_wait = 0.2\ntimeout = 10.0\n\n{sources}", "utf-8"
    )
    return config


def rows_by_source(db: Path) -> dict[str, list[dict[str, Any]]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        found: dict[str, list[dict[str, Any]]] = {}
        for row in conn.execute("select * from items order by id"):
            found.setdefault(row["source"], []).append(dict(row))
        return found
    finally:
        conn.close()


@pytest.fixture(scope="module")
def feed_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Stored]:
    """All feed documents fetched in one run (one source each), by doc_id."""
    tmp = tmp_path_factory.mktemp("corpus")
    site = tmp / "replay" / "feeds.test"
    site.mkdir(parents=True)
    names: dict[str, str] = {}
    sources = []
    with ReplayServer(tmp / "replay") as server:
        for n, path in enumerate(documents()):
            served = f"{n:03d}-{path.name}"
            shutil.copy(path, site / served)
            name = f"doc{n:03d}"
            names[name] = doc_id(path)
            sources.append(
                f'[[sources]]\nname = "{name}"\nkind = "feed"\n'
                f'url = "{server.url}/feeds.test/{served}"\n'
            )
        settings = load_settings(write_config(tmp, "\n".join(sources)))
        with open_store(tmp / "corpus.db") as store:
            results = fetch_all(settings, store, SINCE)
    rows = rows_by_source(tmp / "corpus.db")
    return {names[r.source]: Stored(r, rows.get(r.source, [])) for r in results}


def titled_entries(path: Path) -> list[Any]:
    """The yardstick: the entries bare feedparser finds that have a title, each
    with the title a reader sees (``visible_title``)."""
    parsed = feedparser.parse(path.read_bytes())
    typed = parsed.get("version", "").startswith(("atom", "json"))
    entries = [e for e in parsed.entries if (e.get("title") or "").strip()]
    for entry in entries:
        plain = typed and entry.get("title_detail", {}).get("type") == "text/plain"
        entry["visible_title"] = one_line(entry["title"]) if plain else html_text(entry["title"])
    return entries


def one_line(text: str) -> str:
    return " ".join(text.split())


def html_text(fragment: str) -> str:
    """An HTML title (RSS, or Atom ``type="html"``) as a reader sees it."""
    return one_line("".join(read_visible(fragment).parts))


def stories(entries: list[Any]) -> list[set[str]]:
    """The yardstick's entries as stories: the titles of each.

    Entries that link to the same page are one story, stored once (a feed that
    changed its ids, Daring Fireball's sponsor post and its thank-you linking
    the same page: see ``one_per_page`` and test_fetch); all others are one each.
    """
    by_page: dict[str, set[str]] = {}
    for n, entry in enumerate(entries):
        link = entry.get("link") or ""
        key = canonical_url(link) if re.match(r"https?://", link) else f"#{n}"
        by_page.setdefault(key, set()).add(entry["visible_title"])
    return list(by_page.values())


@pytest.mark.parametrize("path", documents(), ids=doc_id)
def test_every_titled_entry_feedparser_finds_is_stored(
    path: Path, feed_run: dict[str, Stored]
) -> None:
    stored = feed_run[doc_id(path)]
    wanted = stories(titled_entries(path))
    if not wanted:
        # Nothing to recover (a truncated document, gzip bytes served as a
        # feed): failing the source is right, storing anything would be wrong.
        assert not stored.rows
        return
    assert stored.result.status == "ok", stored.result.error
    assert stored.result.skipped == 0
    titles = {row["title"] for row in stored.rows}
    missing = [sorted(story) for story in wanted if not story & titles]
    assert not missing, "entries feedparser finds but Gazette did not store"
    assert len(stored.rows) >= len(wanted)


@pytest.mark.parametrize("path", documents(), ids=doc_id)
def test_every_stored_link_is_http_and_no_field_holds_executable_markup(
    path: Path, feed_run: dict[str, Stored]
) -> None:
    stored = feed_run[doc_id(path)]
    homes = set()
    for row in stored.rows:
        assert_http(row["url"])
        if row["link_url"]:
            assert_http(row["link_url"])
        raw = json.loads(row["raw"])
        for enclosure in raw.get("enclosures", []):
            assert_http(enclosure)
        if not row["has_link"]:
            homes.add(row["url"])
        assert_no_executable_markup(row)
    # Entries without an http(s) link of their own all point at the one home page.
    assert len(homes) <= 1


def test_undated_entries_are_stored_and_marked(feed_run: dict[str, Stored]) -> None:
    stored = feed_run["feeds/heise_rss090_undated.rdf"]
    assert len(stored.rows) == 60
    assert {row["dated"] for row in stored.rows} == {0}
    # Dated when first seen: the fetch time, not a made-up past date.
    assert {row["published_at"] for row in stored.rows} == {stored.rows[0]["fetched_at"]}


# -- the JSON captures, each through its own source ------------------------------


def copy(relative: str, target: Path) -> Any:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REAL / relative, target)
    return json.loads(target.read_text("utf-8"))


@pytest.fixture(scope="module")
def json_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Stored], dict[str, Counter[str]]]]:
    """The JSON captures fetched in one run, and the titles each should store."""
    tmp = tmp_path_factory.mktemp("json")
    root = tmp / "replay"
    wanted: dict[str, Counter[str]] = {}

    latest = copy("discourse/elixirforum_latest_2026-01.json", root / "forum/latest.json")
    # Titles as typed (plain text) in the forum, HN and GitHub; entity-escaped on Reddit.
    wanted["forum"] = Counter(one_line(t["title"]) for t in latest["topic_list"]["topics"])

    hex_titles: Counter[str] = Counter()
    for sort in ("inserted_at", "updated_at"):
        packages = copy(
            f"hexpm/packages_sort_{sort}_2022-03-24.json",
            root / f"hex/api/packages@page=1&sort={sort}.json",
        )
        (root / f"hex/api/packages@page=2&sort={sort}.json").write_text("[]")
        hex_titles |= Counter(p["name"] for p in packages)
    wanted["hexpm"] = hex_titles

    listing = copy("reddit/r_ClaudeAI_hot_limit10_2026-05.json", root / "reddit/r/x/new.json")
    children = listing["data"]["children"]
    wanted["reddit"] = Counter(one_line(html.unescape(c["data"]["title"])) for c in children)

    hits = copy(
        "hn/algolia_search_story_anthropic_2026-05.json",
        root / "hn/api/v1/search_by_date.json",
    )
    wanted["hn"] = Counter(one_line(h["title"]) for h in hits["hits"] if h.get("title"))

    releases = copy(
        "github/rest_releases_github-licensed_page1_2021-04.json",
        root / "api/repos/github/licensed/releases@per_page=30.json",
    )
    wanted["github"] = Counter(r["tag_name"] for r in releases if not r.get("draft"))

    with ReplayServer(root) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "test-token")
        url = server.url
        config = write_config(
            tmp,
            f"""
[[sources]]
name = "forum"
kind = "discourse"
base_url = "{url}/forum"
site_url = "https://elixirforum.com"
top = false

[[sources]]
name = "hexpm"
kind = "hexpm"
base_url = "{url}/hex"

[[sources]]
name = "reddit"
kind = "reddit"
base_url = "{url}/reddit"
subreddit = "x"

[[sources]]
name = "hn"
kind = "hackernews"
base_url = "{url}/hn"

[[sources]]
name = "github"
kind = "github"
base_url = "{url}/github"
api_url = "{url}/api"
repos = ["github/licensed"]
""",
        )
        with open_store(tmp / "json.db") as store:
            results = fetch_all(load_settings(config), store, SINCE)
    rows = rows_by_source(tmp / "json.db")
    yield {r.source: Stored(r, rows.get(r.source, [])) for r in results}, wanted


@pytest.mark.parametrize("source", ["forum", "hexpm", "reddit", "hn", "github"])
def test_every_json_record_with_a_title_is_stored(
    source: str, json_run: tuple[dict[str, Stored], dict[str, Counter[str]]]
) -> None:
    runs, wanted = json_run
    stored = runs[source]
    assert stored.result.status == "ok", stored.result.error
    assert stored.result.skipped == 0
    assert wanted[source]
    field = {"hexpm": "package", "github": "version"}.get(source, "title")
    got = Counter(row[field] for row in stored.rows)
    assert wanted[source] - got == Counter()
    for row in stored.rows:
        assert_http(row["url"])
        if row["link_url"]:
            assert_http(row["link_url"])
        assert_no_executable_markup(row)


# -- what "http(s)" and "no executable markup" mean ------------------------------


def assert_http(url: str) -> None:
    assert re.match(r"https?://[^/\s]+", url), f"not an http(s) link: {url!r}"


# Elements that run code, load other documents or take input: never in stored HTML.
EXECUTABLE = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "textarea", "select", "svg", "math", "meta", "link", "base",
    "noscript", "template", "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "xlink:href"}


class _MarkupAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in EXECUTABLE:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{name}= on <{tag}>")
            elif name in URL_ATTRIBUTES and not re.match(r"https?://", value or ""):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


# In plain text (titles, authors, text), markup is only characters, escaped on
# output, and a post's code sample rightly shows "<iframe src=...>" as text;
# still, nothing in it may be a script or an event handler, in case some
# consumer ever forgets the escaping.
_SCRIPTY_TEXT = re.compile(r"<\s*/?\s*script\b|<[^>]*\son[a-z]+\s*=|<[^>]*(java|vb)script:", re.I)


def assert_no_executable_markup(row: dict[str, Any]) -> None:
    audit = _MarkupAudit()
    audit.feed(row["html"] or "")
    audit.close()
    assert not audit.problems, f"{row['title']!r}: {audit.problems[:5]}"
    for column in ("title", "author", "text", "tags"):
        found = _SCRIPTY_TEXT.search(row[column] or "")
        assert found is None, f"{column} of {row['title']!r} holds {found.group(0)!r}"
