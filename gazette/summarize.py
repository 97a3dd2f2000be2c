"""Summaries of a story: extractive offline, optionally from an LLM.

The offline summary is extractive on purpose: whole sentences from the source's
own text (the forum's first post, the release notes, the package description,
the article), so it can never invent a fact. The optional LLM backend
(gazette/llm.py) falls back to it with a warning whenever the model cannot be
reached or answers nonsense, and its answer is checked by gazette/faithfulness.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gazette.clean import clean_title
from gazette.config import Settings
from gazette.models import Item, StoredItem
from gazette.prose import release_highlights, repeats_headline, sentences, strip_boilerplate
from gazette.sources import traits_of
from gazette.store import Store

_LIST = re.compile(r"<ul>(.*?)</ul>", re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_TRUNCATED = re.compile(r"(?:&hellip;|…|\.\.\.)\s*$")
_URL = re.compile(r"https?://\S+")
_WHOLE_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*$")
_NOT_A_POINT = re.compile(
    r"\?\s*$|\b(?:curious|feedback|let me know|thoughts|welcome|thanks|thank you)\b", re.I
)
DEFAULT_WORDS = 70
# A fragment (a list item, a release-note line) needs this many words to be
# used; shorter ones are headings ("1. Enhancements", "Elixir").
MIN_FRAGMENT_WORDS = 5


@dataclass(frozen=True)
class SummaryResult:
    """A summary and where it came from: ``backend`` is "extractive" or
    "llm:<model>"; ``warnings`` are one line each (a fallback, an unsupported
    claim) for the CLI to print."""

    text: str
    backend: str
    warnings: tuple[str, ...] = ()
    cached: bool = False


def _units(text: str) -> tuple[list[str], list[str]]:
    """Whole sentences and usable fragments, in order, up to where the source
    cut itself off ("…")."""
    whole: list[str] = []
    fragments: list[str] = []
    found = sentences(strip_boilerplate(text))
    # A one-line text ("Elixir Z-Wave library", a package description) is the
    # source's own summary, however short.
    min_fragment = 2 if len(found) == 1 else MIN_FRAGMENT_WORDS
    for sentence in found:
        if _TRUNCATED.search(sentence):
            break  # the rest of the text is missing; a cut sentence is not shown
        if sentence.endswith(":") or len(_URL.sub("", sentence).split()) < min(3, min_fragment):
            continue  # a lead-in to something not shown, or a bare "Docs: <url>"
        if _WHOLE_SENTENCE.search(sentence):
            whole.append(sentence)
        elif len(sentence.split()) >= min_fragment:
            fragments.append(sentence + ".")
    return whole, fragments


def extractive_summary(item: Item, max_words: int = DEFAULT_WORDS, max_sentences: int = 3) -> str:
    """Up to ``max_sentences`` whole sentences from the item's text, within
    ``max_words``; never a cut sentence.

    Boilerplate is skipped; a text of list items or release-note lines gives
    those lines as sentences; without usable text the title stands in.
    """
    chosen = _choose(item.text, max_words, max_sentences)
    return " ".join(chosen) if chosen else item.title


def _choose(text: str, max_words: int, max_sentences: int) -> list[str]:
    whole, fragments = _units(text)
    chosen: list[str] = []
    words = 0
    for sentence in whole or fragments:
        count = len(sentence.split())
        if words + count > max_words:
            if chosen:
                break
            continue  # too long on its own: try the next one rather than cut it
        chosen.append(sentence)
        words += count
        if len(chosen) >= max_sentences:
            break
    return chosen


def story_summary(
    story: Sequence[StoredItem], item_id: int, headline: str, max_words: int = DEFAULT_WORDS
) -> str:
    """The offline summary of a story, never its headline again: the first
    substantial sentences of the best text (the thread, the article, the
    package description), release notes' entries as prose, then the story's
    other items in turn; "" when no item says more than the headline."""
    ordered = [summary_source(story, item_id)]
    ordered += sorted(
        (s for s in story if s.id != ordered[0].id),
        key=lambda s: (traits_of(s.item.kind).aggregator, -len(s.item.text), s.id),
    )
    for stored in ordered:
        text = stored.item.text
        attempts = [release_highlights(text), " ".join(_choose(text, max_words, 3))]
        for summary in attempts:
            said_more = not (
                repeats_headline(summary, headline) or repeats_headline(summary, stored.item.title)
            )
            if summary and said_more:
                return summary
    return ""


def key_points(text: str, html: str = "", count: int = 3, max_words: int = 22) -> tuple[str, ...]:
    """The feature's "Remember:" list, from the article itself.

    An article that ends with its own takeaways (its last bullet list, 2-6 items)
    gives them; otherwise short statements spread over the article, in order
    (a short text lends longer ones; questions and calls for feedback are not
    points to remember).
    """
    lists = _LIST.findall(html)
    if lists:
        bullets = [clean_title(li) for li in _ITEM.findall(lists[-1])]
        if 2 <= len(bullets) <= 6:
            return tuple(bullets)
    statements = [s for s in sentences(text) if not _NOT_A_POINT.search(s)]
    picked = [s for s in statements if 6 <= len(s.split()) <= max_words]
    if len(picked) < count:
        picked = [s for s in statements if 6 <= len(s.split()) <= max_words + 12]
    if len(picked) <= count:
        return tuple(picked)
    step = len(picked) / count
    return tuple(picked[int(i * step)] for i in range(count))


def summary_source(story: Sequence[StoredItem], item_id: int) -> StoredItem:
    """The item whose text best tells the story: the item asked for when it has
    usable text, else the story's own text (thread, release notes, article)
    before an aggregator's."""
    asked = [s for s in story if s.id == item_id]
    others = sorted(
        (s for s in story if s.id != item_id),
        # The story's own text before an aggregator's discussion of it.
        key=lambda s: (traits_of(s.item.kind).aggregator, -len(s.item.text), s.id),
    )
    for stored in [*asked, *others]:
        if any(_units(stored.item.text)):
            return stored
    return asked[0] if asked else others[0]


def summarize_item(
    store: Store,
    settings: Settings,
    item_id: int,
    use_llm: bool | None = None,
    week: str | None = None,
) -> SummaryResult:
    """The summary of item ``item_id``'s story.

    ``use_llm`` None follows ``[llm] enabled``. The LLM's answer is cached in the
    database and checked for claims its source does not support; any failure
    falls back to the extractive summary with a one-line warning.
    """
    from gazette.cluster import story_of
    from gazette.faithfulness import story_source_text, unsupported_claims

    story = story_of(store, item_id, week)
    source = summary_source(story, item_id)
    budget = settings.draft.summary_words
    extractive = SummaryResult(extractive_summary(source.item, budget), "extractive")
    if not (settings.llm.enabled if use_llm is None else use_llm):
        return extractive

    from gazette.llm import LlmError, llm_summary

    try:
        answer = llm_summary(store, settings, source)
    except LlmError as exc:
        return SummaryResult(
            extractive.text,
            "extractive",
            (f"LLM unavailable ({exc}); using the extractive summary",),
        )
    claims = unsupported_claims(answer.text, story_source_text(story))
    warnings = [*answer.warnings]
    warnings += [f"unsupported by the source: {claim.describe()}" for claim in claims]
    return SummaryResult(
        answer.text, f"llm:{settings.llm.model}", tuple(warnings), cached=answer.cached
    )
