"""What search indexes: one record per story, read from an issue's stored HTML.

A reader asks "when did we last cover Oban?" and wants the stories, so every
pick, feature and quick link is a search result of its own: its headline, its
text, the link to it in its issue (its anchor) and to its source, with the
issue's number, date and tags. Only these records are indexed: navigation,
footers, section labels and tag chips never reach the index.

The stored HTML is what the body template wrote (``article.story`` with an id
for picks and the feature, ``li`` with an id for quick links), so a stdlib
parser reads it without Markdown or the draft. Records depend only on an
issue's stored HTML and its listing, so an unchanged issue gives the same
records and ``gazette.search`` can skip the index when nothing changed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from gazette.render.site.views import IssueView
from gazette.urls import safe_url


@dataclass(frozen=True)
class StoryRecord:
    """One story as search indexes and shows it."""

    url: str  # from the site's root: "issues/12-x/index.html#pick-1"
    headline: str
    text: str  # the story's own words, headline excluded
    source: str  # the story's link, "" when it has none
    kind: str  # "pick", "feature", "link", or "issue" (an imported text before any heading)
    issue_number: int | None  # None: an imported issue without one
    issue_title: str
    date_iso: str
    date_text: str
    tags: tuple[str, ...]

    def shown(self) -> dict[str, object]:
        """What a search result shows of the story (search.js reads these keys)."""
        return {
            "url": self.url,
            "title": self.headline,
            "text": self.text,
            "kind": self.kind,
            "issue": self.issue_number,
            "issue_title": self.issue_title,
            "date": self.date_text,
            "date_iso": self.date_iso,
            "source": self.source,
            "tags": list(self.tags),
        }


# Regular expressions, not an HTML parser: a full archive is tens of megabytes
# of stored HTML, which html.parser takes seconds over. The stored HTML is
# nh3's output (quoted attributes, balanced tags), which these patterns expect.
_STORY = re.compile(r'<article class="story" id="([^"]+)">(.*?)</article>', re.S)
_QUICK_LINK = re.compile(r'<li id="(link-[0-9]+)">(.*?)</li>', re.S)
_STORY_TITLE = re.compile(r'<h[23] class="story-title">(.*?)</h[23]>', re.S)
_STORY_LINK = re.compile(r'<p class="story-link"><a href="([^"]*)"[^>]*>.*?</a></p>', re.S)
_FIRST_LINK = re.compile(r'\s*<a href="([^"]*)"[^>]*>(.*?)</a>(.*)', re.S)
_SKIPPED = re.compile(
    r'<span class="emoji"[^>]*>.*?</span>|<p class="remember-label">.*?</p>', re.S
)
# Imported issues (Markdown of another tool) carry no story markup: a heading
# and what follows it up to the next heading is a story.
_HEADING = re.compile(r"<h[1-6]([^>]*)>(.*?)</h[1-6]>", re.S)
_ID = re.compile(r'\sid="([^"]+)"')
_LINK = re.compile(r'<a href="([^"]*)"', re.S)
_TAG = re.compile(r"<[^>]*>")
# Where a browser breaks the text: a block's or a table cell's start and end,
# a line break. Text runs on across inline tags (<code>Error</code>s is a word).
_BREAK = re.compile(
    r"</?(?:address|article|aside|blockquote|dd|details|div|dl|dt|figcaption|figure|footer"
    r"|h[1-6]|header|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr"
    r"|ul)\b[^>]*>|<(?:br|hr)\b[^>]*>"
)


@dataclass(frozen=True)
class _Story:
    anchor: str  # an id, or a text fragment ("#:~:text=...") when there is none
    kind: str
    headline: str
    text: str
    source: str


def _text(fragment: str) -> str:
    """Plain text of an HTML fragment, blocks separated by a space."""
    if 'class="emoji"' in fragment or "remember-label" in fragment:
        fragment = _SKIPPED.sub("", fragment)
    spaced = _BREAK.sub(" ", fragment)
    return " ".join(html.unescape(_TAG.sub("", spaced)).split())


def _marked_stories(body: str) -> Iterator[_Story]:
    """Stories of a body Gazette rendered: each has an id."""
    for anchor, inner in _STORY.findall(body):
        title = _STORY_TITLE.search(inner)
        if title is None:
            continue
        link = _STORY_LINK.search(inner)
        rest = inner[: title.start()] + inner[title.end() :]
        if link is not None:
            rest = rest.replace(link.group(0), "")
        kind = "feature" if anchor == "feature" else "pick"
        source = html.unescape(link.group(1)) if link else ""
        yield _Story(anchor, kind, _text(title.group(1)), _text(rest), source)
    for anchor, inner in _QUICK_LINK.findall(body):
        first = _FIRST_LINK.match(inner)
        if first is None:
            yield _Story(anchor, "link", _text(inner), "", "")
        else:
            href, label, note = first.groups()
            note_text = _text(note).removeprefix("—").strip()  # the separator is no text
            yield _Story(anchor, "link", _text(label), note_text, html.unescape(href))


def _plain_stories(body: str, title: str) -> Iterator[_Story]:
    """Stories of an imported body: each headed section, a list of links too.

    An imported issue can hold hundreds of links in one list: the list is one
    result, under its heading, and every link of it is found by its words.
    Text before the first heading (an introduction, or a whole post without
    headings) is a result of the issue's own, under its title, as is a section
    whose heading has no words (an image)."""
    headings = list(_HEADING.finditer(body))
    intro = _text(body[: headings[0].start()] if headings else body)
    if intro:
        yield _Story("", "issue", title, intro, "")
    for number, heading in enumerate(headings):
        end = headings[number + 1].start() if number + 1 < len(headings) else len(body)
        section = body[heading.end() : end]
        text = _text(section)
        if not text:
            continue  # a section label: its stories have headings of their own
        headline = _text(heading.group(2)) or title
        last = _LINK.search(section, section.rfind('<a href="'))
        source = html.unescape(last.group(1)) if last else ""
        # The id the import gave the heading (gazette.heading_ids); a body
        # imported before that has none, and a text fragment finds the heading.
        named = _ID.search(heading.group(1))
        anchor = quote(html.unescape(named.group(1))) if named else _fragment(headline)
        yield _Story(anchor, "pick", headline, text, source)


def _fragment(text: str) -> str:
    """A text fragment that scrolls a browser to ``text`` on the page."""
    return ":~:text=" + quote(text[:80], safe="")


def issue_records(view: IssueView) -> Iterator[StoryRecord]:
    """The stories of one published issue, in the order the issue shows them."""
    body = view.source.html
    if 'class="story"' in body:
        stories: Iterator[_Story] = _marked_stories(body)
    else:
        stories = _plain_stories(body, view.title)
    tags = tuple(tag.name for tag in view.tags)
    for story in stories:
        if not story.headline:
            continue
        yield StoryRecord(
            url=f"{view.href}#{story.anchor}" if story.anchor else view.href,
            headline=story.headline,
            text=story.text,
            source=safe_url(story.source),
            kind=story.kind,
            issue_number=view.number,
            issue_title=view.title,
            date_iso=view.date_iso,
            date_text=view.date_text,
            tags=tags,
        )
