"""The fetch engine over real loopback HTTP: replayed payloads and injected faults."""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import html
import json
import re
import shutil
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gazette.config import FetchSettings, Settings, load_settings
from gazette.fetch import fetch_all
from gazette.http import HttpFetcher, build_client
from gazette.replay import Fault, ReplayServer
from gazette.store import open_store
from tests.conftest import REAL, SAMPLE, run_cli

SINCE = datetime(2022, 3, 1, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ReplayServer]:
    """Real captured payloads laid out as the replay server expects."""
    root = tmp_path / "replay"
    (root / "elixirforum.com").mkdir(parents=True)
    shutil.copy(
        REAL / "discourse/elixirforum_latest_2026-01.json", root / "elixirforum.com/latest.json"
    )
    (root / "hex.pm/api").mkdir(parents=True)
    for sort in ("inserted_at", "updated_at"):
        shutil.copy(
            REAL / f"hexpm/packages_sort_{sort}_2022-03-24.json",
            root / f"hex.pm/api/packages@page=1&sort={sort}.json",
        )
        # Hex.pm answers a page past the end with an empty list.
        (root / f"hex.pm/api/packages@page=2&sort={sort}.json").write_text("[]")
    (root / "elixirforum.com/latest.json@page=1").write_text('{"topic_list": {"topics": []}}')
    with ReplayServer(root) as server:
        yield server


def settings_for(tmp_path: Path, server: ReplayServer, extra: str = "") -> Settings:
    config = tmp_path / "gazette.toml"
    config.write_text(
        f"""
[fetch]
backoff = 0.01
max_wait = 0.2
timeout = 2.0
{extra}

[[sources]]
name = "elixirforum"
kind = "discourse"
base_url = "{server.url}/elixirforum.com"
site_url = "https://elixirforum.com"
top = false

[[sources]]
name = "hexpm"
kind = "hexpm"
base_url = "{server.url}/hex.pm"
""",
        "utf-8",
    )
    return load_settings(config)


def by_source(results: list) -> dict:
    return {r.source: r for r in results}


def test_fetch_stores_every_item_and_a_rerun_is_304(tmp_path: Path, site: ReplayServer) -> None:
    settings = settings_for(tmp_path, site)
    with open_store(tmp_path / "g.db") as store:
        first = by_source(fetch_all(settings, store, SINCE))
        assert first["elixirforum"].status == "ok" and first["elixirforum"].new == 30
        assert first["hexpm"].status == "ok" and first["hexpm"].new > 100
        total = store.count_items()
        site.clear_requests()
        second = by_source(fetch_all(settings, store, SINCE))
        assert {r.status for r in second.values()} == {"not_modified"}
        assert store.count_items() == total
    conditional = [r for r in site.requests if "if-none-match" in r.headers]
    assert len(conditional) == len(site.requests) == 3
    assert all(r.headers["user-agent"].startswith("gazette/") for r in site.requests)


def test_a_failing_source_does_not_sink_the_others(tmp_path: Path, site: ReplayServer) -> None:
    site.add_fault(Fault("/hex.pm/*", status=500))
    settings = settings_for(tmp_path, site)
    with open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE))
        assert results["hexpm"].status == "failed"
        assert "HTTP 500" in results["hexpm"].error and "after 4 attempts" in results["hexpm"].error
        assert results["elixirforum"].new == 30
        assert store.count_items() == 30


def test_500_then_success_is_retried(tmp_path: Path, site: ReplayServer) -> None:
    site.add_fault(Fault("/elixirforum.com/latest.json", status=503, times=2))
    with open_store(tmp_path / "g.db") as store:
        results = by_source(
            fetch_all(settings_for(tmp_path, site), store, SINCE, only=("elixirforum",))
        )
    assert results["elixirforum"].new == 30
    assert sum(r.target == "/elixirforum.com/latest.json" for r in site.requests) == 3


def test_429_honours_retry_after_up_to_the_cap(tmp_path: Path, site: ReplayServer) -> None:
    site.add_fault(Fault("/elixirforum.com/*", status=429, retry_after="1", times=1))
    settings = settings_for(tmp_path, site, "")
    with open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE, only=("elixirforum",)))
    assert results["elixirforum"].status == "ok"
    times = [r.time for r in site.requests]
    assert times[1] - times[0] >= 0.15  # waited, but only up to max_wait (0.2 s), not 1 s


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault("/elixirforum.com/*", truncate_at=100), "connection closed mid-response"),
        (Fault("/elixirforum.com/*", reset=True), "connection"),
        (Fault("/elixirforum.com/*", delay=3.0), "timed out"),
        (Fault("/elixirforum.com/*", body=b"{not json"), "expected JSON"),
        (
            Fault("/elixirforum.com/*", body=b"<html><body>Cloudflare</body></html>"),
            "expected JSON",
        ),
    ],
)
def test_network_and_payload_faults_fail_the_source_cleanly(
    tmp_path: Path, site: ReplayServer, fault: Fault, reason: str
) -> None:
    site.add_fault(fault)
    settings = settings_for(tmp_path, site, "retries = 1\n" if fault.delay else "")
    with open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE, only=("elixirforum",)))
        assert results["elixirforum"].status == "failed"
        assert reason in results["elixirforum"].error
        assert store.count_items() == 0


def test_redirect_loop_and_oversized_body(tmp_path: Path, site: ReplayServer) -> None:
    site.add_fault(Fault("/elixirforum.com/latest.json", redirect_to="/elixirforum.com/other.json"))
    site.add_fault(Fault("/elixirforum.com/other.json", redirect_to="/elixirforum.com/latest.json"))
    settings = settings_for(tmp_path, site, "max_bytes = 50_000")
    with open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE))
    assert "too many redirects" in results["elixirforum"].error
    assert "byte cap" in results["hexpm"].error  # the Hex.pm pages are ~200 KB


def test_cli_fetch_exits_1_on_partial_failure_and_prints_json(
    tmp_path: Path, site: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_for(tmp_path, site)
    monkeypatch.chdir(tmp_path)
    site.add_fault(Fault("/hex.pm/*", status=404))
    result = run_cli("--db", "g.db", "fetch", "--json", "--since", "2022-03-01", expect=1)
    rows = {r["source"]: r for r in json.loads(result.stdout)}  # stderr may carry log lines
    assert rows["elixirforum"]["status"] == "ok"
    assert rows["hexpm"]["status"] == "failed" and "HTTP 404" in rows["hexpm"]["error"]


# -- helpers for the tests below ------------------------------------------------


def write_config(tmp_path: Path, sources: str, fetch: str = "") -> Settings:
    config = tmp_path / "gazette.toml"
    config.write_text(
        f"[fetch]\nbackoff = 0.01\nmax_wait = 0.3\ntimeout = 2.0\n{fetch}\n\n{sources}", "utf-8"
    )
    return load_settings(config)


def rows(db: Path, sql: str = "select * from items order by id") -> list[dict]:
    """Straight from SQLite, not through the Store: what another tool would read."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def feed_root(tmp_path: Path) -> Path:
    root = tmp_path / "replay"
    (root / "blog.example").mkdir(parents=True)
    shutil.copy(SAMPLE / "dashbit.co/feed.atom", root / "blog.example/feed.atom")
    return root


FEED_SOURCE = """
[[sources]]
name = "blog"
kind = "feed"
url = "{url}/blog.example/feed"
"""


# -- GitHub: REST with a token, Atom without -----------------------------------


def test_github_uses_the_rest_api_when_a_token_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "replay"
    repo = root / "api.github.com/repos/anthropics/claude-code"
    repo.mkdir(parents=True)
    shutil.copy(
        REAL / "github/rest_releases_anthropics-claude-code_per_page5_2026-05.json",
        repo / "releases.json",
    )
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not_a_real_token")
    with ReplayServer(root) as server:
        settings = write_config(
            tmp_path,
            f"""
[[sources]]
name = "github"
kind = "github"
base_url = "{server.url}/github.com"
api_url = "{server.url}/api.github.com"
repos = ["anthropics/claude-code"]
""",
        )
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(settings, store, SINCE)
        [request] = server.requests
    assert result.status == "ok" and result.new == 5
    assert request.target == "/api.github.com/repos/anthropics/claude-code/releases?per_page=30"
    assert request.headers["authorization"] == "Bearer ghp_not_a_real_token"
    assert request.headers["accept"] == "application/vnd.github+json"
    stored = rows(tmp_path / "g.db")
    assert json.loads(stored[0]["metrics"]) == {"reactions": 22.0}
    assert stored[0]["external_id"] == "anthropics/claude-code@v2.1.132"
    assert stored[0]["html"].startswith("<h2>")


def test_github_without_a_token_reads_atom_and_a_bad_token_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with ReplayServer(SAMPLE) as server:
        source = f"""
[[sources]]
name = "github"
kind = "github"
base_url = "{server.url}/github.com"
api_url = "{server.url}/api.github.com"
repos = ["elixir-lang/elixir"]
"""
        settings = write_config(tmp_path, source)
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(settings, store, SINCE)
            assert result.status == "ok" and result.new > 0
            assert [r.target for r in server.requests] == [
                "/github.com/elixir-lang/elixir/releases.atom"
            ]
            monkeypatch.setenv("GITHUB_TOKEN", "expired")
            server.add_fault(
                Fault("/api.github.com/*", status=401, body=b'{"message": "Bad credentials"}')
            )
            [failed] = fetch_all(settings, store, SINCE)
    assert failed.status == "failed"
    assert "HTTP 401" in failed.error and "Bad credentials" in failed.error
    assert "GITHUB_TOKEN" in failed.error


# -- Reddit: redirects followed, a private subreddit fails clearly -------------


def cassette(name: str) -> list[dict]:
    return json.loads((REAL / "reddit" / name).read_text("utf-8"))


def test_reddit_follows_the_real_redirect_chain(tmp_path: Path) -> None:
    """http://reddit.com/r/elixir.rss → https://reddit.com/… → https://www.reddit.com/…,
    replayed on two loopback hosts; the JSON listing is missing, so the feed answers."""
    chain = cassette("exvcr_r_elixir_rss_with_redirects_2024-06-14.json")
    root = tmp_path / "replay"
    (root / "www.reddit.com/r").mkdir(parents=True)
    (root / "www.reddit.com/r/elixir.rss").write_text(chain[2]["response"]["body"], "utf-8")
    kept = ("x-ratelimit-used", "x-ratelimit-remaining", "cache-control", "via")
    with (
        ReplayServer(root, host="127.0.0.1") as first,
        ReplayServer(root, host="127.0.0.2") as second,
    ):
        for server, hop, target in (
            (first, chain[0], f"{second.url}/reddit.com/r/elixir.rss"),
            (second, chain[1], f"{second.url}/www.reddit.com/r/elixir.rss"),
        ):
            headers = {k: v for k, v in hop["response"]["headers"].items() if k in kept}
            server.add_fault(
                Fault("/reddit.com/r/elixir.rss", status=301, redirect_to=target, headers=headers)
            )
        settings = write_config(
            tmp_path,
            f'[[sources]]\nname = "reddit"\nkind = "reddit"\nbase_url = "{first.url}/reddit.com"\n',
        )
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(settings, store, SINCE)
        assert result.status == "ok" and result.new == 26
        final = [r for r in second.requests if r.path == "/www.reddit.com/r/elixir.rss"]
        assert len(final) == 1
        # Reddit's User-Agent rule holds on every hop, across hosts
        assert final[0].headers["user-agent"].startswith("python:gazette:")
        assert [r.target for r in first.requests] == [
            "/reddit.com/r/elixir/new.json?limit=100",
            "/reddit.com/r/elixir.rss",
        ]
        asked = f"{first.url}/reddit.com/r/elixir.rss"
    urls = [r["url"] for r in rows(tmp_path / "g.db")]
    assert all(u.startswith("https://www.reddit.com/r/elixir/comments/") for u in urls)
    # validators are kept under the URL that was asked for, so the next run is conditional
    state = rows(tmp_path / "g.db", "select url, etag from fetch_state")
    assert [s["url"] for s in state] == [asked]


def test_a_private_subreddit_fails_with_a_clear_reason(tmp_path: Path) -> None:
    hops = cassette("exvcr_private_subreddit_403_2024-06-14.json")
    forbidden = hops[1]["response"]
    root = tmp_path / "replay"
    root.mkdir()
    with ReplayServer(root) as server:
        server.add_fault(
            Fault(
                "/www.reddit.com/r/zzz.rss",
                status=301,
                redirect_to=f"{server.url}/www.reddit.com/r/zzz/z/elixir.rss",
            )
        )
        server.add_fault(
            Fault(
                "/www.reddit.com/r/zzz/z/elixir.rss",
                status=forbidden["status_code"],
                body=forbidden["body"].encode(),
                headers={"Content-Type": forbidden["headers"]["content-type"]},
            )
        )
        settings = write_config(
            tmp_path,
            f"""
[[sources]]
name = "reddit"
kind = "reddit"
base_url = "{server.url}/www.reddit.com"
subreddit = "zzz"
""",
        )
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(settings, store, SINCE)
            assert store.count_items() == 0
        assert len(server.requests) == 3  # a 403 is not retried
    assert result.status == "failed"
    assert "HTTP 403" in result.error and "(zzz: private)" in result.error
    assert "JSON listing failed too: HTTP 404" in result.error


# -- feeds: charsets, broken XML, HTML where a feed belongs --------------------


def test_feed_with_a_wrong_charset_is_stored_right(tmp_path: Path) -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://blog.example/</link>'
        "<item><title>Jos\u00e9 Valim \u2014 caf\u00e9 na \u00e9poca</title><link>https://blog.example/1</link>"
        "<guid>1</guid><pubDate>Tue, 06 Jan 2026 10:00:00 +0100</pubDate></item></channel></rss>"
    ).encode()
    with ReplayServer(feed_root(tmp_path)) as server:
        server.add_fault(
            Fault(
                "/blog.example/feed",
                body=body,
                headers={"Content-Type": "text/xml; charset=windows-1252"},
            )
        )
        settings = write_config(tmp_path, FEED_SOURCE.format(url=server.url))
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(settings, store, SINCE)
    assert result.status == "ok"
    [row] = rows(tmp_path / "g.db")
    assert row["title"] == "Jos\u00e9 Valim \u2014 caf\u00e9 na \u00e9poca"
    assert row["published_at"] == "2026-01-06T09:00:00Z"  # stored in UTC


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>cut", "malformed feed"),
        (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>", "not a feed"),
        (b"", "not a feed"),
    ],
)
def test_broken_feeds_fail_the_source_cleanly(tmp_path: Path, body: bytes, reason: str) -> None:
    with ReplayServer(feed_root(tmp_path)) as server:
        server.add_fault(Fault("/blog.example/feed", body=body))
        settings = write_config(tmp_path, FEED_SOURCE.format(url=server.url))
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(settings, store, SINCE)
            assert store.count_items() == 0
    assert result.status == "failed" and reason in result.error
    # no validators were kept: the next run fetches the whole body again
    assert rows(tmp_path / "g.db", "select * from fetch_state") == []


def test_retry_after_as_an_http_date(tmp_path: Path) -> None:
    with ReplayServer(feed_root(tmp_path)) as server:
        later = email.utils.formatdate(time.time() + 30, usegmt=True)
        server.add_fault(Fault("/blog.example/feed", status=503, retry_after=later, times=1))
        settings = write_config(tmp_path, FEED_SOURCE.format(url=server.url))
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(settings, store, SINCE)
        first, second = (r.time for r in server.requests)
    assert result.status == "ok"
    # the date asked for 30 s; max_wait (0.3 s) caps it, and plain backoff would be ~0.01 s
    assert 0.25 <= second - first < 5


def test_a_304_is_neither_retried_nor_parsed(tmp_path: Path) -> None:
    root = feed_root(tmp_path)
    with ReplayServer(root) as server:
        settings = write_config(tmp_path, FEED_SOURCE.format(url=server.url))
        with open_store(tmp_path / "g.db") as store:
            [first] = fetch_all(settings, store, SINCE)
            before = rows(tmp_path / "g.db")
            # The document on disk is now junk, but the server says "not modified":
            # parsing anything would fail the source.
            (root / "blog.example/feed.atom").write_bytes(b"<html>junk</html>")
            server.add_fault(Fault("/blog.example/feed", status=304))
            server.clear_requests()
            [second] = fetch_all(settings, store, SINCE)
        [request] = server.requests
    assert first.status == "ok" and first.new == 3
    assert second.status == "not_modified" and second.unchanged == 1
    assert "if-none-match" in request.headers
    assert rows(tmp_path / "g.db") == before


def test_one_page_under_two_ids_is_stored_once(tmp_path: Path) -> None:
    entry = "<entry><id>{id}</id><title>{title}</title>{link}<updated>{when}</updated></entry>"
    entries = [
        (
            "tag:blog,1",
            "Types",
            '<link href="https://blog.example/types/"/>',
            "2026-01-06T10:00:00Z",
        ),
        (
            "tag:blog,types",
            "Types",
            '<link href="http://www.blog.example/types?utm_source=x"/>',
            "2026-01-06T11:00:00Z",
        ),
        ("tag:blog,ep1", "Episode 1", "", "2026-01-05T10:00:00Z"),
        ("tag:blog,ep2", "Episode 2", '<link href=""/>', "2026-01-06T10:00:00Z"),
    ]
    body = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        '<title>b</title><link href="https://blog.example/"/>'
        + "".join(entry.format(id=i, title=t, link=link, when=w) for i, t, link, w in entries)
        + "</feed>"
    ).encode()
    with ReplayServer(feed_root(tmp_path)) as server:
        server.add_fault(Fault("/blog.example/feed", body=body))
        settings = write_config(tmp_path, FEED_SOURCE.format(url=server.url))
        with open_store(tmp_path / "g.db") as store:
            [result] = fetch_all(settings, store, SINCE)
    assert result.new == 3
    stored = {r["external_id"]: r["url"] for r in rows(tmp_path / "g.db")}
    # the earliest of the two ids stays; entries without their own link are separate posts
    assert stored == {
        "tag:blog,1": "https://blog.example/types/",
        "tag:blog,ep1": "https://blog.example/",
        "tag:blog,ep2": "https://blog.example/",
    }


# -- hostile fields never reach the store unclean ------------------------------

SCRIPT = "<script>alert(1)</script>"
HOSTILE_HTML = (
    '<p onclick="alert(1)">Hi <a href="javascript:alert(1)">a</a> '
    '<a href="&#106;avascript:alert(2)">b</a> <img src="x.png" onerror="alert(3)">'
    f'<a href="/ok" onmouseover="alert(4)">ok</a>{SCRIPT}</p>'
)


def hostile_site(root: Path) -> None:
    latest = json.loads((REAL / "discourse/elixirforum_latest_2026-01.json").read_text("utf-8"))
    for topic in latest["topic_list"]["topics"][:3]:
        topic.update(
            title=f"{SCRIPT}Forum topic",
            fancy_title=f"{SCRIPT}Forum topic",
            excerpt=HOSTILE_HTML,
            slug='x"><script>alert(1)</script>',
            image_url="javascript:alert(1)",
            tags=[{"name": f"{SCRIPT}tag", "slug": "t"}],
        )
    (root / "elixirforum.com").mkdir(parents=True)
    (root / "elixirforum.com/latest.json").write_text(json.dumps(latest), "utf-8")

    listing = json.loads((REAL / "reddit/r_ClaudeAI_hot_limit10_2026-05.json").read_text("utf-8"))
    for child, link in zip(
        listing["data"]["children"][:3],
        ["javascript:alert(1)", "&#106;avascript:alert(1)", "java\tscript:alert(1)"],
        strict=True,
    ):
        child["data"].update(
            title=f"{SCRIPT}Reddit post",
            url=link,
            url_overridden_by_dest=link,
            selftext_html=html.escape(HOSTILE_HTML),
            link_flair_text=f"{SCRIPT}flair",
            author=f"{SCRIPT}someone",
            domain=f"{SCRIPT}.example",
        )
    (root / "www.reddit.com/r/elixir").mkdir(parents=True)
    (root / "www.reddit.com/r/elixir/new.json@limit=100.json").write_text(json.dumps(listing))

    hits = json.loads((REAL / "hn/algolia_search_story_anthropic_2026-05.json").read_text("utf-8"))
    for hit, link in zip(
        hits["hits"][:2], ["javascript:alert(1)", "&#106;avascript:alert(1)"], strict=True
    ):
        hit.update(title=f"{SCRIPT}HN story", url=link, story_text=HOSTILE_HTML)
    (root / "hn.algolia.com/api/v1").mkdir(parents=True)
    (root / "hn.algolia.com/api/v1/search_by_date@query=elixir.json").write_text(json.dumps(hits))


DANGER = re.compile(r"<script|javascript:|&#0*106;|&#x0*6a;|\son[a-z]+\s*=", re.I)


def test_hostile_fields_never_reach_the_store(tmp_path: Path) -> None:
    root = tmp_path / "replay"
    hostile_site(root)
    with ReplayServer(root) as server:
        settings = write_config(
            tmp_path,
            f"""
[[sources]]
name = "forum"
kind = "discourse"
base_url = "{server.url}/elixirforum.com"
site_url = "https://elixirforum.com"
top = false
details = 0

[[sources]]
name = "reddit"
kind = "reddit"
base_url = "{server.url}/www.reddit.com"

[[sources]]
name = "hn"
kind = "hackernews"
base_url = "{server.url}/hn.algolia.com"
""",
        )
        with open_store(tmp_path / "g.db") as store:
            results = by_source(fetch_all(settings, store, SINCE))
    assert {r.status for r in results.values()} == {"ok"}, results
    stored = rows(tmp_path / "g.db")
    hostile = [
        r
        for r in stored
        if "Forum topic" in r["title"] or "post" in r["title"] or "HN story" in r["title"]
    ]
    assert len(hostile) == 3 + 3 + 2
    for row in stored:
        for column, value in row.items():
            if isinstance(value, str):
                # entity-decoded too, so "&#106;avascript:" cannot hide
                assert not DANGER.search(value), (column, value)
                assert not DANGER.search(html.unescape(value)) or column == "text", (column, value)
    for row in hostile:
        assert row["title"] in ("Forum topic", "Reddit post", "HN story")
        assert row["url"].startswith("https://")
        links = re.findall(r'(?:href|src)="([^"]*)"', row["html"])
        assert links and all(link.startswith("https://") for link in links), row["html"]
        raw = json.loads(row["raw"])
        assert raw.get("link_url", "") == ""  # the javascript: links are gone, not kept raw
    forum = next(r for r in hostile if r["source"] == "forum")
    assert forum["url"].startswith("https://elixirforum.com/t/x%22%3E%3Cscript")
    assert json.loads(forum["tags"]) == ["tag"]


# -- many feeds: parsing in worker processes ------------------------------------


def test_many_feeds_parse_in_worker_processes_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gazette import fetch as engine

    with ReplayServer(SAMPLE) as server:
        feeds = "".join(
            f'\n[[sources]]\nname = "feed{n}"\nkind = "feed"\nurl = "{server.url}/{path}"\n'
            for n, path in enumerate(
                [
                    "dashbit.co/feed",
                    "thinkingelixir.com/feed/podcast",
                    "www.reddit.com/r/elixir.rss",
                ]
                * 3
            )
        )
        settings = write_config(tmp_path, feeds)
        assert len(settings.sources) >= engine.POOL_MIN_FEEDS
        with open_store(tmp_path / "pool.db") as store:
            pooled = fetch_all(settings, store, SINCE)
        monkeypatch.setattr(engine, "POOL_MIN_FEEDS", 10_000)
        with open_store(tmp_path / "inline.db") as store:
            inline = fetch_all(settings, store, SINCE)
    assert pooled == inline and {r.status for r in pooled} == {"ok"}
    columns = "source, external_id, url, title, html, published_at"
    query = f"select {columns} from items order by source, external_id"
    assert rows(tmp_path / "pool.db", query) == rows(tmp_path / "inline.db", query)
    assert all(r["published_at"].endswith("Z") for r in rows(tmp_path / "pool.db"))


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from rich.console import Console

    from gazette.models import SourceResult
    from gazette.progress import fetch_progress

    class Run:  # what track() reads of a FetchRun: the names, then the results
        names = ("a", "b")

        def __iter__(self) -> Iterator[SourceResult]:
            yield SourceResult("a", "ok")
            yield SourceResult("b", "failed", error="x")

    screen = io.StringIO()
    with fetch_progress(Console(file=screen, force_terminal=True, width=100), True) as progress:
        seen = [r.source for r in progress.track(Run())]  # type: ignore[arg-type]
    assert seen == ["a", "b"]
    assert "fetching" in screen.getvalue() and "1 failed" in screen.getvalue()
    quiet = io.StringIO()
    with fetch_progress(Console(file=quiet, force_terminal=True), False) as progress:
        assert [r.source for r in progress.track(Run())] == ["a", "b"]  # type: ignore[arg-type]
    assert quiet.getvalue() == ""


def test_results_come_as_each_source_finishes(tmp_path: Path, site: ReplayServer) -> None:
    """fetch_iter yields the fast source's result while the slow one still runs;
    fetch_all puts them back in config order."""
    from gazette.fetch import fetch_iter

    site.add_fault(Fault("/elixirforum.com/*", delay=0.5))
    settings = settings_for(tmp_path, site)
    with open_store(tmp_path / "g.db") as store:
        run = fetch_iter(settings, store, SINCE)
        assert run.names == ("elixirforum", "hexpm")
        order = [r.source for r in run]
        assert order == ["hexpm", "elixirforum"]
        site.clear_requests()
        again = fetch_all(settings, store, SINCE)
    assert [r.source for r in again] == ["elixirforum", "hexpm"]


def test_a_consumer_that_stops_early_stops_the_other_sources(
    tmp_path: Path, site: ReplayServer
) -> None:
    from gazette.fetch import fetch_iter

    site.add_fault(Fault("/elixirforum.com/*", delay=1.5))
    settings = settings_for(tmp_path, site)
    with open_store(tmp_path / "g.db") as store:
        results = iter(fetch_iter(settings, store, SINCE))
        first = next(results)
        started = time.monotonic()
        results.close()  # type: ignore[attr-defined]
        assert time.monotonic() - started < 1.0  # the slow source was cancelled, not awaited
        assert first.source == "hexpm"
        stored = store.items_between(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))
        assert {s.item.source for s in stored} == {"hexpm"}


def test_results_waiting_to_be_stored_are_bounded() -> None:
    """A run of 1,000 feeds on a busy machine peaked at 277 MB: sources went on
    collecting while earlier results waited for the caller to store them, and
    every finished task kept its result (all items) to the end of the run. A
    source now runs only with a permit that comes back when its result has been
    taken, so however slow the caller, at most that many results wait; and a
    taken result is held by nothing in the run."""
    from types import SimpleNamespace

    from gazette.fetch import collect_all

    settings = dataclasses.replace(load_settings(None).fetch, concurrency=2)
    limit = max(2 * settings.concurrency, 4)
    finished = taken = most_waiting = 0

    class Quick:
        def __init__(self, name: str) -> None:
            self.config = SimpleNamespace(name=name)

        async def collect(self, fetch: object, since: datetime) -> list[object]:
            nonlocal finished, most_waiting
            finished += 1
            most_waiting = max(most_waiting, finished - taken)
            return []

    async def slow_caller() -> tuple[list[str], int]:
        nonlocal taken
        names: list[str] = []
        taken_before: list[weakref.ref[object]] = []
        still_held = -1
        async for collected in collect_all(
            [Quick(f"s{n}") for n in range(40)],
            {},
            SINCE,
            settings,  # type: ignore[list-item]
        ):
            await asyncio.sleep(0.002)  # storing the items
            names.append(collected.source)
            taken += 1
            if taken == 40:  # the run is not over: is any stored result still held?
                still_held = sum(ref() is not None for ref in taken_before)
            taken_before.append(weakref.ref(collected))
            del collected
        return names, still_held

    names, still_held = asyncio.run(slow_caller())
    assert sorted(names) == sorted(f"s{n}" for n in range(40))
    assert 1 <= most_waiting <= limit
    assert still_held == 0  # a result the caller has stored is let go (no task keeps it)


def test_the_async_side_fetches_from_validators_given_as_data(
    tmp_path: Path, site: ReplayServer
) -> None:
    """collect_all holds no store: the validators of earlier runs are data, the
    new ones come back with the items, and nothing is written anywhere."""
    from gazette.fetch import collect_all
    from gazette.http import Validators
    from gazette.sources import build_sources

    settings = settings_for(tmp_path, site)
    [forum] = build_sources(settings, ("elixirforum",))
    url = f"{site.url}/elixirforum.com/latest.json"

    async def collect(states: dict) -> list:
        return [c async for c in collect_all([forum], states, SINCE, settings.fetch)]

    [first] = asyncio.run(collect({}))
    assert len(first.items) == 30 and first.exception is None
    assert first.fetched == len(first.seen) and url in first.seen
    site.clear_requests()
    [second] = asyncio.run(collect({"elixirforum": first.seen}))
    assert second.not_modified == 1 and second.items == [] and second.seen == {}
    [asked] = site.requests
    assert asked.headers["if-none-match"] == first.seen[url].etag
    [forced] = asyncio.run(collect({"elixirforum": {url: Validators("stale")}}))
    assert len(forced.items) == 30  # a stale ETag is sent and answered in full
    assert not (tmp_path / "g.db").exists()


def test_a_bug_in_a_source_keeps_its_exception_and_traceback(
    tmp_path: Path,
    site: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A source's bug fails that source only; its exception is kept on the result
    and logged at error level with its traceback. A site's failure stays a warning."""
    import logging

    from gazette.sources.discourse import DiscourseSource

    async def broken(self: object, fetch: object, since: datetime) -> list:
        raise KeyError("topic_list")

    monkeypatch.setattr(DiscourseSource, "collect", broken)
    site.add_fault(Fault("/hex.pm/*", status=404))
    settings = settings_for(tmp_path, site)
    with caplog.at_level(logging.INFO, logger="gazette"), open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE))
    forum, hexpm = results["elixirforum"], results["hexpm"]
    assert forum.status == "failed" and isinstance(forum.exception, KeyError)
    assert forum.error == "KeyError: 'topic_list'"
    assert "exception" not in forum.as_dict() and forum.as_dict()["error"] == forum.error
    [bug] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert bug.exc_info and bug.exc_info[1] is forum.exception
    assert "in broken" in caplog.text  # the traceback, down to the raising frame
    assert hexpm.status == "failed" and "HTTP 404" in hexpm.error
    [site_failure] = [r for r in caplog.records if "hexpm failed" in r.getMessage()]
    assert site_failure.levelno == logging.WARNING and not site_failure.exc_info


def test_a_broken_parser_pool_falls_back_to_parsing_inline() -> None:
    import asyncio
    import multiprocessing
    import os
    from concurrent.futures import BrokenExecutor, ProcessPoolExecutor

    from gazette.sources.base import offload, parser_pool
    from gazette.sources.feeds import parse_feed

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        with pytest.raises(BrokenExecutor):
            pool.submit(os._exit, 1).result()  # a worker dies, as under the OOM killer
        feed = (SAMPLE / "dashbit.co/feed.atom").read_bytes()
        with parser_pool(pool):
            items = asyncio.run(offload(parse_feed, feed, "https://dashbit.co/feed", "d", "feed"))
    finally:
        pool.shutdown()
    assert len(items) == 3


class _CountingServer(ThreadingHTTPServer):
    """A loopback server that answers every GET after a pause and counts, at
    their highest, the requests in flight and the connections open to it."""

    daemon_threads = True

    def __init__(self, host: str, counts: _Counts) -> None:
        self.counts = counts
        self.host = host
        super().__init__((host, 0), _CountingHandler)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server_port}"


@dataclass
class _Counts:
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    total: int = 0
    peak_total: int = 0
    open: dict[str, int] = field(default_factory=dict)
    peak_open: dict[str, int] = field(default_factory=dict)

    def change(self, kind: str, host: str, by: int) -> None:
        with self.lock:
            if kind == "request":
                self.in_flight[host] = self.in_flight.get(host, 0) + by
                self.peak[host] = max(self.peak.get(host, 0), self.in_flight[host])
                self.total += by
                self.peak_total = max(self.peak_total, self.total)
            else:
                self.open[host] = self.open.get(host, 0) + by
                self.peak_open[host] = max(self.peak_open.get(host, 0), self.open[host])


class _CountingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    server: _CountingServer

    def setup(self) -> None:
        super().setup()
        self.server.counts.change("connection", self.server.host, 1)

    def finish(self) -> None:
        self.server.counts.change("connection", self.server.host, -1)
        super().finish()

    def do_GET(self) -> None:
        host = self.server.host
        self.server.counts.change("request", host, 1)
        time.sleep(0.05)
        self.server.counts.change("request", host, -1)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def counting_servers(hosts: Sequence[str], counts: _Counts) -> Iterator[list[_CountingServer]]:
    """A _CountingServer on each loopback address of ``hosts``, for the block."""
    servers = [_CountingServer(host, counts) for host in hosts]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield servers
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def test_per_host_and_total_limits_hold_on_real_connections() -> None:
    """Never more than [fetch] per_host requests, nor connections, to one host
    at a time, and never more than [fetch] concurrency requests in all; both
    limits are reached, so the work is spread over every host."""
    counts = _Counts()
    settings = FetchSettings(
        user_agent="test", concurrency=3, per_host=2, timeout=10, max_bytes=1000, since_days=8
    )

    async def fetch_every_url(urls: list[str]) -> list[int]:
        async with build_client(settings) as client:
            fetcher = HttpFetcher(client, settings)
            pages = await asyncio.gather(*(fetcher.get(url) for url in urls))
        return [page.status for page in pages]

    with counting_servers(("127.0.0.1", "127.0.0.2"), counts) as servers:
        urls = [f"{server.url}/{n}" for server in servers for n in range(8)]
        assert asyncio.run(fetch_every_url(urls)) == [200] * len(urls)
    assert counts.peak == {"127.0.0.1": 2, "127.0.0.2": 2}
    assert counts.peak_total == 3
    assert max(counts.peak_open.values()) <= 2


def test_idle_connections_stay_few_however_many_hosts_are_fetched() -> None:
    """Connections are kept alive for the next request to the same host, but
    not for every host of the run: after fetching 24 hosts, only the
    connections of the [fetch] concurrency hosts asked for last are still open
    (a long OPML list must not run the process out of file descriptors)."""
    counts = _Counts()
    settings = FetchSettings(
        user_agent="test", concurrency=4, per_host=2, timeout=10, max_bytes=1000, since_days=8
    )
    bound = settings.concurrency * settings.per_host

    async def fetch_then_count(servers: list[_CountingServer]) -> int:
        async with build_client(settings) as client:
            fetcher = HttpFetcher(client, settings)
            await asyncio.gather(*(fetcher.get(f"{s.url}/{n}") for s in servers for n in range(2)))
            # The server sees a connection end a moment after the client drops it.
            deadline = time.monotonic() + 3
            while sum(counts.open.values()) > bound and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return sum(counts.open.values())

    with counting_servers([f"127.0.0.{n}" for n in range(1, 25)], counts) as servers:
        assert asyncio.run(fetch_then_count(servers)) <= bound
    assert len([host for host, peak in counts.peak_open.items() if peak]) == 24
