"""`gazette weekly`: the unattended run, its report, its lock and its exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from gazette.lock import lock_holder
from gazette.replay import Fault, ReplayServer
from tests.conftest import SAMPLE, SAMPLE_WEEK, run_cli
from tests.subprocess_cli import (
    child_env,
    gazette_command,
    new_workspace,
    run_gazette,
    run_in_pty,
    tree,
)

WEEK = SAMPLE_WEEK
WEEKLY = ("--db", "g.db", "weekly", "--week", WEEK, "--since", "2026-01-01")
PUBLISH = (*WEEKLY, "--publish", "--date", "2026-01-12")
DRAFT = Path("out") / "issues" / f"{WEEK}.md"  # the sample config's issues_dir is out/issues
SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def report(workspace: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((workspace / "out" / WEEK / "report.json").read_text())
    return data


def test_weekly_fetches_drafts_renders_and_reports(workspace: Path) -> None:
    result = run_cli(*WEEKLY)
    saved = report(workspace)
    assert saved["week"] == WEEK
    assert [s["status"] for s in saved["sources"]] == ["ok"] * 7
    assert sum(int(s["new"]) for s in saved["sources"]) > 200
    assert saved["draft_status"] == "created" and saved["draft"] == str(DRAFT)
    assert (workspace / DRAFT).exists()
    assert saved["top_stories"][0] in result.output
    assert saved["errors"] == 0 and saved["published"] is None
    for name in ("email.html", "email.txt"):
        assert (workspace / "out" / WEEK / name).stat().st_size > 1000
    assert f"out/{WEEK}/email.html" in saved["outputs"]
    assert not (workspace / "out" / "site").exists()  # no --publish, no site
    assert "draft created" in result.output and "check: 0 errors" in result.output


def test_weekly_twice_gives_identical_outputs(workspace: Path) -> None:
    run_cli(*PUBLISH)
    assert report(workspace)["published"] == 1
    out = workspace / "out"
    first = tree(out, skip=("report.json",))
    stamps = _mtimes(out)
    assert any(path.startswith("site/issues/1-") for path in first)

    second = run_cli(*PUBLISH)

    again = report(workspace)
    assert [int(s["new"]) for s in again["sources"]] == [0] * 7
    assert all(s["status"] != "failed" for s in again["sources"])
    assert again["draft_status"] == "kept" and again["published"] == 1
    assert "already published with this content" in second.output
    assert tree(out, skip=("report.json",)) == first
    # Nothing was even rewritten: static hosts and rsync see no change.
    assert _mtimes(out) == stamps


def test_a_second_run_at_the_same_time_exits_3(tmp_path: Path) -> None:
    folder = new_workspace(tmp_path / "news")
    # A slow feed keeps the first run inside its fetch while the second one starts.
    with ReplayServer(SAMPLE) as slow:
        slow.add_fault(Fault("/dashbit.co/feed", delay=3.0))
        env = child_env(slow.url)
        first = subprocess.Popen(
            gazette_command(*WEEKLY),
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while lock_holder(folder / "g.db") != str(first.pid):
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline, "the first run never took the lock"
                time.sleep(0.02)
            second = run_gazette(*WEEKLY, cwd=folder, env=env)
        finally:
            _, err = first.communicate(timeout=60)
    assert second.returncode == 3, second.stderr
    assert second.stderr.strip() == (
        f"Error: another gazette run (pid {first.pid}) holds g.db.lock; try again when it ends"
    )
    assert first.returncode == 0, err
    assert report(folder)["draft_status"] == "created"  # the second run wrote no report over it
    with ReplayServer(SAMPLE) as fast:
        assert run_gazette(*WEEKLY, cwd=folder, env=child_env(fast.url)).returncode == 0


def test_a_failed_source_exits_1_and_the_rest_is_done(
    workspace: Path, replay: ReplayServer
) -> None:
    replay.add_fault(Fault("/hex.pm/*", status=404))
    result = run_cli(*WEEKLY, expect=1)
    saved = report(workspace)
    failed = [s["source"] for s in saved["sources"] if s["status"] == "failed"]
    assert failed == ["hexpm"]
    assert saved["draft_status"] == "created"
    assert (workspace / "out" / WEEK / "email.html").exists()
    assert "sources failed: hexpm" in result.stderr


def test_quiet_prints_only_the_problem(workspace: Path, replay: ReplayServer) -> None:
    replay.add_fault(Fault("/hex.pm/*", status=404))
    result = run_cli("-q", *WEEKLY, expect=1)
    assert result.stdout == ""
    assert [line.split(" ", 2)[1] for line in result.stderr.splitlines()] == ["ERROR"]
    assert "sources failed: hexpm" in result.stderr


def test_verbose_logs_the_steps_to_stderr(workspace: Path) -> None:
    quiet = run_cli(*WEEKLY)
    assert quiet.stderr == ""
    loud = run_cli(*WEEKLY, "-v")
    assert "INFO    gazette.fetch: elixirforum: " in loud.stderr
    assert "INFO    gazette.pipeline: check: 0 errors" in loud.stderr
    assert "gazette.fetch" not in loud.stdout  # results on stdout, the story on stderr
    debug = run_cli("-vv", *WEEKLY)
    assert "DEBUG   gazette.fetch: hexpm: fetching" in debug.stderr


def test_check_errors_block_publishing_unless_forced(workspace: Path) -> None:
    run_cli(*WEEKLY)
    draft = workspace / DRAFT
    text = draft.read_text("utf-8")
    draft.write_text(re.sub(r'^title = ".*"$', 'title = ""', text, count=1, flags=re.M), "utf-8")

    refused = run_cli(*PUBLISH, expect=1)
    saved = report(workspace)
    assert saved["errors"] >= 1 and saved["published"] is None and saved["publish_failed"]
    assert "not published: check found" in refused.stdout
    assert not (workspace / "out" / "site").exists()

    forced = run_cli(*PUBLISH, "--force", expect=1)  # published, but check still found errors
    assert report(workspace)["published"] == 1
    assert (workspace / "out" / "site" / "index.html").exists()
    assert "published issue #1" in forced.stdout


def test_a_published_week_is_not_republished_behind_the_editors_back(workspace: Path) -> None:
    run_cli(*PUBLISH)
    site = tree(workspace / "out" / "site")
    draft = workspace / DRAFT
    draft.write_text(draft.read_text("utf-8").replace("Welcome to", "Hello from", 1), "utf-8")

    refused = run_cli(*PUBLISH, expect=1)
    saved = report(workspace)
    assert saved["publish_failed"] and "already published with other content" in refused.stdout
    assert saved["draft_status"] == "kept"  # a published week's draft is never refreshed
    assert tree(workspace / "out" / "site") == site

    run_cli(*PUBLISH, "--force")
    assert "published issue #1 (revision 2)" in report(workspace)["publish_note"]
    assert tree(workspace / "out" / "site") != site


def test_the_editors_words_are_kept(workspace: Path) -> None:
    run_cli(*WEEKLY)
    draft = workspace / DRAFT
    edited = draft.read_text("utf-8").replace(
        "Welcome to GigaElixir Gazette", "Welcome back, dear readers, to GigaElixir Gazette", 1
    )
    draft.write_text(edited, "utf-8")
    run_cli(*WEEKLY)
    assert draft.read_text("utf-8") == edited
    assert "Welcome back, dear readers" in (workspace / "out" / WEEK / "email.txt").read_text()
    assert report(workspace)["draft_status"] == "kept"


def test_new_stories_reach_an_existing_draft_as_candidates(workspace: Path) -> None:
    run_cli("--db", "g.db", "fetch", "--since", "2026-01-01", "--source", "hexpm")
    run_cli("--db", "g.db", "draft", "--week", WEEK)  # drafted from hex.pm alone
    before = (workspace / DRAFT).read_text("utf-8")
    run_cli(*WEEKLY)  # now every source
    saved = report(workspace)
    assert saved["draft_status"] == "refreshed", saved["draft_note"]
    after = (workspace / DRAFT).read_text("utf-8")
    assert after != before and after.startswith(before.split("## ")[0])
    run_cli(*WEEKLY)
    assert report(workspace)["draft_status"] == "kept"
    assert (workspace / DRAFT).read_text("utf-8") == after


def test_a_broken_draft_stops_the_run_and_the_report_says_why(workspace: Path) -> None:
    (workspace / DRAFT).parent.mkdir(parents=True)
    (workspace / DRAFT).write_text("+++\nweek = \n+++\n", "utf-8")
    result = run_cli(*WEEKLY, expect=2)
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    saved = report(workspace)
    assert saved["error"] and saved["error"] in result.stderr
    assert all(s["status"] == "ok" for s in saved["sources"])  # the fetch was kept


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, Message]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        self.messages.append((envelope, message_from_bytes(content)))
        return "250 OK"


def _with_smtp(workspace: Path, port: int) -> None:
    config = workspace / "gazette.toml"
    config.write_text(
        config.read_text("utf-8")
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n',
        "utf-8",
    )


def test_send_to_mails_the_rendered_issue(workspace: Path, unused_tcp_port: int) -> None:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=unused_tcp_port)
    controller.start()
    try:
        _with_smtp(workspace, unused_tcp_port)
        result = run_cli(*WEEKLY, "--send-to", "editor@example.org")
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    envelope, message = inbox.messages[0]
    assert envelope.rcpt_tos == ["editor@example.org"]
    assert report(workspace)["sent_to"] == "editor@example.org"
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    payload = html.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert report(workspace)["top_stories"][0].split(":")[0] in payload.decode("utf-8")
    assert "sent the preview to editor@example.org" in result.stdout


def test_an_unreachable_mail_server_is_reported_not_fatal(
    workspace: Path, unused_tcp_port: int
) -> None:
    _with_smtp(workspace, unused_tcp_port)
    result = run_cli(*WEEKLY, "--send-to", "editor@example.org", expect=1)
    saved = report(workspace)
    assert saved["send_error"] and saved["sent_to"] == ""
    assert (workspace / "out" / WEEK / "email.html").exists()
    assert "preview not sent" in result.stdout


def test_a_bad_address_stops_before_any_work(workspace: Path) -> None:
    result = run_cli(*WEEKLY, "--send-to", "not an address", expect=2)
    assert "--send-to" in result.stderr
    assert not (workspace / "g.db").exists() or not (workspace / DRAFT).exists()


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- terminals, colour and progress -------------------------------------------------


def test_no_colour_and_no_progress_bar_when_not_a_terminal(tmp_path: Path) -> None:
    folder = new_workspace(tmp_path / "news")
    with ReplayServer(SAMPLE) as server:
        result = run_gazette(*WEEKLY, cwd=folder, env=child_env(server.url))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert "fetching" not in result.stdout


def test_a_terminal_gets_colour_and_a_progress_bar_unless_no_color(tmp_path: Path) -> None:
    folder = new_workspace(tmp_path / "news")
    with ReplayServer(SAMPLE, latency=0.05) as server:
        env = child_env(server.url, TERM="xterm-256color")
        code, coloured = run_in_pty(gazette_command(*WEEKLY), folder, env)
        assert code == 0, coloured.decode(errors="replace")
        code, plain = run_in_pty(gazette_command(*WEEKLY), folder, {**env, "NO_COLOR": "1"})
        assert code == 0, plain.decode(errors="replace")
    # The progress bar draws (and hides the cursor) only on a terminal.
    assert b"fetching" in coloured and b"\x1b[?25l" in coloured
    assert _colours(coloured), "expected colour codes on a terminal"
    assert b"fetching" in plain  # NO_COLOR removes colour, not the display
    assert _colours(plain) == set()


def _colours(output: bytes) -> set[str]:
    """The SGR colour parameters (30-37, 38;…, 40-47, 48;…, 90-97, 100-107) in output."""
    found: set[str] = set()
    for params in SGR.findall(output):
        codes = params.decode().split(";")
        i = 0
        while i < len(codes):
            code = codes[i]
            if code in ("38", "48"):
                found.add(";".join(codes[i : i + 3]))
                i += 3 if i + 1 < len(codes) and codes[i + 1] == "5" else 5
                continue
            if code.isdigit() and (
                30 <= int(code) <= 37
                or 40 <= int(code) <= 47
                or 90 <= int(code) <= 97
                or 100 <= int(code) <= 107
            ):
                found.add(code)
            i += 1
    return found


def _mtimes(root: Path) -> dict[Path, int]:
    return {
        p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file() and p.name != "report.json"
    }


def test_bulk_writers_wait_their_turn_under_the_lock(workspace: Path) -> None:
    """While a run holds the lock, fetch, publish, build-site and import exit 3."""
    from gazette.lock import run_lock
    from tests.conftest import run_cli

    with run_lock(workspace / "g.db"):
        for args in (
            ["fetch"],
            ["publish", "--week", "2026-W02"],
            ["build-site"],
            ["import-archive", str(workspace)],
        ):
            result = run_cli("--db", "g.db", *args, expect=3)
            assert "holds" in result.output
