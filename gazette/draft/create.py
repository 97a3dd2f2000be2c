"""The first draft of a week: composed from the top candidates, written once.

An existing draft is never overwritten: it may hold the editor's words. With
``[llm] enabled`` the model rewrites the offline draft's words before it is
written (gazette.llm_writer); a model that fails leaves the offline words, with
one warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from gazette.config import Settings
from gazette.draft.document import Draft, draft_path, parse_draft, read_draft, write_draft
from gazette.errors import DraftExists, FileExists
from gazette.files import write_new
from gazette.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DraftOutcome:
    path: Path
    created: bool
    draft: Draft


def create_draft(
    store: Store, settings: Settings, week: str, keep_existing: bool = False
) -> DraftOutcome:
    """Write the first draft of ``week``; an existing draft is never overwritten.

    With ``keep_existing`` an existing draft is returned untouched (the weekly
    job); otherwise it is an error (DraftExists), because it may hold the
    editor's words.
    """
    from gazette.candidates import week_candidates
    from gazette.compose import compose_issue

    path = draft_path(settings.issues_dir, week)
    if path.exists():
        if keep_existing:
            return DraftOutcome(path, False, read_draft(path))
        raise DraftExists(str(path))
    candidates = week_candidates(store, settings, week)
    issue = compose_issue(week, candidates, settings.publication, settings.draft)
    front: tuple[str, ...] = ()
    if settings.llm.enabled:
        from gazette.llm_writer import write_issue

        written = write_issue(store, settings, issue, candidates)
        issue, front = written.issue, written.front_matter
        if written.warning:
            log.warning("%s", written.warning)
    text = with_front_matter(write_draft(issue), front)
    # Offered before the file is written: a crash in between leaves no draft,
    # and the next run drafts again and offers the same stories (harmless twice).
    store.offer(week, (p.item_id for p in issue.all_picks if p.item_id is not None))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Whole or not at all: a run killed mid-write never leaves a half draft
        # that the next run would keep as the editor's, and a draft created
        # meanwhile by someone else wins.
        write_new(path, text)
    except FileExists:
        if keep_existing:
            return DraftOutcome(path, False, read_draft(path))
        raise DraftExists(str(path), "another run created this draft meanwhile") from None
    log.info("%s: created the draft with %d picks", path, len(issue.picks))
    return DraftOutcome(path, True, parse_draft(text, str(path)))


def with_front_matter(text: str, lines: tuple[str, ...]) -> str:
    """``text`` with ``lines`` (TOML: the writer's model and prompt version)
    added at the end of its front matter."""
    if not lines:
        return text
    head, sep, rest = text.partition("\n+++\n")
    return head + "\n" + "\n".join(lines) + sep + rest
