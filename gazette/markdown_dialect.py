"""Python-Markdown's reading of link reference definitions, for a CommonMark renderer.

Pelican renders with Python-Markdown, whose link reference definitions differ
from CommonMark's in two ways real archives rely on:

* a label defined twice links to its last definition (CommonMark: its first);
* a definition is taken out of the text wherever it stands, so one with no URL
  (``[x]:``) stays text and does not swallow the definitions after it (in
  CommonMark a definition cannot interrupt a paragraph, so every definition
  after ``[x]:`` becomes text and its links break).

``python_markdown_references`` rewrites a body so that CommonMark (pyromark)
reads its definitions as Python-Markdown does: every definition line outside
fenced code is taken out, and the last definition of each label is written
once, at the end of the text.
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


def python_markdown_references(body: str) -> str:
    """``body`` with its reference definitions as Python-Markdown resolves them."""
    if "]:" not in body:
        return body  # no definition at all: the common case costs one scan
    kept: list[str] = []
    definitions: dict[str, str] = {}
    fence = ""
    for line in body.splitlines(keepends=True):
        text = line.rstrip("\r\n")
        if fence:
            if text.lstrip(" ").startswith(fence) and not text.strip().strip(fence[0]):
                fence = ""
            kept.append(line)
            continue
        opening = _FENCE.match(text)
        if opening:
            fence = opening.group(1)
            kept.append(line)
            continue
        definition = _DEFINITION.match(text)
        if definition is None:
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
    if not definitions:
        return body
    return "".join(kept).rstrip("\r\n") + "\n\n" + "\n".join(definitions.values()) + "\n"
