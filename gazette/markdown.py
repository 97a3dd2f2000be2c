"""Markdown to safe HTML.

The draft's Markdown is the editor's own, but raw HTML passes through Markdown
and a pasted snippet can carry anything, so the output is sanitized with the
same allow-list as scraped HTML.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt

from gazette.clean import clean_html


@cache
def _engine() -> MarkdownIt:
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


_BLOCK_START = re.compile(r"^(\s*)(\d+)([.)])(\s)|^(\s*)([#>+\-*=])", re.M)
# Not "_": CommonMark ignores it inside words, and usage\_rules reads badly.
_INLINE = re.compile(r"([\\`*\[\]<>])")


def markdown_escape(text: str) -> str:
    """Plain text (say, a sentence from a forum post) as Markdown that renders as
    the same text: no accidental lists, headings, emphasis, links or raw HTML."""
    escaped = _INLINE.sub(r"\\\1", text)
    return _BLOCK_START.sub(_escape_block, escaped)


def _escape_block(match: re.Match[str]) -> str:
    if match.group(2) is not None:
        return f"{match.group(1)}{match.group(2)}\\{match.group(3)}{match.group(4)}"
    return f"{match.group(5)}\\{match.group(6)}"
