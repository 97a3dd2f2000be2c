"""Group items about the same thing across sources into one story.

Union-find over five kinds of evidence, strongest first:

1. the same canonical URL, or one item linking to another's URL;
2. the same release: a package name and version named in a title ("Elixir
   v1.19.5 released" on the forum, the ``elixir v1.19.5`` GitHub release, the
   Hex.pm ``elixir 1.19.5``), names compared without case, ``_`` or ``-``;
3. the same GitHub repository (a Hex package's GitHub link, a post linking to
   the repository's front page);
4. a Hex package announced by name, the single word a forum, Reddit, HN or blog
   title starts with: "LiveVue - v1.0 released…" is ``live_vue``, "Igniter - a
   code generation framework" is ``igniter``, "Oban: …" is ``oban``;
5. nearly the same title (rapidfuzz on normalized titles), across sources.

Guards keep stories apart that only look alike: two groups that name the same
package with different versions never merge ("Elixir v1.17.0 released" stays
apart from v1.19.5), titles whose numbers differ never merge ("Thinking Elixir
285" vs "286"), common words are never package names, and a title must carry at
least three meaningful words to be matched by similarity.

It has to stay fast on a year of items, so titles are only compared inside
small blocks that share one of their rarest words (near-duplicates share those),
never all pairs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from gazette.batch import collector_paused
from gazette.errors import ItemNotFound
from gazette.models import StoredItem
from gazette.sources import traits_of
from gazette.timeutil import iso_week, week_bounds
from gazette.urls import canonical_url

if TYPE_CHECKING:
    from gazette.store import Store

# Similarity (0-100) at which two normalized titles are the same story.
TITLE_SIMILARITY = 90.0
# A title needs this many meaningful words to be matched by similarity alone.
MIN_TITLE_WORDS = 3
# Blocks of titles sharing a word are compared pairwise; a word shared by more
# titles than this identifies nothing and its block is skipped.
MAX_BLOCK = 64
# How many of a title's rarest words it is filed under.
BLOCK_KEYS = 2

_VERSION = r"v?\d+\.\d+(?:\.\d+)*(?:-[0-9A-Za-z.]+)?"
# A title that starts with a name and a version: "Elixir v1.19.5 released",
# "LiveVue - v1.0 released…", "Oaskit v0.10 – …", "phoenix_live_view v1.1.20".
_RELEASE = re.compile(r"^([A-Za-z][\w.-]*?)\s+(?:[-–—:]\s+)?(" + _VERSION + r")(?![\w.])")
_RELEASE_WORDS = re.compile(r"\b(released?|releasing|is out|now available|announc\w*)\b", re.I)
_VERSION_ONLY = re.compile(r"(?<![\w.])(" + _VERSION + r")(?![\w.])", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\w])|(?<![\w.])\d+(?![\w.])")
_BRACKETS = re.compile(r"^\s*(?:\[[^\]]*\]\s*|\([^)]*\)\s*)+")
_PREFIX = re.compile(
    r"^(?:show hn|ask hn|tell hn|launch hn|ann|announce|announcing|introducing|releasing|new)"
    r"\s*[:\-–—]?\s+",
    re.I,
)
_WORD = re.compile(r"[a-z0-9]+")
# Compiled once: item_facts runs these for every item of a year (re.sub with a
# pattern string looks it up in re's cache on every call).
_NAME_PUNCTUATION = re.compile(r"[\s_.-]+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
# A title's head: the part before its first separator ("LiveVue - v1.0 ...").
_HEAD_SEPARATOR = re.compile(r"\s+[-–—|]\s+|:\s+|\s+v?\d+\.\d+")
_SIMPLE_URL = re.compile(r"^https?://([A-Za-z0-9.-]+)(/[^?#\s]*)?$")
_GITHUB_REPO = re.compile(
    r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?(?:/(releases/tag/[^/]+|tree/[^/]+))?/?$"
)

# Words that say nothing about which story a title is: never block keys, never
# counted as meaningful, and never taken for a package name.
STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has",
        "have", "how", "i", "in", "into", "is", "it", "its", "my", "new", "of", "on", "or", "our",
        "out", "over", "so", "than", "that", "the", "their", "this", "to", "up", "use", "using",
        "vs", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with",
        "without", "you", "your", "released", "release", "releases", "announcing", "announcement",
        "ann", "elixir", "erlang", "via"
    }
)  # fmt: skip
# Package names that are also everyday words or the ecosystem's own names: a
# title beginning with "Phoenix:" or "Still" is not the release of phoenix/still.
GENERIC_NAMES = frozenset(
    {
        "about", "after", "again", "all", "also", "any", "api", "app", "apps", "auth", "back",
        "beam", "best", "better", "build", "cache", "check", "cli", "client", "code", "config",
        "core", "data", "date", "day", "debug", "deploy", "design", "dev", "docs", "easy", "elixir",
        "erlang", "ecto", "error", "event", "events", "example", "fast", "file", "files", "first",
        "form", "forms", "free", "from", "get", "good", "graph", "help", "hex", "home", "http",
        "just", "json", "key", "last", "learn", "let", "like", "list", "live", "log", "logger",
        "make", "many", "mix", "more", "most", "much", "my", "need", "nerves", "next", "now", "off",
        "old", "one", "only", "open", "otp", "phoenix", "plug", "pool", "post", "project", "queue",
        "quick", "real", "request", "rest", "run", "same", "say", "see", "server", "session",
        "setup", "simple", "some", "start", "state", "still", "stream", "sure", "task", "test",
        "tests", "text", "than", "that", "then", "there", "these", "thing", "think", "this", "time",
        "today", "tool", "tools", "try", "type", "ui", "update", "user", "very", "want", "way",
        "web", "what", "when", "which", "while", "who", "why", "will", "work", "world", "year",
        "yes", "your", "ash", "together", "snap", "capsule", "quantity", "expression", "bunch"
    }
)  # fmt: skip


def fast_canonical(url: str) -> str:
    """``canonical_url`` with a fast path for the common URL without query,
    fragment, port or user (urlsplit is most of clustering's time otherwise)."""
    match = _SIMPLE_URL.match(url)
    if not match:
        return canonical_url(url)
    host = match.group(1).lower()
    if host.startswith("www."):
        host = host[4:]
    return f"https://{host}{(match.group(2) or '').rstrip('/') or '/'}"


def squash(name: str) -> str:
    """A package or project name compared across spellings: ``live_vue`` ==
    ``LiveVue`` == ``live-vue``."""
    return _NAME_PUNCTUATION.sub("", name.lower())


def normalize_version(version: str) -> str:
    """``v1.0`` and ``1.0.0`` name the same release."""
    core, dash, rest = version.lower().lstrip("v").partition("-")
    parts = core.split(".")
    while len(parts) < 3:
        parts.append("0")
    return ".".join(parts) + (dash + rest if dash else "")


def normalize_title(title: str) -> str:
    """Lower-case words of a title without bracketed tags, "Show HN:" and
    "released"-like filler and versions, numbers without thousands separators."""
    text = _VERSION_ONLY.sub(" ", _PREFIX.sub("", _BRACKETS.sub("", title))).lower()
    if "," in text:
        text = _THOUSANDS.sub("", text)
    words = [w for w in _WORD.findall(text) if w not in {"released", "release", "ann"}]
    return " ".join(words)


@dataclass(frozen=True)
class _Facts:
    """What clustering needs to know about one item, computed once."""

    id: int
    source: str
    registry_release: bool  # a package registry's release, matched by package name
    # Sorted, not sets: the order in which an item's links are tried decides
    # which of two conflicting groups it joins, and a set's order changes with
    # each process's string hashing (PYTHONHASHSEED).
    urls: tuple[str, ...]
    releases: tuple[tuple[str, str], ...]  # (squashed name, normalized version)
    versions: frozenset[str]
    numbers: frozenset[str]
    repo: str
    package: str  # squashed name of the package an item releases
    head: str  # squashed head of an announcing title
    words: tuple[str, ...]  # meaningful words of the normalized title
    title: str  # normalized title


def item_facts(stored: StoredItem) -> _Facts:
    """Everything clustering compares, from the item's title, URLs and release fields."""
    item = stored.item
    traits = traits_of(item.kind)
    urls: set[str] = set()
    # Feed entries without a link of their own carry the feed's home page.
    if item.has_link:
        urls.add(fast_canonical(item.url))
    if item.link_url:
        urls.add(fast_canonical(item.link_url))
    urls = {u for u in urls if not _is_root(u)}

    releases = set()
    stripped = _PREFIX.sub("", _BRACKETS.sub("", item.title)).strip()
    match = _RELEASE.match(stripped)
    # "Elixir 1.19 compilation performance" talks about a series, not a release:
    # a bare two-part version counts only when the title says it is a release.
    if match and (
        match.group(2)[0] in "vV"
        or match.group(2).count(".") >= 2
        or _RELEASE_WORDS.search(item.title)
    ):
        releases.add((squash(match.group(1)), normalize_version(match.group(2))))
    package = ""
    if item.package:
        package = squash(item.package)
        if _VERSION_ONLY.fullmatch(item.version):
            releases.add((package, normalize_version(item.version)))
    versions = {normalize_version(v) for v in _VERSION_ONLY.findall(item.title)}
    versions |= {v for _, v in releases}

    repo = ""
    for url in _repo_urls(stored):
        found = _GITHUB_REPO.match(fast_canonical(url)) if "github.com" in url else None
        if found:
            repo = f"{found.group(1)}/{found.group(2)}".lower()
            break

    title = normalize_title(item.title)
    no_versions = _VERSION_ONLY.sub(" ", item.title)
    numbers = {n.replace(",", "") for n in _NUMBER.findall(no_versions)}
    words = tuple(w for w in title.split() if w not in STOPWORDS and not w.isdigit())
    head = ""
    if traits.announces and not item.title.rstrip().endswith("?"):
        # Only a single word before the first separator (or a one-word title)
        # is a name: "Igniter - a code generation…", not "Ash aggregates with…".
        first = _HEAD_SEPARATOR.split(stripped, maxsplit=1)[0].strip()
        if first and " " not in first:
            head = squash(first)
    return _Facts(
        id=stored.id,
        source=item.source,
        registry_release=traits.package_registry,
        urls=tuple(sorted(urls)),
        releases=tuple(sorted(releases)),
        versions=frozenset(versions),
        numbers=frozenset(numbers),
        repo=repo,
        package=package,
        head=head,
        words=words,
        title=title,
    )


def _is_root(canonical: str) -> bool:
    """A site's front page (``https://host/``) identifies no story."""
    rest = canonical.partition("://")[2]
    return rest.partition("?")[0].partition("#")[0].rstrip("/").count("/") == 0


def _repo_urls(stored: StoredItem) -> list[str]:
    item = stored.item
    return [u for u in (item.url, item.link_url, item.github_url) if u]


class _Groups:
    """Union-find that refuses merges naming one package with two versions."""

    def __init__(self, facts: Sequence[_Facts]) -> None:
        self.parent = {f.id: f.id for f in facts}
        self.named: dict[int, dict[str, set[str]]] = {}
        for f in facts:
            named: dict[str, set[str]] = {}
            for name, version in f.releases:
                named.setdefault(name, set()).add(version)
            self.named[f.id] = named

    def find(self, x: int) -> int:
        # Path halving. (A group's root is always its smallest id, see union,
        # so the shape of the trees never changes which groups merge.)
        parent = self.parent
        while (up := parent[x]) != x:
            parent[x] = x = parent[up]
        return x

    def conflict(self, a: int, b: int) -> bool:
        left, right = self.named[self.find(a)], self.named[self.find(b)]
        if not left or not right:
            return False  # most items name no release
        if len(left) > len(right):
            left, right = right, left
        for name, versions in left.items():
            other = right.get(name)
            if other is not None and not (versions & other):
                return True
        return False

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.conflict(ra, rb):
            return False
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        merged = self.named[keep]
        for name, versions in self.named.pop(gone).items():
            merged.setdefault(name, set()).update(versions)
        return True


def cluster_items(items: Sequence[StoredItem]) -> list[list[StoredItem]]:
    """Stories as lists of items, in order of their first item; deterministic."""
    ordered = sorted(items, key=lambda s: s.id)
    with collector_paused():  # facts for every item, no cycles: see gazette.batch
        facts = [item_facts(s) for s in ordered]
        groups = _Groups(facts)
        _link_by_key(groups, ((url, f.id) for f in facts for url in f.urls))
        _link_by_key(groups, ((f"release:{n}@{v}", f.id) for f in facts for n, v in f.releases))
        _link_by_repo(groups, facts)
        _link_by_package(groups, facts, {s.id: s for s in ordered})
        _link_by_title(groups, facts)
        stories: dict[int, list[StoredItem]] = {}
        for stored in ordered:
            stories.setdefault(groups.find(stored.id), []).append(stored)
        return list(stories.values())


def _link_by_key(groups: _Groups, pairs: Iterable[tuple[str, int]]) -> None:
    first: dict[str, int] = {}
    for key, item_id in pairs:
        if key in first:
            groups.union(first[key], item_id)
        else:
            first[key] = item_id


def _link_by_repo(groups: _Groups, facts: Sequence[_Facts]) -> None:
    """Same repository: only when the items do not name different versions
    (a repository's v1.19.4 and v1.19.5 releases are two stories)."""
    by_repo: dict[str, list[_Facts]] = {}
    for f in facts:
        if f.repo:
            by_repo.setdefault(f.repo, []).append(f)
    find, union = groups.find, groups.union
    for members in by_repo.values():
        for i, left in enumerate(members):
            # A repository of a year of items links each to its next MAX_BLOCK:
            # most of those pairs are in one group already, which one find
            # says without a union.
            root = find(left.id)
            for right in members[i + 1 : i + 1 + MAX_BLOCK]:
                if left.versions and right.versions and not left.versions & right.versions:
                    continue
                if find(right.id) != root:
                    union(left.id, right.id)
                    root = find(left.id)


def _link_by_package(
    groups: _Groups, facts: Sequence[_Facts], by_id: dict[int, StoredItem]
) -> None:
    """An announcement whose title begins with a Hex package's name joins that
    package's release; the newest release first, the version guard decides."""
    releases: dict[str, list[_Facts]] = {}
    for f in facts:
        if f.registry_release and len(f.package) >= 3 and f.package not in GENERIC_NAMES:
            releases.setdefault(f.package, []).append(f)
    for hex_items in releases.values():
        hex_items.sort(key=lambda f: (-by_id[f.id].item.published_at.timestamp(), f.id))
    for f in facts:
        if not f.head or f.head not in releases:
            continue
        for release in releases[f.head]:
            if f.versions and not (f.versions & release.versions):
                continue
            if groups.union(f.id, release.id):
                break


def _link_by_title(groups: _Groups, facts: Sequence[_Facts]) -> None:
    matchable = [f for f in facts if len(f.words) >= MIN_TITLE_WORDS]
    frequency = Counter(w for f in matchable for w in set(f.words))
    blocks: dict[str, list[_Facts]] = {}
    for f in matchable:
        shared = sorted({w for w in f.words if frequency[w] >= 2}, key=lambda w: (frequency[w], w))
        for word in shared[:BLOCK_KEYS]:
            blocks.setdefault(word, []).append(f)
    seen: set[tuple[int, int]] = set()
    for word in sorted(blocks):
        members = blocks[word]
        if len(members) > MAX_BLOCK:
            continue
        for i, left in enumerate(members):
            for right in members[i + 1 :]:
                pair = (left.id, right.id)
                if pair in seen or left.source == right.source:
                    continue
                seen.add(pair)
                if _same_title(left, right):
                    groups.union(left.id, right.id)


def _same_title(left: _Facts, right: _Facts) -> bool:
    if left.versions and right.versions and not (left.versions & right.versions):
        return False
    if (left.numbers or right.numbers) and left.numbers != right.numbers:
        return False
    return fuzz.token_sort_ratio(left.title, right.title) >= TITLE_SIMILARITY


def story_of(store: Store, item_id: int, week: str | None = None) -> list[StoredItem]:
    """The story item ``item_id`` belongs to among the items of ``week`` (by
    default the ISO week it was published in), the item itself first."""
    stored = store.item(item_id)
    if stored is None:
        raise ItemNotFound(item_id, str(store.path))
    start, end = week_bounds(week or iso_week(stored.item.published_at))
    items = [s for s in store.items_between(start, end) if s.id != item_id]
    for story in cluster_items([stored, *items]):
        if any(s.id == item_id for s in story):
            return [stored, *(s for s in story if s.id != item_id)]
    return [stored]  # unreachable: every item is in exactly one story
