"""Every file of the site: where it goes, what it is made from, how to make it.

One method per kind of page. Each returns outputs that are not rendered yet
(``Output.render``), so the build renders only the files whose inputs changed
(``gazette.render.site.manifest``).

Links between pages are relative (each page knows its ``root``, such as
"../../") and name ``index.html`` explicitly, so the archive works from file://
and under any path on any static host. Absolute URLs from
``publication.base_url`` appear only where they must: canonical and OpenGraph
tags, the feeds, the sitemap, robots.txt and 404.html (which a host serves at
any depth, so only paths from the site's root work there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import jinja2

from gazette.config import Publication, Settings
from gazette.models import PublishedIssue
from gazette.render import render_template, template_source
from gazette.render.site.feeds import Feeds
from gazette.render.site.manifest import build_key, digest
from gazette.render.site.views import Archive, IssueView, PageMeta, archive_of

STYLESHEET = "site/style.css"
FAVICON = "site/favicon.svg"
SEARCH_SCRIPT = "site/search.js"


@dataclass(frozen=True)
class Output:
    """One file of the build: where, what it is made from, how to make it."""

    path: str
    key: str  # "" for small files that are cheaper to render than to track
    render: Callable[[], str]


def gather(
    issues: Sequence[PublishedIssue],
    settings: Settings,
    env: jinja2.Environment,
    subscribe_url: str,
    archive: Archive | None = None,
) -> list[Output]:
    """Every file of the archive of ``issues`` (whose views are ``archive``
    when the caller has them), none rendered yet."""
    archive = archive or archive_of(issues, settings)
    pages = SitePages(archive, settings.publication, env, subscribe_url)
    return [
        pages.index(),
        *pages.issues(),
        *pages.tags(),
        pages.main_feed(),
        *pages.search(),
        pages.sitemap(),
        pages.robots(),
        pages.not_found(),
        pages.stylesheet(),
        pages.favicon(),
    ]


class SitePages:
    """The pages of one build, and what they share: how a page is rendered and keyed."""

    def __init__(
        self,
        archive: Archive,
        publication: Publication,
        env: jinja2.Environment,
        subscribe_url: str,
    ) -> None:
        self.archive = archive
        self.site = archive.site
        self.pub = publication
        self.env = env
        self.subscribe_url = subscribe_url
        self.newest_first = archive.newest_first
        self._build_key = build_key(env, self.site, subscribe_url, archive.feed_entries)
        self._feeds = Feeds(env, self.site)

    def index(self) -> Output:
        """index.html: the latest issue in full, then every issue, newest first."""
        newest_first = self.newest_first
        latest = newest_first[0] if newest_first else None
        base = self.site.base_url
        return Output(
            "index.html",
            self._key("index", latest.key if latest else None, [v.summary for v in newest_first]),
            self._page(
                "site/index.html.j2",
                "",
                PageMeta(title=self.pub.name, description=self.pub.tagline, canonical=f"{base}/"),
                latest=latest,
                issues=newest_first,
            ),
        )

    def issues(self) -> Iterator[Output]:
        """issues/<number>-<slug>/index.html: one permanent page per issue, with prev/next."""
        views = self.archive.issues
        for index, view in enumerate(views):
            previous = views[index - 1] if index > 0 else None
            following = views[index + 1] if index + 1 < len(views) else None
            yield Output(
                f"{view.dir}index.html",
                self._key(
                    "issue",
                    view.key,
                    previous.summary if previous else None,
                    following.summary if following else None,
                ),
                self._page(
                    "site/issue.html.j2",
                    "../../",
                    PageMeta(
                        title=f"{view.title} · {self.pub.name}",
                        og_title=f"{view.emoji} {view.title}".strip(),
                        description=view.subtitle or self.pub.tagline,
                        canonical=view.url,
                        og_type="article",
                        published=view.date_iso,
                    ),
                    issue=view,
                    previous=previous,
                    next=following,
                ),
            )

    def tags(self) -> Iterator[Output]:
        """tags/index.html (every tag with its issue count), then for each tag
        tags/<tag>/index.html (its issues, newest first) and its Atom feed."""
        pub, base, tags = self.pub, self.site.base_url, self.archive.tags
        yield Output(
            "tags/index.html",
            self._key("tags", tags),
            self._page(
                "site/tags.html.j2",
                "../",
                PageMeta(
                    title=f"Tags · {pub.name}", description=pub.tagline, canonical=f"{base}/tags/"
                ),
                tags=tags,
            ),
        )
        for tag in tags:
            tagged = self.archive.tag_issues[tag.slug][::-1]
            yield Output(
                f"tags/{tag.slug}/index.html",
                self._key("tag", tag, [v.summary for v in tagged]),
                self._page(
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
            yield self._feed(tagged, f"tags/{tag.slug}/", f"{pub.name}: {tag.name}")

    def main_feed(self) -> Output:
        """feed.xml: the full content of the last issues ([site] feed_entries)."""
        return self._feed(self.newest_first, "", self.pub.name)

    def search(self) -> Iterator[Output]:
        """search/index.html and search.js, when [site] search is on (the index
        itself, search-index/, is written by gazette.search after the build)."""
        if not self.site.search:
            return
        yield Output(
            "search/index.html",
            "",
            self._page(
                "site/search.html.j2",
                "../",
                PageMeta(
                    title=f"Search · {self.pub.name}",
                    description=f"Search every issue of {self.pub.name}",
                    canonical=f"{self.site.base_url}/search/",
                ),
            ),
        )
        yield Output("search.js", "", lambda: template_source(self.env, SEARCH_SCRIPT))

    def sitemap(self) -> Output:
        return Output("sitemap.xml", "", self._sitemap)

    def robots(self) -> Output:
        return Output(
            "robots.txt",
            "",
            lambda: render_template(self.env, "site/robots.txt.j2", site=self.site),
        )

    def not_found(self) -> Output:
        return Output(
            "404.html",
            "",
            self._page(
                "site/404.html.j2",
                # A host serves this page at whatever path was missing, so only
                # links from the site's root can work here.
                (urlsplit(self.site.base_url).path.rstrip("/") + "/"),
                PageMeta(
                    title=f"Page not found · {self.pub.name}",
                    description="",
                    canonical="",
                    noindex=True,
                ),
            ),
        )

    def stylesheet(self) -> Output:
        # Through the loader, so a user's templates_dir can replace the stylesheet too.
        return Output("style.css", "", lambda: template_source(self.env, STYLESHEET))

    def favicon(self) -> Output:
        # Every page links it, so no browser asks for a missing /favicon.ico.
        return Output("favicon.svg", "", lambda: template_source(self.env, FAVICON))

    def _key(self, *parts: object) -> str:
        return digest(repr((self._build_key, *parts)).encode("utf-8"))

    def _page(self, name: str, root: str, meta: PageMeta, **context: object) -> Callable[[], str]:
        return lambda: render_template(
            self.env,
            name,
            site=self.site,
            root=root,
            page=meta,
            subscribe_url=self.subscribe_url,
            **context,
        )

    def _feed(self, entries: list[IssueView], path: str, title: str) -> Output:
        shown = entries[: self.archive.feed_entries]
        return Output(
            f"{path}feed.xml",
            self._key("feed", path, title, [v.key for v in shown]),
            lambda: self._feeds.render(shown, path, title),
        )

    def _sitemap(self) -> str:
        site, newest_first = self.site, self.newest_first
        newest = newest_first[0].date_iso if newest_first else ""
        urls: list[tuple[str, str]] = [(f"{site.base_url}/", newest)]
        urls += [(view.url, view.date_iso) for view in newest_first]
        urls.append((f"{site.base_url}/tags/", newest))
        urls += [
            (f"{site.base_url}/tags/{t.slug}/", self.archive.tag_issues[t.slug][-1].date_iso)
            for t in self.archive.tags
        ]
        return render_template(self.env, "site/sitemap.xml.j2", urls=urls)
