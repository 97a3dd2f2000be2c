"""Every link a draft will publish, as a Markdown parser reads it, with its line.

``gazette check`` judges links on their parsed destinations, never on text: a
summary that quotes ``<img src="javascript:...">`` as text (escaped, so it shows
as text) has no link, and a URL with parentheses is one link, not a link and a
stray ")". One CommonMark pass (pulldown-cmark, through pyromark: it reports
where every event sits) over the published part of the draft gives the links,
the images and the raw HTML tags, each on the line the editor sees it on. The
front matter, the headings, the meta comments and the shortlist are left out:
they are never rendered as Markdown. The pass is linear in the draft's size.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyromark

from gazette.clean import html_to_text
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


@dataclass(frozen=True)
class Scan:
    links: tuple[LinkRef, ...]
    images: tuple[Image, ...]


def published_markdown(draft: Draft) -> str:
    """The draft's text with everything that is not published Markdown blanked,
    line for line (so positions in it are positions in the draft)."""
    lines = draft.text.split("\n")
    hidden = set(range(min(draft.outline.body_start, len(lines))))
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


@lru_cache(maxsize=2)  # the link lint and the image lint of one check share it
def scan(draft: Draft) -> Scan:
    """Every link target and every image the published issue will contain."""
    source = published_markdown(draft).encode("utf-8")
    # pyromark reports byte offsets: the line is found among the newlines' offsets.
    newlines = [m.start() for m in re.finditer(b"\n", source)]

    def line_of(offset: int) -> int:
        return bisect_right(newlines, offset - 1) + 1

    links: list[LinkRef] = []
    images: list[Image] = []
    alt: list[str] | None = None  # the text of the image being read
    image: tuple[str, int] | None = None
    html: list[str] = []
    html_start = 0
    for event, where in _events(source.decode("utf-8")):
        start = where["start"]
        if isinstance(event, dict) and "Start" in event:
            kind = event["Start"]
            if isinstance(kind, dict) and "Link" in kind:
                links.append(LinkRef(kind["Link"]["dest_url"], line_of(start)))
            elif isinstance(kind, dict) and "Image" in kind:
                image = (kind["Image"]["dest_url"], line_of(start))
                links.append(LinkRef(image[0], image[1], image=True))
                alt = []
            elif kind == "HtmlBlock":
                html, html_start = [], start
        elif isinstance(event, dict) and "End" in event:
            if event["End"] == "Image" and image is not None:
                images.append(Image(image[0], image[1], bool("".join(alt or []).strip())))
                image, alt = None, None
            elif event["End"] == "HtmlBlock":
                _html_refs("".join(html), line_of(html_start), links, images)
        elif isinstance(event, dict) and "Html" in event:
            html.append(event["Html"])
        elif isinstance(event, dict) and "InlineHtml" in event:
            _html_refs(event["InlineHtml"], line_of(start), links, images)
        elif isinstance(event, dict) and alt is not None and ("Text" in event or "Code" in event):
            alt.append(event.get("Text") or event.get("Code") or "")
    return Scan(tuple(links), tuple(images))


def plain_text(markdown: str) -> str:
    """What a reader reads of ``markdown``: its text without the syntax."""
    out: list[str] = []
    for event, _ in _events(markdown):
        if isinstance(event, dict):
            if "Text" in event:
                out.append(event["Text"])
            elif "Code" in event:
                out.append(event["Code"])
            elif "Html" in event:
                out.append(html_to_text(event["Html"]) + " ")
            elif "End" in event:
                out.append(" ")
        elif event in ("SoftBreak", "HardBreak"):
            out.append(" ")
    return "".join(out)


def _events(markdown: str) -> Iterator[tuple[Any, Any]]:
    # pyromark's event types are a union of TypedDicts; read here as plain dicts.
    events: Iterator[tuple[Any, Any]] = iter(pyromark.events_with_range(markdown))
    return events


def _html_refs(html: str, line: int, links: list[LinkRef], images: list[Image]) -> None:
    """The href/src values and <img> tags of raw HTML; comments hold none."""
    html = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), html)
    for attribute in _HTML_ATTR.finditer(html):
        value = next(g for g in attribute.groups() if g is not None)
        links.append(LinkRef(value, line + html.count("\n", 0, attribute.start())))
    for tag in _IMG_TAG.finditer(html):
        at = line + html.count("\n", 0, tag.start())
        images.append(Image(tag.group(0), at, bool(_ALT.search(tag.group(0)))))
