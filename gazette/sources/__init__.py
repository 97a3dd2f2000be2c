"""The source registry.

Built-in sources register exactly as an outside plug-in would: a kind name
mapped to a class that takes a SourceConfig. (Entry points `gazette.sources`
can extend this dict later without changing callers.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gazette.config import Settings, SourceConfig
from gazette.errors import ConfigError
from gazette.sources.base import Source, check_options
from gazette.sources.discourse import DiscourseSource
from gazette.sources.feeds import FeedSource
from gazette.sources.github import GithubSource
from gazette.sources.hackernews import HackerNewsSource
from gazette.sources.hexpm import HexpmSource
from gazette.sources.reddit import RedditSource

SourceFactory = Callable[[SourceConfig], Source]

REGISTRY: dict[str, type] = {
    DiscourseSource.kind: DiscourseSource,
    HexpmSource.kind: HexpmSource,
    GithubSource.kind: GithubSource,
    RedditSource.kind: RedditSource,
    HackerNewsSource.kind: HackerNewsSource,
    FeedSource.kind: FeedSource,
}


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
        factory = REGISTRY.get(config.kind)
        if factory is None:
            raise ConfigError(
                f"{settings.origin}: source {config.name!r} has unknown kind {config.kind!r}"
                f" (known: {', '.join(sorted(REGISTRY))})"
            )
        check_options(config, factory.options, settings.origin)  # type: ignore[attr-defined]
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
