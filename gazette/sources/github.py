"""GitHub releases of a configured list of repositories, from ``releases.atom``.

Old GitHub Atom feeds carry relative links (``/owner/repo/releases/tag/v1``);
they resolve against the feed's URL like any other feed link. (The REST API
with reactions, when ``GITHUB_TOKEN`` is set, arrives with the sources issue.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from gazette.config import SourceConfig
from gazette.models import Item
from gazette.sources.base import Fetch
from gazette.sources.feeds import parse_feed_page

DEFAULT_REPOS = (
    "elixir-lang/elixir",
    "phoenixframework/phoenix",
    "phoenixframework/phoenix_live_view",
    "elixir-ecto/ecto",
    "livebook-dev/livebook",
    "nerves-project/nerves",
    "oban-bg/oban",
    "ash-project/ash",
    "elixir-nx/nx",
)
_PRERELEASE = re.compile(r"-(rc|alpha|beta|pre|dev)", re.I)


@dataclass
class GithubSource:
    """Options: ``repos`` (a list of "owner/name"), ``site_url`` (public address for links)."""

    kind: ClassVar[str] = "github"
    options: ClassVar[Mapping[str, type]] = {"repos": list, "site_url": str}
    config: SourceConfig

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        items: list[Item] = []
        public = str(self.config.options.get("site_url") or "https://github.com").rstrip("/")
        for repo in self.config.options.get("repos", DEFAULT_REPOS):
            page = await fetch(f"{self.config.base_url}/{repo}/releases.atom")
            if page.not_modified:
                continue
            for item in parse_feed_page(page, self.config.name, "github"):
                items.append(_as_release(item, repo, self.config.base_url, public))
        return items


def _as_release(item: Item, repo: str, base_url: str, public: str) -> Item:
    name = repo.split("/")[-1]
    title = item.title if item.title.lower().startswith(name.lower()) else f"{name} {item.title}"
    flags = ("release", "prerelease") if _PRERELEASE.search(item.title) else ("release",)
    url = item.url.replace(base_url, public, 1) if base_url != public else item.url
    return replace(
        item,
        external_id=f"{repo}:{item.external_id}",
        title=title,
        url=url,
        flags=flags,
        raw={**item.raw, "repo": repo, "package": name, "tag": item.title},
    )
