"""Markdown to safe HTML.

The draft's Markdown is the editor's own, but raw HTML passes through Markdown
and a pasted snippet can carry anything, so the output is sanitized with the
same allow-list as scraped HTML.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from gazette.clean import clean_html

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@cache
def _engine() -> MarkdownIt:
    # Imported on first use: markdown-it-py takes 60 ms to import, and the
    # commands that only place stored HTML (build-site) never convert Markdown.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


def to_html(markdown: str, *, trusted: bool = False) -> str:
    """Block-level HTML for a Markdown fragment, sanitized.

    ``trusted=True`` for the editor's own words: their ``mailto:`` (and
    ``irc:``/``ircs:``/``xmpp:``) links are kept; a source's Markdown (release
    notes) keeps http(s) links only.
    """
    return clean_html(_engine().render(markdown), trusted=trusted)


def inline_html(markdown: str, *, trusted: bool = False) -> str:
    """Inline HTML (no wrapping <p>) for a one-line fragment such as a headline."""
    return clean_html(_engine().renderInline(markdown), trusted=trusted)


# A line start Markdown would read as structure: a list item (also an empty one,
# "2024." alone on a line), a heading, a quote, a fence, a setext underline.
_BLOCK_START = re.compile(r"^([ \t]*)(\d+)([.)])(\s|$)|^([ \t]*)([#>+\-*=~])", re.M)
_INLINE = re.compile(r"([\\`*\[\]<>])")
# "_" only where it could open or close emphasis: CommonMark ignores it between
# two letters or digits, and usage\_rules reads badly, but __MODULE__ is bold.
_UNDERSCORES = re.compile(r"_+")
# "&lt;" as text must stay "&lt;": the entity was decoded once, at the source.
_ENTITY_LIKE = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
# Leading blanks would make an indented code block, where escapes show.
_INDENT = re.compile(r"^[ \t]+", re.M)
# The line that opens a story's "Remember:" list in the draft.
_REMEMBER = re.compile(r"^Remember:(?=[ \t]*$)", re.M)


def markdown_escape(text: str) -> str:
    """Plain text (say, a sentence from a forum post) as Markdown that renders as
    the same text: no accidental lists, headings, emphasis, links, entities or
    raw HTML, and no line the draft would read as its own structure."""
    escaped = _INLINE.sub(r"\\\1", _INDENT.sub("", text))
    escaped = _UNDERSCORES.sub(_escape_underscores, escaped)
    escaped = _ENTITY_LIKE.sub(r"\\&", escaped)
    escaped = _BLOCK_START.sub(_escape_block, escaped)
    return _REMEMBER.sub(r"Remember\\:", escaped)


def _escape_underscores(match: re.Match[str]) -> str:
    text = match.string
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    if before.isalnum() and after.isalnum():
        return match.group(0)
    return match.group(0).replace("_", "\\_")


def _escape_block(match: re.Match[str]) -> str:
    if match.group(2) is not None:
        return f"{match.group(1)}{match.group(2)}\\{match.group(3)}{match.group(4)}"
    return f"{match.group(5)}\\{match.group(6)}"
