"""Rendering and writing the site's pages, half of them in a forked process
(``in_two_processes``, which the search index uses too).

A build with at least ``PARALLEL_MIN_PAGES`` pages to render (a full build of a
large archive) renders and writes every other page in a forked copy of this
process when there are several cores: rendering is Python, and creating
hundreds of folders and files is system time, both about halved. Smaller builds
(an incremental one renders a handful of pages) are not worth the fork.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from gazette.errors import RenderError
from gazette.render.site.manifest import Entries, digest
from gazette.render.site.pages import Output
from gazette.writer import Writer

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

PARALLEL_MIN_PAGES = 40

Item = TypeVar("Item")
Result = TypeVar("Result")


def write_all(todo: list[Output], writer: Writer) -> Entries:
    """Render and write ``todo``; returns the manifest entries of the keyed ones.

    With enough pages and a second core, every other page goes to a forked copy
    of this process (see ``in_two_processes``). Paths are checked for repeats
    first, since the two Writers cannot see each other's claims.
    """
    if len(todo) >= PARALLEL_MIN_PAGES:
        writer.check_free(output.path for output in todo)
    entries: Entries = {}
    for share in in_two_processes(todo, _write_share, writer, min_items=PARALLEL_MIN_PAGES):
        entries.update(share)
    return entries


def in_two_processes(
    items: Sequence[Item],
    work: Callable[[Sequence[Item], Writer], Result],
    writer: Writer,
    *,
    min_items: int,
) -> list[Result]:
    """``work(share, writer)`` over ``items``: every other item in a forked
    copy of this process, with a Writer of its own that this one then adopts,
    when there are at least ``min_items`` and a second core; else all of them
    here. Returns the results of each share (``work``'s must pickle).

    Fork, because the items are often closures over this build's views, which
    no pickling would carry.
    """
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if len(items) < min_items or (os.cpu_count() or 1) < 2 or not forkable:
        return [work(items, writer)]
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_share_in_child, args=(work, items[1::2], writer.out_dir, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        mine = work(items[0::2], writer)
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise RenderError("the process doing half of the work died") from None
    finally:
        receiver.close()
        child.join()
    if status != "ok":
        raise payload if isinstance(payload, Exception) else RenderError(str(payload))
    written, unchanged, theirs = payload
    writer.adopt(written, unchanged)
    return [mine, theirs]


def _write_share(outputs: Sequence[Output], writer: Writer) -> Entries:
    entries: Entries = {}
    for output in outputs:
        data = output.render().encode("utf-8")
        writer.write(output.path, data)
        if output.key:
            entries[output.path] = [output.key, digest(data)]
    return entries


def _share_in_child(
    work: Callable[[Sequence[Item], Writer], Result],
    items: Sequence[Item],
    out_dir: Path,
    sender: Connection,
) -> None:
    try:
        writer = Writer(out_dir)
        result = work(items, writer)
        sender.send(("ok", (writer.written, writer.unchanged, result)))
    except Exception as exc:  # sent to the parent, which raises it
        try:
            sender.send(("error", exc))
        except Exception:  # an exception that does not pickle: its message then
            sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()
