"""The editor's verbs on the draft file: pick, unpick, move, tag, summary, refresh.

Each reads the week's draft (one parse), applies one edit of
``gazette.draft.surgery`` (which parses the result once, to verify it) and
writes it back atomically, refusing if the file changed meanwhile (say because
an editor saved it). The draft is the truth about what is picked.

For a caller with its own flow (a web desk): ``load_draft(settings, week)``
gives the path and the parsed Draft, any function of ``gazette.draft.surgery``
turns that Draft into the edited one, and ``save_draft(path, before, after)``
writes it unless the file changed meanwhile.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from gazette.compose import Cluster, item_pick, new_candidates, story_for
from gazette.compose import headline as candidate_headline
from gazette.config import Settings
from gazette.draft.document import SECTION_TITLES, Draft, candidate_line, draft_path, read_draft
from gazette.draft.surgery import (
    add_candidates,
    add_story,
    move_story,
    remove_story,
    retag_story,
    set_summary,
)
from gazette.draft.syntax import split_emoji
from gazette.errors import BadArgument, DraftError, DraftMissing, FileChanged, ItemNotFound
from gazette.files import replace_if_unchanged
from gazette.models import Pick, SectionName
from gazette.store import Store

_TAG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DEFAULT_REFRESH_LIMIT = 25


@dataclass(frozen=True)
class EditOutcome:
    path: Path
    draft: Draft
    message: str
    changed: bool = True


def pick_item(
    store: Store,
    settings: Settings,
    week: str,
    item_id: int,
    section: SectionName = "picks",
    emoji: str | None = None,
    headline: str | None = None,
) -> EditOutcome:
    """Add a candidate (or any stored item) to a section of the week's draft,
    with its extractive summary, link, tags and emoji."""
    path, draft = load_draft(settings, week)
    story, cluster = _story(store, settings, week, item_id, section)
    held = {p.item_id: p for p in draft.issue.all_picks if p.item_id is not None}
    sibling = next((held[i] for i in sorted(cluster.ids) if i in held and i != item_id), None)
    if sibling is not None and item_id not in held:
        raise DraftError(
            f"item {item_id} is part of the story already picked as {sibling.item_id}"
            f" ('{sibling.headline}')",
            str(path),
        )
    if emoji is not None:
        emoji = emoji.strip()
        if emoji and split_emoji(f"{emoji} x")[0] != emoji:
            raise BadArgument("emoji", f"takes emoji only, not {emoji!r}", str(path))
        story = replace(story, emoji=emoji)
    if headline is not None:
        headline = " ".join(headline.split())
        if not headline:
            raise BadArgument("headline", "cannot be empty", str(path))
        story = replace(story, headline=headline)
    edited = add_story(draft, story, section, drop_ids=cluster.ids, drop_urls=cluster.urls)
    saved = save_draft(path, draft, edited)
    return EditOutcome(
        path, saved, f"picked {item_id} into {SECTION_TITLES[section]}: {story.headline}"
    )


def unpick_item(settings: Settings, week: str, item_id: int) -> EditOutcome:
    """Remove a story; it goes back to the Candidates list, and its text is
    appended to ``<week>.md.unpicked`` beside the draft so no word is lost."""
    path, draft = load_draft(settings, week)
    edited, story, removed = remove_story(draft, item_id, shortlist=True)
    saved = save_draft(path, draft, edited)
    kept = path.with_name(path.name + ".unpicked")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with kept.open("a", encoding="utf-8") as handle:
        handle.write(f"<!-- unpicked {stamp} -->\n{removed.rstrip()}\n\n")
    return EditOutcome(
        path,
        saved,
        f"unpicked {item_id}: {story.headline} (back under Candidates; its text is kept in {kept})",
    )


def move_item(
    settings: Settings,
    week: str,
    item_id: int,
    *,
    to: int | None = None,
    by: int | None = None,
) -> EditOutcome:
    """Reorder a story within its section: to a position, or up/down by places."""
    path, draft = load_draft(settings, week)
    edited, position, count = move_story(draft, item_id, to=to, by=by)
    if edited.text == draft.text:
        return EditOutcome(
            path, draft, f"{item_id} stays at position {position} of {count}", changed=False
        )
    saved = save_draft(path, draft, edited)
    return EditOutcome(path, saved, f"moved {item_id} to position {position} of {count}")


def tag_item(settings: Settings, week: str, item_id: int, changes: Sequence[str]) -> EditOutcome:
    """Apply ``+tag`` / ``-tag`` changes (a bare ``tag`` adds) to a story's tags."""
    add, remove = parse_tag_changes(changes)
    path, draft = load_draft(settings, week)
    edited, tags = retag_story(draft, item_id, add, remove)
    shown = ", ".join(tags) or "no tags"
    if edited.text == draft.text:
        return EditOutcome(path, draft, f"{item_id} keeps {shown}", changed=False)
    saved = save_draft(path, draft, edited)
    return EditOutcome(path, saved, f"{item_id} is tagged {shown}")


def parse_tag_changes(changes: Sequence[str]) -> tuple[list[str], list[str]]:
    add: list[str] = []
    remove: list[str] = []
    for change in changes:
        sign, name = (change[0], change[1:]) if change[:1] in "+-" else ("+", change)
        name = name.strip().lower()
        if not _TAG.match(name):
            raise DraftError(
                f"not a tag change: {change!r} (use +tag to add, -tag to remove;"
                " tags are lower-case letters, digits and hyphens)"
            )
        (add if sign == "+" else remove).append(name)
    if not add and not remove:
        raise DraftError("no tag changes given (e.g. +otp -ecto)")
    return add, remove


def write_summary(
    settings: Settings,
    week: str,
    item_id: int,
    body: str,
    *,
    replace_body: bool = False,
) -> EditOutcome:
    """Put a summary into a story's body when it is empty (or ``replace_body``)."""
    path, draft = load_draft(settings, week)
    edited, changed = set_summary(draft, item_id, body, replace_body=replace_body)
    if not changed:
        return EditOutcome(
            path,
            draft,
            f"{item_id} already has a summary in the draft; left as is",
            changed=False,
        )
    saved = save_draft(path, draft, edited)
    return EditOutcome(path, saved, f"wrote the summary of {item_id} into {path}")


def refresh_draft(
    store: Store, settings: Settings, week: str, limit: int = DEFAULT_REFRESH_LIMIT
) -> EditOutcome:
    """List the week's top ``limit`` stories that are not in the draft yet (by
    item id and by page) and were never offered in it before, as commented
    candidates; the editor's text is untouched. A story offered once (in the
    first draft, or by an earlier refresh) and then deleted by the editor stays
    deleted: the week's candidates still list it, and a pick brings it in."""
    from gazette.candidates import week_candidates

    path, draft = load_draft(settings, week)
    offered = store.offered(week)
    fresh = new_candidates(draft, week_candidates(store, settings, week)[:limit], offered)
    if not fresh:
        return EditOutcome(path, draft, "no new stories since the draft was made", changed=False)
    lines = [candidate_line(c.id, c.emoji, candidate_headline(c), c.lead.item.url) for c in fresh]
    saved = save_draft(path, draft, add_candidates(draft, lines))
    store.offer(week, (c.item_id for c in saved.candidates))
    return EditOutcome(path, saved, f"added {len(lines)} candidates to {path}")


def _story(
    store: Store, settings: Settings, week: str, item_id: int, section: SectionName
) -> tuple[Pick, Cluster]:
    """The story a pick adds: from the week's candidates, else from the stored
    item alone."""
    from gazette.candidates import week_candidates

    found = story_for(week_candidates(store, settings, week), item_id, section)
    if found is not None:
        return found
    stored = store.item(item_id)
    if stored is None:
        raise ItemNotFound(item_id, week=week)
    return item_pick(stored), Cluster.single(stored)


def load_draft(settings: Settings, week: str) -> tuple[Path, Draft]:
    """The week's draft file and what it holds; DraftMissing if there is none."""
    path = draft_path(settings.issues_dir, week)
    if not path.exists():
        raise DraftMissing(week)
    return path, read_draft(path)


def save_draft(path: Path, before: Draft, after: Draft) -> Draft:
    """Write ``after`` (already parsed by the edit) unless the file changed
    since it was read as ``before``."""
    if after.text != before.text:
        try:
            replace_if_unchanged(path, after.text, before.text)
        except FileChanged:
            raise DraftError(
                "the draft changed on disk while this command ran (saved from an editor?);"
                " nothing written, run the command again",
                str(path),
            ) from None
    return after
