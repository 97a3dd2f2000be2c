"""Pure edits of a draft document: each takes a parsed Draft and returns one.

An edit changes the draft's *text* surgically: it finds the lines it changes in
the document's outline (parsed once, when the draft was read) and inserts,
removes or moves whole story blocks, or rewrites the one meta comment line it
changes. It never re-writes the draft from the parsed Issue, so every byte the
editor wrote elsewhere survives (blank lines, spacing, Markdown the parser does
not model, CRLF line endings, a byte order mark). The result is parsed once
before it is returned: an edit never leaves a draft that does not parse, and the
caller gets the new document without parsing it again.

This is the API for anything that edits a draft in memory (the CLI's verbs, a
web desk): ``parse_draft(text, path)`` in, a Draft out of every function here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from gazette.draft.document import (
    SECTION_TITLES,
    Block,
    Draft,
    SectionSpan,
    candidate_line,
    parse_draft,
    quick_link_line,
    story_lines,
)
from gazette.draft.lines import Lines
from gazette.draft.syntax import read_link
from gazette.errors import AlreadyPicked, BadArgument, DraftError, NotInDraft
from gazette.models import Pick, SectionName
from gazette.urls import canonical_url

# Where a missing section goes: before the first existing section ranked later.
_ORDER = ("picks", "candidates", "feature", "quick-links", "sponsor", "sign-off")
_TRAILING_COMMENT = re.compile(r"<!--\s*(.*?)\s*-->(\s*)$")
# The note a new Candidates section starts with: the editor reads it in the draft.
CANDIDATES_NOTE = (
    "<!-- Not published. `gazette pick ID` moves a story up; delete lines you do not want. -->"
)


def add_story(
    draft: Draft,
    pick: Pick,
    section: SectionName,
    *,
    drop_ids: Iterable[int] = (),
    drop_urls: Iterable[str] = (),
) -> Draft:
    """``pick`` as the last story of ``section`` (created if missing), and the
    shortlist lines of ``drop_ids`` / ``drop_urls`` gone (the story's cluster).

    Refuses a story that is already in the draft (same item id or same page)
    and a second feature.
    """
    _refuse_duplicate(draft, pick)
    if section == "feature" and draft.issue.feature is not None:
        block = _section_blocks(draft, "feature")[0]
        raise DraftError(
            f"the feature slot already holds '{draft.issue.feature.headline}' (line"
            f" {block.start + 1}); unpick it first",
            draft.path,
        )
    lines = Lines(draft.text)
    if section == "quick-links":
        new = lines.new([quick_link_line(replace(pick, body="", emoji=""))])
    else:
        new = lines.new(story_lines(pick))
    _append_to_section(lines, draft, section, new, stories=section != "quick-links")
    _drop_candidates(lines, draft, drop_ids, drop_urls)
    return _checked(lines, draft)


def remove_story(draft: Draft, item_id: int, *, shortlist: bool = False) -> tuple[Draft, Pick, str]:
    """The draft without the story of ``item_id``; also the story and its lines.

    With ``shortlist`` the story goes back to the Candidates section (unless a
    line for it is there already).
    """
    block = _find(draft, item_id)
    lines = Lines(draft.text)
    removed = lines.delete(block.start, block.stop)
    story = block.pick
    listed = any(c.item_id == story.item_id for c in draft.candidates)
    if shortlist and story.item_id is not None and not listed:
        line = candidate_line(story.item_id, story.emoji, story.headline, story.url)
        _add_candidate_lines(lines, draft, [line])
    return _checked(lines, draft), story, "\n".join(removed[: block.end - block.start])


def move_story(
    draft: Draft, item_id: int, *, to: int | None = None, by: int | None = None
) -> tuple[Draft, int, int]:
    """Move a story to position ``to`` (1-based) or ``by`` places within its
    section; returns the draft, the new position and the section's size."""
    block = _find(draft, item_id)
    blocks = list(next(s.blocks for s in draft.outline.sections if block in s.blocks))
    current = blocks.index(block)
    count = len(blocks)
    target = (to - 1) if to is not None else current + (by or 0)
    if to is not None and not 1 <= to <= count:
        raise BadArgument(
            "to",
            f"must be between 1 and {count} ({SECTION_TITLES[block.section]} has"
            f" {count} {'story' if count == 1 else 'stories'})",
            draft.path,
        )
    target = max(0, min(count - 1, target))
    if target == current:
        return draft, current + 1, count
    order = list(range(count))
    order.insert(target, order.pop(current))
    lines = Lines(draft.text)
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
    return _checked(lines, draft), target + 1, count


def retag_story(
    draft: Draft, item_id: int, add: Sequence[str], remove: Sequence[str]
) -> tuple[Draft, tuple[str, ...]]:
    """Rewrite only the story's meta comment with the new tags."""
    block = _find(draft, item_id)
    story = block.pick
    tags = [t for t in story.tags if t not in remove]
    tags += [t for t in add if t not in tags]
    if tuple(tags) == story.tags:
        return draft, story.tags
    lines = Lines(draft.text)
    assert block.meta is not None  # found by the item id its meta comment holds
    line = lines.lines[block.meta]
    match = _TRAILING_COMMENT.search(line)
    assert match is not None
    comment = f"<!-- {_with_tags(match.group(1), tags)} -->"
    lines.lines[block.meta] = line[: match.start()] + comment + match.group(2)
    return _checked(lines, draft), tuple(tags)


def set_summary(
    draft: Draft, item_id: int, body: str, *, replace_body: bool = False
) -> tuple[Draft, bool]:
    """Put ``body`` into a story whose summary is empty (or replace it with
    ``replace_body``); returns the draft and whether it changed."""
    block = _find(draft, item_id)
    if block.section == "quick-links":
        raise DraftError(
            "quick links have a one-line note, not a summary", draft.path, block.start + 1
        )
    if block.pick.body.strip() and not replace_body:
        return draft, False
    lines = Lines(draft.text)
    rows = lines.lines
    first = (block.meta if block.meta is not None else block.start) + 1
    # The summary runs from the meta line to the "Remember:" list or the
    # closing link line (a link alone in the last paragraph), whichever is first.
    last = block.end - 1
    limit = block.end
    if (
        last >= first
        and _is_link_line(rows[last])
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
    if lines.text() == draft.text:
        return draft, False
    return _checked(lines, draft), True


def add_candidates(draft: Draft, new_lines: Sequence[str]) -> Draft:
    """Append shortlist lines to the Candidates section (created below the picks)."""
    if not new_lines:
        return draft
    lines = Lines(draft.text)
    _add_candidate_lines(lines, draft, new_lines)
    return _checked(lines, draft)


def remove_candidates(draft: Draft, item_ids: Iterable[int], urls: Iterable[str] = ()) -> Draft:
    """Drop the shortlist lines of these items (or of these pages)."""
    lines = Lines(draft.text)
    if not _drop_candidates(lines, draft, item_ids, urls):
        return draft
    return _checked(lines, draft)


# -- helpers for the text edits -------------------------------------------------


def _checked(lines: Lines, before: Draft) -> Draft:
    # The one parse of an edit: a verb never leaves a draft that does not parse.
    return parse_draft(lines.text(), before.path)


def _is_link_line(line: str) -> bool:
    found = read_link(line.strip())
    return found is not None and not line.strip()[found[2] :].strip()


def _section_blocks(draft: Draft, key: str) -> list[Block]:
    return [b for s in draft.outline.sections if s.key == key for b in s.blocks]


def _last_section(draft: Draft, key: str) -> SectionSpan | None:
    found = [s for s in draft.outline.sections if s.key == key]
    return found[-1] if found else None


def _find(draft: Draft, item_id: int) -> Block:
    block = draft.outline.find(item_id)
    if block is None:
        raise NotInDraft(item_id, draft.path)
    return block


def _refuse_duplicate(draft: Draft, pick: Pick) -> None:
    page = canonical_url(pick.url) if pick.url else ""
    for block in draft.blocks:
        story = block.pick
        where = f"{SECTION_TITLES[block.section]}, line {block.start + 1}"
        if pick.item_id is not None and story.item_id == pick.item_id:
            raise AlreadyPicked(pick.item_id, where, draft.path)
        if page and story.url and canonical_url(story.url) == page:
            raise DraftError(
                f"'{story.headline}' ({where}) already links to {pick.url}", draft.path
            )


def _drop_candidates(
    lines: Lines, draft: Draft, item_ids: Iterable[int], urls: Iterable[str]
) -> bool:
    ids = set(item_ids)
    pages = {canonical_url(u) for u in urls if u}
    doomed = [
        lines.at(c.line - 1)
        for c in draft.candidates
        if c.item_id in ids or (c.url and canonical_url(c.url) in pages)
    ]
    for index in sorted((i for i in doomed if i is not None), reverse=True):
        lines.delete(index, index + 1)
    return bool(doomed)


def _add_candidate_lines(lines: Lines, draft: Draft, new_lines: Sequence[str]) -> None:
    section = _last_section(draft, "candidates")
    if section is None:
        _insert_section(lines, draft, "candidates", lines.new([CANDIDATES_NOTE, *new_lines]))
        return
    last = None  # the section's last line that is not blank, where it is now
    for original in range(section.heading + 1, section.stop):
        index = lines.at(original)
        if index is not None and lines.lines[index].strip():
            last = index
    if last is None:
        lines.insert(_at(lines, section.heading) + 1, lines.new(new_lines), separate=True)
    else:
        lines.insert(last + 1, lines.new(new_lines), separate=False)


def _at(lines: Lines, original: int) -> int:
    index = lines.at(original)
    assert index is not None  # headings and shortlist lines are never deleted here
    return index


def _append_to_section(
    lines: Lines, draft: Draft, key: str, new: list[str], *, stories: bool
) -> None:
    section = _last_section(draft, key)
    if section is None:
        _insert_section(lines, draft, key, new)
    elif section.blocks:
        lines.insert(_at(lines, section.blocks[-1].end), new, separate=stories)
    else:
        lines.insert(_at(lines, section.heading) + 1, new, separate=True)


def _insert_section(lines: Lines, draft: Draft, key: str, body: list[str]) -> None:
    rank = _ORDER.index(key)
    later = [s for s in draft.outline.sections if s.key in _ORDER and _ORDER.index(s.key) > rank]
    index = _at(lines, later[0].heading) if later else len(lines.lines)
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
