"""`gazette preview`: both views over loopback, live reload, errors on the page."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from gazette.config import Settings, load_settings
from gazette.draft import parse_draft, write_draft
from gazette.models import Issue, Pick
from gazette.preview import PreviewServer
from gazette.render.email import render_email
from gazette.render.webpage import render_web_page
from tests.conftest import SAMPLE_WEEK, launch_chromium, run_cli

ISSUE = Issue(
    week=SAMPLE_WEEK,
    title="Drain Your Queue",
    emoji="🔄",
    subtitle="GenServer migration reality check",
    welcome="Welcome 👋.",
    picks=(
        Pick(
            headline="Migrating GenServers? Drain and Restart",
            emoji="🔄",
            body="The pragmatic truth: drain the queue.",
            url="https://elixirforum.com/t/x/1",
            link_text="Read the thread",
            item_id=12,
        ),
    ),
    sign_off="See you next week,",
    editor="Michael",
)


@pytest.fixture
def settings(workspace: Path) -> Settings:
    return load_settings(workspace / "gazette.toml")


@pytest.fixture
def draft(settings: Settings) -> Path:
    path = settings.issues_dir / f"{SAMPLE_WEEK}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(write_draft(ISSUE), "utf-8")
    return path


@pytest.fixture
def server(settings: Settings, draft: Path) -> Iterator[PreviewServer]:
    with PreviewServer(settings, draft) as running:
        yield running


def get(server: PreviewServer, route: str) -> httpx.Response:
    response = httpx.get(server.url + route, timeout=30)
    assert response.status_code == 200, route
    return response


def version(server: PreviewServer) -> dict[str, str]:
    found: dict[str, str] = json.loads(get(server, "/version").text)
    return found


def test_the_page_shows_the_email_twice_and_the_web_page(server: PreviewServer) -> None:
    index = get(server, "/").text
    assert 'id="email-desktop"' in index and 'id="email-mobile"' in index
    assert index.count('src="/email"') == 2 and 'src="/web"' in index
    assert "width: 375px" in index
    assert f'data-version="{version(server)["version"]}"' in index
    email = get(server, "/email").text
    assert "Migrating GenServers? Drain and Restart" in email and "<html" in email
    web = get(server, "/web").text
    assert "Migrating GenServers? Drain and Restart" in web
    assert httpx.get(server.url + "/nothing", timeout=10).status_code == 404
    assert server.url.startswith("http://127.0.0.1:")


def test_the_views_are_what_render_writes(
    server: PreviewServer, settings: Settings, workspace: Path
) -> None:
    """The same renderers as `gazette render`: web.html byte for byte (its
    stylesheet inlined, so the page needs nothing else), the email's HTML
    without the "View in browser" link a draft has nowhere to point yet."""
    issue = parse_draft(server.previewer.path.read_text("utf-8"), "draft").issue
    assert get(server, "/web").text == render_web_page(issue, settings)
    assert "<style>" in get(server, "/web").text
    assert get(server, "/email").text == render_email(issue, settings).html
    run_cli("render", "--week", SAMPLE_WEEK, "--out", str(workspace / "out"))
    assert get(server, "/web").text == (workspace / "out" / "web.html").read_text("utf-8")


def test_saving_the_draft_changes_the_version_and_the_views(
    server: PreviewServer, draft: Path
) -> None:
    before = version(server)
    assert before["error"] == ""
    assert version(server) == before  # nothing changed, nothing new
    changed = replace(ISSUE, picks=(replace(ISSUE.picks[0], headline="A brand new headline"),))
    draft.write_text(write_draft(changed), "utf-8")
    after = version(server)
    assert after["version"] != before["version"] and after["error"] == ""
    assert "A brand new headline" in get(server, "/email").text
    assert "A brand new headline" in get(server, "/web").text


def test_a_broken_draft_shows_its_line_and_the_preview_recovers(
    server: PreviewServer, draft: Path
) -> None:
    good = draft.read_text("utf-8")
    broken = good.replace("## Weekly picks", "## Weekly pickings")
    draft.write_text(broken, "utf-8")
    line = broken.split("\n").index("## Weekly pickings") + 1
    state = version(server)
    assert f"{draft}:{line}: unknown section '## Weekly pickings'" in state["error"]
    index = get(server, "/").text
    assert 'role="alert"' in index and f"{draft}:{line}: unknown section" in index
    assert "Cannot render the draft" in get(server, "/email").text
    assert "Cannot render the draft" in get(server, "/web").text
    draft.write_text(good, "utf-8")
    assert version(server)["error"] == ""
    assert 'role="alert"' not in get(server, "/").text
    assert "Migrating GenServers? Drain and Restart" in get(server, "/email").text


def test_a_missing_draft_is_a_message_not_a_crash(server: PreviewServer, draft: Path) -> None:
    draft.unlink()
    assert "no draft yet" in version(server)["error"]
    assert "no draft yet" in get(server, "/").text


def test_stopping_releases_the_port(settings: Settings, draft: Path) -> None:
    server = PreviewServer(settings, draft).start()
    port = server.port
    with pytest.raises(RuntimeError, match="already started"):
        server.start()
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(RuntimeError, match="preview is not running"):
        _ = server.url
    with PreviewServer(settings, draft, port=port) as again:
        assert again.url == f"http://127.0.0.1:{port}"


def test_a_busy_port_is_a_one_line_error(workspace: Path, draft: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("preview", "--week", SAMPLE_WEEK, "--port", str(port), expect=2)
    assert result.output.startswith(f"Error: cannot serve the preview on 127.0.0.1:{port}")
    assert result.output.count("\n") == 1


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(60)
def test_the_preview_in_a_browser_shows_both_emails_and_reloads_on_save(
    server: PreviewServer, draft: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server.url + "/", wait_until="load")
            frames = {
                name: page.frame_locator(f"#{name}")
                for name in ("email-desktop", "email-mobile", "web")
            }
            for locator in frames.values():
                locator.get_by_text("Migrating GenServers? Drain and Restart").first.wait_for()
            widths = page.evaluate(
                "['email-desktop', 'email-mobile'].map("
                "id => document.getElementById(id).getBoundingClientRect().width)"
            )
            assert widths[1] == pytest.approx(375, abs=4) and widths[0] > 600
            # Saving the draft reloads the page by itself.
            changed = replace(
                ISSUE, picks=(replace(ISSUE.picks[0], headline="Saved and reloaded"),)
            )
            draft.write_text(write_draft(changed), "utf-8")
            frames["email-mobile"].get_by_text("Saved and reloaded").first.wait_for(timeout=15_000)
        finally:
            browser.close()
