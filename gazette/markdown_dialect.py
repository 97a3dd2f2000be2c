"""What the archives' own renderers do differently from CommonMark (pyromark).

Each static-site generator renders Markdown its own way; an imported archive
should read as its generator showed it. Two differences matter in real
archives and are bridged here:

**Pelican** renders with Python-Markdown (``python_markdown``). Its link
reference definitions differ from CommonMark's in two ways:

* a label defined twice links to its last definition (CommonMark: its first);
* a definition is taken out of the text wherever it stands, so one with no URL
  (``[x]:``) stays text and does not swallow the definitions after it (in
  CommonMark a definition cannot interrupt a paragraph, so every definition
  after ``[x]:`` becomes text and its links break).

A list cannot interrupt a paragraph: "Steps:" followed by "1. Do this" on the
next line is one paragraph there, a paragraph and a list in CommonMark. And
only block-level tags (``<div>``, ``<table>`` …) start a block of raw
HTML: a line holding just an ``<img>`` followed by text is a paragraph, whose
Markdown links are links. In CommonMark any complete tag alone on a line
starts an HTML block that runs to the next blank line, Markdown untouched.

**Hugo** renders with goldmark, which turns bare URLs and e-mail addresses in
text into links (its ``linkify`` extension, on by default), as GitHub does
(``linkify_html``).
"""

from __future__ import annotations

import re

# Python-Markdown's ReferenceProcessor, one line at a time: up to three spaces,
# [label]:, a URL (no spaces, or <…>), an optional "title", 'title' or (title).
_DEFINITION = re.compile(
    r"""^ {0,3}\[([^\[\]]+)\]:[ \t]*(<[^>\n]*>|\S+)"""
    r"""(?:[ \t]+("[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$"""
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Python-Markdown's block-level elements (markdown.Markdown().block_level_elements).
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "canvas", "center", "colgroup", "dd",
    "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "group",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "iframe", "legend",
    "li", "main", "map", "math", "menu", "nav", "noscript", "object", "ol", "option", "output",
    "p", "pre", "progress", "script", "section", "style", "summary", "table", "tbody", "td",
    "textarea", "tfoot", "th", "thead", "tr", "ul", "video",
}  # fmt: skip
# A line that is one complete opening (or self-closing) tag: CommonMark's HTML block 7.
_LONE_TAG = re.compile(r"""^ {0,3}<([A-Za-z][A-Za-z0-9-]*)(?:\s+[^<>]*)?/?>[ \t]*$""")
# After such a line, this keeps CommonMark from starting an HTML block there
# (the line is no longer a tag alone); the sanitizer drops the comment.
_NOT_A_BLOCK = " <!---->"
# A list item's marker: "- ", "* ", "+ ", "1. " or "1) " after up to three spaces.
_LIST_ITEM = re.compile(r"^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+\S)")
# What ``_rewrite`` could change besides definitions and tags: a line that
# starts a list item right after a line of text that is not one (a list's own
# items follow each other, which CommonMark and Python-Markdown read alike).
# Lines end at "\n" only here; a body with any other line break that
# ``str.splitlines`` honours is walked whole.
_ITEM_AFTER_TEXT = re.compile(
    r"^(?! {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S)[^\S\n]*+\S[^\n]*+\n {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]",
    re.M,
)
_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # each found by a fast str scan
# The first characters a fence, a lone tag or a definition line can have
# (each may be indented by up to three spaces).
_FENCE_STARTS, _TAG_STARTS, _DEFINITION_STARTS = " `~", " <", " ["
_ITEM_STARTS = "-*+0123456789"
# The blocks a line of text goes on (see _next_block); after any other, it
# starts a paragraph.
_TEXT_CONTINUES = ("paragraph", "list", "other")
# Lines that end a paragraph or start a block other than one: a heading, a quote,
# a fence, raw HTML, a thematic break.
_NOT_PARAGRAPH = re.compile(r"^ {0,3}(?:#|>|```|~~~|<|(?:[-*_][ \t]*){3,}$)")


def python_markdown(body: str) -> str:
    """``body`` rewritten so CommonMark reads it as Python-Markdown does."""
    return _rewrite(body) if needs_rewrite(body) else body


def needs_rewrite(body: str) -> bool:
    """False when ``_rewrite`` would return ``body`` as it is: no definition,
    no tag, no list item right after text. A few scans of the text, where the
    line-by-line walk costs 20 ms for a 35 KB issue."""
    return (
        "]:" in body
        or "<" in body
        or _ITEM_AFTER_TEXT.search(body) is not None
        or any(other in body for other in _OTHER_BREAKS)
    )


def _rewrite(body: str) -> str:
    kept: list[str] = []
    definitions: dict[str, str] = {}
    fence = ""
    block = "none"  # what the lines so far are: see _next_block
    for line in body.splitlines(keepends=True):
        text = line.rstrip("\r\n")
        first = text[:1]
        if first.isalpha():
            # Text (most lines): it goes on the block it is in, or starts a
            # paragraph; no pattern below can match a line that starts so.
            if not fence and block not in _TEXT_CONTINUES:
                block = "paragraph"
            kept.append(line)
            continue
        if fence:
            if text.lstrip(" ").startswith(fence) and not text.strip().strip(fence[0]):
                fence = ""
            kept.append(line)
            continue
        if block == "list" and first in _ITEM_STARTS and _LIST_ITEM.match(text):
            kept.append(line)  # the next item of a list (most lines of a weekly)
            continue
        opening = _FENCE.match(text) if first in _FENCE_STARTS else None
        if opening:
            fence = opening.group(1)
            kept.append(line)
            continue
        lone_tag = _LONE_TAG.match(text) if first in _TAG_STARTS else None
        if lone_tag and lone_tag.group(1).lower() not in _BLOCK_TAGS:
            kept.append(text + _NOT_A_BLOCK + line[len(text) :])
            continue
        definition = _DEFINITION.match(text) if first in _DEFINITION_STARTS else None
        if definition is None:
            item = _LIST_ITEM.match(text)
            if item and block == "paragraph":
                # Escaped, the marker is text: the line goes on the paragraph.
                marker = item.group(2)
                escaped = f"{marker[:-1]}\\{marker[-1]}" if marker[-1] in ".)" else f"\\{marker}"
                line = item.group(1) + escaped + line[item.end(2) :]
            else:
                block = _next_block(block, text, bool(item))
            kept.append(line)
            continue
        label = " ".join(definition.group(1).lower().split())
        definitions.pop(label, None)  # the last one wins, and is written last
        title = f" {definition.group(3)}" if definition.group(3) else ""
        definitions[label] = f"[{definition.group(1)}]: {definition.group(2)}{title}"
        if kept and kept[-1].strip():
            # Python-Markdown splits the block there: the lines before and after
            # a definition are two paragraphs, not one.
            kept.append("\n")
        block = "none" if block != "list" else block  # a definition ends a paragraph
    if not definitions:
        return "".join(kept)
    return "".join(kept).rstrip("\r\n") + "\n\n" + "\n".join(definitions.values()) + "\n"


def _next_block(block: str, text: str, item: bool) -> str:
    """The kind of block a line leaves the text in: "paragraph" (top-level text,
    which a list cannot interrupt), "list", "list-blank" (a list, then a blank
    line), "other" (a quote, raw HTML, code) or "none" (after a blank line)."""
    if not text.strip():
        return "list-blank" if block in ("list", "list-blank") else "none"
    if block in ("paragraph", "list", "other"):
        if block == "paragraph" and _NOT_PARAGRAPH.match(text):
            return "none" if text.lstrip(" ").startswith("#") else "other"
        return block
    if item or (block == "list-blank" and text[:1] in (" ", "\t")):
        return "list"
    if text.lstrip(" ").startswith("#"):
        return "none"  # a heading is one line: a list may follow it at once
    if _NOT_PARAGRAPH.match(text) or text[:4] == "    " or text[:1] == "\t":
        return "other"
    return "paragraph"


# goldmark's linkify: http(s)/ftp URLs and www. hosts; trailing punctuation and
# an unbalanced ")" are not part of the link. In pyromark's HTML a "&" of the
# text is "&amp;" and a quote "&quot;", where a URL ends.
_BARE_URL = re.compile(
    r"""(?<![\w/.@&])(?:(?:https?|ftp)://|www\.)(?:(?!&(?:quot|lt|gt|#39);)[^\s<>"'])+"""
    r"""|(?<![\w.+/:-])[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+""",
    re.I,
)
_TRAILING = ".,:;!?*_~'"
_ENTITY_END = re.compile(r"&[A-Za-z]+$")
# What is never linkified: a link, inline code, a code block, and any tag (its
# attribute values). Matched whole, so the regex engine, not Python, skips them.
_NOT_TEXT = r"<a\b.*?</a>|<code\b.*?</code>|<pre\b.*?</pre>|<[^>]*>"
_SKIPPED = re.compile(_NOT_TEXT, re.S | re.I)
_SKIPPED_KEPT = re.compile(f"({_NOT_TEXT})", re.S | re.I)  # for split: the skipped parts kept
_CANDIDATE = re.compile(r"://|www\.|@[A-Za-z0-9-]+\.[A-Za-z0-9]", re.I)


def linkify_html(html: str) -> str:
    """Bare URLs in the text of ``html`` made links, as goldmark's linkify does;
    never inside a link, code or a code block."""
    if "://" not in html and "www." not in html and "@" not in html:
        return html
    # Most bodies have no bare URL: two fast passes say so (the full pattern,
    # with its look-behinds, costs ten times more a byte).
    if not _CANDIDATE.search(_SKIPPED.sub(" ", html)):
        return html
    # Text and what is skipped, in turn (text at even places): only the text
    # with a candidate in it is searched. Each piece of text follows a ">" (or
    # starts the body), which the look-behinds accept as they would there, and
    # a URL never runs into a tag, as it stops at "<".
    parts = _SKIPPED_KEPT.split(html)
    for at in range(0, len(parts), 2):
        if _CANDIDATE.search(parts[at]):
            parts[at] = _BARE_URL.sub(_link, parts[at])
    return "".join(parts)


def _link(match: re.Match[str]) -> str:
    url = match.group(0)
    trailing = ""
    while url:
        if url[-1] in _TRAILING and not (url[-1] == ";" and _ENTITY_END.search(url[:-1])):
            url, trailing = url[:-1], url[-1] + trailing
        elif url[-1] == ")" and url.count(")") > url.count("("):
            url, trailing = url[:-1], ")" + trailing
        else:
            break
    if "://" in url:
        href = url
    elif url.lower().startswith("www."):
        href = f"http://{url}"
    else:
        href = f"mailto:{url}"  # an e-mail address
    return f'<a href="{href}">{url}</a>{trailing}'
