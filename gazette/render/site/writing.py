"""Rendering and writing the site's pages, half of them in a forked process.

A build with at least ``PARALLEL_MIN_PAGES`` pages to render (a full build of a
large archive) renders and writes every other page in a forked copy of this
process when there are several cores (``gazette.forked``): rendering is Python,
and creating hundreds of folders and files is system time, both about halved.
Smaller builds (an incremental one renders a handful of pages) are not worth
the fork.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

from gazette.forked import in_two_processes
from gazette.render.site.manifest import Entries, digest
from gazette.render.site.pages import Output
from gazette.writer import Writer

PARALLEL_MIN_PAGES = 40


def write_all(todo: list[Output], writer: Writer) -> Entries:
    """Render and write ``todo``; returns the manifest entries of the keyed ones.

    Each share of the pages is written by a Writer of its own, whose files
    ``writer`` then adopts; paths are checked for repeats first, since the
    shares' Writers cannot see each other's claims.
    """
    writer.check_free(output.path for output in todo)
    entries: Entries = {}
    write = partial(_write_share, writer.out_dir, writer.sync)
    for written, unchanged, share in in_two_processes(todo, write, min_items=PARALLEL_MIN_PAGES):
        writer.adopt(written, unchanged)
        entries.update(share)
    return entries


def _write_share(
    out_dir: Path, sync: bool, outputs: Sequence[Output]
) -> tuple[list[str], list[str], Entries]:
    writer = Writer(out_dir, sync=sync)
    entries: Entries = {}
    for output in outputs:
        data = output.render().encode("utf-8")
        writer.write(output.path, data)
        if output.key:
            entries[output.path] = [output.key, digest(data)]
    return writer.written, writer.unchanged, entries
