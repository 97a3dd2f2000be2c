"""The files of one search segment: an inverted index of stories, as static JSON.

Why Gazette writes its own index rather than Pagefind's: on a real archive
Pagefind's indexing alone took more than the whole build may (about 0.5 ms of
its CPU a record and 0.4 us a byte of text, measured on 2 cores), which forced
a cut of every story's text to its first 2,000 characters and a tag filter that
only looked at the first 300 results. This index is built in one pass of
Python over the text (a tenth of Pagefind's time on the same records), keeps
every word of every story, and filters by tag exactly. What it leaves out is
said in the README: no stemming (a word matches as a prefix instead), no
phrase search, and no word segmentation for scripts written without spaces.

A segment (``gazette.search`` writes one a year) is:

- ``meta.json``: how many stories, how many term buckets, where each chunk of
  stories starts, and each tag's stories;
- ``terms-<b>.json``: every term of bucket ``b`` and its postings, a flat list
  ``[story, weight, story, weight, ...]`` in story order. A term's bucket
  depends on its first two characters only, so every term that starts with a
  reader's prefix is in the one bucket that prefix names;
- ``stories-<c>.json``: what a result shows (headline, issue, date, tags,
  source, link) and the story's text, for the excerpt.

Stories are numbered in the segment's date order, oldest first. search.js
reads the same words with the same rule (``WORD`` below, its ``wordsOf``):
Unicode letters and digits, NFC, lower case. Every file is JSON with sorted
keys and no spaces, so the same stories give the same bytes.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence

from gazette.search_records import StoryRecord

FORMAT = 1  # bumped when the files change shape; search.js checks it
# A term: letters and digits of any script ([^\W_] is \w without the
# underscore, which joins words in package names: ex_aws_dynamo is three).
WORD = re.compile(r"[^\W_]+")
HEADLINE_WEIGHT = 4  # a word of the headline counts as four of the text
# About this many postings (story, weight pairs) a bucket: a query fetches one
# bucket a word and a segment, so a bucket is a few tens of kilobytes.
POSTINGS_PER_BUCKET = 6000
MAX_BUCKETS = 256
# About this much text a chunk of stories: the results of a query fetch the
# chunks that hold them.
CHUNK_CHARS = 64_000


def words(text: str) -> list[str]:
    """The terms of ``text``, in order, as search.js reads them."""
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def bucket_of(term: str, buckets: int) -> int:
    """The bucket of every term that starts as ``term`` does (search.js:
    ``bucketOf``): from the code points of its first two characters."""
    first = ord(term[0])
    second = ord(term[1]) if len(term) > 1 else 0
    return (first * 31 + second) % buckets


def segment_files(records: Sequence[StoryRecord]) -> dict[str, bytes]:
    """The files of one segment of ``records`` (in date order, oldest first),
    by their path in the segment."""
    postings = _postings(records)
    total = sum(len(entry) for entry in postings.values()) // 2
    buckets = min(MAX_BUCKETS, max(1, math.ceil(total / POSTINGS_PER_BUCKET)))
    by_bucket: list[dict[str, list[int]]] = [{} for _ in range(buckets)]
    for term, entry in postings.items():
        by_bucket[bucket_of(term, buckets)][term] = entry
    # Every bucket, empty ones too: search.js never asks for a file that is not there.
    files = {f"terms-{b}.json": _json(terms) for b, terms in enumerate(by_bucket)}
    starts: list[int] = []
    for number, (start, chunk) in enumerate(_chunks(records)):
        starts.append(start)
        files[f"stories-{number}.json"] = _json([record.shown() for record in chunk])
    tags: dict[str, list[int]] = {}
    for story, record in enumerate(records):
        for tag in record.tags:
            tags.setdefault(tag, []).append(story)
    meta = {"format": FORMAT, "stories": len(records), "buckets": buckets,
            "chunks": starts, "tags": tags}  # fmt: skip
    files["meta.json"] = _json(meta)
    return files


def _postings(records: Sequence[StoryRecord]) -> dict[str, list[int]]:
    """Each term's ``[story, weight, story, weight, ...]``, in story order."""
    postings: dict[str, list[int]] = {}
    for story, record in enumerate(records):
        counts = Counter(words(record.text))
        for term in words(record.headline):
            counts[term] += HEADLINE_WEIGHT
        for term, weight in counts.items():
            entry = postings.get(term)
            if entry is None:
                postings[term] = [story, weight]
            else:
                entry += (story, weight)
    return postings


def _chunks(records: Sequence[StoryRecord]) -> Iterator[tuple[int, Sequence[StoryRecord]]]:
    """(first story, stories) of consecutive runs of about CHUNK_CHARS of text."""
    start = size = 0
    for story, record in enumerate(records):
        size += len(record.text) + len(record.headline)
        if size >= CHUNK_CHARS:
            yield start, records[start : story + 1]
            start, size = story + 1, 0
    if start < len(records):
        yield start, records[start:]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
