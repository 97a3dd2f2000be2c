"""Freeze an issue (number, date, content) and read published issues back.

A published issue never changes by accident: publishing the same content again
is a no-op, and different content needs ``force``, which bumps the revision and
keeps the content it replaces in ``issue_revisions``. The number, the date and
the permanent link (the slug) of an issue never change, whatever its revisions.

Each issue (``PublishedIssue``, one row of ``issues``) carries what the
archive shows (title, emoji, subtitle, the HTML rendered once at publish or
import time, tags), so building the site never parses Markdown. ``origin`` says
what the ``markdown`` column holds: a Gazette draft ("draft") or the original
text of an imported file ("import").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from gazette.config import Settings
from gazette.draft import draft_path, parse_draft, read_draft
from gazette.errors import PublishedOtherwise, PublishError
from gazette.models import ORIGIN_DRAFT, ORIGIN_IMPORT, Issue, PublishedIssue
from gazette.store import Store


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
    from gazette.render.web import body_digest, issue_body_html, slugify

    draft = read_draft(draft_path(settings.issues_dir, week))
    if not draft.issue.picks and draft.issue.feature is None:
        raise PublishError(f"{week}: the draft has no stories yet; pick some first")
    existing = store.issue(week)
    if existing and existing.markdown == draft.text:
        return PublishOutcome(existing, changed=False, revision=existing.revision)
    if existing and not force:
        raise PublishedOtherwise(
            f"issue #{existing.number} ({week}) is already published with other content"
        )
    number = existing.number if existing else store.next_issue_number()
    published_on = existing.published_on if existing else (today or date.today()).isoformat()
    issue = replace(draft.issue, number=number, published_on=published_on)
    # With the build's environment, so a user's override of the body template applies.
    html = issue_body_html(issue, env=template_env(settings))
    published = PublishedIssue(
        week=week,
        number=number,
        # The permanent link stays what it was when the issue first went out.
        slug=existing.slug if existing else slugify(issue.title),
        title=issue.title,
        published_on=published_on,
        html_utf8=html.encode("utf-8"),
        markdown=draft.text,
        tags=issue_tags(issue),
        revision=(existing.revision + 1) if existing else 1,
        emoji=issue.emoji,
        subtitle=issue.subtitle,
        origin=ORIGIN_DRAFT,
        # What the site build checks before it trusts the stored HTML.
        html_digest=body_digest(html),
    )
    store.save_issue(published, replacing=existing)
    return PublishOutcome(published, changed=True, revision=published.revision)


def issue_tags(issue: Issue) -> tuple[str, ...]:
    seen: list[str] = []
    for pick in issue.all_picks:
        for tag in pick.tags:
            if tag not in seen:
                seen.append(tag)
    return tuple(seen)


def published_issues(store: Store, limit: int | None = None) -> list[Issue]:
    """Every published issue (or the newest ``limit``) with its stories, newest
    first (by date, then number).

    Drafts are parsed back into their stories; an imported issue has no stories,
    only its title and subtitle. Pass ``limit`` when only the latest issues
    matter: parsing hundreds of drafts takes a noticeable moment.
    """
    return [_issue_of(published) for published in store.issues(limit)]


def _issue_of(published: PublishedIssue) -> Issue:
    """The Issue that ``published`` was made from, its number and date set
    (without stories when it was imported: the file's text is not a draft)."""
    if published.origin == ORIGIN_IMPORT or published.markdown is None:
        return Issue(
            week=published.week,
            title=published.title,
            emoji=published.emoji,
            subtitle=published.subtitle,
            number=published.number,
            published_on=published.published_on,
        )
    draft = parse_draft(published.markdown).issue
    return replace(draft, number=published.number, published_on=published.published_on)


def archive_issues(store: Store) -> list[PublishedIssue]:
    """Every published issue as the archive shows it, oldest first (by date, then number).

    Reads the stored columns only, so it stays fast for hundreds of issues (the
    HTML has the content); rows from before the archive columns existed get
    their emoji and subtitle from their draft, parsed once here.
    """
    issues = []
    for published in store.archive_issues():
        if published.markdown is not None:
            draft = parse_draft(published.markdown).issue
            published = replace(
                published, emoji=draft.emoji, subtitle=draft.subtitle, markdown=None
            )
        issues.append(published)
    return issues
