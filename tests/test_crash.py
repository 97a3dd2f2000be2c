"""kill -9 at random moments: nothing is corrupt, duplicated or half-written.

Each phase runs the real CLI in a real process, kills it (SIGKILL, to its
whole process group, as an OOM killer or a power cut would end the job) at
random points of its work, again and again, and after every kill checks what
the next run will find:

- the database passes ``PRAGMA integrity_check``, its unique indexes exist and
  no item or issue is there twice;
- every file of the site is byte for byte the old version or the new one
  (the builds made without interruption), and anything else is a hidden
  temporary file, never a page;
- the next run completes normally and ends exactly where an uninterrupted
  run ends.

The child imports everything first and prints "ready", so the random delay
falls into the command's work, not into Python's start-up. The delays come
from a seeded generator; set GAZETTE_CRASH_SEED to replay a failure.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from gazette.config import load_settings
from gazette.draft import read_draft
from gazette.publish import publish
from gazette.replay import ReplayServer
from gazette.store import open_store
from tests.conftest import SAMPLE, SAMPLE_WEEK
from tests.subprocess_cli import child_env, new_workspace, run_gazette, tree

# Real processes killed again and again: most of a minute (`pytest -m "not slow"` skips it).
pytestmark = pytest.mark.slow

SEED = int(os.environ.get("GAZETTE_CRASH_SEED") or time.time_ns() % 2**32)
KILLS = 5  # per phase; each kill is one more chance to land somewhere bad
EXTRA_WEEKS = 10  # published issues besides the sample week: a site worth interrupting
NEXT_WEEK = f"2026-W{3 + EXTRA_WEEKS:02d}"  # the issue published under fire
PRELOAD = (
    "import sys, gazette.cli, gazette.pipeline, gazette.fetch, gazette.publish, "
    "gazette.render.site, gazette.render.email, gazette.search, gazette.output, "
    "gazette.progress, gazette.draft.verbs, gazette.draft.check\n"
    "print('ready', flush=True)\n"
    "gazette.cli.main()\n"
)
WEEKLY = (
    "--db", "g.db", "weekly", "--week", SAMPLE_WEEK, "--since", "2026-01-01",
    "--publish", "--date", "2026-01-12",
)  # fmt: skip


CheckFn = Callable[[str], None]


@dataclass
class Killer:
    """Runs one command repeatedly, killing it at random points of its work."""

    rng: random.Random
    env: dict[str, str]

    def run(self, args: tuple[str, ...], cwd: Path, kill_after: float | None) -> tuple[int, float]:
        """Returns (exit code, seconds until it ended); -9 when the kill landed."""
        process = subprocess.Popen(
            [sys.executable, "-c", PRELOAD, *args],
            cwd=cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: children die with it
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        started = time.monotonic()
        if kill_after is not None:
            try:
                process.wait(timeout=kill_after)  # finished first: its real duration is known
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=120)
        code = process.returncode
        assert code in (0, -signal.SIGKILL), f"{args}: exit {code}\n{out}\n{err}"
        return code, time.monotonic() - started

    def measure(self, args: tuple[str, ...], cwd: Path) -> float:
        code, took = self.run(args, cwd, None)
        assert code == 0
        return took

    def kill_repeatedly(
        self,
        args: tuple[str, ...],
        cwd: Path,
        work: float,
        after_each: CheckFn,
        reset: Callable[[], None] | None = None,
        times: int = KILLS,
    ) -> int:
        """``times`` runs, each killed after a random part of ``work`` seconds;
        returns how many kills landed (the others had finished first).

        Without ``reset`` each run starts where the killed one left off (the
        damage compounds); with it, from the same state (the kill points are
        spread over the whole of a run that would otherwise shrink)."""
        landed = 0
        for attempt in range(times):
            if reset:
                reset()
            delay = self.rng.uniform(0.0, work)
            code, took = self.run(args, cwd, delay)
            if code == -signal.SIGKILL:
                landed += 1
            else:  # the measured run was slow (a busy machine): aim within this one
                work = min(work, took)
            after_each(f"seed {SEED}, {' '.join(args)}, kill {attempt} after {delay:.3f}s")
        return landed


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[ReplayServer, ReplayServer]]:
    """A fast replay server, and a slow one that keeps a fetch busy for a while."""
    with ReplayServer(SAMPLE) as fast, ReplayServer(SAMPLE, latency=0.05) as slow:
        yield fast, slow


@pytest.fixture
def killer(servers: tuple[ReplayServer, ReplayServer]) -> Killer:
    return Killer(random.Random(SEED), child_env(servers[0].url))


# -- what every kill must leave intact ----------------------------------------------


def assert_database_sound(db: Path, context: str) -> None:
    if not db.exists():
        return
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)], context
        assert ("source", "external_id") in _unique_indexes(conn, "items"), context
        assert ("number",) in _unique_indexes(conn, "issues"), context
        twice = conn.execute(
            "select source, external_id from items group by 1, 2 having count(*) > 1"
        ).fetchall()
        assert twice == [], context
        assert (
            conn.execute("select number from issues group by number having count(*) > 1").fetchall()
            == []
        ), context
    finally:
        conn.close()


def _unique_indexes(conn: sqlite3.Connection, table: str) -> set[tuple[str, ...]]:
    found = set()
    for _, name, unique, *_ in conn.execute(f"pragma index_list({table})").fetchall():
        if unique:
            columns = conn.execute(f"pragma index_info({name!r})").fetchall()
            found.add(tuple(c[2] for c in columns))
    # A primary key is a unique index too, but index_list names it only when not rowid.
    return found


def assert_old_or_new(
    site: Path, old: dict[str, bytes], new: dict[str, bytes], context: str
) -> None:
    """Every file is one of the two complete builds' versions, or a hidden temporary file."""
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site).as_posix()
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            continue  # an interrupted write: hidden, never served as a page
        assert rel in old or rel in new, f"{context}: stray file {rel}"
        data = path.read_bytes()
        assert data in (old.get(rel), new.get(rel)), f"{context}: {rel} is neither old nor new"
    for rel in set(old) & set(new):
        assert (site / rel).exists(), f"{context}: {rel} vanished"


def temp_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*.tmp"))


def items(db: Path) -> set[tuple[str, ...]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "select source, external_id, url, title, published_at, text from items"
        ).fetchall()
    finally:
        conn.close()
    return {tuple(str(v) for v in row) for row in rows}


def issue_row(db: Path, week: str) -> tuple[object, ...] | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "select number, slug, title, published_on, markdown, html, revision from issues"
            " where week = ?",
            [week],
        ).fetchone()
    finally:
        conn.close()
    return tuple(row) if row else None


# -- the phases ---------------------------------------------------------------------


def test_kill_during_fetch(
    tmp_path: Path, killer: Killer, servers: tuple[ReplayServer, ReplayServer]
) -> None:
    killer.env = child_env(servers[1].url)  # the slow server: fetch takes a while
    fetch = ("--db", "g.db", "fetch", "--since", "2026-01-01")
    reference = new_workspace(tmp_path / "reference")
    work = killer.measure(fetch, reference)

    crashed = new_workspace(tmp_path / "crashed")
    db = crashed / "g.db"
    landed = killer.kill_repeatedly(
        fetch, crashed, work, lambda context: assert_database_sound(db, context)
    )
    assert landed >= 2, f"seed {SEED}: only {landed} kills landed during fetch"

    done = run_gazette(*fetch, "--json", cwd=crashed, env=killer.env)
    assert done.returncode == 0, done.stderr
    assert '"status": "failed"' not in done.stdout
    assert_database_sound(db, "after the final fetch")
    assert items(db) == items(reference / "g.db")  # nothing lost, nothing twice


@pytest.fixture
def archive(tmp_path: Path, servers: tuple[ReplayServer, ReplayServer]) -> Path:
    """A newsletter with EXTRA_WEEKS + 1 published issues, its site built, and the
    draft of NEXT_WEEK ready to publish."""
    folder = new_workspace(tmp_path / "base")
    env = child_env(servers[0].url)
    first = run_gazette(*WEEKLY, cwd=folder, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    draft = (folder / "out" / "issues" / f"{SAMPLE_WEEK}.md").read_text("utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        settings = load_settings(Path("gazette.toml"))
        with open_store(Path("g.db")) as store:
            for n in range(3, 4 + EXTRA_WEEKS):
                week = f"2026-W{n:02d}"
                text = draft.replace(f'week = "{SAMPLE_WEEK}"', f'week = "{week}"')
                text = re.sub(r'^title = "', f'title = "Week {n}: ', text, count=1, flags=re.M)
                (folder / "out" / "issues" / f"{week}.md").write_text(text, "utf-8")
                if week != NEXT_WEEK:
                    publish(store, settings, week, today=date(2026, 1, 12) + timedelta(weeks=n - 2))
    built = run_gazette("--db", "g.db", "build-site", "--out", "site", cwd=folder, env=env)
    assert built.returncode == 0, built.stderr
    return folder


def test_kill_during_publish_and_build_site(tmp_path: Path, archive: Path, killer: Killer) -> None:
    publish_next = ("--db", "g.db", "publish", "--week", NEXT_WEEK, "--date", "2026-04-20")
    build = ("--db", "g.db", "build-site", "--out", "site")
    old = tree(archive / "site")

    reference = shutil.copytree(archive, tmp_path / "reference")
    publish_work = killer.measure(publish_next, reference)
    build_work = killer.measure(build, reference)
    new = tree(reference / "site")
    number = EXTRA_WEEKS + 2  # after the sample week's and the extra weeks' issues
    assert any(r.startswith(f"issues/{number}-") for r in new)
    assert not any(r.startswith(f"issues/{number}-") for r in old)
    published = issue_row(reference / "g.db", NEXT_WEEK)
    assert published is not None

    crashed = shutil.copytree(archive, tmp_path / "crashed")
    db = crashed / "g.db"
    others = {n: issue_row(db, f"2026-W{n:02d}") for n in range(2, 3 + EXTRA_WEEKS)}

    def after_publish_kill(context: str) -> None:
        assert_database_sound(db, context)
        assert issue_row(db, NEXT_WEEK) in (None, published), context
        assert {n: issue_row(db, f"2026-W{n:02d}") for n in others} == others, context
        assert tree(crashed / "site") == old, context  # publish alone never touches the site

    def unpublished() -> None:
        for name in ("g.db", "g.db-wal", "g.db-shm"):
            (db.parent / name).unlink(missing_ok=True)
            if (archive / name).exists():
                shutil.copy(archive / name, db.parent / name)

    landed = killer.kill_repeatedly(
        publish_next, crashed, publish_work, after_publish_kill, reset=unpublished, times=4
    )
    assert landed >= 1, f"seed {SEED}: no kill landed during publish"
    done = run_gazette(*publish_next, cwd=crashed, env=killer.env)
    assert done.returncode == 0, done.stderr
    assert issue_row(db, NEXT_WEEK) == published

    def after_build_kill(context: str) -> None:
        assert_database_sound(db, context)
        assert_old_or_new(crashed / "site", old, new, context)

    def old_site() -> None:
        shutil.rmtree(crashed / "site")
        shutil.copytree(archive / "site", crashed / "site")

    landed = killer.kill_repeatedly(build, crashed, build_work, after_build_kill, reset=old_site)
    # and once more where the last kill left it, which the final build must finish
    killer.kill_repeatedly(build, crashed, build_work, after_build_kill, times=2)
    assert landed >= 2, f"seed {SEED}: only {landed} kills landed during build-site"
    done = run_gazette(*build, cwd=crashed, env=killer.env)
    assert done.returncode == 0, done.stderr
    assert tree(crashed / "site") == new
    assert temp_files(crashed / "site") == []


@pytest.fixture
def fetched(tmp_path: Path, killer: Killer) -> Path:
    """A newsletter folder with the sample week fetched.

    Runs that start from copies of it give the same items the same row ids; two
    fresh fetches need not (sources finish in any order), and ids appear in drafts.
    """
    folder = new_workspace(tmp_path / "fetched")
    done = run_gazette("--db", "g.db", "fetch", "--since", "2026-01-01", cwd=folder, env=killer.env)
    assert done.returncode == 0, done.stderr
    return folder


def test_kill_the_weekly_run_anywhere(tmp_path: Path, killer: Killer, fetched: Path) -> None:
    reference = shutil.copytree(fetched, tmp_path / "reference")
    work = killer.measure(WEEKLY, reference)
    expected = tree(reference / "out", skip=("report.json",))
    draft_name = f"out/issues/{SAMPLE_WEEK}.md"
    reference_draft = read_draft(reference / draft_name).issue

    crashed = shutil.copytree(fetched, tmp_path / "crashed")
    db = crashed / "g.db"

    def after_kill(context: str) -> None:
        assert_database_sound(db, context)
        draft = crashed / draft_name
        if draft.exists():  # whole or absent, never half a draft
            assert read_draft(draft).issue.picks == reference_draft.picks, context
        site = crashed / "out" / "site"
        if site.exists():
            assert_old_or_new(site, {}, tree(reference / "out" / "site"), context)

    killer.kill_repeatedly(WEEKLY, crashed, work, after_kill)
    done = run_gazette(*WEEKLY, cwd=crashed, env=killer.env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tree(crashed / "out", skip=("report.json",)) == expected
    assert temp_files(crashed / "out") == []
    assert issue_row(db, SAMPLE_WEEK) == issue_row(reference / "g.db", SAMPLE_WEEK)
    assert_database_sound(db, "after the final run")


def test_kill_the_moment_the_draft_appears(tmp_path: Path, killer: Killer, fetched: Path) -> None:
    """The draft is the editor's file: a run killed as it appears must not leave
    half of it, since the next run keeps an existing draft as it is."""
    reference = shutil.copytree(fetched, tmp_path / "reference")
    killer.measure(WEEKLY, reference)
    draft_name = f"out/issues/{SAMPLE_WEEK}.md"
    crashed = shutil.copytree(fetched, tmp_path / "crashed")
    draft = crashed / draft_name
    process = subprocess.Popen(
        [sys.executable, "-c", PRELOAD, *WEEKLY],
        cwd=crashed,
        env=killer.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not draft.exists() and process.poll() is None:
            pass  # no sleep: the kill should follow the file's appearance at once
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert draft.exists(), "the run ended before its draft appeared"
    assert read_draft(draft).issue.picks == read_draft(reference / draft_name).issue.picks
    done = run_gazette(*WEEKLY, cwd=crashed, env=killer.env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert draft.read_bytes() == (reference / draft_name).read_bytes()
