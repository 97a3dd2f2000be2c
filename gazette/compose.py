"""Choose and compose stories: the first draft of an issue from the week's
ranked candidates, the story a pick adds, and which candidates are new to a draft.

Everything here is a suggestion for the editor: headline, emoji, summary and
link text come from the source, and the editor rewrites what they like.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gazette.config import DraftSettings, Publication
from gazette.draft.document import Draft
from gazette.markdown import markdown_escape
from gazette.models import Candidate, Issue, Pick, SectionName, StoredItem
from gazette.sources import traits_of
from gazette.summarize import DEFAULT_WORDS, extractive_summary, key_points, summary_source
from gazette.urls import canonical_url

FEATURE_MIN_WORDS = 300
QUICK_LINK_WORDS = 20


def compose_issue(
    week: str, candidates: Sequence[Candidate], publication: Publication, draft: DraftSettings
) -> Issue:
    found = _feature(candidates)
    rest = [c for c in candidates if not found or c is not found[0]]
    stories = tuple(candidate_pick(c, draft.summary_words) for c in rest[: draft.picks])
    quick = tuple(quick_link(c) for c in rest[draft.picks : draft.picks + draft.quick_links])
    feature = feature_pick(*found) if found else None
    top = stories[0] if stories else None
    return Issue(
        week=week,
        title=top.headline if top else f"{publication.name}: {week}",
        emoji=top.emoji if top else "",
        subtitle=f"Plus: {stories[1].headline}" if len(stories) > 1 else publication.tagline,
        welcome=publication.welcome,
        picks=stories,
        feature=feature,
        quick_links=quick,
        sponsor=publication.sponsor,
        sign_off=publication.sign_off,
        editor=publication.editor,
        ps=publication.ps,
    )


def candidate_pick(candidate: Candidate, summary_words: int = DEFAULT_WORDS) -> Pick:
    """A weekly pick: the lead's headline and link, a summary from whichever
    item of the story tells it best (a Reddit link post borrows the forum
    thread's words)."""
    item = candidate.lead.item
    story = [candidate.lead, *candidate.related]
    source = summary_source(story, candidate.id).item
    return Pick(
        headline=headline(candidate),
        emoji=candidate.emoji,
        body=markdown_escape(extractive_summary(source, summary_words)),
        url=item.url,
        link_text=traits_of(item.kind).link_text,
        item_id=candidate.id,
        tags=candidate.tags,
    )


def quick_link(candidate: Candidate) -> Pick:
    """A one-line link: the headline and the first sentence of the story, short."""
    note = extractive_summary(candidate.lead.item, QUICK_LINK_WORDS, max_sentences=1)
    return Pick(
        headline=headline(candidate),
        url=candidate.lead.item.url,
        body="" if note == candidate.lead.item.title else markdown_escape(note),
        item_id=candidate.id,
        tags=candidate.tags,
    )


def headline(candidate: Candidate) -> str:
    """A person's title beats a machine's: a release's forum announcement or
    blog post names it better than the bare tag ("v1.19.5")."""
    if traits_of(candidate.lead.item.kind).machine_titled:
        for related in candidate.related:
            # An announcement in the story's own words, not an aggregator's link title.
            traits = traits_of(related.item.kind)
            if traits.announces and not traits.aggregator:
                return related.item.title
    return candidate.lead.item.title


def item_pick(stored: StoredItem, emoji: str = "", tags: tuple[str, ...] = ()) -> Pick:
    """A story from one stored item, for an item the ranking did not surface
    this week (the editor picks it by id)."""
    item = stored.item
    return Pick(
        headline=item.title,
        emoji=emoji,
        body=markdown_escape(extractive_summary(item)),
        url=item.url,
        link_text=traits_of(item.kind).link_text,
        item_id=stored.id,
        tags=tags,
    )


def long_read(candidate: Candidate) -> StoredItem | None:
    """The story's article with real body text, wherever it sits in the cluster."""
    for stored in (candidate.lead, *candidate.related):
        long_form = traits_of(stored.item.kind).long_form
        if long_form and len(stored.item.text.split()) >= FEATURE_MIN_WORDS:
            return stored
    return None


def _feature(candidates: Sequence[Candidate]) -> tuple[Candidate, StoredItem] | None:
    """The best long-form piece of the week."""
    for candidate in candidates:
        if (article := long_read(candidate)) is not None:
            return candidate, article
    return None


def feature_pick(candidate: Candidate, article: StoredItem) -> Pick:
    """The feature: the article's opening (~180 words) and a "Remember:" list."""
    item = article.item
    paragraphs = item.text.split("\n\n")
    body_words = 0
    body = []
    for paragraph in paragraphs:
        body.append(paragraph)
        body_words += len(paragraph.split())
        if body_words >= 180:
            break
    return Pick(
        headline=item.title,
        emoji=candidate.emoji,
        body="\n\n".join(markdown_escape(p) for p in body),
        url=item.url,
        link_text=traits_of(item.kind).link_text,
        item_id=article.id,
        tags=candidate.tags,
        remember=key_points(item.text, item.html),
    )


# -- choosing stories for a draft the editor works on ------------------------------


@dataclass(frozen=True)
class Cluster:
    """The items of one story and their pages: a draft holds a story once."""

    ids: frozenset[int]
    urls: tuple[str, ...]

    @classmethod
    def of(cls, candidate: Candidate) -> Cluster:
        members = (candidate.lead, *candidate.related)
        return cls(
            frozenset({candidate.id, *(m.id for m in members)}),
            tuple(m.item.url for m in members if m.item.url),
        )

    @classmethod
    def single(cls, stored: StoredItem) -> Cluster:
        return cls(frozenset({stored.id}), (stored.item.url,))


def story_for(
    candidates: Sequence[Candidate], item_id: int, section: SectionName
) -> tuple[Pick, Cluster] | None:
    """The story a pick of ``item_id`` adds to ``section``: from the candidate with
    that id, or from the candidate holding that item; None if no candidate does."""
    for candidate in candidates:
        cluster = Cluster.of(candidate)
        if item_id not in cluster.ids:
            continue
        if candidate.id == item_id:
            article = long_read(candidate) if section == "feature" else None
            if article is not None:
                return feature_pick(candidate, article), cluster
            return candidate_pick(candidate), cluster
        member = next(m for m in (candidate.lead, *candidate.related) if m.id == item_id)
        return item_pick(member, candidate.emoji, candidate.tags), cluster
    return None


def new_candidates(
    draft: Draft, candidates: Sequence[Candidate], offered: Iterable[int] = ()
) -> list[Candidate]:
    """The candidates the draft does not hold or list yet (by item and by page),
    that are none of the ``offered`` stories, one per story."""
    ids = {p.item_id for p in draft.issue.all_picks if p.item_id is not None}
    ids |= {c.item_id for c in draft.candidates} | set(offered)
    pages = {canonical_url(p.url) for p in draft.issue.all_picks if p.url}
    pages |= {canonical_url(c.url) for c in draft.candidates if c.url}
    out = []
    for candidate in candidates:
        cluster = Cluster.of(candidate)
        if ids & cluster.ids or pages & {canonical_url(u) for u in cluster.urls}:
            continue
        out.append(candidate)
        ids |= cluster.ids
        pages |= {canonical_url(u) for u in cluster.urls}
    return out
