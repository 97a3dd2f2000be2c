"""The static web archive: every published issue, tag pages, feeds and a sitemap.

``build_site`` gathers every page in memory first and writes afterwards (pelican's
``run()``), through a Writer that refuses to write a path twice and leaves files
with identical bytes alone, so a rebuild with nothing new writes nothing and
publishing an issue rewrites only the pages that show it.

Layout of the output folder::

    index.html                       latest issue in full + every issue, newest first
    issues/<number>-<slug>/index.html  one permanent page per issue, with prev/next
    tags/index.html                  every tag with its issue count
    tags/<tag>/index.html            issues with that tag, newest first
    tags/<tag>/feed.xml              Atom feed of that tag
    feed.xml                         Atom feed, full content of the last 20 issues
    sitemap.xml  robots.txt  404.html  style.css

Links between pages are relative (each page knows its ``root``, such as
"../../") and name ``index.html`` explicitly, so the archive works from file://
and under any path on any static host. Absolute URLs from
``publication.base_url`` appear only where they must: canonical and OpenGraph
tags, the feeds, the sitemap, robots.txt and 404.html (which a host serves at
any depth, so only paths from the site's root work there).

Nothing depends on the build's clock: dates come from the issues, every
iteration is sorted.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from gazette.config import Settings
from gazette.errors import RenderError
from gazette.models import PublishedIssue
from gazette.render import render_template, template_env
from gazette.render.web import sanitize_body_html, slugify
from gazette.urls import safe_url
from gazette.writer import Writer

FEED_ENTRIES = 20
STYLESHEET = "site/style.css"
# Files other tools put into the output folder; a future prune must keep them.
# Search: `pagefind --site <out_dir>` runs after build_site and writes pagefind/;
# issue articles already carry data-pagefind-body, and base.html.j2 has a
# `search` block for its UI.
FOREIGN_OUTPUTS = ("pagefind/*",)

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Characters XML 1.0 forbids even as references; one in a title would make the
# whole feed unreadable to every reader.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class SiteReport:
    """What a build did, as paths relative to the output folder, sorted."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]


@dataclass(frozen=True)
class TagView:
    name: str
    slug: str
    href: str  # from the site's root
    count: int


@dataclass(frozen=True)
class IssueView:
    """One published issue as the templates see it."""

    number: int
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
    body: Markup


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


def build_site(
    issues: Sequence[PublishedIssue],
    settings: Settings,
    out_dir: Path,
    *,
    subscribe_url: str = "",
) -> SiteReport:
    """Build the archive of ``issues`` into ``out_dir``.

    ``subscribe_url`` is the action of the subscribe form; the form is shown only
    when it is an http(s) URL.
    """
    env = template_env(settings)
    pages = _gather(issues, settings, env, safe_url(subscribe_url))
    writer = Writer(out_dir)
    for relpath, content in pages:
        writer.write(relpath, content)
    return SiteReport(
        written=tuple(sorted(writer.written)), unchanged=tuple(sorted(writer.unchanged))
    )


def _gather(
    issues: Sequence[PublishedIssue],
    settings: Settings,
    env: jinja2.Environment,
    subscribe_url: str,
) -> list[tuple[str, str]]:
    pub = settings.publication
    base = _base_url(pub.base_url, settings.origin)
    site = SiteView(
        name=pub.name,
        tagline=pub.tagline,
        language=pub.language or "en",
        base_url=base,
        editor=pub.editor,
    )
    ordered = sorted(issues, key=lambda p: p.number)
    _check_unique(ordered)
    tag_names = _tag_names(ordered)
    tag_issues: dict[str, list[IssueView]] = {slug: [] for slug in tag_names}
    views: list[IssueView] = []
    for published in ordered:
        view = _issue_view(published, base, tag_names)
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
    newest_first = views[::-1]
    latest = newest_first[0] if newest_first else None

    def page(name: str, root: str, meta: PageMeta, **context: object) -> str:
        return render_template(
            env, name, site=site, root=root, page=meta, subscribe_url=subscribe_url, **context
        )

    pages: list[tuple[str, str]] = []
    pages.append(
        (
            "index.html",
            page(
                "site/index.html.j2",
                "",
                PageMeta(title=pub.name, description=pub.tagline, canonical=f"{base}/"),
                latest=latest,
                issues=newest_first,
            ),
        )
    )
    for index, view in enumerate(views):
        pages.append(
            (
                f"{view.dir}index.html",
                page(
                    "site/issue.html.j2",
                    "../../",
                    PageMeta(
                        title=f"{view.title} · {pub.name}",
                        og_title=f"{view.emoji} {view.title}".strip(),
                        description=view.subtitle or pub.tagline,
                        canonical=view.url,
                        og_type="article",
                        published=view.date_iso,
                    ),
                    issue=view,
                    previous=views[index - 1] if index > 0 else None,
                    next=views[index + 1] if index + 1 < len(views) else None,
                ),
            )
        )
    pages.append(
        (
            "tags/index.html",
            page(
                "site/tags.html.j2",
                "../",
                PageMeta(
                    title=f"Tags · {pub.name}", description=pub.tagline, canonical=f"{base}/tags/"
                ),
                tags=tags,
            ),
        )
    )
    for tag in tags:
        tagged = tag_issues[tag.slug][::-1]
        pages.append(
            (
                f"tags/{tag.slug}/index.html",
                page(
                    "site/tag.html.j2",
                    "../../",
                    PageMeta(
                        title=f"{tag.name} · {pub.name}",
                        description=f"Issues of {pub.name} about {tag.name}",
                        canonical=f"{base}/tags/{tag.slug}/",
                        feed_href="feed.xml",
                        feed_title=f"{pub.name}: {tag.name}",
                    ),
                    tag=tag,
                    issues=tagged,
                ),
            )
        )
        pages.append(
            (
                f"tags/{tag.slug}/feed.xml",
                _feed(env, site, tagged, f"tags/{tag.slug}/", f"{pub.name}: {tag.name}"),
            )
        )
    pages.append(("feed.xml", _feed(env, site, newest_first, "", pub.name)))
    pages.append(("sitemap.xml", _sitemap(env, site, newest_first, tags, tag_issues)))
    pages.append(("robots.txt", render_template(env, "site/robots.txt.j2", site=site)))
    pages.append(
        (
            "404.html",
            page(
                "site/404.html.j2",
                # A host serves this page at whatever path was missing, so only
                # links from the site's root can work here.
                (urlsplit(base).path.rstrip("/") + "/"),
                PageMeta(
                    title=f"Page not found · {pub.name}", description="", canonical="", noindex=True
                ),
            ),
        )
    )
    pages.append(("style.css", _static(env, STYLESHEET)))
    return pages


def _issue_view(published: PublishedIssue, base: str, tag_names: dict[str, str]) -> IssueView:
    issue = published.issue
    day = _parse_date(published.published_on, published.number)
    directory = f"issues/{published.number}-{slugify(published.slug or issue.title)}/"
    url = f"{base}/{directory}"
    slugs = sorted({slugify(t) for t in published.tags})
    return IssueView(
        number=published.number,
        week=published.week,
        title=issue.title.strip(),
        emoji=issue.emoji.strip(),
        subtitle=issue.subtitle.strip(),
        date_iso=day.isoformat(),
        date_text=f"{_MONTHS[day.month - 1]} {day.day}, {day.year}",
        updated=f"{day.isoformat()}T00:00:00Z",
        dir=directory,
        href=f"{directory}index.html",
        url=url,
        # Depends only on where the archive lives and the issue's number, never
        # on its title, slug or date, so a corrected issue is not a new entry.
        feed_id=_urn(f"{base}/issues/{published.number}"),
        tags=tuple(TagView(tag_names[s], s, f"tags/{s}/index.html", 0) for s in slugs),
        # Stored HTML is data: sanitized again before it is marked safe.
        body=Markup(sanitize_body_html(published.html)),
    )


def _feed(
    env: jinja2.Environment, site: SiteView, newest_first: list[IssueView], path: str, title: str
) -> str:
    entries = newest_first[:FEED_ENTRIES]
    return render_template(
        env,
        "site/feed.xml.j2",
        site=site,
        title=_xml_text(title),
        feed_id=_urn(f"{site.base_url}/{path}feed.xml"),
        self_url=f"{site.base_url}/{path}feed.xml",
        alternate_url=f"{site.base_url}/{path}",
        # A feed changes when its newest issue does, never with the build's clock.
        updated=entries[0].updated if entries else "1970-01-01T00:00:00Z",
        entries=[_xml_entry(e) for e in entries],
    )


def _xml_entry(view: IssueView) -> dict[str, object]:
    title = f"{view.emoji} {view.title}" if view.emoji else view.title
    return {
        "id": view.feed_id,
        "title": _xml_text(title),
        "summary": _xml_text(view.subtitle),
        "url": view.url,
        "updated": view.updated,
        "tags": [_xml_text(t.name) for t in view.tags],
        # A plain str: the template escapes it into Atom's type="html" content.
        "content": _xml_text(str(view.body)),
    }


def _sitemap(
    env: jinja2.Environment,
    site: SiteView,
    newest_first: list[IssueView],
    tags: list[TagView],
    tag_issues: dict[str, list[IssueView]],
) -> str:
    newest = newest_first[0].date_iso if newest_first else ""
    urls: list[tuple[str, str]] = [(f"{site.base_url}/", newest)]
    urls += [(view.url, view.date_iso) for view in newest_first]
    urls.append((f"{site.base_url}/tags/", newest))
    urls += [(f"{site.base_url}/tags/{t.slug}/", tag_issues[t.slug][-1].date_iso) for t in tags]
    return render_template(env, "site/sitemap.xml.j2", urls=urls)


def _static(env: jinja2.Environment, name: str) -> str:
    # Through the loader, so a user's templates_dir can replace the stylesheet too.
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise RenderError(f"template {name} not found") from None
    return source


def _tag_names(ordered: list[PublishedIssue]) -> dict[str, str]:
    """Slug -> the name shown; tags that slugify alike share one page."""
    names: dict[str, str] = {}
    for published in ordered:
        for tag in sorted(published.tags):
            names.setdefault(slugify(tag), tag.strip())
    return names


def _check_unique(ordered: list[PublishedIssue]) -> None:
    for before, after in itertools.pairwise(ordered):
        if before.number == after.number:
            raise RenderError(f"two published issues have number {after.number}")


def _parse_date(value: str, number: int) -> date:
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


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("", text)
