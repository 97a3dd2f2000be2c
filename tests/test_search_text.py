"""A record keeps the first 2,000 characters of a story's text, and only that
much of a long section's HTML is read (``_leading_text``): the same record as
reading it all, on generated sections and on every real archive's bodies."""

from __future__ import annotations

import pyromark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazette import importer, search_records
from gazette.importer import find_issue_files, split_front_matter
from gazette.render.web import sanitize_body_html
from gazette.search_records import _cut, _leading_text, _text
from tests.generators import ALL, ARCHIVES

_PIECES = st.sampled_from(
    ['<li><a href="https://x.example/?a=1&amp;b=2">', "</a>", " note ", "</li>", "<p>",
     "</p>", "&amp;", "&lt;tag&gt;", "é", "word", "  ", "<br>", '<span class="emoji">🚀</span>',
     "<code>x &lt; y</code>", "\n", "a-very-long-word-without-any-space" * 3]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, min_size=1, max_size=40), st.integers(1, 400))
def test_the_kept_text_is_the_same_as_reading_the_whole_section(
    pieces: list[str], repeat: int
) -> None:
    section = "".join(pieces) * repeat
    assert _cut(_leading_text(section)) == _cut(_text(section))


@pytest.mark.skipif(not ARCHIVES.is_dir(), reason=f"the shared real archives are not at {ARCHIVES}")
def test_every_real_section_gives_the_same_record_text() -> None:
    checked = 0
    for archive in ALL:
        for path in find_issue_files(archive.content):
            try:
                body = split_front_matter(path.read_text("utf-8"))[1]
            except importer.UnreadableFile:
                continue
            html = sanitize_body_html(
                pyromark.html(body, options=importer._MARKDOWN_OPTIONS), base_url=archive.base_url
            )
            sections = search_records._HEADING.split(html)
            for section in sections:
                assert _cut(_leading_text(section)) == _cut(_text(section))
                checked += 1
    assert checked > 1000
