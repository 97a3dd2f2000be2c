"""The editor's verbs: pick, unpick, move, tag, refresh, edit, status.

Every verb edits the draft's *text* surgically: it finds the lines it changes
with ``gazette.draft.outline`` and inserts, removes or moves whole story blocks,
or rewrites the one meta comment line it changes. It never re-writes the draft
from the parsed Issue, so every byte the editor wrote elsewhere survives (blank
lines, spacing, Markdown the parser does not model, CRLF line endings).

The pure functions (``add_story``, ``remove_story``, ``move_story``,
``retag_story``, ``set_summary``, ``add_candidates``, ``remove_candidates``) take
and return text. The file-level functions below them read the draft, apply one,
write it back atomically (refusing if the file changed meanwhile, say because an
editor saved it).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from gazette.config import Settings
from gazette.draft import (
    SECTION_TITLES,
    Block,
    Draft,
    Outline,
    SectionSpan,
    candidate_line,
    draft_path,
    outline,
    parse_draft,
    quick_link_line,
    read_draft,
    split_emoji,
    story_lines,
)
from gazette.errors import DraftError, GazetteError
from gazette.models import Candidate, Pick, SectionName
from gazette.store import Store
from gazette.urls import canonical_url

# Where a missing section goes: before the first existing section ranked later.
_ORDER = ("picks", "candidates", "feature", "quick-links", "sponsor", "sign-off")
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TRAILING_COMMENT = re.compile(r"<!--\s*(.*?)\s*-->(\s*)$")
_LINK_LINE = re.compile(r"^\[([^\]]+)\]\((\S+?)\)\s*$")
CANDIDATES_NOTE = (
    "<!-- Not published. `gazette pick ID` moves a story up; delete lines you do not want. -->"
)
DEFAULT_REFRESH_LIMIT = 25


class EditorNotSet(GazetteError):
    """Neither $VISUAL nor $EDITOR names an editor."""


# -- lines of a text ----------------------------------------------------------


class _Lines:
    """``text.split("\\n")`` with the file's line ending kept for new lines.

    The last element is "" when the text ends with a newline; nothing is ever
    inserted after it, so the text keeps ending the way it did.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.cr = "\r" if self.lines[0].endswith("\r") else ""
        self.ended = text.endswith("\n")

    def blank(self) -> str:
        return self.cr

    def new(self, lines: Iterable[str]) -> list[str]:
        return [line + self.cr for line in lines]

    def insert(self, index: int, new: list[str], *, separate: bool) -> None:
        """Insert ``new`` (already with line endings) at ``index``; with
        ``separate`` a blank line keeps it apart from text on either side."""
        lines = self.lines
        if index >= len(lines):
            if lines[-1] != "":  # no final newline: give the last line one
                lines[-1] += self.cr
                lines.append("")
            index = len(lines) - 1
        before = lines[:index]
        after = lines[index:]
        block = list(new)
        if separate and before and before[-1].strip():
            block.insert(0, self.blank())
        if separate and after and after[0].strip():
            block.append(self.blank())
        self.lines = before + block + after

    def delete(self, start: int, stop: int) -> list[str]:
        removed = self.lines[start:stop]
        del self.lines[start:stop]
        if not self.lines:
            self.lines = [""]
        if self.ended and self.lines[-1] != "":
            if not self.lines[-1].endswith("\r") and self.cr:
                self.lines[-1] += self.cr
            self.lines.append("")
        return removed

    def text(self) -> str:
        return "\n".join(self.lines)


# -- pure text edits ----------------------------------------------------------


def add_story(text: str, pick: Pick, section: SectionName, path: str | None = None) -> str:
    """``text`` with ``pick`` as the last story of ``section`` (created if missing).

    Refuses a story that is already in the draft (same item id or same page)
    and a second feature.
    """
    draft = parse_draft(text, path)
    shape = outline(text, path)
    _refuse_duplicate(draft, shape, pick, path)
    if section == "feature" and draft.issue.feature is not None:
        block = _section_blocks(shape, "feature")[0]
        raise DraftError(
            f"the feature slot already holds '{draft.issue.feature.headline}' (line"
            f" {block.start + 1}); unpick it first",
            path,
        )
    lines = _Lines(text)
    if section == "quick-links":
        new = lines.new([quick_link_line(_as_quick_link(pick))])
    else:
        new = lines.new(story_lines(_safe_links(pick)))
    _append_to_section(lines, shape, section, new, stories=section != "quick-links")
    return _checked(lines.text(), path)


def remove_story(text: str, item_id: int, path: str | None = None) -> tuple[str, Pick, str]:
    """``text`` without the story of ``item_id``; also the story and its lines."""
    draft = parse_draft(text, path)
    shape = outline(text, path)
    block, story = _located(draft, shape, item_id, path)
    lines = _Lines(text)
    removed = lines.delete(block.start, block.stop)
    return _checked(lines.text(), path), story, "\n".join(removed[: block.end - block.start])


def move_story(
    text: str,
    item_id: int,
    *,
    to: int | None = None,
    by: int | None = None,
    path: str | None = None,
) -> tuple[str, int, int]:
    """Move a story to position ``to`` (1-based) or ``by`` places within its
    section; returns the text, the new position and the section's size."""
    shape = outline(text, path)
    block = _find(shape, item_id, path)
    blocks = list(next(s.blocks for s in shape.sections if block in s.blocks))
    current = blocks.index(block)
    count = len(blocks)
    target = (to - 1) if to is not None else current + (by or 0)
    if to is not None and not 1 <= to <= count:
        raise DraftError(
            f"--to must be between 1 and {count} ({SECTION_TITLES[block.section]} has"
            f" {count} {'story' if count == 1 else 'stories'})",
            path,
        )
    target = max(0, min(count - 1, target))
    if target == current:
        return text, current + 1, count
    order = list(range(count))
    order.insert(target, order.pop(current))
    lines = _Lines(text)
    contents = [lines.lines[b.start : b.end] for b in blocks]
    separators = [lines.lines[b.end : b.stop] for b in blocks]
    region: list[str] = []
    for slot, index in enumerate(order):
        region += contents[index]
        separator = separators[slot]
        # A story must start on its own paragraph; quick links are a plain list.
        if not separator and slot < count - 1 and block.section != "quick-links":
            separator = [lines.blank()]
        region += separator
    lines.lines[blocks[0].start : blocks[-1].stop] = region
    return _checked(lines.text(), path), target + 1, count


def retag_story(
    text: str, item_id: int, add: Sequence[str], remove: Sequence[str], path: str | None = None
) -> tuple[str, tuple[str, ...]]:
    """Rewrite only the story's meta comment with the new tags."""
    draft = parse_draft(text, path)
    shape = outline(text, path)
    block, story = _located(draft, shape, item_id, path)
    tags = [t for t in story.tags if t not in remove]
    tags += [t for t in add if t not in tags]
    if tuple(tags) == story.tags:
        return text, story.tags
    lines = _Lines(text)
    assert block.meta is not None  # found by the item id its meta comment holds
    line = lines.lines[block.meta]
    match = _TRAILING_COMMENT.search(line)
    assert match is not None
    comment = f"<!-- {_with_tags(match.group(1), tags)} -->"
    lines.lines[block.meta] = line[: match.start()] + comment + match.group(2)
    return _checked(lines.text(), path), tuple(tags)


def set_summary(
    text: str, item_id: int, body: str, *, replace_body: bool = False, path: str | None = None
) -> tuple[str, bool]:
    """Put ``body`` into a story whose summary is empty (or replace it with
    ``replace_body``); returns the text and whether it changed."""
    draft = parse_draft(text, path)
    shape = outline(text, path)
    block, story = _located(draft, shape, item_id, path)
    if block.section == "quick-links":
        raise DraftError("quick links have a one-line note, not a summary", path, block.start + 1)
    if story.body.strip() and not replace_body:
        return text, False
    lines = _Lines(text)
    rows = lines.lines
    first = (block.meta if block.meta is not None else block.start) + 1
    # The summary runs from the meta line to the "Remember:" list or the
    # closing link line (a link alone in the last paragraph), whichever is first.
    last = block.end - 1
    limit = block.end
    if (
        last >= first
        and _LINK_LINE.match(rows[last].strip())
        and (last == first or not rows[last - 1].strip())
    ):
        limit = last
    limit = next((i for i in range(first, limit) if rows[i].strip() == "Remember:"), limit)
    start, stop = first, limit
    while start < stop and not rows[start].strip():
        start += 1
    while stop > start and not rows[stop - 1].strip():
        stop -= 1
    new = lines.new(body.strip().split("\n"))
    if start < stop:
        lines.lines[start:stop] = new
    else:
        lines.insert(limit, new, separate=True)
    changed = lines.text()
    return _checked(changed, path), changed != text


def add_candidates(text: str, new_lines: Sequence[str], path: str | None = None) -> str:
    """Append shortlist lines to the Candidates section (created below the picks)."""
    if not new_lines:
        return text
    shape = outline(text, path)
    lines = _Lines(text)
    section = _last_section(shape, "candidates")
    if section is None:
        _insert_section(lines, shape, "candidates", lines.new([CANDIDATES_NOTE, *new_lines]))
    else:
        last = max(
            (i for i in range(section.heading + 1, section.stop) if lines.lines[i].strip()),
            default=None,
        )
        if last is None:
            lines.insert(section.heading + 1, lines.new(new_lines), separate=True)
        else:
            lines.insert(last + 1, lines.new(new_lines), separate=False)
    return _checked(lines.text(), path)


def remove_candidates(
    text: str, item_ids: Iterable[int], urls: Iterable[str] = (), path: str | None = None
) -> str:
    """Drop the shortlist lines of these items (or of these pages)."""
    draft = parse_draft(text, path)
    ids = set(item_ids)
    pages = {canonical_url(u) for u in urls if u}
    doomed = [
        c.line - 1
        for c in draft.candidates
        if c.item_id in ids or (c.url and canonical_url(c.url) in pages)
    ]
    if not doomed:
        return text
    lines = _Lines(text)
    for index in sorted(doomed, reverse=True):
        lines.delete(index, index + 1)
    return _checked(lines.text(), path)


# -- helpers for the text edits -------------------------------------------------


def _checked(text: str, path: str | None) -> str:
    parse_draft(text, path)  # a verb must never leave a draft that does not parse
    return text


def _section_blocks(shape: Outline, key: str) -> list[Block]:
    return [b for s in shape.sections if s.key == key for b in s.blocks]


def _last_section(shape: Outline, key: str) -> SectionSpan | None:
    found = [s for s in shape.sections if s.key == key]
    return found[-1] if found else None


def _find(shape: Outline, item_id: int, path: str | None) -> Block:
    block = shape.find(item_id)
    if block is None:
        raise DraftError(
            f"item {item_id} is not in the draft (`gazette status` lists the picks)", path
        )
    return block


def _stories(draft: Draft, shape: Outline) -> list[tuple[Block, Pick]]:
    """Each story block with the Pick it parses to (same order by construction)."""
    issue = draft.issue
    pairs: list[tuple[Block, Pick]] = []
    for key, picks in (
        ("picks", issue.picks),
        ("feature", (issue.feature,) if issue.feature else ()),
        ("quick-links", issue.quick_links),
    ):
        pairs += list(zip(_section_blocks(shape, key), picks, strict=True))
    return pairs


def _located(draft: Draft, shape: Outline, item_id: int, path: str | None) -> tuple[Block, Pick]:
    block = _find(shape, item_id, path)
    for found, story in _stories(draft, shape):
        if found == block:
            return found, story
    raise DraftError(f"item {item_id}: the draft's outline and content disagree", path)


def _refuse_duplicate(draft: Draft, shape: Outline, pick: Pick, path: str | None) -> None:
    page = canonical_url(pick.url) if pick.url else ""
    for block, story in _stories(draft, shape):
        where = f"{SECTION_TITLES[block.section]}, line {block.start + 1}"
        if pick.item_id is not None and story.item_id == pick.item_id:
            raise DraftError(
                f"item {pick.item_id} is already picked ({where}); `gazette unpick"
                f" {pick.item_id}` first to move it to another section",
                path,
            )
        if page and story.url and canonical_url(story.url) == page:
            raise DraftError(f"'{story.headline}' ({where}) already links to {pick.url}", path)


def _append_to_section(
    lines: _Lines, shape: Outline, key: str, new: list[str], *, stories: bool
) -> None:
    sections = [s for s in shape.sections if s.key == key]
    if not sections:
        _insert_section(lines, shape, key, new)
        return
    section = sections[-1]
    if section.blocks:
        lines.insert(section.blocks[-1].end, new, separate=stories)
    else:
        lines.insert(section.heading + 1, new, separate=True)


def _insert_section(lines: _Lines, shape: Outline, key: str, body: list[str]) -> None:
    rank = _ORDER.index(key)
    later = [s for s in shape.sections if s.key in _ORDER and _ORDER.index(s.key) > rank]
    index = later[0].heading if later else len(lines.lines)
    lines.insert(index, lines.new([f"## {SECTION_TITLES[key]}", ""]) + body, separate=True)


def _with_tags(meta: str, tags: Sequence[str]) -> str:
    """The meta comment's text with its tags replaced; other keys stay as written."""
    parts = [p.strip() for p in meta.split(";") if p.strip()]
    value = ", ".join(tags)
    out = []
    placed = False
    for part in parts:
        if part.partition(":")[0].strip().lower() == "tags":
            placed = True
            if value:
                out.append(f"tags: {value}")
        else:
            out.append(part)
    if not placed and value:
        out.append(f"tags: {value}")
    return "; ".join(out)


def _safe_links(pick: Pick) -> Pick:
    # A ")" or a space would end a Markdown link early.
    return replace(pick, url=_link_target(pick.url))


def _as_quick_link(pick: Pick) -> Pick:
    # Brackets would end the link text early; the note is the editor's to write.
    headline = pick.headline.replace("[", "(").replace("]", ")")
    return replace(pick, headline=headline, url=_link_target(pick.url), body="", emoji="")


def _link_target(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


# -- file-level verbs ---------------------------------------------------------------


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
    path, draft = _load(settings, week)
    story, cluster = story_for(store, settings, week, item_id, section)
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
            raise DraftError(f"--emoji takes emoji only, not {emoji!r}", str(path))
        story = replace(story, emoji=emoji)
    if headline is not None:
        headline = " ".join(headline.split())
        if not headline:
            raise DraftError("--headline cannot be empty", str(path))
        story = replace(story, headline=headline)
    text = add_story(draft.text, story, section, str(path))
    text = remove_candidates(text, cluster.ids, cluster.urls, str(path))
    saved = _save(path, draft.text, text)
    return EditOutcome(
        path, saved, f"picked {item_id} into {SECTION_TITLES[section]}: {story.headline}"
    )


def unpick_item(store: Store, settings: Settings, week: str, item_id: int) -> EditOutcome:
    """Remove a story; it goes back to the Candidates list, and its text is
    appended to ``<week>.md.unpicked`` beside the draft so no word is lost."""
    path, draft = _load(settings, week)
    text, story, removed = remove_story(draft.text, item_id, str(path))
    if story.item_id is not None and all(c.item_id != story.item_id for c in draft.candidates):
        line = candidate_line(story.item_id, story.emoji, story.headline, story.url)
        text = add_candidates(text, [line], str(path))
    saved = _save(path, draft.text, text)
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
    store: Store,
    settings: Settings,
    week: str,
    item_id: int,
    *,
    to: int | None = None,
    by: int | None = None,
) -> EditOutcome:
    """Reorder a story within its section: to a position, or up/down by places."""
    path, draft = _load(settings, week)
    text, position, count = move_story(draft.text, item_id, to=to, by=by, path=str(path))
    if text == draft.text:
        return EditOutcome(
            path, draft, f"{item_id} stays at position {position} of {count}", changed=False
        )
    saved = _save(path, draft.text, text)
    return EditOutcome(path, saved, f"moved {item_id} to position {position} of {count}")


def tag_item(
    store: Store, settings: Settings, week: str, item_id: int, changes: Sequence[str]
) -> EditOutcome:
    """Apply ``+tag`` / ``-tag`` changes (a bare ``tag`` adds) to a story's tags."""
    add, remove = parse_tag_changes(changes)
    path, draft = _load(settings, week)
    text, tags = retag_story(draft.text, item_id, add, remove, str(path))
    shown = ", ".join(tags) or "no tags"
    if text == draft.text:
        return EditOutcome(path, draft, f"{item_id} keeps {shown}", changed=False)
    saved = _save(path, draft.text, text)
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
        raise DraftError("no tag changes given (e.g. `gazette tag 42 +otp -ecto`)")
    return add, remove


def write_summary(
    store: Store,
    settings: Settings,
    week: str,
    item_id: int,
    body: str,
    *,
    replace_body: bool = False,
) -> EditOutcome:
    """Put a summary into a story's body when it is empty (or ``replace_body``)."""
    path, draft = _load(settings, week)
    text, changed = set_summary(
        draft.text, item_id, body, replace_body=replace_body, path=str(path)
    )
    if not changed:
        return EditOutcome(
            path,
            draft,
            f"{item_id} already has a summary in the draft; left as is (--replace to overwrite)",
            changed=False,
        )
    saved = _save(path, draft.text, text)
    return EditOutcome(path, saved, f"wrote the summary of {item_id} into {path}")


def refresh_draft(
    store: Store, settings: Settings, week: str, limit: int = DEFAULT_REFRESH_LIMIT
) -> EditOutcome:
    """List the week's top ``limit`` stories that are not in the draft yet (by
    item id and by page) and were never offered in it before, as commented
    candidates; the editor's text is untouched. A story offered once (in the
    first draft, or by an earlier refresh) and then deleted by the editor stays
    deleted: `gazette candidates` still lists it, `gazette pick ID` brings it in."""
    from gazette.pipeline import week_candidates

    path, draft = _load(settings, week)
    offered = store.offered(week)
    lines = new_candidate_lines(draft, week_candidates(store, settings, week)[:limit], offered)
    if not lines:
        return EditOutcome(path, draft, "no new stories since the draft was made", changed=False)
    text = add_candidates(draft.text, lines, str(path))
    saved = _save(path, draft.text, text)
    store.offer(week, (c.item_id for c in saved.candidates))
    return EditOutcome(path, saved, f"added {len(lines)} candidates to {path}")


def new_candidate_lines(
    draft: Draft, candidates: Sequence[Candidate], offered: Iterable[int] = ()
) -> list[str]:
    """Shortlist lines for the candidates the draft does not hold or list yet,
    and that are none of the ``offered`` stories."""
    from gazette.compose import headline

    ids = {p.item_id for p in draft.issue.all_picks if p.item_id is not None}
    ids |= {c.item_id for c in draft.candidates} | set(offered)
    pages = {canonical_url(p.url) for p in draft.issue.all_picks if p.url}
    pages |= {canonical_url(c.url) for c in draft.candidates if c.url}
    out = []
    for candidate in candidates:
        cluster = Cluster.of(candidate)
        if ids & cluster.ids or pages & {canonical_url(u) for u in cluster.urls}:
            continue
        out.append(
            candidate_line(
                candidate.id, candidate.emoji, headline(candidate), candidate.lead.item.url
            )
        )
        ids |= cluster.ids
        pages |= {canonical_url(u) for u in cluster.urls}
    return out


@dataclass(frozen=True)
class Cluster:
    ids: frozenset[int]
    urls: tuple[str, ...]

    @classmethod
    def of(cls, candidate: Candidate) -> Cluster:
        members = (candidate.lead, *candidate.related)
        return cls(
            frozenset({candidate.id, *(m.id for m in members)}),
            tuple(m.item.url for m in members if m.item.url),
        )


def story_for(
    store: Store, settings: Settings, week: str, item_id: int, section: SectionName
) -> tuple[Pick, Cluster]:
    """The story a pick adds: from the week's candidate with that id (or the
    candidate holding that item), else from the stored item alone."""
    from gazette.compose import candidate_pick, feature_pick, item_pick, long_read
    from gazette.pipeline import week_candidates

    for candidate in week_candidates(store, settings, week):
        cluster = Cluster.of(candidate)
        if item_id not in cluster.ids:
            continue
        if candidate.id == item_id:
            article = long_read(candidate) if section == "feature" else None
            if article is not None:
                return feature_pick(candidate, article), cluster
            return candidate_pick(candidate), cluster
        member = next(m for m in (candidate.lead, *candidate.related) if m.id == item_id)
        return item_pick(member, candidate.emoji, candidate.tags), cluster
    stored = store.item(item_id)
    if stored is None:
        raise DraftError(
            f"no item {item_id} in the database (`gazette candidates --week {week}` lists ids)"
        )
    return item_pick(stored), Cluster(frozenset({item_id}), (stored.item.url,))


def _load(settings: Settings, week: str) -> tuple[Path, Draft]:
    path = draft_path(settings.issues_dir, week)
    if not path.exists():
        raise DraftError(f"no draft for {week} yet; create it with `gazette draft --week {week}`")
    return path, read_draft(path)


def _save(path: Path, before: str, after: str) -> Draft:
    """Write ``after`` unless the file changed since it was read as ``before``."""
    draft = parse_draft(after, str(path))
    if after != before:
        current = path.read_bytes().decode("utf-8", errors="replace")
        if current != before:
            raise DraftError(
                "the draft changed on disk while this command ran (saved from an editor?);"
                " nothing written, run the command again",
                str(path),
            )
        temporary = path.with_name(f".{path.name}.tmp")
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            handle.write(after)
        temporary.replace(path)
    return draft


# -- edit and status ---------------------------------------------------------------


def editor_command(environ: Mapping[str, str]) -> list[str]:
    """$VISUAL, else $EDITOR, split like a shell would ("code --wait" works)."""
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                command = shlex.split(value)
            except ValueError as exc:
                raise EditorNotSet(f"${name} is not a valid command ({exc}): {value!r}") from None
            if command:
                return command
    raise EditorNotSet(
        "neither $VISUAL nor $EDITOR is set; set one to your editor (e.g. `export EDITOR=nano`)"
    )


@dataclass(frozen=True)
class EditReport:
    path: Path
    draft: Draft | None
    problem: DraftError | None


def edit_draft(
    store: Store, settings: Settings, week: str, environ: Mapping[str, str] | None = None
) -> EditReport:
    """Open the draft in the editor, then parse what was saved.

    A draft that no longer parses is kept exactly as saved and reported with its
    line.
    """
    env = os.environ if environ is None else environ
    command = editor_command(env)
    path = draft_path(settings.issues_dir, week)
    if not path.exists():
        raise DraftError(f"no draft for {week} yet; create it with `gazette draft --week {week}`")
    try:
        status = subprocess.run([*command, str(path)], check=False).returncode
    except OSError as exc:
        raise EditorNotSet(f"cannot run the editor {command[0]!r}: {exc.strerror or exc}") from None
    if status != 0:
        raise DraftError(
            f"the editor {command[0]!r} exited with status {status}; the draft is as it left it",
            str(path),
        )
    try:
        draft = read_draft(path)
    except DraftError as problem:
        return EditReport(path, None, problem)
    return EditReport(path, draft, None)


@dataclass(frozen=True)
class StatusLine:
    item_id: int | None
    emoji: str
    headline: str
    line: int


@dataclass(frozen=True)
class DraftStatus:
    path: Path
    sections: tuple[tuple[str, tuple[StatusLine, ...]], ...]
    candidates: int
    words: int
    minutes: float
    budget: float


def draft_status(settings: Settings, week: str) -> DraftStatus:
    """What is picked per section, the word count and the reading time."""
    from gazette.check import READING_BUDGET_MINUTES, reading_stats

    path, draft = _load(settings, week)
    shape = outline(draft.text, str(path))
    grouped: dict[str, list[StatusLine]] = {key: [] for key in ("picks", "feature", "quick-links")}
    for block, story in _stories(draft, shape):
        grouped[block.section].append(
            StatusLine(story.item_id, story.emoji, story.headline, block.start + 1)
        )
    words, minutes = reading_stats(draft.issue)
    return DraftStatus(
        path,
        tuple((SECTION_TITLES[k], tuple(v)) for k, v in grouped.items()),
        len(draft.candidates),
        words,
        minutes,
        READING_BUDGET_MINUTES,
    )


def format_status(status: DraftStatus) -> list[str]:
    out = [f"{status.path}"]
    for title, stories in status.sections:
        out.append(f"{title} ({len(stories)}):")
        if not stories:
            out.append("  (none)")
        for position, story in enumerate(stories, start=1):
            ident = str(story.item_id) if story.item_id is not None else "-"
            label = f"{story.emoji} {story.headline}".strip()
            out.append(f"  {position}. [{ident}] {label}  (line {story.line})")
    if status.candidates:
        out.append(f"Candidates listed: {status.candidates} (`gazette pick ID`)")
    verdict = (
        "within"
        if status.minutes <= status.budget
        else f"{status.minutes - status.budget:.1f} min over"
    )
    out.append(
        f"{status.words} words, about {status.minutes:.1f} min to read"
        f" ({verdict} the {status.budget:g}-minute promise)"
    )
    return out
