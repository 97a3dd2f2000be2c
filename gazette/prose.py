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


# -- the offline draft's words: never the headline twice ---------------------------

_WORDS = re.compile(r"[\w'’.-]+")
# A release-notes entry: "[Kernel] Fix unnecessary recompilation ...".
_NOTE_ENTRY = re.compile(r"\[([A-Z][\w. /-]{0,40})\]\s+([^\[\n]+)")
_CUT = re.compile(r"(?:…|\.\.\.|&hellip;)\s*$")
# Where a long headline has a natural break: "Igniter - a code generation ...",
# "Let the Agent Do the Migration: usage_rules and ...".
_VERSION_WORD = re.compile(r"^v?\d+(?:\.\d+)+$")
_TITLE_BREAK = re.compile(r"\s+[-–—|]\s+|:\s+")


def _normalized_words(text: str) -> list[str]:
    return [w.strip(".'’-").lower() for w in _WORDS.findall(text) if w.strip(".'’-")]


def repeats_headline(summary: str, headline: str) -> bool:
    """Whether ``summary`` says nothing its headline does not: the headline
    again, a piece of it, or it with a word or two around it."""
    said = _normalized_words(summary)
    if not said:
        return True
    heading = _normalized_words(headline)
    new = [w for w in said if w not in set(heading)]
    return len(new) <= 2 and len(said) <= len(heading) + 2


def short_title(headline: str, max_words: int = 8) -> str:
    """The headline's first part when it has one worth a title on its own
    ("150,000 Lines of Vibe Coded Elixir"), else the headline."""
    head, *rest = (p.strip() for p in _TITLE_BREAK.split(headline, maxsplit=1))
    if 2 <= len(head.split()) <= max_words and rest:
        return head
    # A name and its version: "LiveVue - v1.0 released with ..." is "LiveVue v1.0".
    version = rest[0].split()[0] if rest and rest[0] else ""
    if len(head.split()) == 1 and _VERSION_WORD.match(version):
        return f"{head} {version}"
    return headline


def release_highlights(text: str, max_entries: int = 3) -> str:
    """Release notes ("[Protocol] Optimize …", "[Kernel] Fix …") as one sentence
    of prose, "" when the text has no such entries. A cut entry is left out."""
    entries: list[tuple[str, str]] = []
    for match in _NOTE_ENTRY.finditer(text):
        change = " ".join(match.group(2).split()).rstrip(" .;")
        if _CUT.search(change) or len(change.split()) < 3:
            continue
        entries.append((match.group(1), change))
    if not entries:
        return ""
    shown = entries[:max_entries]
    parts = [f"in {area}, {change[0].lower()}{change[1:]}" for area, change in shown]
    more = len(entries) - len(shown)
    tail = f", and {more} more change{'s' if more > 1 else ''}" if more else ""
    return "The release notes: " + "; ".join(parts) + tail + "."
