"""The database schema, only ever changed by appending a named migration.

Never edit a migration that has shipped: add a new one. Tests check the final
columns (tests/test_store.py), so a migration that forgets a column is caught.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATION_SET = "gazette"
migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_items(db: Database) -> None:
    db.table("items").create(
        {
            "id": int,
            "source": str,
            "kind": str,
            "external_id": str,
            "url": str,
            "canonical_url": str,
            "title": str,
            "author": str,
            "text": str,
            "html": str,
            "tags": str,  # JSON list
            "metrics": str,  # JSON object
            "flags": str,  # JSON list
            "raw": str,  # JSON: the source's own fields
            "published_at": str,  # ISO 8601 UTC
            "fetched_at": str,  # first seen, never moved by later fetches
            "updated_at": str,  # last time a fetch changed the row
        },
        pk="id",
        not_null={"source", "external_id", "url", "title", "published_at", "fetched_at"},
    )
    db.table("items").create_index(["source", "external_id"], unique=True)
    db.table("items").create_index(["published_at"])
    db.table("items").create_index(["canonical_url"])


@migrations()
def m002_fetch_state(db: Database) -> None:
    # One row per URL a source asked for: conditional-GET validators and outcome.
    db.table("fetch_state").create(
        {
            "source": str,
            "url": str,
            "etag": str,
            "last_modified": str,
            "status": str,
            "error": str,
            "checked_at": str,
        },
        pk=("source", "url"),
    )


@migrations()
def m003_issues_and_picks(db: Database) -> None:
    db.table("issues").create(
        {
            "week": str,
            "number": int,
            "slug": str,
            "title": str,
            "published_on": str,
            "markdown": str,
            "html": str,
            "tags": str,  # JSON list
            "revision": int,
        },
        pk="week",
    )
    db.table("issues").create_index(["number"], unique=True)
    db.table("picks").create(
        {"week": str, "item_id": int, "section": str, "position": int},
        pk=("week", "item_id"),
        foreign_keys=[("item_id", "items", "id")],
    )


@migrations()
def m004_items_fts(db: Database) -> None:
    db.table("items").enable_fts(["title", "text"], create_triggers=True)


@migrations()
def m006_issue_revisions(db: Database) -> None:
    # `publish --force` replaces an issue; the content it replaces is kept here,
    # one row per superseded revision, so no published word is ever lost.
    db.table("issue_revisions").create(
        {
            "week": str,
            "revision": int,
            "number": int,
            "slug": str,
            "title": str,
            "published_on": str,
            "markdown": str,
            "html": str,
            "tags": str,  # JSON list
            "replaced_at": str,  # ISO 8601 UTC
        },
        pk=("week", "revision"),
    )


@migrations()
def m007_issue_archive_fields(db: Database) -> None:
    # What the archive shows besides the stored HTML, kept beside it so a site
    # build never re-parses hundreds of Markdown files; `origin` says whether the
    # markdown column is a Gazette draft ("draft") or an imported file ("import").
    issues = db.table("issues")
    issues.add_column("emoji", str)
    issues.add_column("subtitle", str)
    issues.add_column("origin", str)


@migrations()
def m005_summaries(db: Database) -> None:
    # LLM summaries, cached by item, prompt (a hash of the templates and what was
    # rendered into them) and model, so asking twice never calls the model twice.
    db.table("summaries").create(
        {"item_id": int, "prompt_hash": str, "model": str, "text": str, "created_at": str},
        pk=("item_id", "prompt_hash", "model"),
        foreign_keys=[("item_id", "items", "id")],
    )


@migrations()
def m008_issue_html_digest(db: Database) -> None:
    # A digest of the stored HTML as Gazette's sanitizer produced it (keyed by the
    # sanitizer's allow-list, see gazette.render.web.body_digest): a site build
    # sanitizes again only a body whose digest does not match, that is HTML
    # written by anything but Gazette, or cleaned under another allow-list.
    db.table("issues").add_column("html_digest", str)


@migrations()
def m009_offered_stories(db: Database) -> None:
    # Every story Gazette has put into a week's draft (the first draft's picks,
    # each refresh's candidates): a refresh offers only stories never offered,
    # so a candidate the editor deleted does not come back.
    db.table("offered").create({"week": str, "item_id": int}, pk=("week", "item_id"))


@migrations()
def m010_issue_revision_archive_fields(db: Database) -> None:
    # A superseded revision keeps every column of the issue row it was, so a
    # revision reads back as the same PublishedIssue (rows kept before this
    # have none of these: NULL).
    revisions = db.table("issue_revisions")
    for column in ("emoji", "subtitle", "origin", "html_digest"):
        revisions.add_column(column, str)


@migrations()
def m011_drop_picks(db: Database) -> None:
    # The draft is the only record of an issue's picks: this copy of them was
    # written by every verb and read by nothing.
    db.table("picks").drop(ignore=True)


@migrations()
def m012_item_release_fields(db: Database) -> None:
    # Typed fields the stages after fetching read instead of the ``raw`` JSON
    # (see gazette.models.Item), filled in for the rows stored before them from
    # the raw keys the built-in sources wrote.
    items = db.table("items")
    items.add_column("has_link", int, not_null_default=1)
    for column in ("link_url", "package", "version", "github_url"):
        items.add_column(column, str, not_null_default="")
    db.execute(
        """
        update items set
          has_link = coalesce(json_extract(raw, '$.has_link') != 0, 1),
          link_url = coalesce(json_extract(raw, '$.link_url'), ''),
          package = coalesce(json_extract(raw, '$.package'), ''),
          version = coalesce(json_extract(raw, '$.version'), json_extract(raw, '$.tag'), ''),
          github_url = case
            when kind = 'github' and json_type(raw, '$.repo') = 'text'
              then 'https://github.com/' || json_extract(raw, '$.repo')
            when kind = 'hexpm'
              then coalesce((select value from json_each(raw, '$.links')
                             where lower(trim(key)) = 'github' and value != '' limit 1), '')
            else '' end
        where json_valid(raw)
        """
    )


@migrations()
def m013_item_dated(db: Database) -> None:
    # 0 for an item the source gave no date: its published_at is when Gazette
    # first saw it (see gazette.models.Item.dated). Rows stored before had a date.
    db.table("items").add_column("dated", int, not_null_default=1)
