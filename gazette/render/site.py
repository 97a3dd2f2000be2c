"""The static web archive: every published issue, tag pages, feeds and a sitemap.

``build_site`` first gathers every output (its path, what it is made from, how
to render it; pelican's ``run()``), then renders and writes them one at a time
through a Writer that refuses to write a path twice and leaves files with
identical bytes alone, so a rebuild with nothing new writes nothing and
publishing an issue rewrites only the pages that show it. Pages of issues or
tags that are gone are removed; other files in the folder are left alone.

Layout of the output folder::

    index.html                       latest issue in full + every issue, newest first
    issues/<number>-<slug>/index.html  one permanent page per issue, with prev/next
    tags/index.html                  every tag with its issue count
    tags/<tag>/index.html            issues with that tag, newest first
    tags/<tag>/feed.xml              Atom feed of that tag
    feed.xml                         Atom feed, full content of the last issues
                                     ([site] feed_entries, 20 by default)
    search/index.html  search.js     the search page, when [site] search is on
    sitemap.xml  robots.txt  404.html  style.css
    .gazette-build.json              what each file was built from (see below)
    pagefind/                        the search index, written by gazette.search

Links between pages are relative (each page knows its ``root``, such as
"../../") and name ``index.html`` explicitly, so the archive works from file://
and under any path on any static host. Absolute URLs from
``publication.base_url`` appear only where they must: canonical and OpenGraph
tags, the feeds, the sitemap, robots.txt and 404.html (which a host serves at
any depth, so only paths from the site's root work there).

Nothing depends on the build's clock: dates come from the issues, every
iteration is sorted.

Incremental builds: every output has a key, a digest of everything it is made
from (its issues, the templates, the settings, this renderer's own source). The
manifest ``.gazette-build.json`` records each file's key and the digest of its
bytes; a file whose key and bytes still match is not rendered at all, so a
rebuild of hundreds of unchanged issues costs reading the database and hashing.
A file edited or deleted by hand no longer matches and is rendered again. The
manifest holds no times, so two builds of the same issues stay byte-identical.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from gazette.config import Settings
from gazette.errors import RenderError
from gazette.models import Issue
from gazette.render import render_template, template_env
from gazette.render.web import body_digest, sanitize_body_html, slugify
from gazette.urls import safe_url
from gazette.writer import Writer

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

STYLESHEET = "site/style.css"
SEARCH_SCRIPT = "site/search.js"
MANIFEST = ".gazette-build.json"
# Files other tools put into the output folder: gazette.search writes pagefind/
# after build_site (issue articles carry data-pagefind-body).
FOREIGN_OUTPUTS = ("pagefind/*",)
# Folders and files wholly the site's own: a file there that no page of this
# build claims (an issue or a tag that is gone) is removed. Anything else in the
# output folder is the user's and stays.
OWNED_OUTPUTS = ("issues/*", "tags/*", "search/*", "search.js")
# Bumped when the manifest's shape changes; an old manifest then matches nothing.
_MANIFEST_FORMAT = 1
# A build with at least this many pages to render (a full build of a large
# archive) renders and writes half of them in a forked copy of this process
# when there are several cores: rendering is Python, and creating hundreds of
# folders and files is system time, both about halved. Smaller builds (an
# incremental one renders a handful of pages) are not worth the fork.
PARALLEL_MIN_PAGES = 200
# The renderer's own code is an input of every page, so editing it rebuilds all.
_RENDERER_SOURCES = (Path(__file__), Path(__file__).with_name("web.py"))

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Characters XML 1.0 forbids even as references; one in a title would make the
# whole feed unreadable to every reader.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ArchiveIssue(Protocol):
    """What the site needs of a published issue: a PublishedIssue, or the
    lighter ArchivedIssue that gazette.publish.archive_issues reads."""

    @property
    def number(self) -> int | None: ...  # None: an imported issue without one
    @property
    def week(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def published_on(self) -> str: ...
    @property
    def issue(self) -> Issue: ...  # title, emoji and subtitle are used
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def html(self) -> str: ...


@dataclass(frozen=True)
class SiteReport:
    """What a build did, as paths relative to the output folder, sorted.

    The manifest is bookkeeping and appears in none of these.
    """

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagView:
    name: str
    slug: str
    href: str  # from the site's root
    count: int


@dataclass(frozen=True)
class IssueView:
    """One published issue as the templates see it."""

    number: int | None
    week: str
    title: str
    emoji: str
    subtitle: str
    date_iso: str
    date_text: str
    updated: str  # RFC 3339, for the feeds
    dir: str  # "issues/12-drain-your-queue/" (unnumbered: "issues/2015-03-02-slug/")
    href: str  # dir + "index.html": what relative links point at
    url: str  # absolute, for canonical links and feeds
    feed_id: str
    tags: tuple[TagView, ...]
    digest: str  # body_digest of the stored HTML, for the build keys
    trusted: bool  # the digest stored with the HTML matches: Gazette sanitized it
    source: ArchiveIssue = field(repr=False, compare=False)
    bodies: _Bodies = field(repr=False, compare=False)

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


class _Bodies:
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
class _Output:
    """One file of the build: where, what it is made from, how to make it."""

    path: str
    key: str  # "" for small files that are cheaper to render than to track
    render: Callable[[], str]


def build_site(
    issues: Sequence[ArchiveIssue],
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
    outputs = _gather(issues, settings, env, safe_url(subscribe_url))
    out_dir = Path(out_dir)
    previous = _read_manifest(out_dir / MANIFEST)
    manifest: dict[str, list[str]] = {}
    writer = Writer(out_dir)
    todo: list[_Output] = []
    for output in outputs:
        if output.key and _still_built(out_dir, output, previous):
            writer.keep(output.path)
            manifest[output.path] = previous[output.path]
        else:
            todo.append(output)
    manifest.update(_write_all(todo, writer))
    removed = writer.remove_stale(keep=(*FOREIGN_OUTPUTS, MANIFEST), within=OWNED_OUTPUTS)
    # Written last: a build killed before this point leaves the old manifest,
    # whose keys no longer match the new pages, so the next build redoes them.
    Writer(out_dir).write(MANIFEST, _manifest_text(manifest))
    return SiteReport(
        written=tuple(sorted(writer.written)),
        unchanged=tuple(sorted(writer.unchanged)),
        removed=tuple(removed),
    )


def _write_all(todo: list[_Output], writer: Writer) -> dict[str, list[str]]:
    """Render and write ``todo``; returns the manifest entries of the keyed ones.

    With enough pages and a second core, every other page goes to a forked copy
    of this process (fork: the outputs are closures over this build's views,
    which no pickling would carry). Paths are checked for repeats first, since
    the two Writers cannot see each other's claims.
    """
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if len(todo) < PARALLEL_MIN_PAGES or (os.cpu_count() or 1) < 2 or not forkable:
        return _write_share(todo, writer)
    writer.check_free(output.path for output in todo)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_write_share_in_child, args=(todo[1::2], writer.out_dir, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        entries = _write_share(todo[0::2], writer)
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise RenderError("the process writing half of the pages died") from None
    finally:
        receiver.close()
        child.join()
    if status != "ok":
        raise payload if isinstance(payload, Exception) else RenderError(str(payload))
    written, unchanged, theirs = payload
    writer.adopt(written, unchanged)
    entries.update(theirs)
    return entries


def _write_share(outputs: Sequence[_Output], writer: Writer) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for output in outputs:
        data = output.render().encode("utf-8")
        writer.write(output.path, data)
        if output.key:
            entries[output.path] = [output.key, _digest(data)]
    return entries


def _write_share_in_child(outputs: Sequence[_Output], out_dir: Path, sender: Connection) -> None:
    try:
        writer = Writer(out_dir)
        entries = _write_share(outputs, writer)
        sender.send(("ok", (writer.written, writer.unchanged, entries)))
    except Exception as exc:  # sent to the parent, which raises it
        try:
            sender.send(("error", exc))
        except Exception:  # an exception that does not pickle: its message then
            sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _gather(
    issues: Sequence[ArchiveIssue],
    settings: Settings,
    env: jinja2.Environment,
    subscribe_url: str,
) -> list[_Output]:
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
    bodies = _Bodies()
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
    newest_first = views[::-1]
    latest = newest_first[0] if newest_first else None
    bodies.shared = frozenset(
        v.week
        for shown in (newest_first, *(tagged[::-1] for tagged in tag_issues.values()))
        for v in shown[:feed_entries]
    )
    build_key = _build_key(env, site, subscribe_url, feed_entries)

    # An issue is an entry of the main feed and of each of its tags' feeds:
    # its content (the whole body, escaped for Atom) is made once.
    feed_entries_made: dict[str, dict[str, object]] = {}

    def feed_entry(view: IssueView) -> dict[str, object]:
        entry = feed_entries_made.get(view.week)
        if entry is None:
            entry = feed_entries_made[view.week] = _xml_entry(view)
        return entry

    def key(*parts: object) -> str:
        return _digest(repr((build_key, *parts)).encode("utf-8"))

    def page(name: str, root: str, meta: PageMeta, **context: object) -> Callable[[], str]:
        return lambda: render_template(
            env, name, site=site, root=root, page=meta, subscribe_url=subscribe_url, **context
        )

    def feed(entries: list[IssueView], path: str, title: str) -> _Output:
        shown = entries[:feed_entries]
        return _Output(
            f"{path}feed.xml",
            key("feed", path, title, [v.key for v in shown]),
            lambda: _feed(env, site, [feed_entry(v) for v in shown], path, title),
        )

    outputs: list[_Output] = [
        _Output(
            "index.html",
            key("index", latest.key if latest else None, [v.summary for v in newest_first]),
            page(
                "site/index.html.j2",
                "",
                PageMeta(title=pub.name, description=pub.tagline, canonical=f"{base}/"),
                latest=latest,
                issues=newest_first,
            ),
        )
    ]
    for index, view in enumerate(views):
        previous = views[index - 1] if index > 0 else None
        following = views[index + 1] if index + 1 < len(views) else None
        outputs.append(
            _Output(
                f"{view.dir}index.html",
                key(
                    "issue",
                    view.key,
                    previous.summary if previous else None,
                    following.summary if following else None,
                ),
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
                    previous=previous,
                    next=following,
                ),
            )
        )
    outputs.append(
        _Output(
            "tags/index.html",
            key("tags", tags),
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
        outputs.append(
            _Output(
                f"tags/{tag.slug}/index.html",
                key("tag", tag, [v.summary for v in tagged]),
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
        outputs.append(feed(tagged, f"tags/{tag.slug}/", f"{pub.name}: {tag.name}"))
    outputs.append(feed(newest_first, "", pub.name))
    if site.search:
        outputs.append(
            _Output(
                "search/index.html",
                "",
                page(
                    "site/search.html.j2",
                    "../",
                    PageMeta(
                        title=f"Search · {pub.name}",
                        description=f"Search every issue of {pub.name}",
                        canonical=f"{base}/search/",
                    ),
                ),
            )
        )
        outputs.append(_Output("search.js", "", lambda: _static(env, SEARCH_SCRIPT)))
    outputs.append(
        _Output(
            "sitemap.xml",
            "",
            lambda: _sitemap(env, site, newest_first, tags, tag_issues),
        )
    )
    outputs.append(
        _Output("robots.txt", "", lambda: render_template(env, "site/robots.txt.j2", site=site))
    )
    outputs.append(
        _Output(
            "404.html",
            "",
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
    outputs.append(_Output("style.css", "", lambda: _static(env, STYLESHEET)))
    return outputs


def _issue_view(
    published: ArchiveIssue, base: str, tag_names: dict[str, str], bodies: _Bodies
) -> IssueView:
    issue = published.issue
    day = _parse_date(published.published_on, published.number or published.week)
    # An issue without a number is known by its date.
    known_by = day.isoformat() if published.number is None else published.number
    directory = f"issues/{known_by}-{slugify(published.slug or issue.title)}/"
    url = f"{base}/{directory}"
    slugs = sorted({_tag_slug(t) for t in published.tags})
    digest = body_digest(_html_bytes(published))
    stored = getattr(published, "html_digest", "")  # only rows Gazette wrote have one
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
        feed_id=_urn(f"{base}/issues/{published.number or published.week}"),
        tags=tuple(TagView(tag_names[s], s, f"tags/{s}/index.html", 0) for s in slugs),
        digest=digest,
        trusted=bool(stored) and stored == digest,
        source=published,
        bodies=bodies,
    )


def _feed(
    env: jinja2.Environment,
    site: SiteView,
    entries: list[dict[str, object]],
    path: str,
    title: str,
) -> str:
    return render_template(
        env,
        "site/feed.xml.j2",
        site=site,
        title=_xml_text(title),
        feed_id=_urn(f"{site.base_url}/{path}feed.xml"),
        self_url=f"{site.base_url}/{path}feed.xml",
        alternate_url=f"{site.base_url}/{path}",
        # A feed changes when its newest issue does, never with the build's clock.
        updated=entries[0]["updated"] if entries else "1970-01-01T00:00:00Z",
        entries=entries,
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
        # Escaped here rather than by the template (autoescape gives the same
        # bytes) so that an issue in several feeds is escaped once.
        "content": escape(_xml_text(str(view.body))),
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


@functools.lru_cache(maxsize=4096)
def _tag_slug(tag: str) -> str:
    # An archive has hundreds of issues but few distinct tags, each slugified
    # several times a build.
    return slugify(tag)


def _tag_names(ordered: list[ArchiveIssue]) -> dict[str, str]:
    """Slug -> the name shown; tags that slugify alike share one page."""
    names: dict[str, str] = {}
    for published in ordered:
        for tag in sorted(published.tags):
            names.setdefault(_tag_slug(tag), tag.strip())
    return names


def _check_unique(ordered: list[ArchiveIssue]) -> None:
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


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _build_key(env: jinja2.Environment, site: SiteView, subscribe_url: str, entries: int) -> str:
    """The inputs every page shares: renderer code, templates (a user's
    overrides included, as the loader resolves them) and settings."""
    assert env.loader is not None
    parts: list[bytes] = [path.read_bytes() for path in _RENDERER_SOURCES]
    for name in sorted(n for n in env.list_templates() if n.startswith("site/")):
        source, _, _ = env.loader.get_source(env, name)
        parts += [name.encode("utf-8"), source.encode("utf-8")]
    parts.append(repr((site, subscribe_url, entries, _MANIFEST_FORMAT)).encode("utf-8"))
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _html_bytes(published: ArchiveIssue) -> bytes:
    # ArchivedIssue holds its HTML as bytes already; decoding just to hash is waste.
    data = getattr(published, "html_utf8", None)
    return data if isinstance(data, bytes) else published.html.encode("utf-8")


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _read_manifest(path: Path) -> dict[str, list[str]]:
    """The previous build's manifest; anything unreadable counts as none."""
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("format") != _MANIFEST_FORMAT:
        return {}
    files = raw.get("files")
    if not isinstance(files, dict):
        return {}
    return {
        str(name): entry
        for name, entry in files.items()
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str) for e in entry)
    }


def _manifest_text(files: dict[str, list[str]]) -> str:
    return json.dumps({"format": _MANIFEST_FORMAT, "files": files}, indent=0, sort_keys=True) + "\n"


def _still_built(out_dir: Path, output: _Output, previous: dict[str, list[str]]) -> bool:
    """True when the file on disk was built from exactly these inputs and is intact."""
    entry = previous.get(output.path)
    if entry is None or entry[0] != output.key:
        return False
    try:
        data = (out_dir / output.path).read_bytes()
    except OSError:
        return False
    return _digest(data) == entry[1]
