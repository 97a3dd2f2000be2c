"""The source registry.

Built-in sources register exactly as an outside plug-in does: a class under
the ``gazette.sources`` entry point group, named by its kind (pyproject.toml
declares the built-ins). ``BUILTIN`` is the fallback for when the package's
metadata is absent (a source checkout on sys.path). Later stages ask
:func:`traits_of` what a kind knows, never compare kind names.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from gazette.config import Settings
from gazette.errors import ConfigError
from gazette.sources.base import KindTraits, Source, SourceTraits, check_options
from gazette.sources.discourse import DiscourseSource
from gazette.sources.feeds import FeedSource
from gazette.sources.github import GithubSource
from gazette.sources.hackernews import HackerNewsSource
from gazette.sources.hexpm import HexpmSource
from gazette.sources.reddit import RedditSource

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "gazette.sources"

BUILTIN: Mapping[str, type[Source]] = {
    DiscourseSource.kind: DiscourseSource,
    HexpmSource.kind: HexpmSource,
    GithubSource.kind: GithubSource,
    RedditSource.kind: RedditSource,
    HackerNewsSource.kind: HackerNewsSource,
    FeedSource.kind: FeedSource,
}


@cache
def registry() -> Mapping[str, type[Source]]:
    """Every known kind: the built-ins, then what the entry points add or replace.

    Read once per process (:func:`refresh_registry` reads again). A plug-in
    that fails to load is logged and left out: the other sources still run.
    """
    found: dict[str, type[Source]] = dict(BUILTIN)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = point.load()
        except Exception:
            log.error(
                "source plug-in %r (%s) failed to load", point.name, point.value, exc_info=True
            )
            continue
        if getattr(loaded, "kind", None) != point.name:
            log.error(
                "source plug-in %r (%s) declares kind %r, not %r: left out",
                point.name,
                point.value,
                getattr(loaded, "kind", None),
                point.name,
            )
            continue
        found[point.name] = loaded
    return found


def refresh_registry() -> None:
    """Forget the entry points read so far (after installing a plug-in in-process)."""
    registry.cache_clear()
    traits_of.cache_clear()


@cache
def traits_of(kind: str) -> type[KindTraits]:
    """What the stages after fetching know about items of ``kind``: its source
    class, or the defaults for a kind no longer installed."""
    return registry().get(kind, SourceTraits)


def build_sources(settings: Settings, only: tuple[str, ...] = ()) -> list[Source]:
    """The enabled sources (or those named in ``only``), options checked."""
    known = {s.name for s in settings.sources}
    for name in only:
        if name not in known:
            raise ConfigError(
                f"{settings.origin}: no source named {name!r} (known: {', '.join(sorted(known))})"
            )
    built: list[Source] = []
    for config in settings.sources:
        if only and config.name not in only:
            continue
        if not only and not config.enabled:
            continue
        known_kinds = registry()
        factory = known_kinds.get(config.kind)
        if factory is None:
            raise ConfigError(
                f"{settings.origin}: source {config.name!r} has unknown kind {config.kind!r}"
                f" (known: {', '.join(sorted(known_kinds))})"
            )
        check_options(config, factory.options, settings.origin)
        if not (config.base_url or config.url):
            raise ConfigError(f"{settings.origin}: source {config.name!r} needs a base_url or url")
        built.append(factory(config))
    return built


def source_rows(settings: Settings) -> list[dict[str, Any]]:
    """What `gazette sources list` shows: one plain dict per configured source."""
    rows = []
    for config in settings.sources:
        address = config.url or config.base_url
        repos = config.options.get("repos")
        if isinstance(repos, list):
            address += f" ({len(repos)} repositories)"
        rows.append(
            {
                "name": config.name,
                "kind": config.kind,
                "enabled": config.enabled,
                "weight": config.weight,
                "address": address,
            }
        )
    return rows
