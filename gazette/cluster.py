"""Group items about the same thing across sources into one story.

Union-find over three kinds of evidence: the same canonical URL, one item
linking to another's URL, and the same Hex package named in a title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gazette.models import StoredItem
from gazette.urls import canonical_url

_LINK = re.compile(r"""href=["']([^"']+)["']""")


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
    item = stored.item
    urls = {canonical_url(item.url)}
    linked = item.raw.get("link_url")
    if isinstance(linked, str) and linked:
        urls.add(canonical_url(linked))
    return urls
