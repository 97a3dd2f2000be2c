"""Shared fixtures: real SQLite files, the replay server on loopback, the CLI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gazette.cli import cli
from gazette.replay import ReplayServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
REAL = Path(__file__).resolve().parent / "fixtures" / "real"
SAMPLE_WEEK = "2026-W02"
CHROMIUM = os.environ.get("GAZETTE_CHROMIUM", "/usr/bin/chromium")


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


def run_cli(*args: str, expect: int | None = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, prog_name="gazette")
    if expect is not None:
        assert result.exit_code == expect, result.output
    return result


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()
