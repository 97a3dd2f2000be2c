"""One gazette run at a time per database: an advisory file lock beside it.

flock is released by the kernel when the process dies, so a killed run never
leaves a stale lock behind. The lock file itself stays (deleting it would let
two processes lock two different files of the same name); it holds the pid of
the last holder, for the message a second run prints.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gazette.errors import LockHeld
from gazette.faults import from_os_error

log = logging.getLogger(__name__)


def lock_path(db_path: Path) -> Path:
    """The lock file of the database at ``db_path``: ``<db>.lock`` beside it."""
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def run_lock(db_path: Path) -> Iterator[None]:
    """Hold the database's run lock, or raise LockHeld (exit 3) at once.

    Never waits: a cron run that finds the previous one still going should
    say so and stop, not pile up behind it.
    """
    path = lock_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise from_os_error(exc, path) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(handle) or "another process"
            raise LockHeld(
                f"another gazette run (pid {holder}) holds {path}; try again when it ends"
            ) from None
        try:
            os.ftruncate(handle, 0)
            os.pwrite(handle, str(os.getpid()).encode(), 0)
        except OSError as exc:
            # The pid is only for the message a second run prints: a full disk
            # must say so before the run starts, not half way through it.
            raise from_os_error(exc, path) from None
        log.debug("holding %s", path)
        yield
    finally:
        os.close(handle)


def lock_holder(db_path: Path) -> str | None:
    """The pid (as text) of the run holding the lock, or None when it is free.

    Only looks: the probe lock is released at once, and a missing lock file is
    not created.
    """
    path = lock_path(db_path)
    try:
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(handle) or "unknown"
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
    finally:
        os.close(handle)


def _read_pid(handle: int) -> str:
    return os.pread(handle, 32, 0).decode(errors="replace").strip()
