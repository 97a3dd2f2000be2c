"""The Atom feeds of the archive: the main one and one per tag.

An issue is an entry of the main feed and of each of its tags' feeds; its
content (the whole body, escaped for Atom) is made once per build.
"""

from __future__ import annotations

import re

import jinja2
from markupsafe import escape

from gazette.render import render_template
from gazette.render.site.views import IssueView, SiteView, urn

FEED_TEMPLATE = "site/feed.xml.j2"
# Characters XML 1.0 forbids even as references; one in a title would make the
# whole feed unreadable to every reader.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Feeds:
    """Renders the feeds of one build, each issue's entry made once."""

    def __init__(self, env: jinja2.Environment, site: SiteView) -> None:
        self.env = env
        self.site = site
        self._entries: dict[str, dict[str, object]] = {}  # by week

    def render(self, shown: list[IssueView], path: str, title: str) -> str:
        """The feed at ``<path>feed.xml`` of the issues ``shown``, newest first."""
        entries = [self._entry(view) for view in shown]
        base = self.site.base_url
        return render_template(
            self.env,
            FEED_TEMPLATE,
            site=self.site,
            title=_xml_text(title),
            feed_id=urn(f"{base}/{path}feed.xml"),
            self_url=f"{base}/{path}feed.xml",
            alternate_url=f"{base}/{path}",
            # A feed changes when its newest issue does, never with the build's clock.
            updated=entries[0]["updated"] if entries else "1970-01-01T00:00:00Z",
            entries=entries,
        )

    def _entry(self, view: IssueView) -> dict[str, object]:
        entry = self._entries.get(view.week)
        if entry is None:
            entry = self._entries[view.week] = _xml_entry(view)
        return entry


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


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("", text)
