from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gazette.errors import StoreError
from gazette.models import Item, Validators
from gazette.store import open_store, open_store_readonly
from tests.conftest import sqlite_page_size

EXPECTED_COLUMNS = {
    "items": {
        "id", "source", "kind", "external_id", "url", "canonical_url", "title", "author", "text",
        "html", "tags", "metrics", "flags", "raw", "published_at", "fetched_at", "updated_at",
        "has_link", "link_url", "package", "version", "github_url", "dated",
    },
    "fetch_state": {"source", "url", "etag", "last_modified", "status", "error", "checked_at"},
    "issues": {
        "week", "number", "slug", "title", "published_on", "markdown", "html", "tags", "revision",
        "emoji", "subtitle", "origin", "html_digest",
    },
    "issue_revisions": {
        "week", "revision", "number", "slug", "title", "published_on", "markdown", "html", "tags",
        "replaced_at", "emoji", "subtitle", "origin", "html_digest",
    },
    "offered": {"week", "item_id"},
    "summaries": {"item_id", "prompt_hash", "model", "text", "created_at"},
}  # fmt: skip


def item(external_id: str, likes: float = 1, title: str = "A topic") -> Item:
    return Item(
        source="forum",
        kind="discourse",
        external_id=external_id,
        url=f"https://elixirforum.com/t/x/{external_id}",
        title=title,
        published_at=datetime(2026, 1, 6, 12, tzinfo=UTC),
        metrics={"likes": likes},
    )


def test_migrations_create_the_final_columns(tmp_path: Path) -> None:
    with open_store(tmp_path / "g.db") as store:
        for table, columns in EXPECTED_COLUMNS.items():
            assert set(store.db[table].columns_dict) == columns, table
        assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("pragma page_size").fetchone()[0] == 16384
        applied = [
            r["name"] for r in store.db.query("select name from _sqlite_migrations order by id")
        ]
    assert applied == [
        "m001_items",
        "m002_fetch_state",
        "m003_issues_and_picks",
        "m004_items_fts",
        "m006_issue_revisions",
        "m007_issue_archive_fields",
        "m005_summaries",  # numbered when it was planned, appended when it landed
        "m008_issue_html_digest",
        "m009_offered_stories",
        "m010_issue_revision_archive_fields",
        "m011_drop_picks",
        "m012_item_release_fields",
        "m013_item_dated",
    ]
    with open_store(tmp_path / "g.db") as store:
        assert "picks" not in store.db.table_names()  # dropped by m011, never written


def test_an_existing_database_keeps_its_page_size(tmp_path: Path) -> None:
    """The page size applies to new databases only: one made with SQLite's
    default (by an older Gazette) opens, migrates and works as it is."""
    open_store(tmp_path / "old.db").close()
    conn = sqlite3.connect(tmp_path / "old.db")
    conn.execute("pragma journal_mode = delete")
    conn.execute("pragma page_size = 4096")
    conn.execute("vacuum")
    conn.close()
    with open_store(tmp_path / "old.db") as store:
        assert store.db.execute("pragma page_size").fetchone()[0] == 4096
        store.save_items([item("a", 1)])
        assert store.db["items"].count == 1


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    open_store(tmp_path / "g.db").close()
    with open_store(tmp_path / "g.db") as store:
        assert store.db["_sqlite_migrations"].count == 13


def test_save_counts_new_updated_unchanged_and_keeps_first_seen(tmp_path: Path) -> None:
    first = datetime(2026, 1, 6, tzinfo=UTC)
    later = datetime(2026, 1, 8, tzinfo=UTC)
    with open_store(tmp_path / "g.db") as store:
        counts = store.save_items([item("1"), item("2")], now=first)
        assert (counts.new, counts.updated, counts.unchanged) == (2, 0, 0)
        counts = store.save_items([item("1", likes=9), item("2")], now=later)
        assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 1)
        assert store.count_items() == 2
        stored = store.items_between(
            datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 12, tzinfo=UTC)
        )
        by_id = {s.item.external_id: s for s in stored}
        assert by_id["1"].item.metrics["likes"] == 9
        assert by_id["1"].fetched_at == first


def test_search_quotes_user_queries(tmp_path: Path) -> None:
    with open_store(tmp_path / "g.db") as store:
        store.save_items([item("1", title="LiveView streams"), item("2", title="Ecto tips")])
        assert [s.item.title for s in store.search('liveview "')] == ["LiveView streams"]
        assert store.search("AND OR NOT") == []


def test_foreign_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(path)
    assert path.read_bytes() == before


def test_other_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table customers (id integer primary key, name text)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="belongs to something else"):
        open_store(path)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("select name from sqlite_master where type='table'")] == [
        "customers"
    ]


def test_corrupt_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    with open_store(path) as store:
        store.save_items([item(str(n)) for n in range(200)])
    data = bytearray(path.read_bytes())
    page = sqlite_page_size(data)
    data[page : page * 3] = b"\xff" * (page * 2)  # clobber the pages after the first
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"corrupt|unusable"):
        open_store(path)


def test_a_readonly_store_reads_without_migrating_or_creating(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    with pytest.raises(sqlite3.OperationalError):
        open_store_readonly(path).fetch_history()
    assert not path.exists()  # a mistyped path is never created
    with open_store(path) as store:
        store.record_fetch("forum", "https://f.example/latest.json", "ok", Validators("e1"))
        store.db.execute("delete from _sqlite_migrations where name = 'm011_drop_picks'")
    before = path.read_bytes()
    with open_store_readonly(path) as store:
        [record] = store.fetch_history()
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.save_items([item("a")])
    assert (record.source, record.url, record.status) == (
        "forum",
        "https://f.example/latest.json",
        "ok",
    )
    assert path.read_bytes() == before  # nothing applied, nothing written


def test_rows_stored_before_the_typed_item_fields_get_them_from_raw(
    tmp_path: Path, sample_db: Path
) -> None:
    """A database from before m012 (the sample week's rows, as the older schema
    held them) loads the same Items, typed fields and all, as a fresh fetch."""
    from sqlite_utils import Database

    from gazette.migrations import migrations

    old = Database(sqlite3.connect(tmp_path / "old.db"))
    migrations.apply(old, stop_before="m012_item_release_fields")
    columns = ", ".join(old["items"].columns_dict)
    with sqlite3.connect(sample_db) as fetched:
        rows = fetched.execute(f"select {columns} from items").fetchall()
    marks = ", ".join("?" * len(old["items"].columns_dict))
    with old.conn:
        old.conn.executemany(f"insert into items ({columns}) values ({marks})", rows)
    old.close()
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    with open_store(tmp_path / "old.db") as migrated, open_store(sample_db) as fresh:
        before, now = migrated.items_between(start, end), fresh.items_between(start, end)
    assert before == now
    kinds = {s.item.kind for s in now if s.item.github_url}
    assert kinds == {"hexpm", "github"}  # both ways of naming a repository were filled in
    assert any(s.item.link_url for s in now) and any(not s.item.has_link for s in now)
    assert all(s.item.version for s in now if s.item.package)
