"""Shared fixtures: real SQLite files, the replay server on loopback, the CLI."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gazette.cli import cli
from gazette.replay import ReplayServer
from gazette.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
REAL = Path(__file__).resolve().parent / "fixtures" / "real"
SAMPLE_WEEK = "2026-W02"
CHROMIUM = os.environ.get("GAZETTE_CHROMIUM", "/usr/bin/chromium")


def pytest_configure(config: pytest.Config) -> None:
    """The tests' caches (compiled templates, site build stats) go to a folder
    of their own, not the user's ~/.cache; child processes inherit it."""
    if "GAZETTE_TEST_CACHE" not in os.environ:
        folder = tempfile.mkdtemp(prefix="gazette-test-cache-")
        os.environ["GAZETTE_TEST_CACHE"] = os.environ["XDG_CACHE_HOME"] = folder
        config.stash[_OWN_CACHE] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    """The cache folder made for this run goes with it."""
    folder = config.stash.get(_OWN_CACHE, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


_OWN_CACHE = pytest.StashKey[str]()


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """The recorded sample week, served like the real sites."""
    with ReplayServer(SAMPLE) as server:
        yield server


@pytest.fixture
def workspace(tmp_path: Path, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary newsletter folder whose config points at the replay server."""
    shutil.copy(SAMPLE / "gazette.toml", tmp_path / "gazette.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REPLAY_URL", replay.url)
    monkeypatch.delenv("GAZETTE_DB", raising=False)
    return tmp_path


def sqlite_page_size(database: bytes) -> int:
    """The page size in a SQLite file's header (offset 16, big-endian; 1 means 65536)."""
    size = int.from_bytes(database[16:18], "big")
    return 65536 if size == 1 else size


def run_cli(*args: str, expect: int | None = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, prog_name="gazette")
    if expect is not None:
        assert result.exit_code == expect, result.output
    return result


# As root, on a machine whose network is closed: no sandbox, and none of
# Chromium's background connections (they fail loudly here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def require_chromium() -> None:
    """Skip a browser test without Debian's chromium, except in CI, where
    `make test` installs it and its absence is a failure."""
    if chromium_available():
        return
    if os.environ.get("CI"):
        pytest.fail(f"no chromium at {CHROMIUM}: `make test` should have installed it")
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium through Playwright (which never downloads a browser here)."""
    require_chromium()
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def fetch_sample_db(folder: Path) -> Path:
    """The sample week fetched into ``folder/g.db``; copy it, never write it."""
    shutil.copy(SAMPLE / "gazette.toml", folder / "gazette.toml")
    with ReplayServer(SAMPLE) as server, pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("REPLAY_URL", server.url)
        patch.delenv("GAZETTE_DB", raising=False)
        run_cli("--db", "g.db", "fetch", "--since", "2026-01-01", "-q")
    with open_store(folder / "g.db") as store:  # checkpoint: one self-contained file
        store.db.execute("pragma wal_checkpoint(truncate)")
    return folder / "g.db"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recorded sample week, fetched once per test run through the replay
    server. Shared by every test that asks: read it, or copy it to write."""
    return fetch_sample_db(tmp_path_factory.mktemp("sample-db"))


@pytest.fixture
def store(sample_db: Path) -> Iterator[Store]:
    """The sample week's database, opened (for reading)."""
    with open_store(sample_db) as opened:
        yield opened


@pytest.fixture
def own_store(sample_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A copy of the sample week's database for this test alone, to write to
    (an empty summary cache at the start of each test)."""
    copy = tmp_path / "g.db"
    shutil.copy(sample_db, copy)
    with open_store(copy) as opened:
        yield opened
