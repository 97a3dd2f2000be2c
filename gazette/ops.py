"""Operations on a running installation: backup, restore, and crash leftovers.

Backups use SQLite's online backup API rather than copying the file: a copy
taken while ``gazette fetch`` writes can tear between the database and its WAL,
while the backup API reads one consistent snapshot (WAL readers never block the
writer, so the other process carries on meanwhile). Restoring writes through
the same API into the live database, so SQLite itself takes care of the WAL and
of other connections, and it only happens under the run lock with a copy of the
current database kept aside first: a restore never loses anything.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gazette.errors import BadPath, DatabaseCorrupt, DatabaseMissing, FileExists, StoreError
from gazette.faults import from_sqlite_error, storage_problem
from gazette.files import install, temporary_beside
from gazette.lock import run_lock
from gazette.migrations import MIGRATION_SET, migrations
from gazette.store import BUSY_TIMEOUT, SQLITE_MAGIC, connect_readonly, first_line, refuse_newer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseInfo:
    """What a checked database file holds."""

    path: Path
    size: int
    items: int
    issues: int
    migrations: tuple[str, ...]
    pending: tuple[str, ...]  # known migrations the file does not have yet


@dataclass(frozen=True)
class RestoreOutcome:
    restored: DatabaseInfo
    previous: Path | None  # where the replaced database was kept, if there was one


def backup_database(db_path: Path, target: Path, *, overwrite: bool = False) -> DatabaseInfo:
    """Write a consistent copy of the database at ``db_path`` to ``target``.

    ``target`` may be an existing folder: the copy is then named
    ``<db stem>-<UTC time>.db`` inside it, which suits a cron line. An
    existing file is only replaced with ``overwrite`` (FileExists otherwise).
    The copy is checked (integrity_check) before it gets its final name, so a
    file at ``target`` is always a complete, usable backup. Safe while another
    process writes.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise DatabaseMissing(db_path, "no database to back up")
    target = Path(target)
    if target.is_dir():
        target = target / f"{db_path.stem}-{_stamp()}.db"
    if _same_file(db_path, target):
        raise StoreError(f"{target}: that is the database itself; back up to another path")
    if target.exists() and not target.is_file():
        # /dev/null or a socket: replacing it (as root) would replace the device.
        raise BadPath(target, "is not a regular file nor a folder")
    if target.exists() and not overwrite:
        raise FileExists(target)
    _check_sqlite_file(db_path)
    with closing(connect_readonly(db_path)) as conn:
        refuse_newer(conn, db_path)  # named here, not as the temporary copy
    target.parent.mkdir(parents=True, exist_ok=True)
    with temporary_beside(target) as temporary, _journal_removed(temporary):
        with (
            closing(connect_readonly(db_path)) as source,
            closing(sqlite3.connect(temporary)) as copy,
        ):
            try:
                # pages=-1: one step, one read transaction, one snapshot. Stepping
                # in chunks would restart whenever the other process commits.
                source.backup(copy, pages=-1)
            except sqlite3.Error as exc:
                # The copy is the side that writes: a full disk is the target's.
                raise storage_problem(target) or from_sqlite_error(
                    exc, db_path, BUSY_TIMEOUT
                ) from None
            # A backup is one self-contained file, not a database plus a WAL.
            copy.execute("pragma journal_mode = delete")
        info = inspect_database(temporary)
        # new: a file someone put there meanwhile is refused, not replaced.
        install(temporary, target, new=not overwrite)
    log.info("backed up %s to %s (%d items, %d issues)", db_path, target, info.items, info.issues)
    return DatabaseInfo(target, info.size, info.items, info.issues, info.migrations, info.pending)


def inspect_database(path: Path) -> DatabaseInfo:
    """Check that ``path`` is a sound Gazette database this version can use.

    Raises StoreError naming the problem: not SQLite, corrupt (integrity_check),
    not Gazette's, or written by a newer Gazette (migrations this one lacks).
    Opens the file read-only and never changes it.
    """
    path = Path(path)
    _check_sqlite_file(path)
    try:
        with closing(connect_readonly(path)) as conn:
            problems = [row[0] for row in conn.execute("pragma integrity_check")]
            if problems != ["ok"]:
                raise DatabaseCorrupt(path, first_line(problems[0]), tuple(problems))
            tables = {row[0] for row in conn.execute("select name from sqlite_master")}
            if "_sqlite_migrations" not in tables or "items" not in tables:
                raise StoreError(f"{path}: not a Gazette database (no Gazette tables)")
            refuse_newer(conn, path)
            applied = tuple(
                row[0]
                for row in conn.execute(
                    "select name from _sqlite_migrations where migration_set = ? order by rowid",
                    [MIGRATION_SET],
                )
            )
            items = conn.execute("select count(*) from items").fetchone()[0]
            issues = (
                conn.execute("select count(*) from issues").fetchone()[0]
                if "issues" in tables
                else 0
            )
    except sqlite3.Error as exc:
        # A full disk or a lock is not damage: only integrity_check says corrupt.
        raise from_sqlite_error(exc, path, BUSY_TIMEOUT) from None
    known = [m.name for m in migrations._migrations]
    pending = tuple(name for name in known if name not in applied)
    return DatabaseInfo(path, path.stat().st_size, items, issues, applied, pending)


def restore_database(backup: Path, db_path: Path) -> RestoreOutcome:
    """Replace the database at ``db_path`` by the backup at ``backup``.

    The backup is checked first (see :func:`inspect_database`); then, under
    the run lock (LockHeld, exit 3, while a weekly run holds it), the current
    database is kept as ``<db stem>.before-restore-<UTC time>.db`` beside it
    and the backup is written into it through the backup API. Migrations the
    backup lacks are applied by the next command that opens it.
    """
    backup, db_path = Path(backup), Path(db_path)
    if _same_file(backup, db_path):
        raise StoreError(f"{backup}: that is the database itself; pass a backup file")
    checked = inspect_database(backup)
    with run_lock(db_path):
        previous: Path | None = None
        if db_path.exists():
            previous = db_path.with_name(f"{db_path.stem}.before-restore-{_stamp()}.db")
            try:
                backup_database(db_path, previous)
            except StoreError as exc:
                raise StoreError(
                    f"cannot keep a copy of the current database before restoring ({exc});"
                    f" move {db_path} away yourself and run restore again"
                ) from None
        db_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with (
                closing(connect_readonly(backup)) as source,
                closing(sqlite3.connect(db_path, timeout=30)) as live,
            ):
                source.backup(live, pages=-1)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{db_path}: restore failed ({exc}); the previous database is kept"
                + (f" as {previous}" if previous else "")
            ) from None
        restored = inspect_database(db_path)
    log.info("restored %s from %s", db_path, backup)
    return RestoreOutcome(
        DatabaseInfo(
            db_path,
            restored.size,
            checked.items,
            checked.issues,
            checked.migrations,
            checked.pending,
        ),
        previous,
    )


def _check_sqlite_file(path: Path) -> None:
    if not path.exists():
        raise StoreError(f"{path}: no such file")
    if not path.is_file():
        raise StoreError(f"{path}: not a file")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise StoreError(f"{path}: not a SQLite database")


@contextmanager
def _journal_removed(database: Path) -> Iterator[None]:
    """Remove the rollback journal SQLite may leave beside a temporary copy
    whose backup failed half way."""
    try:
        yield
    finally:
        Path(f"{database}-journal").unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
