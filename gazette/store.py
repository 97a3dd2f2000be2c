"""The SQLite store: items, fetch state, offered stories, LLM summaries and
published issues.

Every query of the package is here (the schema is in ``gazette.migrations``,
backups and integrity checks in ``gazette.ops``); the rest of Gazette calls
these methods and gets frozen, typed values back. All writes for one source
happen in one transaction (per-row autocommit is ~50x slower), and the schema
only changes through ``gazette.migrations``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from gazette.errors import DatabaseCorrupt, DatabaseNewer, DatabaseUnusable
from gazette.faults import from_os_error, from_sqlite_error
from gazette.migrations import MIGRATION_SET, migrations
from gazette.models import Item, PublishedIssue, StoredItem, Validators
from gazette.urls import canonical_url

SQLITE_MAGIC = b"SQLite format 3\x00"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class FetchRecord:
    """The outcome of the latest request for one URL of a source."""

    source: str
    url: str
    status: str  # "ok" when the request succeeded
    error: str
    checked_at: str  # ISO 8601 UTC


@dataclass(frozen=True, slots=True)
class IssueText:
    """What an import compares against: an issue's number, week and Markdown,
    the latter as the UTF-8 bytes SQLite holds (never decoded)."""

    number: int | None  # None: an imported issue that never had a number
    week: str
    markdown_utf8: bytes


class Store:
    """A Gazette database. Open it with :func:`open_store`."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def fewer_fsyncs(self) -> Iterator[None]:
        """Commit without an fsync each time inside the block (WAL, synchronous=NORMAL).

        For work that can simply be done again: a fetch (which commits twice
        per source) and an archive import (one commit of tens of MB, whose fsync
        costs as much as writing it). WAL with NORMAL never corrupts the
        database, and a killed process loses nothing committed; only a power
        cut may undo the last commits. Publishing keeps the full fsync: an issue
        number, once sent, must never be given again.
        """
        previous = self.db.execute("pragma synchronous").fetchone()[0]
        self.db.execute("pragma synchronous = normal")
        try:
            yield
        finally:
            self.db.execute(f"pragma synchronous = {int(previous)}")

    # -- items -------------------------------------------------------------

    def save_items(self, items: Sequence[Item], now: datetime | None = None) -> SaveCounts:
        """Insert new items, update changed ones in place, count the rest.

        The first-seen time (``fetched_at``) never moves, so an item's age is the
        age the editor saw it at, however often its likes grow. An undated item
        (``Item.dated`` false) is published when first seen, and keeps the date
        stored for it on every later fetch.
        """
        stamp = iso(now or utc_now())
        new = updated = unchanged = 0
        rows = {(i.source, i.external_id): _item_row(i) for i in items}
        # atomic(), never `with conn:` here: sqlite-utils commits every write on
        # its own unless a transaction is explicitly open, which would make a
        # source's items one commit per row (slow, and torn by a kill).
        with self.db.atomic():
            existing = self._existing(list(rows))
            for key, row in rows.items():
                old = existing.get(key)
                if not row["dated"]:
                    row = _first_seen_date(row, old, stamp)
                if old is None:
                    self.db.execute(_INSERT_ITEM, {**row, "fetched_at": stamp, "updated_at": stamp})
                    new += 1
                elif all(old[column] == row[column] for column in _CONTENT_COLUMNS):
                    unchanged += 1
                else:
                    self.db.execute(_UPDATE_ITEM, {**row, "updated_at": stamp, "id": old["id"]})
                    updated += 1
        return SaveCounts(new, updated, unchanged)

    def _existing(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        by_source: dict[str, list[str]] = {}
        for source, external_id in keys:
            by_source.setdefault(source, []).append(external_id)
        columns = ", ".join(("id", "source", "external_id", *_CONTENT_COLUMNS))
        for source, ids in by_source.items():
            for chunk in _chunks(ids, 500):
                marks = ", ".join("?" * len(chunk))
                cursor = self.db.execute(
                    f"select {columns} from items where source = ? and external_id in ({marks})",
                    [source, *chunk],
                )
                names = [d[0] for d in cursor.description]
                for values in cursor.fetchall():
                    row = dict(zip(names, values, strict=True))
                    found[(row["source"], row["external_id"])] = row
        return found

    def items_between(self, start: datetime, end: datetime) -> list[StoredItem]:
        """Items published in [start, end), oldest first."""
        rows = self.db.query(
            "select * from items where published_at >= ? and published_at < ? order by published_at, id",
            [iso(start), iso(end)],
        )
        return [_stored_item(row) for row in rows]

    def item(self, item_id: int) -> StoredItem | None:
        rows = list(self.db.query("select * from items where id = ?", [item_id]))
        return _stored_item(rows[0]) if rows else None

    def count_items(self) -> int:
        return self.db["items"].count

    def search(self, query: str, limit: int = 20) -> list[StoredItem]:
        table = self.db.table("items")
        return [_stored_item(row) for row in table.search(query, limit=limit, quote=True)]

    # -- fetch state -------------------------------------------------------

    def fetch_states(self) -> dict[str, dict[str, Validators]]:
        """Every source's stored validators, by source name and then URL."""
        found: dict[str, dict[str, Validators]] = {}
        for row in self.db.query("select source, url, etag, last_modified from fetch_state"):
            found.setdefault(row["source"], {})[row["url"]] = Validators(
                row["etag"] or "", row["last_modified"] or ""
            )
        return found

    def record_fetch(
        self, source: str, url: str, status: str, state: Validators, error: str = ""
    ) -> None:
        with self.db.atomic():
            self.db.execute(
                "insert or replace into fetch_state (source, url, etag, last_modified, status, error,"
                " checked_at) values (?, ?, ?, ?, ?, ?, ?)",
                [source, url, state.etag, state.last_modified, status, error, iso(utc_now())],
            )

    def fetch_history(self) -> list[FetchRecord]:
        """The latest outcome of every URL any source asked for, oldest first."""
        rows = self.db.query(
            "select source, url, status, error, checked_at from fetch_state order by checked_at"
        )
        return [
            FetchRecord(
                source=row["source"],
                url=row["url"],
                status=row["status"] or "",
                error=row["error"] or "",
                checked_at=row["checked_at"] or "",
            )
            for row in rows
        ]

    # -- offered stories ---------------------------------------------------

    def offer(self, week: str, item_ids: Iterable[int]) -> None:
        """Remember that these stories were put into ``week``'s draft."""
        with self.db.atomic():
            for item_id in item_ids:
                self.db.execute(
                    "insert or ignore into offered (week, item_id) values (?, ?)", [week, item_id]
                )

    def offered(self, week: str) -> set[int]:
        """Every story put into ``week``'s draft so far (``offer``)."""
        rows = self.db.execute("select item_id from offered where week = ?", [week])
        return {item_id for (item_id,) in rows.fetchall()}

    # -- LLM summaries -----------------------------------------------------

    def cached_summary(self, item_id: int, prompt_hash: str, model: str) -> str | None:
        """The summary ``model`` wrote for this item and prompt, if it was asked before."""
        row = self.db.execute(
            "select text from summaries where item_id = ? and prompt_hash = ? and model = ?",
            [item_id, prompt_hash, model],
        ).fetchone()
        return str(row[0]) if row else None

    def save_summary(self, item_id: int, prompt_hash: str, model: str, text: str) -> None:
        with self.db.atomic():
            self.db.execute(
                "insert or replace into summaries (item_id, prompt_hash, model, text, created_at)"
                " values (?, ?, ?, ?, ?)",
                [item_id, prompt_hash, model, text, iso(utc_now())],
            )

    # -- published issues --------------------------------------------------

    def issue(self, week: str) -> PublishedIssue | None:
        """``week``'s published issue, every column, or None."""
        rows = list(self.db.query(f"select {_ISSUE_SELECT} from issues where week = ?", [week]))
        return _published_issue(rows[0]) if rows else None

    def issues(self, limit: int | None = None) -> list[PublishedIssue]:
        """Every published issue (or the newest ``limit``), every column, newest
        first: by date, then number (an imported archive's numbers need not
        follow its dates)."""
        rows = self.db.query(
            f"select {_ISSUE_SELECT} from issues"
            " order by substr(published_on, 1, 10) desc, number desc limit ?",
            [-1 if limit is None else limit],  # a negative limit is none
        )
        return [_published_issue(row) for row in rows]

    def archive_issues(self) -> list[PublishedIssue]:
        """Every published issue as the archive lists it, oldest first (by date, then number).

        Without the Markdown (``markdown`` is None), so hundreds of issues read
        fast and take little memory; except on rows from before the archive
        columns (m007), whose emoji and subtitle are still in their draft: those
        come with it, and an empty ``emoji``, ``subtitle`` and ``origin``.
        """
        query = (
            f"select {_ISSUE_SELECT_BUT_MARKDOWN},"
            " case when emoji is null and coalesce(origin, 'draft') = 'draft'"
            " then markdown end as markdown"
            " from issues order by substr(published_on, 1, 10), number"
        )
        return [_published_issue(row) for row in self.db.query(query)]

    def issue_texts(self) -> Iterator[IssueText]:
        """Number, week and Markdown of every issue, one row at a time."""
        query = "select number, week, cast(markdown as blob) as markdown from issues"
        for row in self.db.query(query):
            yield IssueText(row["number"], row["week"], row["markdown"] or b"")

    def revisions(self, week: str) -> list[PublishedIssue]:
        """The superseded revisions of ``week``'s issue, oldest first."""
        rows = self.db.query(
            f"select {_ISSUE_SELECT} from issue_revisions where week = ? order by revision",
            [week],
        )
        return [_published_issue(row) for row in rows]

    def next_issue_number(self) -> int:
        row = self.db.execute("select coalesce(max(number), 0) + 1 from issues").fetchone()
        return int(row[0])

    def save_issue(self, issue: PublishedIssue, replacing: PublishedIssue | None = None) -> None:
        """Write ``issue`` over its week's row, in one transaction with keeping
        ``replacing`` (the row it replaces) in ``issue_revisions``: superseded
        content is kept exactly when it is replaced, and no published word is lost.
        """
        # atomic(), never `with conn:`: sqlite-utils commits every write on its
        # own unless a transaction is explicitly open.
        with self.db.atomic():
            if replacing is not None:
                self.db.execute(
                    _INSERT_REVISION, {**_issue_values(replacing), "replaced_at": iso(utc_now())}
                )
            self.db.execute(_REPLACE_ISSUE, _issue_values(issue))

    def add_issues(self, issues: Iterable[PublishedIssue]) -> None:
        """Insert every issue in one transaction, each as soon as ``issues`` yields
        it: all are added or, on any error, none. An issue whose week or number
        is taken raises sqlite3.IntegrityError (nothing is replaced)."""
        with self.db.atomic():
            for issue in issues:
                self.db.execute(_INSERT_ISSUE, _issue_values(issue))


# How long a command waits for another program's write lock before it gives
# up with DatabaseLocked (a module constant so that tests can shorten it).
BUSY_TIMEOUT = 30.0


def open_store(path: Path) -> Store:
    """Open (or create) the database at ``path`` and bring its schema up to date.

    A file that is not SQLite, is corrupt, or is some other application's
    database is refused, never overwritten; so is one written by a newer
    Gazette (DatabaseNewer). A full disk, a read-only file system, a file that
    cannot be written or a lock held too long by another program raise the
    StorageError or DatabaseLocked they are, never "corrupt".
    """
    path = Path(path)
    try:
        if path.exists():
            _refuse_foreign(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
        db = Database(conn)
        try:
            # Only a new, empty database takes this (an existing one keeps its page
            # size): an imported or published issue is 30-70 KB of Markdown and
            # HTML, which 16 KB pages store and commit in a quarter of the pages.
            db.execute("pragma page_size = 16384")
            db.execute("pragma journal_mode = wal")
            db.execute("pragma foreign_keys = on")
            tables = db.table_names()
            if tables and "_sqlite_migrations" not in tables:
                raise DatabaseUnusable(
                    path,
                    "this SQLite file belongs to something else (no Gazette tables)",
                    foreign=True,
                )
            refuse_newer(conn, path)
            migrations.apply(db)
        except BaseException:
            db.close()
            raise
    except sqlite3.Error as exc:
        raise from_sqlite_error(exc, path, BUSY_TIMEOUT) from None
    except OSError as exc:
        raise from_os_error(exc, path) from None
    return Store(db, path)


def open_store_readonly(path: Path) -> Store:
    """The database at ``path`` as it is, for looking only: opened read-only,
    never created nor migrated (``gazette doctor`` must change nothing).
    Its queries raise sqlite3.DatabaseError if the file is not a sound database."""
    return Store(Database(connect_readonly(path)), Path(path))


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to ``path``; never creates the file."""
    # Read-only through a URI so a mistyped path is never created as a new database.
    return sqlite3.connect(
        f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT
    )


def gazette_version() -> str:
    try:
        return version("gazette")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "(unknown version)"


def unknown_migrations(conn: sqlite3.Connection) -> list[str]:
    """Migrations the database has that this Gazette does not know (a newer
    Gazette wrote it), in the order they were applied."""
    tables = {row[0] for row in conn.execute("select name from sqlite_master")}
    if "_sqlite_migrations" not in tables:
        return []
    known = {m.name for m in migrations._migrations}
    applied = conn.execute(
        "select name from _sqlite_migrations where migration_set = ? order by rowid",
        [MIGRATION_SET],
    )
    return [row[0] for row in applied if row[0] not in known]


def refuse_newer(conn: sqlite3.Connection, path: Path) -> None:
    """DatabaseNewer if a newer Gazette wrote the database: this one would
    misread its rows (or migrate it into something neither version knows)."""
    unknown = unknown_migrations(conn)
    if unknown:
        latest = migrations._migrations[-1].name
        raise DatabaseNewer(path, unknown[-1], latest, gazette_version())


def _refuse_foreign(path: Path) -> None:
    if path.is_dir():
        raise DatabaseUnusable(path, "is a directory, not a database file", foreign=True)
    if not path.is_file():
        raise DatabaseUnusable(path, "is not a regular file, not a database file", foreign=True)
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head and head != SQLITE_MAGIC:
        raise DatabaseUnusable(path, "not a SQLite database; refusing to touch it", foreign=True)
    if head:
        # A sqlite3.Error here (a full disk, a lock) is classified by open_store:
        # only quick_check's own findings say the file is corrupt.
        with closing(connect_readonly(path)) as conn:
            result = conn.execute("pragma quick_check").fetchone()
        if result and result[0] != "ok":
            raise DatabaseCorrupt(path, first_line(str(result[0])))


def first_line(text: str, limit: int = 160) -> str:
    """One line of a multi-line SQLite finding, for a one-line message."""
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= limit else line[: limit - 1] + "…"


_CONTENT_COLUMNS = (
    "kind",
    "url",
    "canonical_url",
    "title",
    "author",
    "text",
    "html",
    "tags",
    "metrics",
    "flags",
    "raw",
    "published_at",
    "has_link",
    "link_url",
    "package",
    "version",
    "github_url",
    "dated",
)
_INSERT_ITEM = (
    "insert into items (source, external_id, "
    + ", ".join(_CONTENT_COLUMNS)
    + ", fetched_at, updated_at) values (:source, :external_id, "
    + ", ".join(f":{c}" for c in _CONTENT_COLUMNS)
    + ", :fetched_at, :updated_at)"
)
_UPDATE_ITEM = (
    "update items set "
    + ", ".join(f"{c} = :{c}" for c in _CONTENT_COLUMNS)
    + ", updated_at = :updated_at where id = :id"
)


def _item_row(item: Item) -> dict[str, Any]:
    return {
        "source": item.source,
        "external_id": item.external_id,
        "kind": item.kind,
        "url": item.url,
        "canonical_url": canonical_url(item.url),
        "title": item.title,
        "author": item.author,
        "text": item.text,
        "html": item.html,
        "tags": json.dumps(list(item.tags)),
        "metrics": json.dumps(dict(item.metrics), sort_keys=True),
        "flags": json.dumps(list(item.flags)),
        "raw": json.dumps(item.raw, sort_keys=True, default=str),
        "published_at": iso(item.published_at),
        "has_link": int(item.has_link),
        "link_url": item.link_url,
        "package": item.package,
        "version": item.version,
        "github_url": item.github_url,
        "dated": int(item.dated),
    }


def _first_seen_date(row: dict[str, Any], old: dict[str, Any] | None, stamp: str) -> dict[str, Any]:
    """An undated item's row, dated by the store: now when it is new, else the
    date (and datedness) it already has, so a re-fetch never moves it."""
    if old is None:
        return {**row, "published_at": stamp}
    return {**row, "published_at": old["published_at"], "dated": old["dated"]}


def _stored_item(row: dict[str, Any]) -> StoredItem:
    item = Item(
        source=row["source"],
        kind=row["kind"] or "",
        external_id=row["external_id"],
        url=row["url"],
        title=row["title"],
        published_at=parse_iso(row["published_at"]),
        author=row["author"] or "",
        text=row["text"] or "",
        html=row["html"] or "",
        tags=tuple(json.loads(row["tags"] or "[]")),
        metrics=json.loads(row["metrics"] or "{}"),
        flags=tuple(json.loads(row["flags"] or "[]")),
        raw=json.loads(row["raw"] or "{}"),
        has_link=row["has_link"] != 0,
        link_url=row["link_url"] or "",
        package=row["package"] or "",
        version=row["version"] or "",
        github_url=row["github_url"] or "",
        dated=row["dated"] != 0,
    )
    return StoredItem(id=row["id"], item=item, fetched_at=parse_iso(row["fetched_at"]))


# Every column of an issue, in one place: reads, writes and revisions use these.
_ISSUE_COLUMNS = (
    "week",
    "number",
    "slug",
    "title",
    "published_on",
    "markdown",
    "html",
    "tags",
    "revision",
    "emoji",
    "subtitle",
    "origin",
    "html_digest",
)
# The HTML as a blob: SQLite hands back its UTF-8 bytes, never decoded.
_ISSUE_SELECT_BUT_MARKDOWN = ", ".join(
    "cast(html as blob) as html" if c == "html" else c for c in _ISSUE_COLUMNS if c != "markdown"
)
_ISSUE_SELECT = f"{_ISSUE_SELECT_BUT_MARKDOWN}, markdown"
_ISSUE_VALUES = ", ".join(f":{c}" for c in _ISSUE_COLUMNS)
_INSERT_ISSUE = f"insert into issues ({', '.join(_ISSUE_COLUMNS)}) values ({_ISSUE_VALUES})"
_REPLACE_ISSUE = _INSERT_ISSUE.replace("insert into", "insert or replace into", 1)
_INSERT_REVISION = (
    f"insert or replace into issue_revisions ({', '.join(_ISSUE_COLUMNS)}, replaced_at)"
    f" values ({_ISSUE_VALUES}, :replaced_at)"
)


def _issue_values(issue: PublishedIssue) -> dict[str, Any]:
    if issue.markdown is None:
        # Saving it would blank the column: only rows read whole can be written back.
        raise ValueError(f"issue {issue.week} was read without its Markdown (Store.issue has it)")
    return {
        "week": issue.week,
        "number": issue.number,
        "slug": issue.slug,
        "title": issue.title,
        "published_on": issue.published_on,
        "markdown": issue.markdown,
        # As text: bytes would be stored as a blob, which other tools read as such.
        "html": issue.html,
        "tags": json.dumps(list(issue.tags)),
        "revision": issue.revision,
        "emoji": issue.emoji,
        "subtitle": issue.subtitle,
        "origin": issue.origin,
        "html_digest": issue.html_digest,
    }


def _published_issue(row: dict[str, Any]) -> PublishedIssue:
    return PublishedIssue(
        week=row["week"],
        number=row["number"],
        slug=row["slug"],
        title=row["title"],
        published_on=row["published_on"],
        html_utf8=row["html"] or b"",
        markdown=row["markdown"],
        tags=tuple(json.loads(row["tags"] or "[]")),
        revision=row["revision"] or 1,
        emoji=row["emoji"] or "",
        subtitle=row["subtitle"] or "",
        origin=row["origin"] or "",
        html_digest=row["html_digest"] or "",
    )


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
