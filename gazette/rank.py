"""Rank the week's stories so an editor reads them in the order a good editor would.

Every score is a sum of named components, so ``gazette candidates --explain``
can show exactly why a story sits where it does:

- engagement: the story's best item as a percentile of its own source's items
  over a trailing window (``[rank] window_days``), which makes forum likes,
  Hex.pm downloads and Hacker News points comparable;
- source: the source's weight from the config;
- novelty: a major release, a new package, a minor release;
- breadth: how many sources carry the story;
- recency: how late in the ISO week it appeared;
- long_read: a long-form article;
- penalties: a pinned or meta thread nothing else carries, a forum topic nobody
  answered, a story already featured in one of the last published issues, and a
  variety penalty for a source crowding the top.

Ranking is deterministic: the same items give the same order, whatever order
they come in.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from gazette.batch import collector_paused
from gazette.cluster import cluster_items
from gazette.config import RankSettings
from gazette.models import Candidate, ScoreComponent, StoredItem
from gazette.sources import traits_of
from gazette.tags import MAX_TAGS, Taxonomy
from gazette.urls import canonical_url


@dataclass(frozen=True)
class Weights:
    engagement: float = 40.0
    source: float = 10.0
    novelty: float = 10.0
    breadth: float = 6.0
    recency: float = 4.0
    long_read: float = 6.0
    pinned_penalty: float = -12.0
    unanswered_penalty: float = -8.0
    featured_penalty: float = -30.0
    # Per story already ranked above from the same source, beyond the first two:
    # a week's issue wants variety, not eight Hex.pm patch releases.
    variety_penalty: float = -5.0

    @classmethod
    def from_settings(cls, rank: RankSettings) -> Weights:
        return cls(**{f: getattr(rank, f) for f in cls.__dataclass_fields__})


NO_SIGNAL_PERCENTILE = 0.3
# Words that make an article a long read.
LONG_READ_WORDS = 400


def engagement(item_metrics: Mapping[str, float], kind: str) -> float:
    """One engagement number per item, in its kind's own units."""
    return traits_of(kind).engagement(item_metrics)


def rank(
    items: Sequence[StoredItem],
    week_start: datetime,
    week_end: datetime,
    taxonomy: Taxonomy,
    source_weights: Mapping[str, float],
    featured_urls: frozenset[str] = frozenset(),
    weights: Weights | None = None,
    history: Sequence[StoredItem] = (),
) -> list[Candidate]:
    """The week's ``items`` as ranked stories, best first.

    ``history`` are the source's items from before the week (the trailing
    window): they only set the scale engagement is measured on, they are not
    candidates themselves.
    """
    w = weights or Weights()
    # Everything built here lives until the end and forms no cycles: the cycle
    # collector would only walk it again and again (gazette.batch).
    with collector_paused():
        percentiles = _percentiles_by_source(items, history)
        candidates = []
        for cluster in cluster_items(items):
            # Link readers to the thing itself (the post, the thread, the release),
            # not to an aggregator's discussion of it.
            lead = max(
                cluster,
                key=lambda s: (not traits_of(s.item.kind).aggregator, percentiles[s.id]),
            )
            related = tuple(s for s in cluster if s.id != lead.id)
            tags = _cluster_tags([lead, *related], taxonomy)
            components = _components(
                lead, cluster, percentiles, source_weights, week_start, week_end, featured_urls, w
            )
            candidates.append(
                Candidate(
                    id=lead.id,
                    lead=lead,
                    related=related,
                    score=round(sum(c.value for c in components), 2),
                    components=components,
                    tags=tags,
                    emoji=taxonomy.emoji_for(tags),
                )
            )
        candidates.sort(key=_order)
        return _apply_variety(candidates, w)


def _order(candidate: Candidate) -> tuple[float, float, int]:
    return (-candidate.score, -candidate.lead.item.published_at.timestamp(), candidate.id)


def _apply_variety(candidates: list[Candidate], w: Weights) -> list[Candidate]:
    seen: dict[str, int] = {}
    adjusted = []
    for candidate in candidates:
        source = candidate.lead.item.source
        earlier = seen.get(source, 0)
        seen[source] = earlier + 1
        if earlier >= 2:
            penalty = ScoreComponent(
                "variety",
                w.variety_penalty * (earlier - 1),
                f"{earlier} stories from {source} above",
            )
            # Built directly: dataclasses.replace() costs several times more,
            # and this runs for nearly every story of a big week.
            candidate = Candidate(
                id=candidate.id,
                lead=candidate.lead,
                related=candidate.related,
                score=round(candidate.score + penalty.value, 2),
                components=(*candidate.components, penalty),
                tags=candidate.tags,
                emoji=candidate.emoji,
            )
        adjusted.append(candidate)
    adjusted.sort(key=_order)
    return adjusted


def _components(
    lead: StoredItem,
    cluster: Sequence[StoredItem],
    percentiles: Mapping[int, float],
    source_weights: Mapping[str, float],
    week_start: datetime,
    week_end: datetime,
    featured_urls: frozenset[str],
    w: Weights,
) -> tuple[ScoreComponent, ...]:
    item = lead.item
    best = max(percentiles[s.id] for s in cluster)
    traits = traits_of(item.kind)
    scale = traits.engagement_scale
    parts = [
        ScoreComponent(
            "engagement",
            round(w.engagement * scale * best, 2),
            f"top {100 - best * 100:.0f}% of its source",
        ),
        ScoreComponent(
            "source", round(w.source * source_weights.get(item.source, 1.0), 2), item.source
        ),
    ]
    novelty = _novelty(cluster)
    if novelty:
        parts.append(ScoreComponent("novelty", round(w.novelty * novelty[0], 2), novelty[1]))
    sources = {s.item.source for s in cluster}
    if len(sources) > 1:
        parts.append(
            ScoreComponent("breadth", w.breadth * (len(sources) - 1), f"{len(sources)} sources")
        )
    span = (week_end - week_start).total_seconds()
    age = (week_end - item.published_at).total_seconds()
    freshness = max(0.0, min(1.0, 1 - age / span))
    parts.append(
        ScoreComponent(
            "recency", round(w.recency * freshness, 2), item.published_at.date().isoformat()
        )
    )
    if any(
        traits_of(s.item.kind).long_form and len(s.item.text.split()) >= LONG_READ_WORDS
        for s in cluster
    ):
        parts.append(ScoreComponent("long_read", w.long_read, "long-form article"))
    # A pinned thread that no other source picked up is the forum's housekeeping
    # (rules, a standing "what are you working on"); one that others carry, like a
    # pinned release announcement, is news.
    if ("pinned" in item.flags or "meta" in item.flags) and len(sources) == 1:
        parts.append(ScoreComponent("pinned", w.pinned_penalty, "pinned or meta thread"))
    if traits.unanswered(item.metrics):
        parts.append(ScoreComponent("unanswered", w.unanswered_penalty, "no replies yet"))
    if featured_urls and any(_story_urls(s) & featured_urls for s in cluster):
        parts.append(ScoreComponent("featured", w.featured_penalty, "already in a published issue"))
    return tuple(parts)


def _story_urls(stored: StoredItem) -> set[str]:
    urls = {canonical_url(stored.item.url)}
    if stored.item.link_url:
        urls.add(canonical_url(stored.item.link_url))
    return urls


def _novelty(cluster: Sequence[StoredItem]) -> tuple[float, str] | None:
    flags = {f for s in cluster for f in s.item.flags}
    if "major" in flags:
        return 1.0, "major release"
    if "new-package" in flags:
        return 0.6, "new package"
    if "minor" in flags:
        return 0.4, "minor release"
    return None


def _cluster_tags(cluster: Sequence[StoredItem], taxonomy: Taxonomy) -> tuple[str, ...]:
    """The lead item's tags first, then what the rest of the cluster adds."""
    found: list[str] = []
    for stored in cluster:
        for tag in taxonomy.tag_item(stored.item):
            if tag not in found:
                found.append(tag)
    return tuple(found[:MAX_TAGS])


def _percentiles_by_source(
    items: Sequence[StoredItem], history: Sequence[StoredItem] = ()
) -> dict[int, float]:
    """Each item's engagement as a percentile (0..1) among its own source's items
    of the week and of the trailing window before it."""
    by_source: dict[str, list[float]] = {}
    week_ids = {s.id for s in items}
    population = [*items, *(s for s in history if s.id not in week_ids)]
    for stored in population:
        by_source.setdefault(stored.item.source, []).append(
            engagement(stored.item.metrics, stored.item.kind)
        )
    for values in by_source.values():
        values.sort()
    result = {}
    for stored in items:
        values = by_source[stored.item.source]
        value = engagement(stored.item.metrics, stored.item.kind)
        if values[-1] == values[0]:
            # A source without engagement numbers (a blog feed) earns a modest
            # share; its weight in the config is what lifts it.
            result[stored.id] = NO_SIGNAL_PERCENTILE
            continue
        # Mid-rank percentile: ties share the average of their ranks.
        below, upto = bisect_left(values, value), bisect_right(values, value)
        result[stored.id] = ((below + upto) / 2) / len(values)
    return result
