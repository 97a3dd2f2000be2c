"""The quick paths of the dialect bridges against their plain forms.

The Python-Markdown bridge's quick check (``needs_rewrite``) never skips a
body the line-by-line walk would change: the walk is the reference. The
goldmark linkify searches only the text between tags, and gives what one pass
over the whole body (every tag, link and code matched and kept) gives."""

from __future__ import annotations

import re

import pyromark
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gazette.importer import (
    _MARKDOWN_OPTIONS,
    UnreadableFile,
    find_issue_files,
    split_front_matter,
)
from gazette.markdown_dialect import (
    _BARE_URL,
    _NOT_TEXT,
    _link,
    _rewrite,
    linkify_html,
    needs_rewrite,
)
from tests.generators import ARCHIVES

# Lines built from the pieces the walk looks at: list markers, indents, fences,
# headings, quotes, blank lines, odd line breaks, words.
_PIECES = st.sampled_from(
    ["- ", "* ", "+ ", "1. ", "2) ", "12345. ", "   ", "    ", "\t", "```", "~~~", "# ", "> ",
     "---", "text", "Steps:", "word", "\u00a0", "-", "1.", "\r", "\x0c", "\u2028", "_", "*"]
)  # fmt: skip
_LINE = st.lists(_PIECES, max_size=5).map("".join)
_BODY = st.lists(_LINE, max_size=12).map("\n".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_BODY)
@example("Steps:\n1. Do this\n2. Then that\n")
@example("- one\n- two\n\nText\n   - item\n")
@example("\u00a0\n- item\n")
@example("text\x0c- item\n")
def test_the_quick_check_skips_only_bodies_the_walk_keeps(body: str) -> None:
    if not needs_rewrite(body):
        assert _rewrite(body) == body


def test_lists_of_links_alone_are_not_walked() -> None:
    """The shape of most weekly issues: headings and lists of links, no text
    right before a list. Only a list right after text is walked."""
    issue = "## Quick links\n\n- [a](https://a.example/) note\n- [b](https://b.example/)\n"
    assert not needs_rewrite(issue)
    assert needs_rewrite("Steps:\n" + issue.split("\n\n", 1)[1])


def test_every_real_pelican_body_the_check_skips_is_kept_by_the_walk() -> None:
    folder = ARCHIVES / "fullstackpython-blog_pelican" / "content" / "posts"
    bodies = [split_front_matter(p.read_text("utf-8"))[1] for p in find_issue_files(folder)]
    assert len(bodies) > 50
    skipped = [body for body in bodies if not needs_rewrite(body)]
    assert all(_rewrite(body) == body for body in skipped)


# One pass over the whole body: each tag, link or code is matched and kept as
# it is, each bare URL in between made a link.
_TEXT_OR_URL = re.compile(f"({_NOT_TEXT})|{_BARE_URL.pattern}", re.S | re.I)


def _linkify_in_one_pass(html: str) -> str:
    return _TEXT_OR_URL.sub(
        lambda match: match.group(0) if match.group(1) is not None else _link(match), html
    )


_HTML_PIECES = st.sampled_from(
    ["<p>", "</p>", "<a href=\"https://x.example/\">", "</a>", "<code>", "</code>", "<pre>",
     "</pre>", "<img src=\"https://i.example/a.png\">", "https://a.example/path", "www.b.example",
     "http://c.example/(x)", "me@d.example", "&amp;", "&quot;", "&lt;", ".", ",", ")", "(", ":",
     " ", "\n", "word", "/", "@", "&", "ftp://e.example", "<br>", "<em>", "</em>"]
)  # fmt: skip


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_HTML_PIECES, max_size=16).map("".join))
@example('<p>see https://a.example/x.</p><a href="https://b.example/">www.b.example</a>')
@example("<pre>https://a.example/</pre>me@d.example")
def test_linkify_finds_what_one_pass_over_the_body_finds(html: str) -> None:
    assert linkify_html(html) == _linkify_in_one_pass(html)


def _real_bodies() -> list[str]:
    """Every post of the four real archives, as pyromark renders it."""
    bodies = []
    for archive in sorted(p for p in ARCHIVES.iterdir() if p.is_dir()):
        for path in find_issue_files(archive):
            try:
                body = split_front_matter(path.read_text("utf-8"))[1]
            except UnreadableFile:
                continue  # a README, a section file: not a post
            bodies.append(pyromark.html(body, options=_MARKDOWN_OPTIONS))
    return bodies


def test_linkify_on_every_real_body_finds_what_one_pass_finds() -> None:
    bodies = _real_bodies()
    assert len(bodies) > 500
    linked = [body for body in bodies if linkify_html(body) != body]
    assert linked  # the Redox news has bare URLs
    assert all(linkify_html(body) == _linkify_in_one_pass(body) for body in bodies)
