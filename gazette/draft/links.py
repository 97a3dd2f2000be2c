"""Every link a draft will publish, as a Markdown engine reads it, with its line.

``gazette check`` judges links on their parsed destinations, never on text: a
summary that quotes ``<img src="javascript:...">`` as text (escaped, so it shows
as text) has no link, and a URL with parentheses is one link, not a link and a
stray ")". One CommonMark pass over the published part of the draft (front
matter, headings, the shortlist and comments left out: they are never rendered
as Markdown) gives the links, the images and the raw HTML tags, each on the
line the editor sees it on. The pass is linear in the draft's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from gazette.draft.document import Draft
from gazette.draft.findings import LinkRef

_HTML_ATTR = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(?:"\s*[^"\s][^"]*"|'\s*[^'\s][^']*'|[^\s>"']+)""", re.I)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)


@dataclass(frozen=True)
class Image:
    """An image in the published text: Markdown ``![alt](src)`` or an ``<img>`` tag."""

    source: str  # the URL, or the tag for an <img>
    line: int
    has_alt: bool


@cache
def _engine() -> MarkdownIt:
    engine = MarkdownIt("commonmark", {"html": True})
    # The destination as written (escapes and entities resolved), unencoded,
    # and kept whatever its scheme: the check reports what the renderers drop.
    engine.normalizeLink = lambda url: url  # type: ignore[method-assign]
    engine.validateLink = lambda url: True  # type: ignore[method-assign]
    return engine


def published_markdown(draft: Draft) -> str:
    """The draft's text with everything that is not published Markdown blanked,
    line for line (so token lines are draft lines)."""
    lines = draft.text.split("\n")
    hidden = set(range(draft.outline.body_start))
    for section in draft.outline.sections:
        hidden.add(section.heading)
        if section.key == "candidates":
            hidden.update(range(section.heading, section.stop))
        for block in section.blocks:
            if block.section != "quick-links":
                hidden.add(block.start)
                if block.meta is not None:
                    hidden.add(block.meta)
    return "\n".join("" if i in hidden else line for i, line in enumerate(lines))


def scan(draft: Draft) -> tuple[list[LinkRef], list[Image]]:
    """Every link target and every image the published issue will contain."""
    links: list[LinkRef] = []
    images: list[Image] = []
    for token, line in _tokens(_engine().parse(published_markdown(draft))):
        if token.type == "link_open":
            links.append(LinkRef(str(token.attrGet("href") or ""), line))
        elif token.type == "image":
            source = str(token.attrGet("src") or "")
            links.append(LinkRef(source, line, image=True))
            images.append(Image(source, line, bool(token.content.strip())))
        elif token.type in ("html_inline", "html_block"):
            html = _COMMENT.sub("", token.content)
            for attribute in _HTML_ATTR.finditer(html):
                value = next(g for g in attribute.groups() if g is not None)
                links.append(LinkRef(value, line))
            for tag in _IMG_TAG.findall(html):
                images.append(Image(tag, line, bool(_ALT.search(tag))))
    return links, images


def _tokens(tokens: list[Token]) -> Iterator[tuple[Token, int]]:
    """Tokens with the 1-based draft line they start on (inline ones counted
    from their paragraph's first line by the line breaks before them)."""
    for token in tokens:
        first = token.map[0] + 1 if token.map else 0
        if token.type == "inline":
            line = first
            for child in token.children or []:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                yield child, line
        else:
            yield token, first
