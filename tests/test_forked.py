"""Half of the work in a forked process (gazette.forked): the results come back
in order, and a failure or a death in the child is an error here."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import pytest

from gazette.errors import GazetteError
from gazette.forked import ForkedWorkError, in_two_processes, interleaved


def _pids(items: Sequence[int]) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in items]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing is forked")
def test_every_other_item_is_done_in_a_child_and_comes_back_in_order() -> None:
    shares = in_two_processes(list(range(7)), _pids, min_items=2)
    assert len(shares) == 2
    mine, theirs = shares
    assert {pid for _, pid in mine} == {os.getpid()}
    assert len({pid for _, pid in theirs}) == 1 and theirs[0][1] != os.getpid()
    assert [item for item, _ in interleaved(shares)] == list(range(7))


def test_few_items_are_done_here() -> None:
    [share] = in_two_processes([1, 2, 3], _pids, min_items=4)
    assert share == [(1, os.getpid()), (2, os.getpid()), (3, os.getpid())]
    assert interleaved([share]) == share


def test_nothing_is_forked_while_another_thread_runs() -> None:
    """A fork would copy a lock the other thread holds, locked for good."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        [share] = in_two_processes(list(range(7)), _pids, min_items=2)
    finally:
        stop.set()
        other.join()
    assert {pid for _, pid in share} == {os.getpid()} and len(share) == 7


def _fails_in_child(items: Sequence[int]) -> int:
    if 1 in items:
        raise GazetteError("item 1 is bad")
    return len(items)


def _dies_in_child(items: Sequence[int]) -> int:
    if 1 in items:
        os._exit(3)
    return len(items)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing is forked")
def test_a_failure_or_a_death_in_the_child_is_an_error_here() -> None:
    with pytest.raises(GazetteError, match="item 1 is bad"):
        in_two_processes([0, 1, 2, 3], _fails_in_child, min_items=2)
    with pytest.raises(ForkedWorkError, match="died"):
        in_two_processes([0, 1, 2, 3], _dies_in_child, min_items=2)
