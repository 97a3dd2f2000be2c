"""Unattended runs always end, in bounded memory, and leave no process behind.

Every case runs against the real loopback replay server (gazette/replay.py),
whose faults play the misbehaving servers: a body that trickles in a byte at a
time, compression bombs (stacked or not), redirects to file:// and ftp://.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gazette.config import Settings, load_settings
from gazette.errors import ConfigError
from gazette.fetch import fetch_all
from gazette.models import SourceResult
from gazette.ops import inspect_database
from gazette.replay import Fault, ReplayServer
from gazette.store import open_store
from tests.conftest import SAMPLE, run_cli, sqlite_page_size
from tests.subprocess_cli import child_env, gazette_command

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
FEEDS = ("dashbit.co/feed", "thinkingelixir.com/feed/podcast", "www.reddit.com/r/elixir.rss")
DASHBIT = "/dashbit.co/feed*"
QUICK_RETRIES = {"backoff": 0.01, "max_wait": 0.1}


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(SAMPLE) as server:
        yield server


def feed_config(folder: Path, server: ReplayServer, fetch: str = "", copies: int = 1) -> Path:
    """A gazette.toml of feed sources only, each of FEEDS ``copies`` times."""
    sources = "".join(
        f'\n[[sources]]\nname = "{path.split("/")[0]}-{n}"\nkind = "feed"\nurl = "{server.url}/{path}"\n'
        for n in range(copies)
        for path in FEEDS
    )
    config = folder / "gazette.toml"
    quick = "".join(
        f"{key} = {value}\n" for key, value in QUICK_RETRIES.items() if key not in fetch
    )
    config.write_text(f"[fetch]\n{quick}{fetch}\n{sources}", "utf-8")
    return config


def fetch_feeds(folder: Path, settings: Settings) -> tuple[dict[str, SourceResult], float]:
    """The results by source, and how long the run took."""
    started = time.monotonic()
    with open_store(folder / "g.db") as store:
        results = fetch_all(settings, store, SINCE)
    return {r.source: r for r in results}, time.monotonic() - started


def stored_sources(db: Path) -> set[str]:
    with open_store(db) as store:
        return {row[0] for row in store.db.execute("select distinct source from items")}


# -- bounded time -------------------------------------------------------------------


def test_a_trickling_source_fails_at_the_request_deadline_and_the_others_are_kept(
    tmp_path: Path, replay: ReplayServer
) -> None:
    # 10 bytes a second: the read timeout (0.5 s) restarts on every byte and never trips.
    replay.add_fault(Fault(DASHBIT, drip=0.1))
    settings = load_settings(
        feed_config(tmp_path, replay, "timeout = 0.5\nrequest_deadline = 1.5\n")
    )
    results, took = fetch_feeds(tmp_path, settings)
    assert took < 10
    failed = results["dashbit.co-0"]
    assert failed.status == "failed"
    assert "1.5 s request deadline" in failed.error and "/dashbit.co/feed" in failed.error
    assert "\n" not in failed.error
    assert results["thinkingelixir.com-0"].status == "ok"
    assert results["www.reddit.com-0"].status == "ok"
    assert stored_sources(tmp_path / "g.db") == {"thinkingelixir.com-0", "www.reddit.com-0"}


def test_the_whole_run_stops_at_the_run_deadline(tmp_path: Path, replay: ReplayServer) -> None:
    replay.add_fault(Fault(DASHBIT, drip=0.1))
    fetch = "timeout = 0.5\nrequest_deadline = 600\nrun_deadline = 1.5\n"
    settings = load_settings(feed_config(tmp_path, replay, fetch))
    results, took = fetch_feeds(tmp_path, settings)
    assert took < 10
    assert results["dashbit.co-0"].status == "failed"
    assert "1.5 s run deadline" in results["dashbit.co-0"].error
    assert stored_sources(tmp_path / "g.db") == {"thinkingelixir.com-0", "www.reddit.com-0"}


def test_cli_fetch_past_the_deadline_says_which_source_in_one_line(
    tmp_path: Path, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.add_fault(Fault(DASHBIT, drip=0.1))
    feed_config(tmp_path, replay, "timeout = 0.5\nrequest_deadline = 1\n")
    monkeypatch.chdir(tmp_path)
    result = run_cli("--db", "g.db", "fetch", "--since", "2026-01-01", expect=1)
    # the log line (the table below it wraps its cells to the terminal)
    said = [line for line in result.output.splitlines() if "dashbit.co-0 failed:" in line]
    assert len(said) == 1 and "within the 1 s request deadline" in said[0], result.output


def test_the_defaults_bound_every_run() -> None:
    settings = load_settings(None)
    assert (settings.fetch.request_deadline, settings.fetch.run_deadline) == (60.0, 600.0)
    text = (Path(__file__).parent.parent / "gazette/defaults/gazette.toml").read_text("utf-8")
    assert "request_deadline = 60.0" in text and "run_deadline = 600.0" in text


def test_no_retry_is_started_that_the_request_deadline_would_cut_short(
    tmp_path: Path, replay: ReplayServer
) -> None:
    replay.add_fault(Fault(DASHBIT, status=503, retry_after=5))
    fetch = "max_wait = 10\nrequest_deadline = 1\n"
    settings = load_settings(feed_config(tmp_path, replay, fetch))
    results, took = fetch_feeds(tmp_path, settings)
    assert took < 4
    error = results["dashbit.co-0"].error
    assert "HTTP 503" in error and "after 1 attempts" in error and "1 s request deadline" in error
    assert [r.path for r in replay.requests].count("/dashbit.co/feed") == 1


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency", "between 1 and"),
        ("[fetch]\nper_host = 0\n", "fetch.per_host", "between 1 and"),
        ("[fetch]\nconcurrency = -1\n", "fetch.concurrency", "between 1 and"),
        ("[fetch]\nsince_days = 100000000\n", "fetch.since_days", "between 0 and 36500"),
        ("[fetch]\nmax_bytes = 0\n", "fetch.max_bytes", "between 1 and"),
        ("[fetch]\nretries = -1\n", "fetch.retries", "between 0 and"),
        ("[fetch]\ntimeout = 0\n", "fetch.timeout", "more than 0"),
        ("[fetch]\ntimeout = nan\n", "fetch.timeout", "finite"),
        ("[fetch]\nmax_wait = inf\n", "fetch.max_wait", "finite"),
        ("[fetch]\nbackoff = -0.5\n", "fetch.backoff", "between 0 and"),
        ("[fetch]\nrequest_deadline = 0\n", "fetch.request_deadline", "more than 0"),
        ("[fetch]\nrun_deadline = -5\n", "fetch.run_deadline", "more than 0"),
        ("[draft]\npicks = 0\n", "draft.picks", "between 1 and"),
        ("[draft]\nquick_links = -1\n", "draft.quick_links", "between 0 and"),
        ("[rank]\nwindow_days = 0\n", "rank.window_days", "between 1 and"),
        ("[rank]\nengagement = nan\n", "rank.engagement", "finite"),
        ("[llm]\nmax_words = 0\n", "llm.max_words", "between 1 and"),
        ("[llm]\ntimeout = -1\n", "llm.timeout", "more than 0"),
        ("[smtp]\nport = 70000\n", "smtp.port", "between 1 and 65535"),
        ("[site]\nfeed_entries = 0\n", "site.feed_entries", "between 1 and"),
        (
            '[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://a.example/feed"\nweight = -1\n',
            "sources[0].weight",
            "between 0 and",
        ),
    ],
)
def test_numbers_out_of_range_are_one_line_naming_file_and_key(
    tmp_path: Path, text: str, key: str, allowed: str
) -> None:
    path = tmp_path / "gazette.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: '{key}' must be") and allowed in message
    assert "\n" not in message


def test_cli_refuses_a_fetch_that_would_wait_forever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gazette.toml").write_text("[fetch]\nconcurrency = 0\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("--db", "g.db", "fetch", expect=2)
    assert "gazette.toml: 'fetch.concurrency' must be between 1 and 1024, got 0" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://files.example/feed.atom"])
def test_a_redirect_to_another_scheme_fails_at_once_naming_the_target(
    tmp_path: Path, replay: ReplayServer, target: str
) -> None:
    replay.add_fault(Fault(DASHBIT, redirect_to=target))
    settings = load_settings(feed_config(tmp_path, replay))
    results, _ = fetch_feeds(tmp_path, settings)
    failed = results["dashbit.co-0"]
    assert failed.status == "failed"
    assert f"redirect to {target} not followed" in failed.error
    assert [r.path for r in replay.requests].count("/dashbit.co/feed") == 1  # no retry
    assert results["www.reddit.com-0"].status == "ok"


def test_credentials_follow_a_redirect_only_to_the_same_origin(tmp_path: Path) -> None:
    import asyncio

    from gazette.http import HttpFetcher, build_client

    settings = load_settings(None).fetch

    async def get(url: str) -> None:
        async with build_client(settings) as client:
            await HttpFetcher(client, settings).get(url, headers={"Authorization": "token t"})

    with ReplayServer(SAMPLE) as first, ReplayServer(SAMPLE, host="127.0.0.2") as second:
        feed = "/dashbit.co/feed"
        first.add_fault(Fault("/here", redirect_to=feed))
        first.add_fault(Fault("/away", redirect_to=f"{second.url}{feed}"))
        asyncio.run(get(f"{first.url}/here"))
        asyncio.run(get(f"{first.url}/away"))
        kept = [r.headers.get("authorization") for r in first.requests]
        moved = [r.headers.get("authorization") for r in second.requests]
    assert kept == ["token t", "token t", "token t"]
    assert moved == [None]


# -- bounded memory -----------------------------------------------------------------

BOMB_SIZE = 512 * 2**20  # inflated; the body cap is 10 MB
PEAK_LIMIT_KB = 200 * 1024


def zeros_compressed(size: int, compressor: Callable[[], Any]) -> bytes:
    """``size`` zero bytes compressed without ever holding them."""
    engine = compressor()
    block = bytes(2**20)
    parts = [engine.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, engine.flush()])


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {
        "gzip": zeros_compressed(BOMB_SIZE, lambda: zlib.compressobj(9, zlib.DEFLATED, 31)),
        "deflate": zeros_compressed(BOMB_SIZE, lambda: zlib.compressobj(9)),
    }


# The fetch alone in a fresh process: its peak resident memory is the fetch's.
FETCH_AND_MEASURE = """
import asyncio, resource, sys
from gazette.config import load_settings
from gazette.http import FetchFailed, HttpFetcher, build_client

async def main() -> str:
    settings = load_settings(None).fetch
    async with build_client(settings) as client:
        try:
            page = await HttpFetcher(client, settings).get(sys.argv[1])
        except FetchFailed as exc:
            return str(exc)
        return f"fetched {len(page.content)} bytes"

print(asyncio.run(main()))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bomb", "encodings", "declared", "reason"),
    [
        ("gzip", (), "gzip", "over the 10000000-byte cap"),
        ("deflate", (), "deflate", "over the 10000000-byte cap"),
        ("gzip", ("gzip",), "gzip", "stacked Content-Encoding 'gzip, gzip' refused"),
        ("deflate", ("gzip",), "deflate", "stacked Content-Encoding 'deflate, gzip' refused"),
    ],
)
def test_compression_bombs_stay_under_the_memory_bound(
    tmp_path: Path,
    replay: ReplayServer,
    bombs: dict[str, bytes],
    bomb: str,
    encodings: tuple[str, ...],
    declared: str,
    reason: str,
) -> None:
    body = bombs[bomb]
    assert len(body) < 2**20  # a small download
    fault = Fault("/bomb", body=body, headers={"Content-Encoding": declared}, encodings=encodings)
    replay.add_fault(fault)
    done = subprocess.run(
        [sys.executable, "-c", FETCH_AND_MEASURE, f"{replay.url}/bomb"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome, peak_kb = done.stdout.strip().splitlines()
    assert int(peak_kb) < PEAK_LIMIT_KB, f"peak {int(peak_kb) // 1024} MB"
    assert reason in outcome


@pytest.mark.parametrize(
    ("fault", "encoding"),
    [
        (Fault(DASHBIT, encodings=("gzip",)), "gzip"),
        (Fault(DASHBIT, encodings=("deflate",)), "deflate"),
        # raw deflate, without the zlib wrapper, as some servers send it
        (Fault(DASHBIT, body=b"", headers={"Content-Encoding": "deflate"}), "deflate"),
    ],
)
def test_a_compressed_body_under_the_cap_is_decoded_whole(
    replay: ReplayServer, fault: Fault, encoding: str
) -> None:
    import asyncio

    from gazette.http import HttpFetcher, build_client

    feed = (SAMPLE / "dashbit.co/feed.atom").read_bytes()
    if fault.body == b"":
        raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        fault = Fault(DASHBIT, body=raw.compress(feed) + raw.flush(), headers=fault.headers)
    replay.add_fault(fault)
    settings = load_settings(None).fetch

    async def get() -> tuple[bytes, str]:
        async with build_client(settings) as client:
            page = await HttpFetcher(client, settings).get(f"{replay.url}/dashbit.co/feed")
        return page.content, page.headers["content-encoding"]

    assert asyncio.run(get()) == (feed, encoding)


# -- no orphans ---------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out


def _alive(pid: int) -> bool:
    """Running, not a zombie that nobody reaped yet (a container's init may not)."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("command", ["fetch", "weekly"])
def test_kill_9_leaves_no_parser_worker_behind(tmp_path: Path, command: str) -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: fetch uses no worker processes")
    with ReplayServer(SAMPLE, latency=0.2) as slow:
        # One feed trickles: the run is still going, with its workers, when the kill comes.
        slow.add_fault(Fault(DASHBIT, drip=0.05))
        feed_config(tmp_path, slow, copies=3)  # 9 feeds: the parser pool starts
        args = ["--db", "g.db", command, "--since", "2026-01-01"]
        if command == "weekly":
            args += ["--week", "2026-W02"]
        process = subprocess.Popen(
            gazette_command(*args),
            cwd=tmp_path,
            env=child_env(slow.url),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            workers: list[int] = []
            deadline = time.monotonic() + 60
            # the resource tracker and at least two workers
            while len(workers) < 3 and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
                workers = _descendants(process.pid)
            assert len(workers) >= 3, f"{command} ended or started no workers: {workers}"
            os.kill(process.pid, signal.SIGKILL)  # the parent alone, as `kill -9 PID` does
            process.wait()
            deadline = time.monotonic() + 5
            while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = [pid for pid in workers if _alive(pid)]
        finally:
            for pid in _descendants(process.pid) + workers:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        assert left == [], f"still running after the parent's kill -9: {left}"


def test_a_killed_index_leaves_nothing_behind(tmp_path: Path) -> None:
    """kill -9 while the index is written, one year's segment done and the
    next one being made: no temporary file, no stamp nor listing that would
    say the index is whole, and the next run indexes every year."""
    from gazette.render.site import build_site
    from gazette.search import LISTING, update_search
    from gazette.search import STAMP_NAME as STAMP
    from tests.test_site import BASE_URL, three_issues

    config = tmp_path / "gazette.toml"
    config.write_text(f'[publication]\nbase_url = "{BASE_URL}/"\n', "utf-8")
    site = tmp_path / "site"
    build_site(three_issues(), load_settings(config), site)
    built = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    started = tmp_path / "second-segment"
    # Three years: this process indexes the first and the third, a forked one
    # the second; the third waits to be killed.
    index = (
        "import sys, time, dataclasses; from pathlib import Path; import gazette.search as s\n"
        "from gazette.config import load_settings; from tests.test_site import three_issues\n"
        "made, real = [], s.segment_files\n"
        "def slow(records):\n"
        "    made.append(1)\n"
        "    if len(made) == 2:\n"
        "        Path(sys.argv[3]).touch(); time.sleep(60)\n"
        "    return real(records)\n"
        "s.segment_files = slow\n"
        "issues = [dataclasses.replace(i, published_on=f'{2024 + n}-03-04')\n"
        "          for n, i in enumerate(three_issues())]\n"
        "s.update_search(Path(sys.argv[1]), issues, load_settings(Path(sys.argv[2])))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", index, str(site), str(config), str(started)],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the index never reached its second segment"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    left = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    new = [rel for rel in left if rel not in built]
    assert new and all(rel.split("/")[0] == "search-index" for rel in new)
    assert not [rel for rel in new if rel.endswith((".tmp", STAMP)) or rel == LISTING]
    assert not [rel for rel in new if "/." in rel]  # no hidden temporary file
    issues = [
        dataclasses.replace(issue, published_on=f"{2024 + n}-03-04")
        for n, issue in enumerate(three_issues())
    ]
    report = update_search(site, issues, load_settings(config))
    assert report.ran
    for year in ("2024", "2025", "2026"):
        assert (site / "search-index" / year / STAMP).is_file(), year
    assert (site / LISTING).is_file()


# -- every server fault with a healthy source beside it ---------------------------------

HEALTHY = {"thinkingelixir.com-0", "www.reddit.com-0"}
MARKUP = "[/oops] [bold]"
# A body the feed parser cannot make items of: records of the wrong type.
WRONG_TYPES = b'{"items": [{"title": 5, "link": ["x"], "published": {}}], "version": 7}'


def one_line_errors(stderr: str) -> None:
    """No traceback, and every line of stderr is one whole message (a log
    record or the final "Error:"), never a fragment of a multi-line one."""
    assert "Traceback" not in stderr, stderr
    for line in stderr.splitlines():
        assert line.startswith(("Error:", "20")), f"not a one-line message: {line!r}\n{stderr}"


@pytest.mark.parametrize(
    "fault",
    [
        Fault(DASHBIT, drip=0.2),
        Fault(DASHBIT, status=500, body=f"<html><title>{MARKUP}</title></html>".encode()),
        Fault(
            DASHBIT,
            status=403,
            body=f'{{"message": "{MARKUP}"}}'.encode(),
            headers={"Content-Type": "application/json"},
        ),
        Fault(DASHBIT, redirect_to="file:///etc/passwd", status=302),
        Fault(DASHBIT, body=WRONG_TYPES, headers={"Content-Type": "application/json"}),
        Fault(DASHBIT, truncate_at=100),
        Fault(DASHBIT, reset=True),
        Fault(DASHBIT, encodings=("gzip", "gzip", "gzip")),
    ],
    ids=[
        "drip",
        "markup-title",
        "markup-json",
        "file-redirect",
        "wrong-types",
        "truncated",
        "reset",
        "stacked",
    ],
)
def test_a_faulty_source_beside_healthy_ones_ends_in_time_in_one_line_each(
    tmp_path: Path, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch, fault: Fault
) -> None:
    replay.add_fault(fault)
    feed_config(tmp_path, replay, "timeout = 0.5\nrequest_deadline = 2\nrun_deadline = 5\n")
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    result = run_cli("--db", "g.db", "fetch", "--since", "2026-01-01", expect=None)
    assert time.monotonic() - started < 15
    assert result.exit_code in (0, 1), result.output
    one_line_errors(result.stderr)
    # the table is printed whatever the server said, its words as they are
    assert "fetch" in result.stdout and "unchanged" in result.stdout  # title and header
    assert stored_sources(tmp_path / "g.db") >= HEALTHY


def test_server_text_is_printed_as_text_in_the_weekly_report_and_doctor(
    workspace: Path, replay: ReplayServer
) -> None:
    replay.add_fault(Fault(DASHBIT, status=500, body=f"<title>{MARKUP}</title>".encode()))
    result = run_cli(
        "--db", "g.db", "weekly", "--week", "2026-W02", "--since", "2026-01-01", expect=1
    )
    one_line_errors(result.stderr)
    assert "[/oops]" in result.stdout and "check:" in result.stdout  # the whole report
    doctor = run_cli("--db", "g.db", "doctor", expect=None)
    assert "Traceback" not in doctor.output and "dashbit" in doctor.stdout
    with open_store(workspace / "g.db") as store:
        assert store.count_items() > 0  # the healthy sources' items


def test_a_draft_saved_by_the_editor_during_weekly_skips_only_the_refresh(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gazette.candidates

    run_cli("--db", "g.db", "fetch", "--since", "2026-01-01", "-q")
    run_cli("--db", "g.db", "draft", "--week", "2026-W02")
    draft = workspace / "out" / "issues" / "2026-W02.md"
    if not draft.exists():
        draft = next(workspace.rglob("2026-W02.md"))
    ranked = gazette.candidates.week_candidates

    def editor_saves_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = ranked(*args, **kwargs)
        with draft.open("a", encoding="utf-8") as handle:
            handle.write("\n<!-- the editor's note -->\n")
        return found

    # Ranking the candidates again is the moment a refresh reads and writes the draft.
    monkeypatch.setattr(gazette.candidates, "week_candidates", editor_saves_meanwhile)
    result = run_cli("--db", "g.db", "weekly", "--week", "2026-W02", expect=None)
    assert result.exit_code in (0, 1), result.output
    assert "refresh skipped" in result.stdout
    assert "the editor's note" in draft.read_text("utf-8")
    assert (workspace / "out" / "2026-W02" / "email.html").exists()  # the run went on


# -- the disk: full, read-only, immutable, locked ------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs of its own, to fill or to make read-only."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def desk_on(folder: Path, sample_db: Path) -> None:
    """A newsletter folder with the sample week's database and draft in ``folder``."""
    shutil.copy(SAMPLE / "gazette.toml", folder / "gazette.toml")
    shutil.copy(sample_db, folder / "g.db")
    run_cli(
        "--db",
        str(folder / "g.db"),
        "--config",
        str(folder / "gazette.toml"),
        "draft",
        "--week",
        "2026-W02",
    )


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last byte."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for block in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * block)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def temp_leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


DISK_COMMANDS = [
    ("pick", "--week", "2026-W02", "1"),
    ("fetch", "--since", "2026-01-01"),
    ("draft", "--week", "2026-W02", "--refresh"),
    ("render", "--week", "2026-W02", "--out", "OUT"),
    ("candidates", "--week", "2026-W02"),
    ("backup", "OUT"),
]


def disk_command(args: tuple[str, ...], folder: Path) -> list[str]:
    return [
        "--db",
        str(folder / "g.db"),
        "--config",
        str(folder / "gazette.toml"),
        *(str(folder / "out2") if a == "OUT" else a for a in args),
    ]


@pytest.mark.parametrize("args", DISK_COMMANDS, ids=[a[0] for a in DISK_COMMANDS])
def test_a_full_disk_is_one_line_and_leaves_nothing_behind(
    small_disk: Path,
    sample_db: Path,
    replay: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
) -> None:
    monkeypatch.setenv("REPLAY_URL", replay.url)
    monkeypatch.chdir(small_disk)
    desk_on(small_disk, sample_db)
    (small_disk / "out2").mkdir()
    filler = fill(small_disk)
    before = temp_leftovers(small_disk)
    result = run_cli(*disk_command(args, small_disk), expect=None)
    if result.exit_code != 0:  # reading may still work on a full disk
        assert result.exit_code == 2, result.output
        error = result.stderr.strip().splitlines()[-1]
        assert error.startswith("Error:") and "no space left" in error, result.stderr
        assert "corrupt" not in result.stderr
    one_line_errors(result.stderr)
    assert temp_leftovers(small_disk) == before
    # Once there is room again, the database is fine: it never was corrupt.
    filler.unlink()
    run_cli("--db", str(small_disk / "g.db"), "candidates", "--week", "2026-W02")
    assert inspect_database(small_disk / "g.db").items > 0


def test_pick_on_a_full_disk_says_so_in_one_line(
    small_disk: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The draft's folder is full; the database is elsewhere and fine.
    monkeypatch.chdir(small_disk)
    shutil.copy(SAMPLE / "gazette.toml", small_disk / "gazette.toml")
    db = small_disk.parent / "g.db"
    shutil.copy(sample_db, db)
    run_cli("--db", str(db), "draft", "--week", "2026-W02")
    draft = next(small_disk.rglob("2026-W02.md"))
    text = draft.read_text("utf-8")
    fill(small_disk)
    ids = json_ids(
        run_cli(
            "--db", str(db), "candidates", "--week", "2026-W02", "--json", "--limit", "40"
        ).stdout
    )
    picked = [i for i in ids if not re.search(rf"item: {i}\b", text)]
    result = run_cli("--db", str(db), "pick", "--week", "2026-W02", str(picked[0]), expect=2)
    assert result.stderr.count("\n") == 1 and "no space left on the disk" in result.stderr
    assert draft.read_text("utf-8") == text
    assert temp_leftovers(small_disk) == []


def json_ids(text: str) -> list[int]:
    import json

    return [entry["id"] for entry in json.loads(text)]


@pytest.mark.parametrize("args", DISK_COMMANDS, ids=[a[0] for a in DISK_COMMANDS])
def test_a_read_only_file_system_is_one_line(
    small_disk: Path,
    sample_db: Path,
    replay: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
) -> None:
    monkeypatch.setenv("REPLAY_URL", replay.url)
    monkeypatch.chdir(small_disk.parent)
    desk_on(small_disk, sample_db)
    (small_disk / "out2").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run_cli(*disk_command(args, small_disk), expect=None)
    assert result.exit_code == 2, result.output
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error:") and "read-only" in error, result.stderr
    assert "corrupt" not in result.stderr
    one_line_errors(result.stderr)


@pytest.fixture
def immutable_db(tmp_path: Path, sample_db: Path) -> Iterator[Path]:
    db = tmp_path / "g.db"
    shutil.copy(sample_db, db)
    made = subprocess.run(["chattr", "+i", str(db)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot make a file immutable here: {made.stderr.strip()}")
    try:
        yield db
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=False)


def test_an_immutable_database_is_one_line(
    immutable_db: Path, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLAY_URL", replay.url)
    monkeypatch.chdir(immutable_db.parent)
    shutil.copy(SAMPLE / "gazette.toml", "gazette.toml")
    result = run_cli("--db", str(immutable_db), "fetch", "--since", "2026-01-01", expect=2)
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error:") and "immutable" in error and "corrupt" not in error
    one_line_errors(result.stderr)


def test_a_database_locked_by_another_program_is_one_line(
    tmp_path: Path, sample_db: Path, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gazette.store

    db = tmp_path / "g.db"
    shutil.copy(sample_db, db)
    monkeypatch.setattr(gazette.store, "BUSY_TIMEOUT", 0.5)
    monkeypatch.setenv("REPLAY_URL", replay.url)
    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLE / "gazette.toml", "gazette.toml")
    hold = (
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]);"
        " c.execute('begin exclusive'); print('locked', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = run_cli("--db", str(db), "fetch", "--since", "2026-01-01", expect=2)
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()
    error = result.stderr.strip().splitlines()[-1]
    assert "locked by another program for more than 0.5 s" in error, result.stderr
    one_line_errors(result.stderr)


# -- databases: newer, corrupt ------------------------------------------------------------


def newer_database(path: Path, sample_db: Path) -> None:
    shutil.copy(sample_db, path)
    conn = sqlite3.connect(path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at)"
        " values ('gazette', 'm999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "args",
    [
        ("fetch", "--since", "2026-01-01"),
        ("candidates", "--week", "2026-W02"),
        ("draft", "--week", "2026-W02"),
        ("weekly", "--week", "2026-W02"),
        ("build-site", "--out", "site"),
        ("backup", "copy.db"),
    ],
    ids=lambda a: a[0],
)
def test_a_database_of_a_newer_gazette_is_refused_naming_both_versions(
    workspace: Path, sample_db: Path, args: tuple[str, ...]
) -> None:
    newer_database(workspace / "g.db", sample_db)
    before = (workspace / "g.db").read_bytes()
    result = run_cli("--db", "g.db", *args, expect=2)
    assert result.stderr.count("\n") == 1, result.stderr
    from gazette.migrations import migrations

    latest = migrations._migrations[-1].name
    assert "m999_from_the_future" in result.stderr and f"knows up to {latest}" in result.stderr
    assert "g.db" in result.stderr and ".tmp" not in result.stderr
    assert (workspace / "g.db").read_bytes() == before


def test_a_corrupt_database_is_one_line_pointing_at_doctor(
    workspace: Path, sample_db: Path
) -> None:
    db = workspace / "g.db"
    shutil.copy(sample_db, db)
    data = bytearray(db.read_bytes())
    size = sqlite_page_size(data)
    for page in range(2, len(data) // size):
        data[page * size : page * size + 8] = b"\xff" * 8
    db.write_bytes(bytes(data))
    result = run_cli("--db", "g.db", "candidates", "--week", "2026-W02", expect=2)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "database is corrupt" in result.stderr and "gazette doctor" in result.stderr
    doctor = run_cli("--db", "g.db", "doctor", expect=1)
    assert "corrupt" in doctor.stdout
