"""The demo path end to end: replayed week -> fetch -> draft -> render -> publish -> site."""

from __future__ import annotations

import re
from pathlib import Path

from gazette.draft import read_draft
from tests.conftest import SAMPLE_WEEK, run_cli

HREF = re.compile(r'href="([^"]+)"')


def run_week(workspace: Path) -> None:
    run_cli("--db", "g.db", "fetch", "--since", "2026-01-01")
    run_cli("--db", "g.db", "draft", "--week", SAMPLE_WEEK)
    run_cli("--db", "g.db", "publish", "--week", SAMPLE_WEEK)
    run_cli("--db", "g.db", "render", "--week", SAMPLE_WEEK, "--out", "out")
    run_cli("--db", "g.db", "build-site", "--out", "out/site")


def test_sample_week_becomes_an_email_and_a_site(workspace: Path) -> None:
    run_week(workspace)
    draft = read_draft(workspace / "out" / "issues" / f"{SAMPLE_WEEK}.md").issue
    headlines = [p.headline for p in draft.picks]
    # The week's biggest stories, found across sources, lead the issue.
    assert "150,000 Lines of Vibe Coded Elixir: The Good, The Bad, and The Ugly" in headlines[:3]
    assert "Elixir v1.19.5 released" in headlines[:3]
    assert draft.feature is not None and "usage_rules" in draft.feature.headline
    assert len(draft.feature.remember) >= 2
    assert draft.sponsor is not None and draft.ps

    email = (workspace / "out" / "email.html").read_text("utf-8")
    text = (workspace / "out" / "email.txt").read_text("utf-8")
    index = (workspace / "out" / "site" / "index.html").read_text("utf-8")
    for headline in headlines[:3]:
        assert _escaped(headline) in email
        assert headline in text
        assert _escaped(headline) in index
    for page in (email, index):
        links = HREF.findall(page)
        external = [
            link for link in links if "://" in link or link.startswith(("javascript", "data:"))
        ]
        assert external and all(link.startswith(("https://", "http://")) for link in external)
        assert "127.0.0.1" not in page  # links point at the real sites, not the replay server
    assert "<script>alert" not in email and "<script>alert" not in index
    issue_pages = list((workspace / "out" / "site" / "issues").glob("1-*/index.html"))
    assert len(issue_pages) == 1


def test_running_the_week_twice_changes_nothing(workspace: Path) -> None:
    run_week(workspace)
    draft = workspace / "out" / "issues" / f"{SAMPLE_WEEK}.md"
    before = {p: p.read_bytes() for p in (workspace / "out").rglob("*") if p.is_file()}
    fetch = run_cli("--db", "g.db", "fetch", "--since", "2026-01-01", "--json")
    assert '"new": 0' in fetch.output and '"status": "failed"' not in fetch.output
    again = run_cli("--db", "g.db", "draft", "--week", SAMPLE_WEEK, expect=2)
    assert "already exists" in again.output
    assert "already published" in run_cli("--db", "g.db", "publish", "--week", SAMPLE_WEEK).output
    assert "0 files written" in run_cli("--db", "g.db", "build-site", "--out", "out/site").output
    after = {p: p.read_bytes() for p in (workspace / "out").rglob("*") if p.is_file()}
    assert after == before
    assert draft.exists()


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )
