"""Reads a built search index as search.js does, for the tests: which stories
a query finds (every word of it, as a word of the story or the start of one)
and what each story shows. The browser test checks search.js itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gazette.search_index import bucket_of, words


def _json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def stories_of(site: Path, year: str) -> list[dict[str, Any]]:
    """Every story of a year's segment, in its numbering."""
    segment = site / "search-index" / year
    meta = _json(segment / "meta.json")
    stories = [s for c in range(len(meta["chunks"])) for s in _json(segment / f"stories-{c}.json")]
    assert len(stories) == meta["stories"]
    return stories


def find(site: Path, query: str) -> list[str]:
    """The URLs of the stories that have every word of ``query``, sorted."""
    terms = set(words(query))
    found: list[str] = []
    for year in _json(site / "search-index" / "index.json")["years"]:
        segment = site / "search-index" / year
        meta = _json(segment / "meta.json")
        matching: set[int] | None = None
        for term in terms:
            table = _json(segment / f"terms-{bucket_of(term, meta['buckets'])}.json")
            stories = {
                postings[i]
                for key, postings in table.items()
                if key == term or (len(term) > 1 and key.startswith(term))
                for i in range(0, len(postings), 2)
            }
            matching = stories if matching is None else matching & stories
        shown = stories_of(site, year)
        found += [shown[i]["url"] for i in matching or ()]
    return sorted(found)
