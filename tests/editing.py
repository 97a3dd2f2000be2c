"""Helpers for the editor's-workflow tests: a fetched sample week, copied per test.

Fetching the sample week through the replay server takes a moment, so it is
fetched once per test run (the ``sample_db`` fixture in conftest) and every test
works on its own copy (a real SQLite file) in its own workspace.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import SAMPLE_WEEK, run_cli

WEEK = SAMPLE_WEEK


def make_desk(workspace: Path, sample_db: Path) -> Path:
    """``workspace`` with a copy of the fetched week in g.db and a fresh draft."""
    shutil.copy(sample_db, workspace / "g.db")
    run_cli("--db", "g.db", "draft", "--week", WEEK)
    return workspace


def draft_file(workspace: Path) -> Path:
    return workspace / "out" / "issues" / f"{WEEK}.md"


def gz(*args: str, expect: int | None = 0) -> str:
    """Run `gazette --db g.db ARGS --week WEEK` and return its output."""
    return run_cli("--db", "g.db", *args, "--week", WEEK, expect=expect).output
