"""Freeze an issue (number, date, content) and read published issues back.

A published issue never changes by accident: publishing the same content again
is a no-op, and different content needs ``force``, which bumps the revision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from gazette.config import Settings
from gazette.draft import draft_path, parse_draft, read_draft
from gazette.errors import PublishError
from gazette.models import Issue, PublishedIssue
from gazette.store import IssueRow, Store


@dataclass(frozen=True)
class PublishOutcome:
    issue: PublishedIssue
    changed: bool  # False when the same content was already published
    revision: int


def publish(
    store: Store, settings: Settings, week: str, today: date | None = None, force: bool = False
) -> PublishOutcome:
    from gazette.render.web import issue_body_html, slugify

    draft = read_draft(draft_path(settings.issues_dir, week))
    if not draft.issue.picks and draft.issue.feature is None:
        raise PublishError(f"{week}: the draft has no stories yet; pick some first")
    existing = store.issue(week)
    if existing and existing.markdown == draft.text:
        return PublishOutcome(to_published(existing), changed=False, revision=existing.revision)
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
        slug=slugify(issue.title),
        title=issue.title,
        published_on=published_on,
        markdown=draft.text,
        html=issue_body_html(issue),
        tags=issue_tags(issue),
        revision=(existing.revision + 1) if existing else 1,
    )
    store.save_issue(row)
    return PublishOutcome(to_published(row), changed=True, revision=row.revision)


def issue_tags(issue: Issue) -> tuple[str, ...]:
    seen: list[str] = []
    for pick in issue.all_picks:
        for tag in pick.tags:
            if tag not in seen:
                seen.append(tag)
    return tuple(seen)


def to_published(row: IssueRow) -> PublishedIssue:
    issue = replace(
        parse_draft(row.markdown).issue, number=row.number, published_on=row.published_on
    )
    return PublishedIssue(
        number=row.number,
        week=row.week,
        slug=row.slug,
        published_on=row.published_on,
        issue=issue,
        html=row.html,
        tags=row.tags,
    )


def published_issues(store: Store) -> list[PublishedIssue]:
    return [to_published(row) for row in store.published_issues()]
