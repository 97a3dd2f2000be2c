"""Half of a piece of work in a forked copy of this process, on a second core.

Site pages, search segments and imported bodies are Python work over many
independent items: the GIL keeps threads to one core, and a spawned process
would need every item pickled. A forked child already holds them all (often
closures over one build's views), so it takes every other item and sends back
only its results.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from gazette.errors import GazetteError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

Item = TypeVar("Item")
Result = TypeVar("Result")


class ForkedWorkError(GazetteError):
    """The forked process died before it sent its results."""


def in_two_processes(
    items: Sequence[Item], work: Callable[[Sequence[Item]], Result], *, min_items: int
) -> list[Result]:
    """``work(share)`` for ``items``: every other item (``items[1::2]``) in a
    forked copy of this process, the others here, when there are at least
    ``min_items``, a second core and no other thread; else all of them here. Returns the
    results of this process's share, then the child's (``work``'s must pickle).

    An exception in the child is raised here, after this share is done.
    """
    forkable = "fork" in multiprocessing.get_all_start_methods()
    # A fork copies the calling thread only: a lock another thread held then
    # (a logging handler's, the studio server's) would stay locked in the
    # child. With other threads running, everything is done here.
    alone = threading.active_count() == 1
    if len(items) < min_items or (os.cpu_count() or 1) < 2 or not forkable or not alone:
        return [work(items)]
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_in_child, args=(work, items[1::2], sender), daemon=True)
    child.start()
    sender.close()
    try:
        mine = work(items[0::2])
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise ForkedWorkError("the process doing half of the work died") from None
    finally:
        receiver.close()
        child.join()
    if status != "ok":
        raise payload if isinstance(payload, Exception) else ForkedWorkError(str(payload))
    return [mine, payload]


def interleaved(shares: Sequence[Sequence[Item]]) -> list[Item]:
    """The items of ``in_two_processes``'s shares back in their first order,
    from per-item results (``[mine, theirs]`` of ``items[0::2]`` and ``items[1::2]``)."""
    if len(shares) == 1:
        return list(shares[0])
    mine, theirs = shares
    merged: list[Item] = []
    for at, item in enumerate(mine):
        merged.append(item)
        if at < len(theirs):
            merged.append(theirs[at])
    return merged


def _in_child(
    work: Callable[[Sequence[Item]], Result], items: Sequence[Item], sender: Connection
) -> None:
    try:
        sender.send(("ok", work(items)))
    except Exception as exc:  # sent to the parent, which raises it
        try:
            sender.send(("error", exc))
        except Exception:  # an exception that does not pickle: its message then
            sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()
