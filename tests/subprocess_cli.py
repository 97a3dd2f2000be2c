"""Running `gazette` as a real process: for locks, kill -9, terminals and cron.

Click's in-process runner shares one interpreter, so it cannot show what two
processes do to one lock, what SIGKILL leaves behind, or what a terminal sees.
These helpers run ``python -m gazette`` the way cron and a shell do.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import SAMPLE


def gazette_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "gazette", *args]


def child_env(replay_url: str, **extra: str) -> dict[str, str]:
    """The environment of a child run: the replay server, no inherited DB or colour settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GAZETTE_DB", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")
    }
    env.update(REPLAY_URL=replay_url, COLUMNS="120", **extra)
    return env


def run_gazette(
    *args: str, cwd: Path, env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        gazette_command(*args),
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def new_workspace(folder: Path) -> Path:
    """A newsletter folder with the sample config (its sources read $REPLAY_URL)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "gazette.toml", folder / "gazette.toml")
    return folder


def run_in_pty(
    args: list[str], cwd: Path, env: Mapping[str, str], timeout: float = 60
) -> tuple[int, bytes]:
    """Run ``args`` with stdout and stderr on a pseudo-terminal; returns (exit code, output).

    The child sees a real terminal (isatty is true), exactly as when a person
    runs the command, so colour and progress decisions are the real ones.
    """
    main, child = pty.openpty()
    process = subprocess.Popen(
        args, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=child, stderr=child
    )
    os.close(child)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(main)
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, bytes(output)


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in skip
    }
