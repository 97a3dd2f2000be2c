"""The Python-Markdown bridge's quick check (``needs_rewrite``) never skips a
body the line-by-line walk would change: the walk is the reference."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gazette.importer import find_issue_files, split_front_matter
from gazette.markdown_dialect import _rewrite, needs_rewrite
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
