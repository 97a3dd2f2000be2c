"""Plain text of a source, cut into what summaries are made of: sentences,
without the boilerplate sources wrap around their content. Shared by the
extractive summary and the LLM's prompts."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
# Text that sources wrap around the content: Reddit's Atom footer, WordPress's
# "The post … appeared first on …", "Continue reading", "Read more".
_BOILERPLATE = re.compile(
    r"submitted\s+by\s+/u/\S+|\[link\]|\[comments\]"
    r"|The post .{1,300}? appeared first on [^.]{1,200}\."
    r"|Continue reading\b.*$|\bRead more\b\W*$|\(more…\)",
    re.I | re.M,
)


def sentences(text: str) -> list[str]:
    out = []
    for paragraph in text.split("\n\n"):
        paragraph = " ".join(paragraph.split())
        out += [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]
    return out


def strip_boilerplate(text: str) -> str:
    return "\n\n".join(
        " ".join(_BOILERPLATE.sub(" ", p).split()) for p in text.split("\n\n") if p.strip()
    ).strip()
