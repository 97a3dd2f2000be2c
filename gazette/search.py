"""The archive's search index: one result per story, one segment a year.

Every pick, feature and quick link of every issue is a record of its own
(``gazette.search_records`` reads them from the stored HTML), and
``gazette.search_index`` writes them as static JSON that the search page's
search.js reads: navigation, footers and tag chips are never indexed.

The index is one segment a year (``search-index/<year>/``, listed newest
first in ``search-index/index.json`` with every tag), so publishing an issue
indexes its year again and leaves the other years' files alone. Each
segment's stamp records what it was built from (its issues' listings and
bodies), so a rebuild with nothing new reads no story at all. Files land
through the site's Writer: atomically, only when their bytes changed, a
segment's ``meta.json`` after the files it names, the stamp last. A run
killed mid-index leaves at most a hidden temporary file, which the next
build sweeps away, and a segment without a fresh stamp, which it writes again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from gazette.config import Settings
from gazette.forked import in_two_processes
from gazette.models import PublishedIssue
from gazette.render.site import SiteReport, build_site
from gazette.render.site.views import Archive, IssueView, archive_of
from gazette.search_index import FORMAT, segment_files
from gazette.search_records import issue_records
from gazette.writer import Writer

INDEX_DIR = "search-index"
# Where Gazette kept a Pagefind index before it wrote its own, and that index's
# cache of records: removed by the first index update (``_old_index``; a
# bundles.json says the folder is Gazette's).
OLD_INDEX = "pagefind"
OLD_RECORDS_CACHE = ".gazette-search.json"
LISTING = f"{INDEX_DIR}/index.json"
META_NAME = "meta.json"
STAMP_NAME = ".gazette-stamp"


@dataclass(frozen=True)
class SearchReport:
    """What indexing did; paths are relative to the site folder, sorted."""

    ran: bool  # False when the index was already up to date
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def update_search(
    site_dir: Path,
    issues: Sequence[PublishedIssue],
    settings: Settings,
    *,
    force: bool = False,
    archive: Archive | None = None,
) -> SearchReport:
    """Index the stories of ``issues`` into ``site_dir/search-index/``: one
    segment a year, and only the years whose issues changed are indexed again.
    ``archive`` is their views, when the caller has them."""
    site_dir = Path(site_dir)
    archive = archive or archive_of(issues, settings)
    by_year: dict[str, list[IssueView]] = {}
    for view in sorted(archive.issues, key=lambda v: (v.date_iso, v.number or 0, v.dir)):
        by_year.setdefault(view.date_iso[:4], []).append(view)
    years = sorted(by_year, reverse=True)  # the newest first: search.js reads it first
    stamps = {year: _stamp(by_year[year]) for year in years}
    todo = [
        year
        for year in years
        if force
        or _read(site_dir / _segment(year) / STAMP_NAME) != stamps[year]
        or not (site_dir / _segment(year) / META_NAME).is_file()
    ]
    tags = sorted({tag.name for view in archive.issues for tag in view.tags})
    listing = json.dumps(
        {"format": FORMAT, "years": years, "tags": tags}, ensure_ascii=False, sort_keys=True
    )
    listing += "\n"
    gone = _gone_segments(site_dir, years)
    old_index = _old_index(site_dir)
    if not todo and not gone and not old_index and _read(site_dir / LISTING) == listing:
        return SearchReport(ran=False)
    writer = Writer(site_dir)
    # A full build's years are shared with a second process (two cores: half the time).
    segments = [(year, by_year[year]) for year in todo]
    for written, unchanged in in_two_processes(
        segments, partial(_write_segments, site_dir), min_items=2
    ):
        writer.adopt(written, unchanged)
    # The listing names the segments search.js reads: after them, before the stamps.
    writer.write(LISTING, listing)
    removed = writer.remove_stale(
        keep=(f"{INDEX_DIR}/*/{STAMP_NAME}",), within=[f"{_segment(year)}/*" for year in todo]
    )
    # A year with no issue left loses its whole segment, stamp included.
    removed += Writer(site_dir).remove_stale(within=[f"{_segment(g)}/*" for g in gone])
    if old_index:
        removed += Writer(site_dir).remove_stale(within=old_index)
    # Last: a segment that failed half-way has no fresh stamp and is redone next time.
    stamp_writer = Writer(site_dir)
    for year in todo:
        stamp_writer.write(f"{_segment(year)}/{STAMP_NAME}", stamps[year])
    return SearchReport(
        ran=bool(todo),
        written=tuple(sorted(writer.written)),
        unchanged=tuple(sorted(writer.unchanged)),
        removed=tuple(removed),
    )


def _write_segments(
    site_dir: Path, segments: Sequence[tuple[str, Sequence[IssueView]]]
) -> tuple[list[str], list[str]]:
    """Index and write ``segments``; returns the files written and unchanged."""
    writer = Writer(site_dir)
    for year, views in segments:
        files = segment_files([record for view in views for record in issue_records(view)])
        # meta.json names the other files, so it goes in after them.
        for rel in sorted(files, key=lambda r: r == META_NAME):
            writer.write(f"{_segment(year)}/{rel}", files[rel])
    return writer.written, writer.unchanged


def _old_index(site_dir: Path) -> list[str]:
    """Globs of what an older Gazette's Pagefind index left in ``site_dir``."""
    found = [OLD_RECORDS_CACHE] if (site_dir / OLD_RECORDS_CACHE).is_file() else []
    if (site_dir / OLD_INDEX / "bundles.json").is_file():
        found.append(f"{OLD_INDEX}/*")
    return found


def _segment(year: str) -> str:
    return f"{INDEX_DIR}/{year}"


def _gone_segments(site_dir: Path, years: Sequence[str]) -> list[str]:
    """Segments on disk for years that no longer have an issue."""
    folder = site_dir / INDEX_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.iterdir() if p.is_dir() and p.name.isdigit() and p.name not in years
    )


def _stamp(views: Sequence[IssueView]) -> str:
    """What a segment is built from: the index's format and its issues' keys
    (each issue's listing and the digest of its body: all its records read)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{FORMAT}\n".encode())
    for view in views:
        digest.update(repr((view.key, view.date_text)).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest() + "\n"


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
