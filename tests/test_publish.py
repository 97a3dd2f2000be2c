"""Publishing: numbers, dates and content frozen; revisions kept; the archive
rebuilt; template overrides honoured. Real drafts on disk, a real SQLite file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from gazette.config import Settings, load_settings
from gazette.draft import draft_path, write_draft
from gazette.errors import PublishedOtherwise, PublishError
from gazette.models import Issue, Pick
from gazette.publish import archive_issues, publish, published_issues
from gazette.store import open_store
from tests.conftest import run_cli

WEEK = "2026-W02"
ISSUE = Issue(
    week=WEEK,
    title="Drain Your Queue, Save Your Week",
    emoji="🔄",
    subtitle="GenServer migration reality check",
    welcome="Welcome to the Gazette.",
    picks=(
        Pick(
            headline="Homex brings Home Assistant to Nerves",
            emoji="🏠",
            body="Twelve lines instead of YAML.",
            url="https://hex.pm/packages/homex",
            link_text="See the package",
            tags=("nerves",),
        ),
    ),
    sign_off="See you next week,",
    editor="Michael",
)


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A newsletter folder with a config and the week's draft."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GAZETTE_DB", raising=False)
    (tmp_path / "gazette.toml").write_text(
        '[publication]\nbase_url = "https://gazette.example.org"\n'
        '[site]\nsearch = false\n[paths]\nissues_dir = "issues"\n',
        "utf-8",
    )
    write(ISSUE)
    return tmp_path


def write(issue: Issue) -> None:
    path = draft_path(Path("issues"), issue.week)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(write_draft(issue), "utf-8")


def settings() -> Settings:
    return load_settings(Path("gazette.toml"))


def test_publish_freezes_number_date_and_content(desk: Path) -> None:
    with open_store(desk / "g.db") as store:
        first = publish(store, settings(), WEEK, today=date(2026, 1, 12))
        assert first.changed and first.revision == 1
        assert first.issue.number == 1 and first.issue.published_on == "2026-01-12"
        assert first.issue.slug == "drain-your-queue-save-your-week"
        assert first.issue.tags == ("nerves",)
        again = publish(store, settings(), WEEK, today=date(2026, 2, 1))
        assert not again.changed and again.issue.published_on == "2026-01-12"
        row = store.db.execute("select emoji, subtitle, origin from issues").fetchone()
        assert row == ("🔄", "GenServer migration reality check", "draft")
        assert store.issue(WEEK) == first.issue  # the row as saved, every column


def test_the_email_of_a_published_issue_carries_its_number_and_date(desk: Path) -> None:
    """Rendered before publishing, the email has no number (none is given yet);
    rendered after, it shows the number and date the issue went out with, and
    links its archive page."""
    run_cli("--db", "g.db", "render", "--week", WEEK, "--out", "before")
    first_line = Path("before/email.txt").read_text("utf-8").splitlines()[0]
    assert first_line == "GigaElixir Gazette"
    with open_store(desk / "g.db") as store:
        publish(store, settings(), WEEK, today=date(2026, 1, 12))
    run_cli("--db", "g.db", "render", "--week", WEEK, "--out", "after")
    text = Path("after/email.txt").read_text("utf-8")
    assert text.splitlines()[0] == "GigaElixir Gazette · Issue #1 · January 12, 2026"
    assert "https://gazette.example.org/issues/1-drain-your-queue-save-your-week/" in text
    html = Path("after/email.html").read_text("utf-8")
    assert "Issue #1" in html


def test_changed_content_needs_force_and_keeps_the_old_revision(desk: Path) -> None:
    with open_store(desk / "g.db") as store:
        first = publish(store, settings(), WEEK, today=date(2026, 1, 12))
        old_markdown = (desk / "issues" / f"{WEEK}.md").read_text("utf-8")
        write(replace(ISSUE, title="A Corrected Title"))
        with pytest.raises(PublishedOtherwise, match="already published with other content"):
            publish(store, settings(), WEEK)
        forced = publish(store, settings(), WEEK, today=date(2026, 3, 1), force=True)
        assert forced.changed and forced.revision == 2
        # Number, date and permanent link stay; the content is the new one.
        assert forced.issue.number == 1
        assert forced.issue.published_on == "2026-01-12"
        assert forced.issue.slug == first.issue.slug
        assert forced.issue.title == "A Corrected Title"
        kept = store.revisions(WEEK)
        assert [(r.revision, r.title, r.markdown) for r in kept] == [(1, ISSUE.title, old_markdown)]
        # A revision keeps every column of the row it was.
        assert kept == [first.issue]
        write(replace(ISSUE, title="Third Time"))
        publish(store, settings(), WEEK, force=True)
        assert [r.revision for r in store.revisions(WEEK)] == [1, 2]


def test_a_draft_without_stories_is_refused(desk: Path) -> None:
    write(replace(ISSUE, picks=()))
    with open_store(desk / "g.db") as store, pytest.raises(PublishError, match="no stories"):
        publish(store, settings(), WEEK)
    with open_store(desk / "g.db") as store:
        assert store.db["issues"].count == 0


def test_the_body_template_override_applies(desk: Path) -> None:
    (desk / "templates" / "site").mkdir(parents=True)
    (desk / "templates" / "site" / "_issue_body.html.j2").write_text(
        '<div class="issue-body house-style">{{ issue.title }}'
        "{% for pick in picks %}<p>{{ pick.headline }}</p>{% endfor %}</div>\n",
        "utf-8",
    )
    with (desk / "gazette.toml").open("a", encoding="utf-8") as config:
        config.write('templates_dir = "templates"\n')
    with open_store(desk / "g.db") as store:
        outcome = publish(store, settings(), WEEK, today=date(2026, 1, 12))
    assert 'class="issue-body house-style"' in outcome.issue.html
    assert "<p>Homex brings Home Assistant to Nerves</p>" in outcome.issue.html


def test_archive_issues_read_columns_and_published_issues_the_stories(desk: Path) -> None:
    with open_store(desk / "g.db") as store:
        publish(store, settings(), WEEK, today=date(2026, 1, 12))
        write(replace(ISSUE, week="2026-W03", title="Second"))
        publish(store, settings(), "2026-W03", today=date(2026, 1, 19))
        light = archive_issues(store)
        full = published_issues(store)
        stored = store.issue(WEEK)
    assert [p.number for p in light] == [1, 2]  # the archive reads oldest first
    assert [p.number for p in full] == [2, 1]  # candidates want the newest first
    assert light[0].emoji == "🔄" and light[0].markdown is None  # the listing leaves it out
    assert full[1].picks[0].headline == "Homex brings Home Assistant to Nerves"
    assert stored is not None and light[0] == replace(stored, markdown=None)
    with open_store(desk / "g.db") as store:
        assert [p.number for p in published_issues(store, limit=1)] == [2]


def test_rows_from_before_the_archive_columns_show_their_draft_header(desk: Path) -> None:
    """An issue published before the emoji, subtitle and origin columns existed
    (m007) has them NULL: the archive takes them from its draft, once."""
    with open_store(desk / "g.db") as store:
        publish(store, settings(), WEEK, today=date(2026, 1, 12))
        store.db.execute("update issues set emoji = null, subtitle = null, origin = null")
        [old] = archive_issues(store)
        [parsed] = published_issues(store)
    assert (old.emoji, old.subtitle, old.markdown) == ("🔄", ISSUE.subtitle, None)
    assert parsed.picks[0].headline == ISSUE.picks[0].headline


def test_cli_publish_rebuilds_the_archive(desk: Path) -> None:
    result = run_cli("--db", "g.db", "publish", "--week", WEEK, "--date", "2026-01-12")
    assert "published issue #1 (revision 1)" in result.output
    assert "out/site:" in result.output and "files written" in result.output
    page = desk / "out/site/issues/1-drain-your-queue-save-your-week/index.html"
    assert "Homex brings Home Assistant to Nerves" in page.read_text("utf-8")
    again = run_cli("--db", "g.db", "publish", "--week", WEEK, "--site", "out/site")
    assert "already published with this content" in again.output
    assert "out/site: 0 files written" in again.output
    write(replace(ISSUE, subtitle="Now with a better subtitle"))
    refused = run_cli("--db", "g.db", "publish", "--week", WEEK, expect=2)
    assert "--force" in refused.output
    forced = run_cli("--db", "g.db", "publish", "--week", WEEK, "--force")
    assert "revision 2" in forced.output
    assert "Now with a better subtitle" in page.read_text("utf-8")
