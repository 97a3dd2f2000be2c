"""What every source module provides, built-in or plug-in.

A source knows which URLs to ask for and how to turn the answers into Items.
It never builds an HTTP client: it is handed a ``Fetch`` callable, so the same
code runs against the real sites, the replay server and test transports.
Parsing lives in pure functions over bytes or dicts, tested on real payloads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from concurrent.futures import BrokenExecutor, Executor
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from gazette.config import SourceConfig
from gazette.errors import ConfigError
from gazette.http import Page
from gazette.models import Item
from gazette.timeutil import parse_timestamp

log = logging.getLogger(__name__)


class Fetch(Protocol):
    """Handed to a source to GET a URL. A conditional fetch may answer 304
    ("unchanged since last time", nothing to parse); ``conditional=False`` always
    gets the body, for pages whose content is merged into other items."""

    def __call__(
        self, url: str, conditional: bool = True, headers: Mapping[str, str] | None = None
    ) -> Awaitable[Page]: ...


class KindTraits(Protocol):
    """What a kind of source knows about its items, for the stages after fetching.

    Class-level, so ranking, clustering and drafting look it up from an item's
    kind (:func:`gazette.sources.traits_of`) without building a source, and a
    kind added by a plug-in is ranked, clustered and linked like a built-in.
    :class:`SourceTraits` has the defaults.
    """

    # The link under a story in the draft ("Read the thread on Elixir Forum").
    link_text: ClassVar[str]
    # Discusses other sites' stories (Hacker News, Reddit): a story links to
    # the thing itself rather than to such a discussion, and summarizes the
    # story's own text before the discussion's.
    aggregator: ClassVar[bool]
    # People's titles, which may start with the name of the package they
    # announce ("LiveVue - v1.0 released", "Oban: ...").
    announces: ClassVar[bool]
    # Titles made by a machine ("elixir v1.19.5"): a person's title from the
    # same story makes a better headline.
    machine_titled: ClassVar[bool]
    # Items are the releases of a package registry (Hex.pm), which announcing
    # titles are matched against by package name.
    package_registry: ClassVar[bool]
    # Items carry a whole article's text: a long one is a long read, a feature.
    long_form: ClassVar[bool]
    # How much this kind's engagement percentile counts (1.0 is full).
    engagement_scale: ClassVar[float]

    @classmethod
    def engagement(cls, metrics: Mapping[str, float]) -> float:
        """One engagement number per item, in this kind's own units."""
        ...

    @classmethod
    def unanswered(cls, metrics: Mapping[str, float]) -> bool:
        """Whether the item is a discussion nobody has answered yet."""
        ...

    @classmethod
    def category(cls, item: Item) -> str:
        """Where the source filed the item (a forum category's id), or ""."""
        ...


class SourceTraits:
    """The defaults of :class:`KindTraits`: what a source subclasses to declare
    only what differs. A kind without any of this still works: no engagement,
    a "Read more" link, clustered by URL and title only."""

    link_text: ClassVar[str] = "Read more"
    aggregator: ClassVar[bool] = False
    announces: ClassVar[bool] = False
    machine_titled: ClassVar[bool] = False
    package_registry: ClassVar[bool] = False
    long_form: ClassVar[bool] = False
    engagement_scale: ClassVar[float] = 1.0

    @classmethod
    def engagement(cls, metrics: Mapping[str, float]) -> float:
        return 0.0

    @classmethod
    def unanswered(cls, metrics: Mapping[str, float]) -> bool:
        return False

    @classmethod
    def category(cls, item: Item) -> str:
        return ""


class Source(KindTraits, Protocol):
    """A source kind: its traits, its options, and how it collects Items.

    A plug-in registers its class under the ``gazette.sources`` entry point
    group, named by its ``kind``; the class is built with a SourceConfig.
    """

    kind: ClassVar[str]
    # Kind-specific keys a [[sources]] table may carry, with their types.
    options: ClassVar[Mapping[str, type]]
    config: SourceConfig

    def __init__(self, config: SourceConfig) -> None: ...

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        """Fetch what this source has since ``since`` and return clean Items."""
        ...


T = TypeVar("T")

# The process pool of the current fetch run, if it has one (see gazette.fetch).
# A context variable rather than an argument, so the Source protocol stays
# "collect(fetch, since)" for plug-ins that never parse anything heavy.
_PARSER_POOL: ContextVar[Executor | None] = ContextVar("gazette_parser_pool", default=None)


@contextmanager
def parser_pool(executor: Executor | None) -> Iterator[None]:
    """Run CPU-heavy parsing (see :func:`offload`) in ``executor`` within this block."""
    token = _PARSER_POOL.set(executor)
    try:
        yield
    finally:
        _PARSER_POOL.reset(token)


async def offload(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in the run's parser pool, or right here when there is none.

    feedparser is pure Python: with many feeds, parsing rather than the network
    is the bottleneck, and only other processes can use the other cores. ``func``
    must be a module-level function over picklable arguments.
    """
    executor = _PARSER_POOL.get()
    if executor is None:
        return func(*args)
    try:
        return await asyncio.get_running_loop().run_in_executor(executor, func, *args)
    except BrokenExecutor:
        # A worker died (killed, out of memory, or a script without the
        # `if __name__ == "__main__":` guard that spawned workers need): the
        # parse itself is still owed, and it can be done right here.
        return func(*args)


class ParseError(ValueError):
    """A payload did not have the shape this source expects."""


def check_options(config: SourceConfig, options: Mapping[str, type], origin: str) -> None:
    for key, value in config.options.items():
        if key not in options:
            raise ConfigError(
                f"{origin}: unknown key '{key}' in source {config.name!r} (kind {config.kind})"
            )
        expected = options[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(
                f"{origin}: '{key}' in source {config.name!r} must be {expected.__name__}, got {value!r}"
            )


def decode_text(content: bytes, declared: str | None) -> str:
    """Bytes to text when the server's charset may be wrong or missing.

    Valid UTF-8 is taken as UTF-8 whatever the label says (servers label UTF-8
    as ISO-8859-1 or windows-1252 far more often than legacy text happens to be
    valid UTF-8); otherwise the declared charset, otherwise windows-1252, the
    superset of Latin-1 that browsers use for unlabelled legacy text.
    """
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for charset in (declared, "windows-1252"):
        if charset:
            try:
                return content.decode(charset)
            except (LookupError, UnicodeDecodeError):
                continue
    return content.decode("utf-8", errors="replace")


def load_json(page: Page) -> Any:
    try:
        return json.loads(decode_text(page.content, page.encoding))
    except ValueError as exc:
        snippet = page.content[:40].decode("utf-8", "replace").strip()
        raise ParseError(f"expected JSON from {page.url}, got {snippet!r}... ({exc})") from None


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ParseError(message)


def number(value: Any) -> float:
    """A metric from a payload: missing, null or junk counts as 0."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return 0.0


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


# -- one bad record skips only itself ---------------------------------------
#
# A payload whose one record carries a wrong type (``tags: 5``, a like count of
# 10**400, a date of 1e300) loses that record, with a warning that names the
# source, the URL and the field, and the fetch counts it (SourceResult.skipped).
# The accessors below raise BadField for such a value; :func:`each_record` turns
# that into a skip. A context variable carries the count, so the Source protocol
# stays "collect(fetch, since) -> items" for plug-ins.


class BadField(ParseError):
    """One record's field holds a value this source cannot use."""

    def __init__(self, field: str, value: Any, why: str) -> None:
        shown = repr(value)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        super().__init__(f"field {field!r} is {shown} ({why})")
        self.field = field


_SKIPPED: ContextVar[list[str] | None] = ContextVar("gazette_skipped", default=None)


@contextmanager
def counting_skips() -> Iterator[list[str]]:
    """Collect the reasons of the records skipped within this block (one run of a source)."""
    reasons: list[str] = []
    token = _SKIPPED.set(reasons)
    try:
        yield reasons
    finally:
        _SKIPPED.reset(token)


def skip_record(source: str, url: str, reason: str) -> None:
    """Log one skipped record and count it for the source's fetch result."""
    log.warning("%s: skipped a record of %s: %s", source, url or "(no URL)", reason)
    reasons = _SKIPPED.get()
    if reasons is not None:
        reasons.append(reason)


R = TypeVar("R")

# What converting a record with a field of a type nobody checked for raises
# (BadField is a ValueError).
RECORD_ERRORS = (TypeError, ValueError, OverflowError, AttributeError, KeyError, IndexError)


def record_problem(exc: Exception) -> str:
    """What a skip warning says about the error that skipped a record."""
    if isinstance(exc, BadField):
        return str(exc)
    return f"a field of an unexpected type ({type(exc).__name__}: {exc})"


def each_record(
    records: Iterable[R], convert: Callable[[R], Item | None], source: str, url: str
) -> list[Item]:
    """``convert`` each record; one that raises is skipped (:func:`skip_record`),
    and None (a record that is not news: no title, a draft) is left out silently."""
    items = []
    for record in records:
        try:
            item = convert(record)
        except RECORD_ERRORS as exc:
            skip_record(source, url, record_problem(exc))
            continue
        if item is not None:
            items.append(item)
    return items


def metric(record: Mapping[str, Any], field: str) -> float:
    """:func:`number` of ``record[field]``; a number no float holds is a BadField."""
    value = record.get(field)
    try:
        result = number(value)
    except OverflowError:
        raise BadField(field, value, "out of range") from None
    if not math.isfinite(result):
        raise BadField(field, value, "not a finite number")
    return result


def timestamp(record: Mapping[str, Any], field: str) -> datetime | None:
    """``record[field]`` as a UTC datetime (None if absent or unreadable text);
    a number that is no date (1e300, NaN) is a BadField."""
    value = record.get(field)
    try:
        return parse_timestamp(value)
    except (OverflowError, ValueError, OSError):
        raise BadField(field, value, "not a date") from None


def listed(record: Mapping[str, Any], field: str) -> list[Any]:
    """``record[field]`` as a list: absent or null is empty, anything else a BadField."""
    value = record.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadField(field, value, "not a list")
    return value


def text(record: Mapping[str, Any], field: str) -> str:
    """``record[field]`` as a string: absent or null is "", another type a BadField."""
    value = record.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadField(field, value, "not text")
    return value
