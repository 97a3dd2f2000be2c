"""Hex.pm: newly published packages and new releases of existing ones.

Asks for ``/api/packages?sort=inserted_at`` and ``?sort=updated_at`` (pages of
100) until a page ends before ``since``. Collection responses are sparse: a new
package's ``downloads`` is ``{}``, and ``releases[].inserted_at`` is null, so the
package's own ``inserted_at``/``updated_at`` date the item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from gazette.clean import clean_title, plain_title
from gazette.config import SourceConfig
from gazette.models import Item
from gazette.sources.base import (
    BadField,
    Fetch,
    SourceTraits,
    as_mapping,
    each_record,
    listed,
    load_json,
    metric,
    require,
    timestamp,
)
from gazette.urls import safe_url

MAX_PAGES = 10
SORTS = ("inserted_at", "updated_at")
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?")


@dataclass
class HexpmSource(SourceTraits):
    """Options: ``max_pages`` per sort order (default 10)."""

    kind: ClassVar[str] = "hexpm"
    link_text: ClassVar[str] = "See the package on Hex.pm"
    machine_titled: ClassVar[bool] = True
    package_registry: ClassVar[bool] = True
    # Downloads measure a package's popularity, not this week's news.
    engagement_scale: ClassVar[float] = 0.5
    options: ClassVar[Mapping[str, type]] = {"max_pages": int}
    config: SourceConfig

    @classmethod
    def engagement(cls, metrics: Mapping[str, float]) -> float:
        return metrics.get("downloads_recent", 0) + metrics.get("downloads_week", 0)

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        found: dict[str, Item] = {}
        max_pages = int(self.config.options.get("max_pages", MAX_PAGES))
        for sort in SORTS:
            for page_number in range(1, max_pages + 1):
                page = await fetch(
                    f"{self.config.base_url}/api/packages?page={page_number}&sort={sort}"
                )
                if page.not_modified:
                    break
                packages = load_json(page)
                items = parse_packages(packages, self.config.name, sort, page.url)
                for item in items:
                    # The same release shows up in both orders; the first wins.
                    found.setdefault(item.external_id, item)
                if len(packages) < 100 or not items or min(i.published_at for i in items) < since:
                    break
        return list(found.values())


def parse_packages(data: Any, source: str, sort: str = "updated_at", url: str = "") -> list[Item]:
    """Items (one per package's latest release) from a /api/packages page
    fetched from ``url``; a package with a field of the wrong type is skipped."""
    require(isinstance(data, list), "Hex.pm package list must be a JSON array")
    return each_record(
        (p for p in data if isinstance(p, dict)),
        lambda package: package_item(package, source, sort),
        source,
        url,
    )


def package_item(package: Mapping[str, Any], source: str, sort: str = "updated_at") -> Item | None:
    name = package.get("name")
    version = package.get("latest_version") or _newest_release(package)
    if not isinstance(version, str | None):
        raise BadField("latest_version", version, "not text")
    stamp = timestamp(package, sort) or timestamp(package, "updated_at")
    if not isinstance(name, str) or not name or not version or stamp is None:
        return None
    meta = as_mapping(package.get("meta"))
    description = plain_title(
        meta["description"] if isinstance(meta.get("description"), str) else ""
    )
    downloads = as_mapping(package.get("downloads"))
    releases = listed(package, "releases")
    versions = [r.get("version") for r in releases if isinstance(r, dict)]
    first_release = len(versions) <= 1
    change = "first" if first_release else _semver_change(str(version), versions)
    flags = ["new-package"] if first_release else ["release", change]
    if _is_prerelease(str(version)):
        flags.append("prerelease")
    links = {k: safe_url(v) for k, v in as_mapping(meta.get("links")).items() if isinstance(v, str)}
    html_url = safe_url(package.get("html_url")) or f"https://hex.pm/packages/{name}"
    return Item(
        source=source,
        kind="hexpm",
        external_id=f"{name}@{version}",
        url=f"{html_url.rstrip('/')}/{version}" if not first_release else html_url,
        title=f"{clean_title(name)} {clean_title(str(version))}",
        published_at=stamp,
        text=description,
        html="",
        tags=(),
        metrics={
            "downloads_all": metric(downloads, "all"),
            "downloads_recent": metric(downloads, "recent"),
            "downloads_week": metric(downloads, "week"),
        },
        flags=tuple(flags),
        package=clean_title(name),
        version=str(version),
        github_url=next(
            (v for k, v in links.items() if v and clean_title(k).lower() == "github"), ""
        ),
        raw={
            "package": clean_title(name),
            "version": str(version),
            "change": change,
            "description": description,
            "docs_url": safe_url(package.get("docs_html_url")),
            "repository_url": _repository(links),
            "links": {clean_title(k): v for k, v in links.items() if v},
            "licenses": [clean_title(x) for x in listed(meta, "licenses") if isinstance(x, str)],
            "inserted_at": package.get("inserted_at"),
            "updated_at": package.get("updated_at"),
            "releases": versions[:10],
        },
    )


_FORGES = ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org", "sr.ht", "sourcehut.org")
_SOURCE_LINK_NAMES = ("source", "repository", "repo", "code", "github", "gitlab")


def _repository(links: Mapping[str, str]) -> str:
    """The package's source repository among its free-form ``meta.links``."""
    for key, url in links.items():
        if url and key.strip().lower() in _SOURCE_LINK_NAMES:
            return url
    for url in links.values():
        host = urlsplit(url).hostname or ""
        if url and any(host == forge or host.endswith("." + forge) for forge in _FORGES):
            return url
    return ""


def _newest_release(package: Mapping[str, Any]) -> str | None:
    releases = listed(package, "releases")
    first = releases[0] if releases and isinstance(releases[0], dict) else {}
    version = first.get("version")
    return version if isinstance(version, str) else None


def _is_prerelease(version: str) -> bool:
    match = _SEMVER.match(version)
    return bool(match and match.group(4))


def _semver_change(version: str, versions: list[Any]) -> str:
    """major, minor or patch: how the latest release differs from the last stable
    one before it (1.4.0 after 1.4.0-rc.3 and 1.3.4 is a minor release)."""
    current = _SEMVER.match(version)
    others = [v for v in versions if isinstance(v, str) and v != version]
    stable = [v for v in others if not _is_prerelease(v)]
    candidates = stable or others
    previous = _SEMVER.match(candidates[0]) if candidates else None
    if not current or not previous:
        return "update"
    for index, label in enumerate(("major", "minor", "patch")):
        if current.group(index + 1) != previous.group(index + 1):
            return label
    return "prerelease" if current.group(4) else "patch"
