"""Rank the week's stories so an editor reads them in the order a good editor would.

Every score is a sum of named components, so ``gazette candidates --explain``
can show exactly why a story sits where it does:

- engagement: the story's best item as a percentile of its own source's items
  over a trailing window (``[rank] window_days``), which makes forum likes,
  Hex.pm downloads and Hacker News points comparable;
- engagement, or for a source without engagement numbers (a plain blog feed)
  a prior: ``[rank] no_signal_prior`` of the engagement points, times the
  source's weight, so breadth and recency decide rather than a made-up median;
- source: the source's weight from the config;
- category: where a forum filed the topic and its tags (gazette/forum.py: an
  announcement, a new library, a blog post...); job posts are never candidates;
- notable_release: a release of a core project (``[releases] notable`` in
  data/taxonomy.toml: Elixir, Erlang/OTP, Phoenix, LiveView, Ecto, Nx...);
- novelty: a major release, a new package, a minor release;
- breadth: how many sources carry the story;
- recency: how late in the ISO week it appeared (none for an entry its feed
  left undated: Gazette dated it when it first saw it);
- long_read: a long-form article;
- penalties: a pinned or meta thread nothing else carries (a pinned
  announcement is news, not housekeeping), a forum topic nobody answered, a help
  question without a real discussion (replies, likes, several people), a story already featured in one of the last published issues, and a
  variety penalty for a source crowding the top.

Ranking is deterministic: the same items give the same order, whatever order
they come in.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from gazette.batch import collector_paused
from gazette.cluster import cluster_items, normalize_version
from gazette.config import RankSettings
from gazette.forum import (
    JOBS,
    LIBRARIES,
    NEWS,
    QUESTIONS,
    Placement,
    category_of,
    placement,
    real_discussion,
)
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
    notable_release: float = 8.0
    question_penalty: float = -15.0
    # The share of the engagement points a source without engagement data gets,
    # times its weight.
    no_signal_prior: float = 0.15
    # Per story already ranked above from the same source, beyond the first two:
    # a week's issue wants variety, not eight Hex.pm patch releases.
    variety_penalty: float = -5.0

    @classmethod
    def from_settings(cls, rank: RankSettings) -> Weights:
        return cls(**{f: getattr(rank, f) for f in cls.__dataclass_fields__})


# Where a story from a source without engagement numbers sits when choosing a
# cluster's lead (its score uses the prior instead).
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
    source_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Candidate]:
    """The week's ``items`` as ranked stories, best first.

    ``history`` are the source's items from before the week (the trailing
    window): they only set the scale engagement is measured on, they are not
    candidates themselves. ``source_options`` are each source's ``[[sources]]``
    options, by source name (category and tag weights, gazette/forum.py).
    """
    w = weights or Weights()
    options = source_options or {}
    # Everything built here lives until the end and forms no cycles: the cycle
    # collector would only walk it again and again (gazette.batch).
    with collector_paused():
        places = {
            s.id: placement(s.item, options.get(s.item.source, {}))
            for s in items
            if category_of(s.item)
        }
        # A job post is not news, however many people read it.
        items = [s for s in items if not _is_role(places.get(s.id), JOBS)]
        percentiles, silent = _percentiles_by_source(items, history)
        clusters = cluster_items(items)
        releases = [_notable_release(c, taxonomy.notable_releases) for c in clusters]
        newest = _newest_versions(r for r in releases if r is not None)
        candidates = []
        for cluster, release in zip(clusters, releases, strict=True):
            # Link readers to the thing itself (the post, the thread, the release),
            # not to an aggregator's discussion of it.
            lead = max(
                cluster,
                key=lambda s: (not traits_of(s.item.kind).aggregator, percentiles[s.id]),
            )
            related = tuple(s for s in cluster if s.id != lead.id)
            tags = _cluster_tags([lead, *related], taxonomy)
            components = _components(
                lead,
                cluster,
                _Signals(percentiles, silent, places, _release_note(release, newest)),
                source_weights,
                week_start,
                week_end,
                featured_urls,
                w,
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


@dataclass(frozen=True)
class _Signals:
    """What ranking knows about the week's items beyond each item itself."""

    percentiles: Mapping[int, float]
    silent: frozenset[int]  # items of a source without engagement numbers
    places: Mapping[int, Placement | None]
    notable_release: str  # "elixir release", or "" for a story that releases nothing core


def _is_role(place: Placement | None, role: str) -> bool:
    return place is not None and place.role == role


def _components(
    lead: StoredItem,
    cluster: Sequence[StoredItem],
    signals: _Signals,
    source_weights: Mapping[str, float],
    week_start: datetime,
    week_end: datetime,
    featured_urls: frozenset[str],
    w: Weights,
) -> tuple[ScoreComponent, ...]:
    item = lead.item
    traits = traits_of(item.kind)
    weight = source_weights.get(item.source, 1.0)
    measured = [s for s in cluster if s.id not in signals.silent]
    if measured:
        best = max(measured, key=lambda s: signals.percentiles[s.id])
        share = signals.percentiles[best.id]
        engaged = ScoreComponent(
            "engagement",
            round(w.engagement * traits_of(best.item.kind).engagement_scale * share, 2),
            f"top {100 - share * 100:.0f}% of its source",
        )
    else:
        engaged = ScoreComponent(
            "prior",
            round(w.engagement * w.no_signal_prior * weight, 2),
            f"no engagement data: {w.no_signal_prior:g} x weight {weight:g}",
        )
    parts = [engaged, ScoreComponent("source", round(w.source * weight, 2), item.source)]
    place = signals.places.get(lead.id)
    if place is not None and place.points:
        parts.append(ScoreComponent("category", round(place.points, 2), place.note))
    if signals.notable_release:
        parts.append(ScoreComponent("notable_release", w.notable_release, signals.notable_release))
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
    when = item.published_at.date().isoformat()
    if not item.dated:
        # The feed gave no date: published_at is when Gazette first saw the
        # entry, and a first fetch of such a feed "sees" its whole back
        # catalogue at once, so being seen lately is no sign of being new.
        freshness, when = 0.0, f"undated, first seen {when}"
    parts.append(ScoreComponent("recency", round(w.recency * freshness, 2), when))
    if any(
        traits_of(s.item.kind).long_form and len(s.item.text.split()) >= LONG_READ_WORDS
        for s in cluster
    ):
        parts.append(ScoreComponent("long_read", w.long_read, "long-form article"))
    # A pinned thread that no other source picked up is the forum's housekeeping
    # (rules, a standing "what are you working on"); one that others carry, like a
    # pinned release announcement, is news.
    pinned = "pinned" in item.flags or "meta" in item.flags
    if pinned and len(sources) == 1 and not _is_role(place, NEWS):
        parts.append(ScoreComponent("pinned", w.pinned_penalty, "pinned or meta thread"))
    # An announcement needs no answers to be news.
    announced = _is_role(place, NEWS) or _is_role(place, LIBRARIES)
    if traits.unanswered(item.metrics) and not announced:
        parts.append(ScoreComponent("unanswered", w.unanswered_penalty, "no replies yet"))
    if _is_role(place, QUESTIONS) and not real_discussion(item.metrics):
        parts.append(
            ScoreComponent("question", w.question_penalty, "help question, little discussion")
        )
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


_RELEASE_WORDS = re.compile(r"\b(?:release[sd]?|is out|now available|announc\w*)\b", re.I)


@cache
def _announcement(notable: frozenset[str]) -> re.Pattern[str]:
    """A title announcing a core release: "Elixir v1.19.5 released", "Phoenix LiveView 1.1.0"."""
    names = "|".join(re.escape(n) for n in sorted(notable, key=len, reverse=True))
    return re.compile(rf"^({names})\s*(v?\d+(?:\.\d+)+)", re.I)


def _notable_release(
    cluster: Sequence[StoredItem], notable: frozenset[str]
) -> tuple[str, tuple[int, ...]] | None:
    """The core project a story releases and the version ("elixir", (1, 19, 5))."""
    if not notable:
        return None
    pattern = _announcement(notable)
    for stored in cluster:
        item = stored.item
        package = item.package.lower().split("/")[-1]
        if package and item.version and package in notable:
            return package, _version_key(item.version)
        # "Elixir 1.19 compilation performance" is a discussion, not a release.
        if (found := pattern.match(item.title)) and _RELEASE_WORDS.search(item.title):
            return found.group(1).lower(), _version_key(found.group(2))
    return None


def _version_key(version: str) -> tuple[int, ...]:
    core = normalize_version(version).partition("-")[0]
    return tuple(int(p) if p.isdigit() else 0 for p in core.split("."))


def _newest_versions(releases: Iterable[tuple[str, tuple[int, ...]]]) -> dict[str, tuple[int, ...]]:
    newest: dict[str, tuple[int, ...]] = {}
    for name, version in releases:
        newest[name] = max(newest.get(name, version), version)
    return newest


def _release_note(
    release: tuple[str, tuple[int, ...]] | None, newest: Mapping[str, tuple[int, ...]]
) -> str:
    """The component's note, or "" when there is no core release, or when a
    newer release of the same project is out the same week (an old version
    resurfacing is not the news)."""
    if release is None or release[1] < newest[release[0]]:
        return ""
    return f"{release[0]} release"


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
) -> tuple[dict[int, float], frozenset[int]]:
    """Each item's engagement as a percentile (0..1) among its own source's items
    of the week and of the trailing window before it, and the items whose source
    has no engagement numbers at all."""
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
    silent = set()
    for stored in items:
        values = by_source[stored.item.source]
        value = engagement(stored.item.metrics, stored.item.kind)
        if values[-1] == values[0]:
            # A source without engagement numbers (a blog feed) earns a modest
            # share; its weight in the config is what lifts it.
            result[stored.id] = NO_SIGNAL_PERCENTILE
            silent.add(stored.id)
            continue
        # Mid-rank percentile: ties share the average of their ranks.
        below, upto = bisect_left(values, value), bisect_right(values, value)
        result[stored.id] = ((below + upto) / 2) / len(values)
    return result, frozenset(silent)
