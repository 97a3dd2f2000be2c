"""Markdown to safe HTML.

The draft's Markdown is the editor's own, but raw HTML passes through Markdown
and a pasted snippet can carry anything, so the output is sanitized with the
same allow-list as scraped HTML.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt

from gazette.clean import clean_html


@cache
def _engine() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


def to_html(markdown: str) -> str:
    """Block-level HTML for a Markdown fragment, sanitized."""
    return clean_html(_engine().render(markdown))


def inline_html(markdown: str) -> str:
    """Inline HTML (no wrapping <p>) for a one-line fragment such as a headline."""
    return clean_html(_engine().renderInline(markdown))
