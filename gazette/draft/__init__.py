"""The draft stage: the editor's file ``data/issues/<week>.md`` and what works on it.

    document.py   the file format: parse ⇄ write in one pass, round-trip safe, with its outline
    syntax.py     the line syntax of links, headings and shortlist fields, both ways
    create.py     the first draft of a week, written once and never over the editor's
    lines.py      a draft's lines with their line endings, for surgery
    surgery.py    pure text edits: add, remove, move, retag a story, set a summary
    verbs.py      the editor's commands on the file: pick, unpick, move, tag, ...
    editor.py     opening the draft in $VISUAL / $EDITOR
    status.py     what the draft holds, for a status line
    check.py      the lint before an issue goes out; linkcheck.py asks every link

The file format is re-exported here: ``from gazette.draft import parse_draft``.
"""

from gazette.draft.document import (
    SECTION_TITLES,
    STORY_SECTIONS,
    Block,
    CandidateLine,
    Draft,
    Outline,
    SectionSpan,
    candidate_line,
    draft_path,
    outline,
    parse_draft,
    quick_link_line,
    read_draft,
    story_lines,
    write_draft,
)
from gazette.draft.syntax import split_emoji

__all__ = [
    "SECTION_TITLES",
    "STORY_SECTIONS",
    "Block",
    "CandidateLine",
    "Draft",
    "Outline",
    "SectionSpan",
    "candidate_line",
    "draft_path",
    "outline",
    "parse_draft",
    "quick_link_line",
    "read_draft",
    "split_emoji",
    "story_lines",
    "write_draft",
]
