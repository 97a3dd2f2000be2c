"""What the site's templates see: the publication, every issue and every tag.

Read once per build from the published issues (``archive_of``); the pages and
the feeds (``gazette.render.site.pages``) only place these views. Nothing here
depends on the build's clock: dates come from the issues, every list is sorted.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from gazette.config import Settings
from gazette.errors import RenderError
from gazette.models import PublishedIssue
from gazette.render.web import body_digest, sanitize_body_html, slugify
from gazette.urls import safe_url

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class TagView:
    name: str
    slug: str
    href: str  # from the site's root
    count: int


@dataclass(frozen=True)
class IssueView:
    """One published issue as the templates see it."""

    number: int | None  # None: an imported issue without one
    week: str
    title: str
    emoji: str
    subtitle: str
    date_iso: str
    date_text: str
    updated: str  # RFC 3339, for the feeds
    dir: str  # "issues/12-drain-your-queue/"
    href: str  # dir + "index.html": what relative links point at
    url: str  # absolute, for canonical links and feeds
    feed_id: str
    tags: tuple[TagView, ...]
    digest: str  # body_digest of the stored HTML, for the build keys
    trusted: bool  # the digest stored with the HTML matches: Gazette sanitized it
    source: PublishedIssue = field(repr=False, compare=False)
    bodies: Bodies = field(repr=False, compare=False)

    @property
    def body(self) -> Markup:
        return self.bodies.body(self)

    @property
    def summary(self) -> tuple[object, ...]:
        """What lists of issues show of it: the key of a page that lists it."""
        tags = tuple((t.name, t.slug) for t in self.tags)
        return (self.number, self.week, self.title, self.emoji, self.subtitle, self.date_iso,
                self.dir, self.url, tags)  # fmt: skip

    @property
    def key(self) -> tuple[object, ...]:
        """Everything of it a page can show, the body's digest included."""
        return (*self.summary, self.feed_id, self.digest)


class Bodies:
    """The issues' bodies for one build, sanitized when a page needs one.

    Stored HTML is data. HTML whose stored digest matches (``body_digest``) is
    exactly what Gazette's sanitizer wrote at publish or import, under today's
    allow-list, and sanitizing is idempotent, so it is placed as it is. Any
    other (written into the database by another program, from before digests
    were stored, or cleaned under another allow-list) is sanitized again before
    it is marked safe (nh3 alone: links from Gazette passed the strict check
    when they were stored, and nh3 still refuses every scheme but http(s)). On demand,
    because an incremental build renders few of the pages that show a body, and
    kept only for the issues that several pages show (the feeds' and the
    index's), so a full build never holds every body at once.
    """

    def __init__(self) -> None:
        self.shared: frozenset[str] = frozenset()  # weeks
        self._kept: dict[str, Markup] = {}

    def body(self, view: IssueView) -> Markup:
        kept = self._kept.get(view.week)
        if kept is not None:
            return kept
        html = view.source.html
        body = Markup(html if view.trusted else sanitize_body_html(html, strict_links=False))
        if view.week in self.shared:
            self._kept[view.week] = body
        return body


@dataclass(frozen=True)
class PageMeta:
    title: str
    description: str
    canonical: str
    og_title: str = ""  # defaults to title
    og_type: str = "website"
    published: str = ""
    noindex: bool = False
    feed_href: str = ""  # a page's own feed besides the main one (tag pages)
    feed_title: str = ""


@dataclass(frozen=True)
class SiteView:
    name: str
    tagline: str
    language: str
    base_url: str
    editor: str
    search: bool


@dataclass(frozen=True)
class Archive:
    """Every issue and tag of one build, as the pages show them."""

    site: SiteView
    feed_entries: int  # how many of the newest issues a feed holds
    issues: list[IssueView]  # oldest first
    tags: list[TagView]  # by slug
    tag_issues: dict[str, list[IssueView]]  # tag slug -> its issues, oldest first

    @property
    def newest_first(self) -> list[IssueView]:
        return self.issues[::-1]


def archive_of(issues: Sequence[PublishedIssue], settings: Settings) -> Archive:
    """The views of ``issues``; a RenderError for an archive that cannot be built."""
    pub = settings.publication
    base = _base_url(pub.base_url, settings.origin)
    feed_entries = settings.site.feed_entries
    if feed_entries < 1:
        raise RenderError(f"{settings.origin}: [site] feed_entries must be at least 1")
    site = SiteView(
        name=pub.name,
        tagline=pub.tagline,
        language=pub.language or "en",
        base_url=base,
        editor=pub.editor,
        search=settings.site.search,
    )
    # By date, never by number: an imported archive's numbers need not follow
    # its dates, and the latest issue is the newest one.
    ordered = sorted(issues, key=lambda p: (p.published_on[:10], p.number or 0))
    _check_unique(ordered)
    tag_names = _tag_names(ordered)
    tag_issues: dict[str, list[IssueView]] = {slug: [] for slug in tag_names}
    views: list[IssueView] = []
    bodies = Bodies()
    for published in ordered:
        view = _issue_view(published, base, tag_names, bodies)
        views.append(view)
        for tag in view.tags:
            tag_issues[tag.slug].append(view)
    tags = [
        TagView(
            name=tag_names[slug],
            slug=slug,
            href=f"tags/{slug}/index.html",
            count=len(tag_issues[slug]),
        )
        for slug in sorted(tag_names)
    ]
    # The bodies several pages show: the newest of the main feed (and the
    # index) and of each tag's feed.
    bodies.shared = frozenset(
        v.week
        for shown in (views[::-1], *(tagged[::-1] for tagged in tag_issues.values()))
        for v in shown[:feed_entries]
    )
    return Archive(site, feed_entries, views, tags, tag_issues)


def urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _issue_view(
    published: PublishedIssue, base: str, tag_names: dict[str, str], bodies: Bodies
) -> IssueView:
    day = _parse_date(published.published_on, published.number or published.week)
    # An issue without a number is known by its date.
    known_by = day.isoformat() if published.number is None else published.number
    directory = f"issues/{known_by}-{slugify(published.slug or published.title)}/"
    url = f"{base}/{directory}"
    slugs = sorted({_tag_slug(t) for t in published.tags})
    digest = body_digest(published.html_utf8)
    stored = published.html_digest  # only rows Gazette wrote have one
    return IssueView(
        number=published.number,
        week=published.week,
        title=published.title.strip(),
        emoji=published.emoji.strip(),
        subtitle=published.subtitle.strip(),
        date_iso=day.isoformat(),
        date_text=f"{_MONTHS[day.month - 1]} {day.day}, {day.year}",
        updated=f"{day.isoformat()}T00:00:00Z",
        dir=directory,
        href=f"{directory}index.html",
        url=url,
        # Depends only on where the archive lives and the issue's number, never
        # on its title, slug or date, so a corrected issue is not a new entry.
        feed_id=urn(f"{base}/issues/{published.number or published.week}"),
        tags=tuple(TagView(tag_names[s], s, f"tags/{s}/index.html", 0) for s in slugs),
        digest=digest,
        trusted=bool(stored) and stored == digest,
        source=published,
        bodies=bodies,
    )


@functools.lru_cache(maxsize=4096)
def _tag_slug(tag: str) -> str:
    # An archive has hundreds of issues but few distinct tags, each slugified
    # several times a build.
    return slugify(tag)


def _tag_names(ordered: list[PublishedIssue]) -> dict[str, str]:
    """Slug -> the name shown; tags that slugify alike share one page."""
    names: dict[str, str] = {}
    for published in ordered:
        for tag in sorted(published.tags):
            names.setdefault(_tag_slug(tag), tag.strip())
    return names


def _check_unique(ordered: list[PublishedIssue]) -> None:
    numbers = sorted(p.number for p in ordered if p.number is not None)
    for before, after in itertools.pairwise(numbers):
        if before == after:
            raise RenderError(f"two published issues have number {after}")


def _parse_date(value: str, number: int | str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise RenderError(f"issue {number}: published_on {value!r} is not an ISO date") from None


def _base_url(raw: str, origin: str) -> str:
    base = safe_url(raw).rstrip("/")
    if not base:
        raise RenderError(
            f"{origin}: publication.base_url must be an http(s) URL "
            f"(the archive's permanent links and feed need it), got {raw!r}"
        )
    return base
