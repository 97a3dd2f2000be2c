"""Freeze an issue (number, date, content) and read published issues back.

A published issue never changes by accident: publishing the same content again
is a no-op, and different content needs ``force``, which bumps the revision and
keeps the content it replaces in ``issue_revisions``. The number, the date and
the permanent link (the slug) of an issue never change, whatever its revisions.

Each issue row carries what the archive shows (title, emoji, subtitle, the HTML
rendered once at publish or import time, tags), so building the site never
parses Markdown. ``origin`` says what the ``markdown`` column holds: a Gazette
draft ("draft") or the original text of an imported file ("import").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from gazette.config import Settings
from gazette.draft import draft_path, parse_draft, read_draft
from gazette.errors import PublishError
from gazette.models import Issue, PublishedIssue
from gazette.store import IssueRow, Store, issue_row

ORIGIN_DRAFT = "draft"
ORIGIN_IMPORT = "import"


@dataclass(frozen=True)
class PublishOutcome:
    issue: PublishedIssue
    changed: bool  # False when the same content was already published
    revision: int


def publish(
    store: Store, settings: Settings, week: str, today: date | None = None, force: bool = False
) -> PublishOutcome:
    """Publish the draft of ``week``: a new number, or a new revision with ``force``."""
    from gazette.render import template_env
    from gazette.render.web import issue_body_html, slugify

    draft = read_draft(draft_path(settings.issues_dir, week))
    if not draft.issue.picks and draft.issue.feature is None:
        raise PublishError(f"{week}: the draft has no stories yet; pick some first")
    raw = _row_by_week(store, week)
    existing = issue_row(raw) if raw else None
    if raw and existing and existing.markdown == draft.text:
        return PublishOutcome(_published(raw), changed=False, revision=existing.revision)
    if existing and not force:
        raise PublishError(
            f"issue #{existing.number} ({week}) is already published with other content;"
            " use --force to publish a revision"
        )
    number = existing.number if existing else store.next_issue_number()
    published_on = existing.published_on if existing else (today or date.today()).isoformat()
    issue = replace(draft.issue, number=number, published_on=published_on)
    row = IssueRow(
        week=week,
        number=number,
        # The permanent link stays what it was when the issue first went out.
        slug=existing.slug if existing else slugify(issue.title),
        title=issue.title,
        published_on=published_on,
        markdown=draft.text,
        # With the build's environment, so a user's override of the body template applies.
        html=issue_body_html(issue, env=template_env(settings)),
        tags=issue_tags(issue),
        revision=(existing.revision + 1) if existing else 1,
    )
    # One transaction: the superseded content is kept exactly when it is replaced.
    # atomic(), not `with conn:`: sqlite-utils commits each write on its own
    # unless a transaction is explicitly open.
    with store.db.atomic():
        if existing:
            keep_revision(store, existing)
        save_published(store, row, emoji=issue.emoji, subtitle=issue.subtitle, origin=ORIGIN_DRAFT)
    return PublishOutcome(
        _published_issue(row, issue),
        changed=True,
        revision=row.revision,
    )


def issue_tags(issue: Issue) -> tuple[str, ...]:
    seen: list[str] = []
    for pick in issue.all_picks:
        for tag in pick.tags:
            if tag not in seen:
                seen.append(tag)
    return tuple(seen)


def keep_revision(store: Store, row: IssueRow) -> None:
    """Copy ``row`` into issue_revisions; call inside the caller's transaction."""
    store.db.execute(
        "insert or replace into issue_revisions (week, revision, number, slug, title,"
        " published_on, markdown, html, tags, replaced_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            row.week,
            row.revision,
            row.number,
            row.slug,
            row.title,
            row.published_on,
            row.markdown,
            row.html,
            json.dumps(list(row.tags)),
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ],
    )


def save_published(
    store: Store,
    row: IssueRow,
    *,
    emoji: str,
    subtitle: str,
    origin: str,
    replace_existing: bool = True,
    html_digest: str | None = None,
) -> None:
    """Insert (or replace) one issue row, archive fields included, in one statement.

    ``row.html`` must be what ``sanitize_body_html`` returned: its digest
    (``body_digest``; pass ``html_digest`` when it is known already) is stored
    with it, and the site build trusts exactly the HTML whose digest matches.
    Opens no transaction: the caller's ``with store.db.atomic():`` decides what
    commits together (an import commits every issue at once). Without
    ``replace_existing`` a row with the same week or number is an IntegrityError.
    """
    from gazette.render.web import body_digest

    verb = "insert or replace" if replace_existing else "insert"
    store.db.execute(
        f"{verb} into issues (week, number, slug, title, published_on, markdown, html,"
        " tags, revision, emoji, subtitle, origin, html_digest)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            row.week,
            row.number,
            row.slug,
            row.title,
            row.published_on,
            row.markdown,
            row.html,
            json.dumps(list(row.tags)),
            row.revision,
            emoji,
            subtitle,
            origin,
            html_digest if html_digest is not None else body_digest(row.html),
        ],
    )


def revisions(store: Store, week: str) -> list[IssueRow]:
    """The superseded revisions of ``week``'s issue, oldest first."""
    return [
        issue_row(r)
        for r in store.db.query(
            "select * from issue_revisions where week = ? order by revision", [week]
        )
    ]


def published_issues(store: Store, limit: int | None = None) -> list[PublishedIssue]:
    """Every published issue (or the newest ``limit``) with its full Issue,
    newest first (by date, then number).

    Drafts are parsed back into their stories; an imported issue has no stories,
    only its title, subtitle and stored HTML. Pass ``limit`` when only the
    latest issues matter: parsing hundreds of drafts takes a noticeable moment.
    """
    order = "order by substr(published_on, 1, 10) desc, number desc" + (
        f" limit {int(limit)}" if limit is not None else ""
    )
    return [_published(r) for r in _rows(store, order)]


@dataclass(frozen=True, slots=True)
class ArchivedIssue:
    """A published issue as the archive reads it: what PublishedIssue has, with
    the HTML kept as UTF-8 bytes (a str holding one emoji takes four bytes a
    character, and a build holds every issue) and decoded when a page needs it."""

    number: int | None
    week: str
    slug: str
    published_on: str
    issue: Issue
    tags: tuple[str, ...]
    html_utf8: bytes
    html_digest: str = ""  # body_digest of the HTML when Gazette stored it ("" before)

    @property
    def html(self) -> str:
        return self.html_utf8.decode("utf-8")


def archive_issues(store: Store) -> list[ArchivedIssue]:
    """Every published issue as the archive shows it, oldest first (by date, then number).

    Reads the stored columns only, so it stays fast for hundreds of issues: each
    Issue carries its title, emoji and subtitle, not its stories (``html`` has
    the content). Rows from before the archive columns existed are parsed once.
    """
    query = (
        "select week, number, slug, title, published_on, tags, revision, emoji, subtitle,"
        " origin, cast(html as blob) as html_utf8, html_digest,"
        # The Markdown only where the archive columns are missing (older rows).
        " case when emoji is null and coalesce(origin, 'draft') = 'draft'"
        " then markdown end as markdown"
        " from issues order by substr(published_on, 1, 10), number"
    )
    issues = []
    for raw in store.db.query(query):
        if raw["markdown"] is not None:
            draft = parse_draft(raw["markdown"]).issue
            emoji, subtitle = draft.emoji, draft.subtitle
        else:
            emoji, subtitle = raw["emoji"] or "", raw["subtitle"] or ""
        issues.append(
            ArchivedIssue(
                number=raw["number"],
                week=raw["week"],
                slug=raw["slug"],
                published_on=raw["published_on"],
                issue=Issue(
                    week=raw["week"],
                    title=raw["title"],
                    emoji=emoji,
                    subtitle=subtitle,
                    number=raw["number"],
                    published_on=raw["published_on"],
                ),
                tags=tuple(json.loads(raw["tags"] or "[]")),
                html_utf8=raw["html_utf8"] or b"",
                html_digest=raw["html_digest"] or "",
            )
        )
    return issues


def _rows(store: Store, order: str) -> Iterable[dict[str, Any]]:
    return store.db.query(f"select * from issues {order}")


def _row_by_week(store: Store, week: str) -> dict[str, Any] | None:
    rows = list(store.db.query("select * from issues where week = ?", [week]))
    return rows[0] if rows else None


def _published(raw: dict[str, Any]) -> PublishedIssue:
    row = issue_row(raw)
    if raw.get("origin") == ORIGIN_IMPORT:
        issue = Issue(
            week=row.week,
            title=row.title,
            emoji=raw.get("emoji") or "",
            subtitle=raw.get("subtitle") or "",
            number=row.number,
            published_on=row.published_on,
        )
    else:
        issue = replace(
            parse_draft(row.markdown).issue, number=row.number, published_on=row.published_on
        )
    return _published_issue(row, issue)


def _published_issue(row: IssueRow, issue: Issue) -> PublishedIssue:
    return PublishedIssue(
        number=row.number,
        week=row.week,
        slug=row.slug,
        published_on=row.published_on,
        issue=issue,
        html=row.html,
        tags=row.tags,
    )
