"""Pure text edits of a draft: each takes the draft's text and returns new text.

A verb edits the draft's *text* surgically: it finds the lines it changes with
``outline`` and inserts, removes or moves whole story blocks, or rewrites the
one meta comment line it changes. It never re-writes the draft from the parsed
Issue, so every byte the editor wrote elsewhere survives (blank lines, spacing,
Markdown the parser does not model, CRLF line endings). Every result is parsed
again before it is returned: an edit never leaves a draft that does not parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from gazette.draft.document import (
    SECTION_TITLES,
    Block,
    Draft,
    Outline,
    SectionSpan,
    outline,
    parse_draft,
    quick_link_line,
    story_lines,
)
from gazette.draft.lines import Lines
from gazette.errors import AlreadyPicked, BadArgument, DraftError, NotInDraft
from gazette.models import Pick, SectionName
from gazette.urls import canonical_url

# Where a missing section goes: before the first existing section ranked later.
_ORDER = ("picks", "candidates", "feature", "quick-links", "sponsor", "sign-off")
_TRAILING_COMMENT = re.compile(r"<!--\s*(.*?)\s*-->(\s*)$")
_LINK_LINE = re.compile(r"^\[([^\]]+)\]\((\S+?)\)\s*$")
# The note a new Candidates section starts with: the editor reads it in the draft.
CANDIDATES_NOTE = (
    "<!-- Not published. `gazette pick ID` moves a story up; delete lines you do not want. -->"
)


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
    lines = Lines(text)
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
    lines = Lines(text)
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
        raise BadArgument(
            "to",
            f"must be between 1 and {count} ({SECTION_TITLES[block.section]} has"
            f" {count} {'story' if count == 1 else 'stories'})",
            path,
        )
    target = max(0, min(count - 1, target))
    if target == current:
        return text, current + 1, count
    order = list(range(count))
    order.insert(target, order.pop(current))
    lines = Lines(text)
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
    lines = Lines(text)
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
    lines = Lines(text)
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
    lines = Lines(text)
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
    lines = Lines(text)
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
        raise NotInDraft(item_id, path)
    return block


def story_blocks(draft: Draft, shape: Outline) -> list[tuple[Block, Pick]]:
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
    for found, story in story_blocks(draft, shape):
        if found == block:
            return found, story
    raise DraftError(f"item {item_id}: the draft's outline and content disagree", path)


def _refuse_duplicate(draft: Draft, shape: Outline, pick: Pick, path: str | None) -> None:
    page = canonical_url(pick.url) if pick.url else ""
    for block, story in story_blocks(draft, shape):
        where = f"{SECTION_TITLES[block.section]}, line {block.start + 1}"
        if pick.item_id is not None and story.item_id == pick.item_id:
            raise AlreadyPicked(pick.item_id, where, path)
        if page and story.url and canonical_url(story.url) == page:
            raise DraftError(f"'{story.headline}' ({where}) already links to {pick.url}", path)


def _append_to_section(
    lines: Lines, shape: Outline, key: str, new: list[str], *, stories: bool
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


def _insert_section(lines: Lines, shape: Outline, key: str, body: list[str]) -> None:
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
