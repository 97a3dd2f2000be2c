"""`gazette studio` over HTTP: each action is the CLI verb's change, the draft on
disk wins over a stale page, undo, the previews, and the security rules."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gazette.config import load_settings
from gazette.errors import BadArgument
from gazette.studio.server import StudioServer
from gazette.studio.session import STALE, version_of
from tests.conftest import run_cli
from tests.editing import WEEK, draft_file, gz, make_desk
from tests.test_llm import FakeOpenAI, _handler


@pytest.fixture
def desk(workspace: Path, sample_db: Path) -> Path:
    make_desk(workspace, sample_db)
    gz("draft", "--refresh")
    return workspace


@pytest.fixture
def server(desk: Path) -> Iterator[StudioServer]:
    settings = load_settings(desk / "gazette.toml")
    with StudioServer(settings, WEEK, desk / "g.db") as running:
        yield running


def post(
    server: StudioServer,
    route: str,
    data: dict[str, str | int],
    *,
    version: str | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {
        "X-Studio-Token": server.token if token is None else token,
        "X-Draft-Version": version_of(server.session.read()) if version is None else version,
        **(headers or {}),
    }
    form = {k: str(v) for k, v in data.items()}
    return httpx.post(server.url + route, data=form, headers=sent, timeout=60)


def candidate_ids(path: Path) -> list[int]:
    from gazette.draft import read_draft

    return [c.item_id for c in read_draft(path).candidates]


def same_as_cli(server: StudioServer, route: str, data: dict[str, str | int], *cli: str) -> str:
    """Do one action through the page, then the same through the CLI on the
    same starting bytes; both files must be identical. Returns the notice page."""
    path = draft_file(Path.cwd())
    before = path.read_bytes()
    answer = post(server, route, data)
    assert answer.status_code == 200, answer.text
    by_page = path.read_bytes()
    assert by_page != before, answer.text
    path.write_bytes(before)
    gz(*cli)
    assert path.read_bytes() == by_page
    return answer.text


def test_the_page_shows_candidates_issue_findings_and_previews(server: StudioServer) -> None:
    page = httpx.get(server.url + "/", timeout=60)
    assert page.status_code == 200
    text = page.text
    assert "Elixir v1.19.5 released" in text and "Weekly picks" in text
    assert "why this score" in text and "engagement" in text  # the --explain components
    assert "words</span>, about" in text and "5-minute promise" in text
    assert 'class="badge">picked<' in text and 'class="badge">listed<' in text
    assert 'src="/static/htmx.min.js"' in text
    for frame in ("email-600", "email-375", "email-600-dark", "email-375-dark", "web"):
        assert f'id="{frame}"' in text
    assert server.token in text  # the page carries the token its requests send
    assert "script-src 'self'" in page.headers["content-security-policy"]
    htmx = httpx.get(server.url + "/static/htmx.min.js", timeout=10)
    assert htmx.status_code == 200 and htmx.text.startswith("var htmx=")


def summary_line(text: str, item_id: int) -> str:
    """The first line of a story's summary, as the file has it."""
    from gazette.draft import outline

    block = outline(text).find(item_id)
    assert block is not None and block.meta is not None
    lines = text.split("\n")
    return next(line for line in lines[block.meta + 1 : block.end] if line.strip())


def test_check_findings_sit_beside_their_story(server: StudioServer, desk: Path) -> None:
    path = draft_file(desk)
    text = path.read_text("utf-8")
    # A claim the sources cannot support, in the first story's summary.
    first = summary_line(text, 229)
    path.write_text(text.replace(first, f"Zorblax 9.9.9 ships. {first}", 1), "utf-8")
    page = httpx.get(server.url + "/desk", timeout=60).text
    story = page.split('data-key="s229"')[1].split('data-key="s')[0]
    assert "Zorblax" in story and 'class="warning"' in story


def test_pick_move_tag_summary_unpick_are_the_verbs_byte_for_byte(
    server: StudioServer, desk: Path
) -> None:
    path = draft_file(desk)
    listed = candidate_ids(path)
    first, second = listed[0], listed[1]
    same_as_cli(server, "/pick", {"item": first, "section": "picks"}, "pick", str(first))
    same_as_cli(
        server,
        "/pick",
        {"item": second, "section": "quick-links"},
        "pick",
        str(second),
        "--section",
        "quick-links",
    )
    same_as_cli(server, "/move", {"item": first, "by": -1}, "move", str(first), "up")
    same_as_cli(server, "/move", {"item": first, "to": 1}, "move", str(first), "--to", "1")
    page = same_as_cli(
        server,
        f"/story/{first}/edit",
        {"tags": "otp, testing"},
        "tag",
        str(first),
        *[f"-{t}" for t in _tags(path, first) if t not in ("otp", "testing")],
        *[f"+{t}" for t in ("otp", "testing") if t not in _tags(path, first)],
    )
    assert "is tagged" in page
    same_as_cli(server, "/unpick", {"item": 236}, "unpick", "236")


def _tags(path: Path, item_id: int) -> tuple[str, ...]:
    from gazette.draft import read_draft

    story = next(p for p in read_draft(path).issue.all_picks if p.item_id == item_id)
    return story.tags


def test_a_summary_edit_is_write_summary_and_touches_no_other_line(
    server: StudioServer, desk: Path
) -> None:
    from gazette.draft.verbs import write_summary

    path = draft_file(desk)
    before = path.read_bytes()
    body = "Protocol consolidation no longer loads structs.\n\nA second paragraph."
    answer = post(server, "/story/229/edit", {"summary": body})
    assert answer.status_code == 200 and "wrote the summary of 229" in answer.text
    by_page = path.read_bytes()
    path.write_bytes(before)
    write_summary(load_settings(desk / "gazette.toml"), WEEK, 229, body, replace_body=True)
    assert path.read_bytes() == by_page
    from gazette.draft import outline

    old, new = before.decode().split("\n"), by_page.decode().split("\n")
    block = outline(before.decode()).find(229)
    assert block is not None and block.meta is not None
    shift = len(new) - len(old)
    # Everything before the summary and everything after the story is as it was.
    assert old[: block.meta + 1] == new[: block.meta + 1]
    assert old[block.stop :] == new[block.stop + shift :]
    assert "\n".join(new[block.meta + 1 : block.stop + shift]).strip().startswith(body)


def test_a_heading_edit_rewrites_the_heading_line_alone(server: StudioServer, desk: Path) -> None:
    path = draft_file(desk)
    before = path.read_text("utf-8").split("\n")
    answer = post(server, "/story/229/edit", {"emoji": "🚀", "headline": "Elixir 1.19.5 is out"})
    assert "229 is now: 🚀 Elixir 1.19.5 is out" in answer.text
    after = path.read_text("utf-8").split("\n")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [after[i] for i in changed] == ["### 🚀 Elixir 1.19.5 is out"]
    # A quick link's text keeps its brackets escaped.
    from gazette.draft import read_draft

    link = read_draft(path).issue.quick_links[0]
    assert link.item_id is not None
    post(server, f"/story/{link.item_id}/edit", {"headline": "[ANN] A quick link"})
    assert f"- [\\[ANN\\] A quick link]({link.url})" in path.read_text("utf-8")
    refused = post(server, "/story/229/edit", {"emoji": "not an emoji"})
    assert "takes emoji only" in refused.text


def test_a_change_against_a_draft_saved_meanwhile_is_refused(
    server: StudioServer, desk: Path
) -> None:
    path = draft_file(desk)
    seen = version_of(path.read_bytes())
    saved = path.read_text("utf-8").replace("Welcome to", "Hello and welcome to", 1)
    path.write_text(saved, "utf-8")  # the editor saves in $EDITOR
    answer = post(server, "/unpick", {"item": 229}, version=seen)
    assert path.read_text("utf-8") == saved  # nothing overwritten
    assert STALE.split(":")[0] in answer.text
    assert f'data-version="{version_of(saved.encode())}"' in answer.text


def test_undo_puts_back_the_exact_bytes(server: StudioServer, desk: Path) -> None:
    path = draft_file(desk)
    before = path.read_bytes()
    post(server, "/unpick", {"item": 236})
    assert path.read_bytes() != before
    answer = post(server, "/undo", {})
    assert "Undone: unpicked 236" in answer.text and path.read_bytes() == before
    assert "Nothing to undo" in post(server, "/undo", {}).text
    # Undo never takes back a change the editor made meanwhile.
    post(server, "/unpick", {"item": 236})
    path.write_bytes(path.read_bytes() + b"\n")
    assert "nothing undone" in post(server, "/undo", {}).text
    assert path.read_bytes().endswith(b"\n\n")


def test_a_verbs_error_is_shown_and_writes_nothing(server: StudioServer, desk: Path) -> None:
    path = draft_file(desk)
    before = path.read_bytes()
    answer = post(server, "/pick", {"item": 229, "section": "picks"})
    assert "already" in answer.text and 'class="notice error"' in answer.text
    assert path.read_bytes() == before


def test_a_suggested_summary_comes_with_its_findings(server: StudioServer, desk: Path) -> None:
    before = draft_file(desk).read_bytes()
    answer = post(server, "/story/236/suggest", {"backend": "offline"})
    assert "extractive" in answer.text and "Use this summary" in answer.text
    assert draft_file(desk).read_bytes() == before  # shown, not written


def test_previews_render_the_draft_light_and_dark(server: StudioServer, desk: Path) -> None:
    email = httpx.get(server.url + "/preview/email", timeout=60)
    dark = httpx.get(server.url + "/preview/email?scheme=dark", timeout=60).text
    web = httpx.get(server.url + "/preview/web", timeout=60).text
    assert "Elixir v1.19.5 released" in email.text and "Elixir v1.19.5 released" in web
    assert "prefers-color-scheme: dark" in email.text and "prefers-color-scheme: dark" not in dark
    assert "script-src" not in email.headers["content-security-policy"]  # no script at all
    path = draft_file(desk)
    path.write_text(path.read_text("utf-8").replace("## Feature", "## Nonsense", 1), "utf-8")
    broken = httpx.get(server.url + "/preview/email", timeout=60).text
    assert "Cannot render the draft" in broken and "unknown section" in broken


def test_a_foreign_host_or_origin_is_refused(server: StudioServer, desk: Path) -> None:
    before = draft_file(desk).read_bytes()
    rebound = httpx.get(server.url + "/", headers={"Host": f"evil.example:{server.port}"})
    assert rebound.status_code == 403
    assert httpx.get(server.url + "/version", headers={"Host": "127.0.0.1"}).status_code == 403
    local = httpx.get(server.url + "/version", headers={"Host": f"localhost:{server.port}"})
    assert local.status_code == 200
    foreign = post(server, "/unpick", {"item": 229}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert draft_file(desk).read_bytes() == before


def test_a_change_without_the_token_is_refused(server: StudioServer, desk: Path) -> None:
    before = draft_file(desk).read_bytes()
    for token in ("", "guessed"):
        answer = post(server, "/unpick", {"item": 229}, token=token)
        assert answer.status_code == 403 and "token" in answer.text
    assert post(server, "/undo", {}, token="").status_code == 403
    assert draft_file(desk).read_bytes() == before


def test_beyond_loopback_the_studio_needs_a_password(desk: Path) -> None:
    settings = load_settings(desk / "gazette.toml")
    with pytest.raises(BadArgument, match="GAZETTE_STUDIO_PASSWORD"):
        StudioServer(settings, WEEK, desk / "g.db", host="0.0.0.0")
    with StudioServer(settings, WEEK, desk / "g.db", password="s3cret") as guarded:
        assert httpx.get(guarded.url + "/version").status_code == 401
        wrong = httpx.get(guarded.url + "/version", auth=("editor", "guess"))
        assert wrong.status_code == 401
        right = httpx.get(guarded.url + "/version", auth=("editor", "s3cret"))
        assert right.status_code == 200 and json.loads(right.text)["version"]
        basic = base64.b64encode(b"editor:s3cret").decode()
        headers = {"Authorization": f"Basic {basic}", "X-Draft-Version": "x"}
        assert httpx.post(guarded.url + "/undo", headers=headers).status_code == 403  # no token


def test_gazette_studio_prints_its_url_and_answers_within_a_second(desk: Path) -> None:
    command = [sys.executable, "-m", "gazette", "--db", "g.db", "studio", "--week", WEEK]
    started = time.monotonic()
    child = subprocess.Popen([*command, "--port", "0"], cwd=desk, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        url = line.split(" on ")[1].split("/ ")[0]
        assert url.startswith("http://127.0.0.1:")
        while True:
            try:
                answer = httpx.get(url + "/version", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.02)
        elapsed = time.monotonic() - started
        assert answer.status_code == 200
        # Under a second on an idle machine (nothing is ranked or rendered
        # before the first page is asked for); a shared test machine gets slack.
        assert elapsed < 10, elapsed
    finally:
        child.terminate()
        child.wait(10)


def test_the_vendored_htmx_is_the_recorded_file() -> None:
    import hashlib

    from gazette.studio.app import STATIC, STATIC_FILES

    name = STATIC_FILES["htmx.min.js"][0]
    recorded = (STATIC / "VENDORED.md").read_text("utf-8")
    assert name == "htmx-2.0.11.min.js" and "htmx.org@2.0.11" in recorded
    assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() in recorded
    assert "Zero-Clause BSD" in (STATIC / "htmx-LICENSE.txt").read_text("utf-8")


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible endpoint on loopback (the one tests/test_llm.py uses)."""
    from http.server import ThreadingHTTPServer

    state = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_an_llm_summary_is_shown_with_its_unsupported_claims(
    desk: Path, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAZETTE_TEST_LLM_KEY", "sk-test")
    fake.answer = "LiveVue v1.0 renders Vue inside LiveView, and Zorblax 9.9 ships with it."
    config = desk / "gazette.toml"
    config.write_text(
        config.read_text("utf-8") + "\n[llm]\n"
        f'endpoint = "http://127.0.0.1:{fake.port}/v1/chat/completions"\n'
        'model = "test-model"\napi_key_env = "GAZETTE_TEST_LLM_KEY"\n',
        "utf-8",
    )
    before = draft_file(desk).read_bytes()
    with StudioServer(load_settings(config), WEEK, desk / "g.db") as running:
        answer = post(running, "/story/257/suggest", {"backend": "llm"})
    assert "llm:test-model" in answer.text and "Zorblax 9.9 ships" in answer.text
    assert "Zorblax" in answer.text.split('class="warning"')[1]  # the claim, flagged
    assert fake.requests and draft_file(desk).read_bytes() == before


def test_the_command_refuses_another_interface_without_a_password(
    desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GAZETTE_STUDIO_PASSWORD", raising=False)
    refused = run_cli("--db", "g.db", "studio", "--week", WEEK, "--host", "0.0.0.0", expect=2)
    assert "--host 0.0.0.0 is not a loopback address" in refused.output
    assert "GAZETTE_STUDIO_PASSWORD" in refused.output


def test_a_candidate_the_editor_deleted_is_marked(server: StudioServer, desk: Path) -> None:
    path = draft_file(desk)
    doomed = candidate_ids(path)[0]
    lines = path.read_text("utf-8").split("\n")
    path.write_text(
        "\n".join(line for line in lines if f"candidate: {doomed} |" not in line), "utf-8"
    )
    page = httpx.get(server.url + "/desk", timeout=60).text
    row = page.split(f'data-key="c{doomed}"')[0].rsplit("<li", 1)[1]
    assert "cand deleted" in row


def test_a_heading_edit_keeps_crlf_line_endings(desk: Path) -> None:
    from gazette.studio.heading import heading_edit

    text = draft_file(desk).read_text("utf-8").replace("\n", "\r\n")
    changed = heading_edit(text, 229, "", "Elixir 1.19.5", None)
    assert "\n### Elixir 1.19.5\r\n" in changed
    assert changed.replace("### Elixir 1.19.5", "### 📦 Elixir v1.19.5 released", 1) == text


def test_a_headline_that_starts_with_an_emoji_reads_back_as_written(
    server: StudioServer, desk: Path
) -> None:
    from gazette.draft import read_draft

    post(server, "/story/229/edit", {"emoji": "", "headline": "🚀 Launch day"})
    story = next(p for p in read_draft(draft_file(desk)).issue.picks if p.item_id == 229)
    assert (story.emoji, story.headline) == ("", "🚀 Launch day")
