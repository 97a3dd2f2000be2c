"""The index's words (gazette.search_index), and nothing of a real archive's
text lost on the way to it: every word a reader sees in an imported issue's
body, read with the stdlib's HTML parser, is a word the index finds in that
issue. The same rule in search.js is checked by the browser test (test_site.py)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazette.config import load_settings
from gazette.importer import import_archive
from gazette.pipeline import build_archive
from gazette.publish import archive_issues
from gazette.render.site.views import archive_of
from gazette.search_index import MAX_BUCKETS, bucket_of, words
from gazette.store import open_store
from tests.conftest import launch_chromium
from tests.generators import ALL, ARCHIVES


def test_words_are_the_letters_and_digits_of_any_script_in_lower_case() -> None:
    text = "Phoenix LiveView 1.1: ex_aws_dynamo, Straße, ÉCOLE, 東京, Garc\u0301ia <b>&amp;"
    assert words(text) == [
        "phoenix", "liveview", "1", "1", "ex", "aws", "dynamo",
        "straße", "école", "東京", "garćia", "b", "amp",
    ]  # fmt: skip


@given(st.text(min_size=1), st.integers(1, MAX_BUCKETS))
def test_every_start_of_a_word_names_the_bucket_of_the_word(text: str, buckets: int) -> None:
    """search.js looks a prefix up in one bucket: the one every word that
    starts with it is in."""
    for word in words(text):
        for end in range(2, len(word) + 1):
            assert bucket_of(word[:end], buckets) == bucket_of(word, buckets)


# Every code point search.js's word pattern accepts (WORD, read from
# search.js), and those its toLowerCase changes (to what), in Chromium.
_JS_CHARACTERS = """(source) => {
  const letters = [];
  const lower = {};
  const word = new RegExp(source, "u");
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    if (word.test(s)) letters.push(cp);
    if (s.toLowerCase() !== s) lower[cp] = s.toLowerCase();
  }
  return [letters, lower];
}"""
SEARCH_JS = Path(__file__).resolve().parents[1] / "templates" / "site" / "search.js"


@pytest.mark.browser
@pytest.mark.slow
def test_search_js_reads_words_as_the_index_does() -> None:
    """Letters, digits and lower case, character by character, in Chromium
    and in Python, for every character Python's Unicode tables know (Chromium's
    may be newer: characters assigned since are left out of the comparison)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            pattern = re.search(r"return /(.+)/gu;", SEARCH_JS.read_text("utf-8"))
            assert pattern is not None, "search.js has no word pattern"
            letters, lower = browser.new_page().evaluate(_JS_CHARACTERS, pattern.group(1))
        finally:
            browser.close()
    js_letters = set(letters)
    known = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp)) != "Cn"
    ]
    assert len(known) > 140_000
    assert [hex(cp) for cp in known if bool(words(chr(cp))) != (cp in js_letters)] == []
    assert [hex(cp) for cp in known if chr(cp).lower() != lower.get(str(cp), chr(cp))] == []


class _BodyWords(HTMLParser):
    """The words a reader sees outside headings (a heading without text
    under it is a section's label, not a story) and outside script/style:
    text runs on across inline tags (<code>Error</code>s is one word) and
    stops at a block or a table cell, as a browser lays it out."""

    SKIPPED = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "script", "style"})
    BREAKS = frozenset({
        "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
        *SKIPPED,
    })  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)
        self._skipping += tag in self.SKIPPED

    def handle_endtag(self, tag: str) -> None:
        self._break(tag)
        self._skipping -= tag in self.SKIPPED and self._skipping > 0

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.text.append(data)

    def _break(self, tag: str) -> None:
        if tag in self.BREAKS:
            self.text.append(" ")

    @property
    def words(self) -> set[str]:
        return set(words("".join(self.text)))


def _indexed_words(site: Path) -> dict[str, set[str]]:
    """Issue page -> every word the index finds in one of its stories."""
    index = site / "search-index"
    found: dict[str, set[str]] = defaultdict(set)
    for year in json.loads((index / "index.json").read_text("utf-8"))["years"]:
        meta = json.loads((index / year / "meta.json").read_text("utf-8"))
        pages = [
            story["url"].split("#")[0]
            for chunk in range(len(meta["chunks"]))
            for story in json.loads((index / year / f"stories-{chunk}.json").read_text("utf-8"))
        ]
        for bucket in range(meta["buckets"]):
            table = json.loads((index / year / f"terms-{bucket}.json").read_text("utf-8"))
            for term, postings in table.items():
                for story in postings[::2]:
                    found[pages[story]].add(term)
    return found


@pytest.mark.skipif(not ARCHIVES.is_dir(), reason=f"the shared real archives are not at {ARCHIVES}")
@pytest.mark.parametrize("archive", ALL, ids=lambda a: a.name)
def test_every_word_of_a_real_archive_is_found_in_its_issue(
    archive: object, tmp_path: Path
) -> None:
    (tmp_path / "gazette.toml").write_text("[site]\nsearch = true\n", "utf-8")
    settings = load_settings(tmp_path / "gazette.toml")
    with open_store(tmp_path / "g.db") as store:
        import_archive(store, archive.content, archive.base_url)  # type: ignore[attr-defined]
        build_archive(store, settings, tmp_path / "site")
        views = archive_of(archive_issues(store), settings).issues
    indexed = _indexed_words(tmp_path / "site")
    checked = 0
    for view in views:
        seen = _BodyWords()
        seen.feed(view.source.html)
        seen.close()
        assert seen.words - indexed[view.href] == set(), view.href
        checked += len(seen.words)
    assert len(indexed) == len(views) and checked > 10_000
