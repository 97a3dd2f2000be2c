"""The week's ranked candidates: the stored items of an ISO week, ranked with the
config's weights against what recent issues already featured."""

from __future__ import annotations

from datetime import timedelta

from gazette.config import Settings
from gazette.models import Candidate
from gazette.publish import published_issues
from gazette.rank import Weights, rank
from gazette.store import Store
from gazette.tags import load_taxonomy
from gazette.timeutil import week_bounds
from gazette.urls import canonical_url

# How many past issues count as "already featured" (a link in one ranks lower).
RECENT_ISSUES = 25


def week_candidates(store: Store, settings: Settings, week: str) -> list[Candidate]:
    start, end = week_bounds(week)
    items = store.items_between(start, end)
    # Engagement is a percentile over a trailing window, not just this week.
    history = store.items_between(end - timedelta(days=settings.rank.window_days), start)
    recent = [p for p in published_issues(store, limit=RECENT_ISSUES + 1) if p.week != week][
        :RECENT_ISSUES
    ]
    featured = frozenset(
        canonical_url(pick.url) for p in recent for pick in p.all_picks if pick.url
    )
    source_weights = {s.name: s.weight for s in settings.sources}
    return rank(
        items,
        start,
        end,
        load_taxonomy(),
        source_weights,
        featured,
        Weights.from_settings(settings.rank),
        history=history,
        source_options={s.name: s.options for s in settings.sources},
    )
