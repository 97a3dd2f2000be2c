"""Choose and compose stories: the first draft of an issue from the week's
ranked candidates, the story a pick adds, and which candidates are new to a draft.

Everything here is a suggestion for the editor: headline, emoji, summary and
link text come from the source, and the editor rewrites what they like. Every
draft has the sample issue's shape: a title with its emoji and a subtitle, the
welcome line, the picks, one feature with its "Remember:" list, quick links,
the sponsor and the sign-off. A summary never repeats its headline: when no
source says more, the story carries a note for the editor instead
(:data:`NO_SUMMARY`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gazette.config import DraftSettings, Publication
from gazette.draft.document import Draft
from gazette.markdown import markdown_escape
from gazette.models import Candidate, Issue, Pick, SectionName, StoredItem
from gazette.prose import repeats_headline, short_title
from gazette.sources import traits_of
from gazette.summarize import DEFAULT_WORDS, extractive_summary, key_points, story_summary
from gazette.urls import canonical_url

FEATURE_MIN_WORDS = 300
QUICK_LINK_WORDS = 20
FEATURE_WORDS = 180
# Where the feature is looked for when the week has no long read: the stories
# an editor would still call this week's, not the tail.
DISCUSSION_FEATURE_DEPTH = 15
# An HTML comment: the renderers leave it out, `gazette check` points at it.
NO_SUMMARY = "<!-- no summary: the sources say no more than the headline; write one -->"
NO_REMEMBER = "<!-- Remember: the source has no short key points; add three -->"


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
        title=short_title(top.headline) if top else f"{publication.name}: {week}",
        emoji=top.emoji or "📰" if top else "📰",
        subtitle=issue_subtitle(stories, feature, publication.tagline),
        welcome=publication.welcome,
        picks=stories,
        feature=feature,
        quick_links=quick,
        sponsor=publication.sponsor,
        sign_off=publication.sign_off,
        editor=publication.editor,
        ps=publication.ps,
    )


def issue_subtitle(stories: Sequence[Pick], feature: Pick | None, tagline: str) -> str:
    """ "Plus: …" with the next stories' short names, the feature first."""
    shown = ([feature] if feature else []) + list(stories[1:3])
    names = [short_title(p.headline) for p in shown[:2]]
    if not names:
        return tagline
    return "Plus: " + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])


def candidate_pick(candidate: Candidate, summary_words: int = DEFAULT_WORDS) -> Pick:
    """A weekly pick: the lead's headline and link, a summary from whichever
    item of the story tells it best (a Reddit link post borrows the forum
    thread's words), never the headline again."""
    item = candidate.lead.item
    story = [candidate.lead, *candidate.related]
    title = headline(candidate)
    summary = story_summary(story, candidate.id, title, summary_words)
    return Pick(
        headline=title,
        emoji=candidate.emoji,
        body=markdown_escape(summary) if summary else NO_SUMMARY,
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
        body="" if repeats_headline(note, headline(candidate)) else markdown_escape(note),
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
    summary = story_summary([stored], stored.id, item.title)
    return Pick(
        headline=item.title,
        emoji=emoji,
        body=markdown_escape(summary) if summary else NO_SUMMARY,
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
    """The best long-form piece of the week; without one, the story with the
    richest discussion near the top (its thread's opening post is the text)."""
    for candidate in candidates:
        if (article := long_read(candidate)) is not None:
            return candidate, article
    best: tuple[float, Candidate, StoredItem] | None = None
    # Never the week's top story: that one leads the picks.
    for candidate in candidates[1:DISCUSSION_FEATURE_DEPTH]:
        for stored in (candidate.lead, *candidate.related):
            # Weighed by the story's score: a long help thread is not the week's read.
            size = discussion_size(stored) * (1 + max(candidate.score, 0) / 100)
            if size and (not best or size > best[0]):
                best = (size, candidate, stored)
    return (best[1], best[2]) if best else None


def discussion_size(stored: StoredItem) -> float:
    """How many people took part in an item's discussion: forum posts, comments."""
    metrics = stored.item.metrics
    return max(metrics.get("posts", 0) - 1, metrics.get("comments", 0), 0)


def feature_pick(candidate: Candidate, article: StoredItem) -> Pick:
    """The feature: the article's opening (~180 words) and a "Remember:" list
    of three or four points from its text (the story's other items lend
    sentences to a short one)."""
    item = article.item
    paragraphs = [p for p in item.text.split("\n\n") if p.strip()]
    body_words = 0
    body = []
    for paragraph in paragraphs:
        body.append(paragraph)
        body_words += len(paragraph.split())
        if body_words >= FEATURE_WORDS:
            break
    remember = list(key_points(item.text, item.html))[:4]
    for other in (candidate.lead, *candidate.related):
        if len(remember) >= 3 or other.id == article.id:
            continue
        remember += [p for p in key_points(other.item.text) if p not in remember][
            : 3 - len(remember)
        ]
    text = "\n\n".join(markdown_escape(p) for p in body) or NO_SUMMARY
    if not remember:
        text += "\n\n" + NO_REMEMBER
    elif len(remember) < 3:
        text += (
            f"\n\n<!-- Remember: the source gives {len(remember)} short points; add one more -->"
        )
    return Pick(
        headline=item.title,
        emoji=candidate.emoji,
        body=text,
        url=item.url,
        link_text=traits_of(item.kind).link_text,
        item_id=article.id,
        tags=candidate.tags,
        remember=tuple(markdown_escape(p) for p in remember),
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
