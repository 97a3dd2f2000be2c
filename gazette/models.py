"""Frozen dataclasses handed from one pipeline stage to the next.

Each stage reads what the previous one produced and never reaches back, so these
types are the whole interface between modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True)
class Item:
    """One thing a source reported: a forum topic, a package release, a post.

    ``metrics`` are the source's engagement numbers (likes, downloads, points),
    ``raw`` the source's own fields, stored so ranking can change without
    re-fetching; later stages read the typed fields below it, never ``raw``.
    Every text field is already sanitized: ``title`` is plain text, ``html`` is
    cleaned HTML, ``url`` is http(s).
    """

    source: str
    kind: str
    external_id: str
    url: str
    title: str
    published_at: datetime
    author: str = ""
    text: str = ""
    html: str = ""
    tags: tuple[str, ...] = ()
    metrics: Mapping[str, float] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)
    # False when the entry has no page of its own and ``url`` is only its
    # site's home page (a feed entry without a link): not one page seen twice.
    has_link: bool = True
    # The page an aggregator's post or a forum topic points at, if any.
    link_url: str = ""
    # The package (or repository) a release belongs to, and its version or tag.
    package: str = ""
    version: str = ""
    # The project's GitHub repository page, when the source names one.
    github_url: str = ""
    # False when the source gave no date (a feed entry without pubDate): the
    # store then dates the item when it first saw it, and keeps that date on
    # every re-fetch (as feed readers do). Ranking may weigh such a date as
    # the guess it is.
    dated: bool = True


@dataclass(frozen=True)
class StoredItem:
    """An item as the store knows it: with its row id and first-seen time."""

    id: int
    item: Item
    fetched_at: datetime


@dataclass(frozen=True)
class ScoreComponent:
    name: str
    value: float
    note: str = ""


@dataclass(frozen=True)
class Candidate:
    """A ranked story for the week: its lead item, the rest of its cluster, its score."""

    id: int
    lead: StoredItem
    related: tuple[StoredItem, ...]
    score: float
    components: tuple[ScoreComponent, ...]
    tags: tuple[str, ...]
    emoji: str

    @property
    def title(self) -> str:
        return self.lead.item.title


SectionName = Literal["picks", "feature", "quick-links"]


@dataclass(frozen=True)
class Pick:
    """One story as it appears in an issue."""

    headline: str
    emoji: str = ""
    body: str = ""
    url: str = ""
    link_text: str = ""
    item_id: int | None = None
    tags: tuple[str, ...] = ()
    remember: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sponsor:
    heading: str
    body: str
    cta_text: str = ""
    cta_url: str = ""


@dataclass(frozen=True)
class Issue:
    """The content of one newsletter issue, as parsed from its Markdown draft."""

    week: str
    title: str
    emoji: str = ""
    subtitle: str = ""
    # The inbox preview line; the email falls back to the subtitle without one.
    preheader: str = ""
    welcome: str = ""
    picks: tuple[Pick, ...] = ()
    feature: Pick | None = None
    quick_links: tuple[Pick, ...] = ()
    sponsor: Sponsor | None = None
    sign_off: str = ""
    editor: str = ""
    ps: str = ""
    number: int | None = None
    published_on: str | None = None

    @property
    def all_picks(self) -> tuple[Pick, ...]:
        feature = (self.feature,) if self.feature else ()
        return self.picks + feature + self.quick_links


# What the ``markdown`` column of an issue holds (``PublishedIssue.origin``).
ORIGIN_DRAFT = "draft"  # a Gazette draft, parsed back into its stories when needed
ORIGIN_IMPORT = "import"  # the original text of an imported file: no stories


@dataclass(frozen=True, slots=True)
class PublishedIssue:
    """A published issue: one row of the ``issues`` table, every column.

    Its number, date and permanent link (``slug``) never change once it went
    out; ``revision`` counts the times ``publish --force`` replaced its content.
    ``html`` is the body rendered and sanitized once, at publish or import, and
    ``html_digest`` its ``body_digest`` ("" on rows Gazette did not write), so a
    site build never parses Markdown and trusts exactly the HTML it wrote.

    The HTML is held as UTF-8 bytes: a str holding one emoji takes four bytes a
    character, and a site build holds every issue. ``markdown`` is None when the
    row was read without it (the archive's listing has no use for it).
    """

    week: str
    number: int | None  # None: an imported issue that never had a number
    slug: str
    title: str
    published_on: str
    html_utf8: bytes
    markdown: str | None = None
    tags: tuple[str, ...] = ()
    revision: int = 1
    emoji: str = ""
    subtitle: str = ""
    origin: str = ORIGIN_DRAFT  # "" on rows from before the column existed
    html_digest: str = ""

    @property
    def html(self) -> str:
        return self.html_utf8.decode("utf-8")


@dataclass(frozen=True)
class Validators:
    """A URL's conditional-GET state: what its server sent last time, sent back
    so an unchanged document answers 304."""

    etag: str = ""
    last_modified: str = ""


SourceStatus = Literal["ok", "not_modified", "failed"]


@dataclass(frozen=True)
class SourceResult:
    """What one source's fetch did: one per source, failures included.

    ``error`` is the one line a table or a report shows; ``exception`` is what
    was raised, kept for its type and traceback (never serialized).
    """

    source: str
    status: SourceStatus
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str = ""
    exception: BaseException | None = field(default=None, compare=False, repr=False)
    # Records left out for a field of the wrong type; the others were kept.
    skipped: int = 0

    def as_dict(self) -> dict[str, object]:
        """The result as plain JSON-ready data (the exception left out)."""
        return {
            "source": self.source,
            "status": self.status,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "error": self.error,
        }
