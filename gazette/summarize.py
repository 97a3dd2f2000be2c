"""First-draft summaries, offline: whole sentences from the source's own text.

Extractive on purpose: every word comes from the source, so the offline summary
can never invent a fact. (An optional LLM backend arrives with the editorial
issue; it falls back to this.)
"""

from __future__ import annotations

import re

from gazette.clean import clean_title
from gazette.models import Item

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_LIST = re.compile(r"<ul>(.*?)</ul>", re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_NOISE = re.compile(r"&hellip;|…$")
DEFAULT_WORDS = 70


def sentences(text: str) -> list[str]:
    out = []
    for paragraph in text.split("\n\n"):
        paragraph = " ".join(paragraph.split())
        out += [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]
    return out


def extractive_summary(item: Item, max_words: int = DEFAULT_WORDS, max_sentences: int = 3) -> str:
    """Two or three whole sentences from the item's text, within ``max_words``.

    Falls back to the title for items without text (a bare package release). A
    trailing sentence cut off by the source ("...") is dropped rather than shown.
    """
    chosen: list[str] = []
    words = 0
    for sentence in sentences(item.text):
        if _NOISE.search(sentence) or sentence.endswith("..."):
            break
        count = len(sentence.split())
        if chosen and words + count > max_words:
            break
        if count > max_words:
            sentence = " ".join(sentence.split()[:max_words]).rstrip(",;:") + " …"
            count = max_words
        chosen.append(sentence)
        words += count
        if len(chosen) >= max_sentences:
            break
    if chosen:
        return " ".join(chosen)
    return item.text.strip() or item.title


def key_points(text: str, html: str = "", count: int = 3, max_words: int = 22) -> tuple[str, ...]:
    """The feature's "Remember:" list, from the article itself.

    An article that ends with its own takeaways (its last bullet list, 2-6 items)
    gives them; otherwise short sentences spread over the article, in order.
    """
    lists = _LIST.findall(html)
    if lists:
        bullets = [clean_title(li) for li in _ITEM.findall(lists[-1])]
        if 2 <= len(bullets) <= 6:
            return tuple(bullets)
    picked = [s for s in sentences(text) if 6 <= len(s.split()) <= max_words]
    if len(picked) <= count:
        return tuple(picked)
    step = len(picked) / count
    return tuple(picked[int(i * step)] for i in range(count))
