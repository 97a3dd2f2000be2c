"""The archive's search index: one result per story, through Pagefind.

Every pick, feature and quick link of every issue is a record of its own
(``gazette.search_records`` reads them from the stored HTML), and Pagefind
(the PyPI package ``pagefind[bin]``, which ships the binary) indexes those
records only, through its service mode (``gazette.search_service``): it never
reads the site's pages, so navigation, footers and tag chips are not indexed.

Pagefind rebuilds a bundle whole, so the index is one bundle a year
(``pagefind/<year>/``, listed newest first in ``pagefind/bundles.json``) and
search.js merges them in the browser: publishing an issue indexes its year
again and leaves the other years' files alone. Each bundle's stamp records
what it was built from, so a rebuild with nothing new runs nothing. Pagefind
sends each bundle's files back rather than writing them, and they land through
the site's Writer: atomically, only when their bytes changed, the entry file
after the files it names, the stamp last. A run killed mid-index (kill -9, a
cron timeout) leaves at most a hidden temporary file, which the next build
sweeps away.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from gazette.config import Settings
from gazette.models import PublishedIssue
from gazette.render.site import SiteReport, build_site
from gazette.render.site.views import Archive, IssueView, archive_of
from gazette.search_records import StoryRecord, issue_records
from gazette.search_service import SearchError, run_service
from gazette.writer import Writer

INDEX_DIR = "pagefind"
# One Pagefind bundle a year (pagefind/2026/...), so publishing an issue indexes
# its year again and leaves the others as they are; search.js merges them.
BUNDLES = f"{INDEX_DIR}/bundles.json"
ENTRY_NAME = "pagefind-entry.json"
STAMP_NAME = ".gazette-stamp"
# What each issue gave search last time, so an unchanged issue is not read again.
RECORDS_CACHE = ".gazette-search.json"
# What Pagefind makes for every bundle for its own search widgets, which the
# site does not use (search.js talks to pagefind.js): 420 KB a bundle, left
# out of the site.
UNUSED = (
    "pagefind-ui.",
    "pagefind-component-ui.",
    "pagefind-modular-ui.",
    "pagefind-highlight.",
)
DEFAULT_TIMEOUT = 300.0
# Pagefind processes run at once (one per core, at most this many): each holds
# its bundles' index in memory until it has written them.
MAX_INDEXERS = 2
FORMAT = 6  # bumped when what a record holds changes
_INSTALL_HINT = "install it with `pip install 'pagefind[bin]'` or set [site] search = false"


@dataclass(frozen=True)
class SearchReport:
    """What indexing did; paths are relative to the site folder, sorted."""

    ran: bool  # False when the index was already up to date
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def pagefind_binary() -> Path:
    """The pagefind executable, found through the pagefind package's own lookup
    (its bundled binary, or PAGEFIND_BINARY_PATH, or one on PATH)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise SearchError(f"search needs the pagefind package: {_INSTALL_HINT}") from None
    found = get_executable()
    if found is None or not found.is_file():
        where = f" (not found at {found})" if found is not None else ""
        raise SearchError(f"search needs the pagefind binary{where}: {_INSTALL_HINT}")
    return found


def update_search(
    site_dir: Path,
    issues: Sequence[PublishedIssue],
    settings: Settings,
    *,
    force: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    archive: Archive | None = None,
) -> SearchReport:
    """Index the stories of ``issues`` into ``site_dir/pagefind/``: one bundle
    a year, and only the years whose records changed are indexed again.
    ``archive`` is their views, when the caller has them."""
    site_dir = Path(site_dir)
    archive = archive or archive_of(issues, settings)
    language = archive.site.language
    by_year: dict[str, list[StoryRecord]] = {}
    for record in cached_records(site_dir, archive.issues):
        by_year.setdefault(record.date_iso[:4], []).append(record)
    years = sorted(by_year, reverse=True)  # the newest first: search.js loads it first
    stamps = {year: _stamp(by_year[year], language) for year in years}
    todo = {
        year: by_year[year]
        for year in years
        if force
        or _read(site_dir / _bundle(year) / STAMP_NAME) != stamps[year]
        or not (site_dir / _bundle(year) / ENTRY_NAME).is_file()
    }
    # The bundles, and every tag for search.js's tag filter.
    tags = sorted({tag for records in by_year.values() for r in records for tag in r.tags})
    listing = json.dumps({"bundles": years, "tags": tags}, ensure_ascii=False) + "\n"
    gone = _gone_bundles(site_dir, years)
    if not todo and not gone and _read(site_dir / BUNDLES) == listing:
        return SearchReport(ran=False)
    writer = Writer(site_dir)
    if todo:
        _index_bundles(site_dir, todo, language, writer, timeout)
    # The listing names the bundles search.js loads: after them, before the stamps.
    writer.write(BUNDLES, listing)
    removed = writer.remove_stale(
        keep=(f"{INDEX_DIR}/*/{STAMP_NAME}",), within=[f"{_bundle(year)}/*" for year in todo]
    )
    # A year with no issue left loses its whole bundle, stamp included.
    removed += Writer(site_dir).remove_stale(within=[f"{_bundle(g)}/*" for g in gone])
    # Last: a bundle that failed half-way has no fresh stamp and is redone next time.
    stamp_writer = Writer(site_dir)
    for year in todo:
        stamp_writer.write(f"{_bundle(year)}/{STAMP_NAME}", stamps[year])
    return SearchReport(
        ran=bool(todo),
        written=tuple(sorted(writer.written)),
        unchanged=tuple(sorted(writer.unchanged)),
        removed=tuple(removed),
    )


def _index_bundles(
    site_dir: Path,
    todo: dict[str, list[StoryRecord]],
    language: str,
    writer: Writer,
    timeout: float,
) -> None:
    binary = pagefind_binary()
    writing = threading.Lock()  # the Writer is shared by the pagefind runs' threads

    def deliver(year: str, files: dict[str, bytes]) -> None:
        files = _served(files)
        with writing:
            # The entry file names every other file, so it goes in after them.
            for rel in sorted(files, key=lambda r: r == ENTRY_NAME):
                writer.write(f"{_bundle(year)}/{rel}", files[rel])

    groups = _groups(todo, min(MAX_INDEXERS, os.cpu_count() or 1))
    # One pagefind process keeps about one core busy: one per group uses the others.
    with ThreadPoolExecutor(len(groups)) as pool:
        runs = [
            pool.submit(run_service, binary, group, language, deliver, timeout, site_dir)
            for group in groups
        ]
        for run in runs:
            run.result()


def _served(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files of a bundle the site serves: not Pagefind's widgets (UNUSED),
    nor the search code of a language the bundle has no index in (pagefind.js
    loads the wasm its entry names for the index's language, or "unknown" when
    it names none; Pagefind sends one for "unknown" too, 68 KB a bundle that an
    English index never loads)."""
    if ENTRY_NAME not in files:
        raise SearchError(f"pagefind finished without writing {ENTRY_NAME}")
    try:
        languages = json.loads(files[ENTRY_NAME])["languages"].values()
        loaded = {f"wasm.{language.get('wasm') or 'unknown'}.pagefind" for language in languages}
    except (ValueError, TypeError, KeyError, AttributeError):
        raise SearchError(f"pagefind wrote a {ENTRY_NAME} that cannot be read") from None

    def served(rel: str) -> bool:
        if rel.startswith(UNUSED):
            return False
        if rel.startswith("wasm.") and rel.endswith(".pagefind"):
            return rel in loaded
        return True

    return {rel: data for rel, data in files.items() if served(rel)}


def _groups(
    bundles: dict[str, list[StoryRecord]], count: int
) -> list[dict[str, list[StoryRecord]]]:
    """``bundles`` in at most ``count`` groups of about as many records each
    (the largest bundle first, into the group with the fewest so far)."""
    groups: list[dict[str, list[StoryRecord]]] = [{} for _ in range(min(count, len(bundles)))]
    sizes = [0] * len(groups)
    for name in sorted(bundles, key=lambda n: (-len(bundles[n]), n)):
        smallest = sizes.index(min(sizes))
        groups[smallest][name] = bundles[name]
        sizes[smallest] += len(bundles[name])
    return [group for group in groups if group]


def _bundle(year: str) -> str:
    return f"{INDEX_DIR}/{year}"


def _gone_bundles(site_dir: Path, years: Sequence[str]) -> list[str]:
    """Bundles on disk for years that no longer have an issue."""
    folder = site_dir / INDEX_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.iterdir() if p.is_dir() and p.name.isdigit() and p.name not in years
    )


def cached_records(site_dir: Path, views: Sequence[IssueView]) -> list[StoryRecord]:
    """Every issue's records, read again only for issues whose listing or body
    changed since the last build (``.gazette-search.json`` keeps the others)."""
    try:
        cache = json.loads((site_dir / RECORDS_CACHE).read_text("utf-8"))
        entries = cache.get("issues", {}) if cache.get("format") == FORMAT else {}
    except (OSError, ValueError, AttributeError):
        entries = {}
    fresh: dict[str, object] = {}
    records: list[StoryRecord] = []
    changed = False
    for view in views:
        key = hashlib.blake2b(repr(view.key).encode("utf-8"), digest_size=16).hexdigest()
        entry = entries.get(view.dir)
        if isinstance(entry, dict) and entry.get("key") == key:
            mine = [StoryRecord.from_json(r) for r in entry["records"]]
        else:
            mine = list(issue_records(view))
            changed = True
        fresh[view.dir] = {"key": key, "records": [r.to_json() for r in mine]}
        records.extend(mine)
    if changed or len(fresh) != len(entries):
        text = json.dumps({"format": FORMAT, "issues": fresh}, ensure_ascii=False)
        Writer(site_dir).write(RECORDS_CACHE, text + "\n")
    return records


def _stamp(records: Sequence[StoryRecord], language: str) -> str:
    """What the index is built from: the records, their language and pagefind."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{FORMAT} {language} {_pagefind_version()}\n".encode())
    for record in records:
        fields = (record.url, record.content, record.meta(), record.filters())
        digest.update(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest() + "\n"


def _pagefind_version() -> str:
    for distribution in ("pagefind-bin-extended", "pagefind-bin"):
        try:
            return f"{distribution} {metadata.version(distribution)}"
        except metadata.PackageNotFoundError:
            continue
    return ""


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


@dataclass(frozen=True)
class ArchiveReport:
    """A site build and, when search is on, its index update."""

    site: SiteReport
    search: SearchReport | None  # None when [site] search is off

    @property
    def written(self) -> tuple[str, ...]:
        return self.site.written + (self.search.written if self.search else ())

    @property
    def unchanged(self) -> tuple[str, ...]:
        return self.site.unchanged + (self.search.unchanged if self.search else ())

    @property
    def removed(self) -> tuple[str, ...]:
        return self.site.removed + (self.search.removed if self.search else ())

    def summary(self, out_dir: Path) -> str:
        """One line for the CLI."""
        line = f"{out_dir}: {len(self.written)} files written, {len(self.unchanged)} unchanged"
        if self.removed:
            line += f", {len(self.removed)} removed"
        if self.search is None:
            return line + " (search off)"
        return line + ("; search index rebuilt" if self.search.ran else "; search index up to date")


def build_searchable_site(
    issues: Sequence[PublishedIssue], settings: Settings, out_dir: Path
) -> ArchiveReport:
    """``build_site`` with the configured subscribe form, then the search index
    when ``[site] search`` is on."""
    archive = archive_of(issues, settings)  # the views both need, made once
    subscribe_url = settings.publication.subscribe_url
    site = build_site(issues, settings, out_dir, subscribe_url=subscribe_url, archive=archive)
    search = (
        update_search(out_dir, issues, settings, archive=archive) if settings.site.search else None
    )
    return ArchiveReport(site, search)
