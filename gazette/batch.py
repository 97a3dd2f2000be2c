"""Whole-batch work on tens of thousands of items, without the cycle collector.

Ranking a big week builds hundreds of thousands of small objects that all
stay alive until the end (facts per item, candidates, score components). Each
allocation burst makes CPython's cycle collector walk every live object again,
which made ranking 50,000 items grow faster than linearly and cost about a
third of its time (see BENCHMARKS.md, "Profiling"). None of these objects form
reference cycles, so reference counting frees them all the same; the collector
runs again as soon as the batch is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block; nests safely (only
    the outermost block turns it back on, and only if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
