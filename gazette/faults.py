"""What a failure of the machine means: OSError and SQLite errors as GazetteErrors.

A full disk, a read-only file system, an immutable file or a lock held by
another program are not bugs and not damage: the data is intact and the same
command works once the disk has room. So they must not read as a traceback,
nor as "database is corrupt". SQLite often only says "disk I/O error"; the
file system is then asked what is wrong (free space, read-only, writable).
Only SQLite's own check finding damage makes a database corrupt.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from gazette.errors import (
    BadPath,
    DatabaseCorrupt,
    DatabaseLocked,
    DiskFull,
    GazetteError,
    NotPermitted,
    ReadOnlyStorage,
    StorageError,
    StoreError,
)

# Below this much free space a "disk I/O error" is taken to mean a full disk:
# SQLite needs room for its journal and shared-memory files, not only the rows.
NEARLY_FULL = 1 << 20

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _PERM, _NOTADB = (
    5,
    6,
    8,
    10,
    11,
    13,
    14,
    3,
    26,
)


def from_os_error(exc: OSError, path: Path | str | None = None) -> GazetteError:
    """The GazetteError an OSError means; ``path`` when the error names none."""
    where = Path(exc.filename) if exc.filename else Path(path or ".")
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(where)
    if code == errno.EROFS:
        return ReadOnlyStorage(where)
    if code in (errno.EACCES, errno.EPERM):
        return NotPermitted(where, "permission denied (or the file is immutable)")
    if code == errno.ENOTDIR:
        return BadPath(where, "a part of this path is a file, not a folder")
    if code == errno.EISDIR:
        return BadPath(where, "is a folder, not a file")
    if code == errno.EEXIST:
        return BadPath(where, "already exists and is not a folder")
    if code == errno.ENOENT:
        return BadPath(where, "no such file or folder (and it cannot be created there)")
    reason = exc.strerror or str(exc)
    return StorageError(where, reason[:1].lower() + reason[1:])


def from_sqlite_error(exc: sqlite3.Error, path: Path, busy_timeout: float) -> GazetteError:
    """The GazetteError a SQLite error on the database at ``path`` means."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    message = " ".join(str(exc).split())
    if primary in (_BUSY, _LOCKED) or "database is locked" in message:
        return DatabaseLocked(path, busy_timeout)
    if primary == _FULL or "database or disk is full" in message:
        return DiskFull(path)
    if primary in (_CORRUPT, _NOTADB):
        return DatabaseCorrupt(path, message)
    if primary in (_IOERR, _READONLY, _CANTOPEN, _PERM) or "readonly database" in message:
        found = storage_problem(path)
        if found is not None:
            return found
        if primary == _READONLY or "readonly database" in message:
            return NotPermitted(path, "the database cannot be written (read-only)")
        if primary == _CANTOPEN:
            return BadPath(path, "the database file cannot be opened")
        return StorageError(path, f"cannot read or write the database ({message})")
    return StoreError(f"{path}: {message}")


def storage_problem(path: Path) -> StorageError | None:
    """What the file system says is wrong with writing ``path``, if anything:
    a read-only mount, a full disk, or a file or folder that cannot be written."""
    path = Path(path)
    folder = _nearest_folder(path)
    if folder is None:
        return None
    try:
        found = os.statvfs(folder)
    except OSError:
        return None
    if found.f_flag & os.ST_RDONLY:
        return ReadOnlyStorage(path)
    if found.f_bavail * found.f_frsize < NEARLY_FULL:
        return DiskFull(path)
    for candidate in (path, folder):
        if candidate.exists() and not os.access(candidate, os.W_OK):
            return NotPermitted(candidate, "cannot be written (permissions, or an immutable file)")
    return None


def _nearest_folder(path: Path) -> Path | None:
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            return candidate
    return None
