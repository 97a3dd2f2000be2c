"""Group items about the same thing across sources into one story.

Union-find over three kinds of evidence: the same canonical URL, one item
linking to another's URL, and the same package and version named in a title
("Elixir v1.19.5 released" on the forum, the ``v1.19.5`` GitHub release).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gazette.models import StoredItem
from gazette.urls import canonical_url

_RELEASE = re.compile(r"\b([a-z][\w-]*)\s+v?(\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?)\b", re.I)


def cluster_items(items: Sequence[StoredItem]) -> list[list[StoredItem]]:
    parent = {s.id: s.id for s in items}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_url: dict[str, int] = {}
    for stored in items:
        for url in _urls_of(stored):
            if url in by_url:
                union(by_url[url], stored.id)
            else:
                by_url[url] = stored.id
    groups: dict[int, list[StoredItem]] = {}
    for stored in items:
        groups.setdefault(find(stored.id), []).append(stored)
    return list(groups.values())


def _urls_of(stored: StoredItem) -> set[str]:
    """Every key that identifies what the item is about."""
    item = stored.item
    keys = {canonical_url(item.url)}
    linked = item.raw.get("link_url")
    if isinstance(linked, str) and linked:
        keys.add(canonical_url(linked))
    keys |= {f"release:{name.lower()}@{version}" for name, version in _RELEASE.findall(item.title)}
    return keys
