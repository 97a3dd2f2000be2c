"""GitHub releases of a configured list of repositories.

Without a token: ``https://github.com/<owner>/<repo>/releases.atom``. Old GitHub
Atom feeds carry relative links (``/owner/repo/releases/tag/v1``); they resolve
against the feed's URL like any other feed link.

With ``GITHUB_TOKEN`` in the environment: the REST API
(``<api_url>/repos/<owner>/<repo>/releases``), which also says whether a release
is a pre-release and how many reactions it got. Both paths give a release the
same external id (``owner/repo@tag``), so switching between them stores no
duplicates.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from gazette.clean import clean_title, html_to_text, plain_title
from gazette.config import SourceConfig
from gazette.http import FetchFailed
from gazette.markdown import to_html
from gazette.models import Item
from gazette.sources.base import (
    Fetch,
    SourceTraits,
    as_mapping,
    each_record,
    load_json,
    metric,
    require,
    text,
    timestamp,
)
from gazette.sources.feeds import parse_feed_page
from gazette.urls import safe_url

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
TOKEN_ENV = "GITHUB_TOKEN"
API_URL = "https://api.github.com"
PER_PAGE = 30
_PRERELEASE = re.compile(r"-(rc|alpha|beta|pre|dev)", re.I)
_TAG_PATH = re.compile(r"/releases/tag/(.+)$")


@dataclass
class GithubSource(SourceTraits):
    """Options: ``repos`` (a list of "owner/name"), ``site_url`` (public address
    for links, default https://github.com), ``api_url`` (the REST API used when
    the environment variable GITHUB_TOKEN is set, default https://api.github.com)."""

    kind: ClassVar[str] = "github"
    link_text: ClassVar[str] = "Read the release notes on GitHub"
    machine_titled: ClassVar[bool] = True
    options: ClassVar[Mapping[str, type]] = {"repos": list, "site_url": str, "api_url": str}
    config: SourceConfig

    @classmethod
    def engagement(cls, metrics: Mapping[str, float]) -> float:
        return metrics.get("reactions", 0)

    @property
    def public(self) -> str:
        return str(self.config.options.get("site_url") or "https://github.com").rstrip("/")

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        token = os.environ.get(TOKEN_ENV, "").strip()
        items: list[Item] = []
        for repo in self.config.options.get("repos", DEFAULT_REPOS):
            if token:
                items += await self._from_api(fetch, str(repo), token)
            else:
                items += await self._from_atom(fetch, str(repo))
        return items

    async def _from_atom(self, fetch: Fetch, repo: str) -> list[Item]:
        page = await fetch(f"{self.config.base_url}/{repo}/releases.atom")
        if page.not_modified:
            return []
        items = await parse_feed_page(page, self.config.name, "github")
        return [_as_release(item, repo, self.config.base_url, self.public) for item in items]

    async def _from_api(self, fetch: Fetch, repo: str, token: str) -> list[Item]:
        api = str(self.config.options.get("api_url") or API_URL).rstrip("/")
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        try:
            # Conditional: GitHub does not count a 304 against the rate limit.
            page = await fetch(f"{api}/repos/{repo}/releases?per_page={PER_PAGE}", headers=headers)
        except FetchFailed as exc:
            if exc.status in (401, 403):
                raise FetchFailed(
                    f"{exc} (is {TOKEN_ENV} valid and allowed to read {repo}?)"
                ) from None
            raise
        if page.not_modified:
            return []
        return parse_rest_releases(load_json(page), self.config.name, repo, self.public, page.url)


def parse_rest_releases(
    data: Any, source: str, repo: str, public: str = "https://github.com", url: str = ""
) -> list[Item]:
    """Items from a REST ``/repos/<o>/<r>/releases`` page fetched from ``url``;
    drafts are left out, a release with a field of the wrong type is skipped."""
    require(isinstance(data, list), f"GitHub releases of {repo} must be a JSON array")
    return each_record(
        (r for r in data if isinstance(r, dict) and not r.get("draft")),
        lambda release: _rest_item(release, source, repo, public),
        source,
        url,
    )


def _rest_item(release: Mapping[str, Any], source: str, repo: str, public: str) -> Item | None:
    tag = release.get("tag_name")
    published = timestamp(release, "published_at") or timestamp(release, "created_at")
    if not isinstance(tag, str) or not tag or published is None:
        return None
    package = repo.split("/")[-1]
    name = plain_title(text(release, "name")) or plain_title(tag)
    url = safe_url(text(release, "html_url")) or f"{public}/{repo}/releases/tag/{tag}"
    body = release.get("body")
    # Release notes are GitHub-flavoured Markdown, raw HTML allowed: to_html
    # renders it and cleans the result with the same allow-list as feeds.
    html = to_html(body) if isinstance(body, str) else ""
    reactions = as_mapping(release.get("reactions"))
    prerelease = bool(release.get("prerelease")) or bool(_PRERELEASE.search(tag))
    author = as_mapping(release.get("author"))
    return Item(
        source=source,
        kind="github",
        external_id=f"{repo}@{tag}",
        url=url,
        title=_titled(name, package),
        published_at=published,
        author=clean_title(text(author, "login")),
        text=html_to_text(html, cleaned=True),
        html=html,
        metrics={"reactions": metric(reactions, "total_count")},
        flags=("release", "prerelease") if prerelease else ("release",),
        package=package,
        version=clean_title(tag),
        github_url=f"https://github.com/{repo}",
        raw={
            "repo": repo,
            "package": package,
            "tag": clean_title(tag),
            "reactions": {
                k: metric(reactions, k) for k in reactions if k not in ("url", "total_count")
            },
        },
    )


def _as_release(item: Item, repo: str, base_url: str, public: str) -> Item:
    name = repo.split("/")[-1]
    flags = ("release", "prerelease") if _PRERELEASE.search(item.title) else ("release",)
    url = item.url.replace(base_url, public, 1) if base_url != public else item.url
    tag = _tag_of(url) or item.title
    return replace(
        item,
        external_id=f"{repo}@{tag}",
        title=_titled(item.title, name),
        url=url,
        flags=flags,
        package=name,
        version=tag,
        github_url=f"https://github.com/{repo}",
        raw={**item.raw, "repo": repo, "package": name, "tag": tag},
    )


def _tag_of(url: str) -> str:
    match = _TAG_PATH.search(urlsplit(url).path)
    return clean_title(unquote(match.group(1))) if match else ""


def _titled(title: str, package: str) -> str:
    """ "v1.19.5" reads as "elixir v1.19.5" in a list of stories."""
    return title if title.lower().startswith(package.lower()) else f"{package} {title}"
