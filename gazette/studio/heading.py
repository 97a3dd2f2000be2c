"""A story's emoji and headline, changed on its heading line alone.

No CLI verb renames a story (the editor does it in ``$EDITOR``), so the studio
makes the same kind of surgical edit the verbs make: it rewrites the one line
that holds the heading (``### emoji Headline``, or the link text of a quick
link), written by the draft's own syntax (``gazette.draft.syntax``), keeps
that line's ending, and leaves every other byte where it was. The
result is parsed again and must read back as exactly the emoji and headline
asked for, else nothing is written.
"""

from __future__ import annotations

import re
from pathlib import Path

from gazette.draft import outline, parse_draft, read_draft, split_emoji
from gazette.draft.syntax import write_heading, write_link_text
from gazette.errors import BadArgument, DraftError, FileChanged, NotInDraft
from gazette.files import replace_if_unchanged

_QUICK_TEXT = re.compile(r"^([-*] +\[)((?:\\.|[^\]\\])+)(\]\(.*)$", re.S)


def set_heading(path: Path, item_id: int, emoji: str, headline: str) -> str:
    """Write the story's new emoji and headline into the draft at ``path``."""
    draft = read_draft(path)
    emoji = emoji.strip()
    headline = " ".join(headline.split())
    if not headline:
        raise BadArgument("headline", "cannot be empty", str(path))
    if emoji and split_emoji(f"{emoji} x")[0] != emoji:
        raise BadArgument("emoji", f"takes emoji only, not {emoji!r}", str(path))
    text = heading_edit(draft.text, item_id, emoji, headline, str(path))
    if text == draft.text:
        return f"{item_id} keeps its heading"
    try:
        replace_if_unchanged(path, text, draft.text)
    except FileChanged:
        raise DraftError(
            "the draft changed on disk meanwhile (saved from an editor?); nothing written",
            str(path),
        ) from None
    return f"{item_id} is now: {f'{emoji} ' if emoji else ''}{headline}"


def heading_edit(text: str, item_id: int, emoji: str, headline: str, path: str | None) -> str:
    """``text`` with the heading line of ``item_id`` rewritten (pure)."""
    block = outline(text, path).find(item_id)
    if block is None:
        raise NotInDraft(item_id, path)
    lines = text.split("\n")
    line = lines[block.start]
    ending = "\r" if line.endswith("\r") else ""
    if block.section == "quick-links":
        match = _QUICK_TEXT.match(line)
        if match is None:
            raise DraftError("not a quick link line", path, block.start + 1)
        lines[block.start] = match.group(1) + write_link_text(headline) + match.group(3)
    else:
        lines[block.start] = f"### {write_heading(emoji, headline)}{ending}"
    changed = "\n".join(lines)
    story = next(p for p in parse_draft(changed, path).issue.all_picks if p.item_id == item_id)
    wanted_emoji = "" if block.section == "quick-links" else emoji
    if (story.emoji, story.headline) != (wanted_emoji, headline):
        # The draft's syntax writers make a headline read back as written; this
        # guard keeps a mismatch between writer and parser from reaching the file.
        raise BadArgument("headline", f"{headline!r} would read back as {story.headline!r}", path)
    return changed
