"""The static web archive: every published issue, tag pages, feeds and a sitemap.

``build_site`` first gathers every output (its path, what it is made from, how
to render it; pelican's ``run()``), then renders and writes them through a
Writer that refuses to write a path twice and leaves files with identical bytes
alone, so a rebuild with nothing new writes nothing and publishing an issue
rewrites only the pages that show it. Pages of issues or tags that are gone are
removed; other files in the folder are left alone.

Layout of the output folder::

    index.html                       latest issue in full + every issue, newest first
    issues/<number>-<slug>/index.html  one permanent page per issue, with prev/next
    tags/index.html                  every tag with its issue count
    tags/<tag>/index.html            issues with that tag, newest first
    tags/<tag>/feed.xml              Atom feed of that tag
    feed.xml                         Atom feed, full content of the last issues
                                     ([site] feed_entries, 20 by default)
    search/index.html  search.js     the search page, when [site] search is on
    sitemap.xml  robots.txt  404.html  style.css  favicon.svg
    .gazette-build.json              what each file was built from (manifest.py)
    search-index/                    the search index, written by gazette.search

The modules of this package, in the order a build uses them:

    views.py     the publication, issues and tags as the templates see them
    pages.py     every file of the site, one method per kind of page
    feeds.py     the Atom feeds (the main one and one per tag)
    manifest.py  what each file was built from, so unchanged files are skipped
    writing.py   rendering and writing, half the pages in a forked process
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gazette.config import Settings
from gazette.models import PublishedIssue
from gazette.render import template_env
from gazette.render.site.manifest import (
    MANIFEST,
    BuildStats,
    Entries,
    manifest_text,
    read_manifest,
)
from gazette.render.site.pages import Output, gather
from gazette.render.site.views import Archive
from gazette.render.site.writing import write_all
from gazette.urls import safe_url
from gazette.writer import Writer

__all__ = ["MANIFEST", "SiteReport", "build_site"]

# Files other modules put into the output folder: gazette.search writes
# search-index/ after build_site (one record per story, read from the stored issue HTML).
FOREIGN_OUTPUTS = ("search-index/*",)
# Folders and files wholly the site's own: a file there that no page of this
# build claims (an issue or a tag that is gone) is removed. Anything else in the
# output folder is the user's and stays.
OWNED_OUTPUTS = ("issues/*", "tags/*", "search/*", "search.js")


@dataclass(frozen=True)
class SiteReport:
    """What a build did, as paths relative to the output folder, sorted.

    The manifest is bookkeeping and appears in none of these.
    """

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...] = ()


def build_site(
    issues: Sequence[PublishedIssue],
    settings: Settings,
    out_dir: Path,
    *,
    subscribe_url: str = "",
    archive: Archive | None = None,
) -> SiteReport:
    """Build the archive of ``issues`` into ``out_dir``.

    ``subscribe_url`` is the action of the subscribe form; the form is shown only
    when it is an http(s) URL. ``archive`` is the views of ``issues``
    (``archive_of``), when the caller has made them already.
    """
    env = template_env(settings)
    outputs = gather(issues, settings, env, safe_url(subscribe_url), archive)
    out_dir = Path(out_dir)
    previous = read_manifest(out_dir / MANIFEST)
    stats = BuildStats(out_dir)
    manifest: Entries = {}
    writer = Writer(out_dir)
    todo: list[Output] = []
    for output in outputs:
        if output.key and stats.still_built(output.path, output.key, previous):
            writer.keep(output.path)
            manifest[output.path] = previous[output.path]
        else:
            todo.append(output)
    manifest.update(write_all(todo, writer))
    removed = writer.remove_stale(keep=(*FOREIGN_OUTPUTS, MANIFEST), within=OWNED_OUTPUTS)
    # Written last: a build killed before this point leaves the old manifest,
    # whose keys no longer match the new pages, so the next build redoes them.
    Writer(out_dir).write(MANIFEST, manifest_text(manifest))
    stats.save(manifest)
    return SiteReport(
        written=tuple(sorted(writer.written)),
        unchanged=tuple(sorted(writer.unchanged)),
        removed=tuple(removed),
    )
