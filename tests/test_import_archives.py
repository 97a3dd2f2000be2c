"""The four real archives in ../shared/corpora/archives: every post imports, the
archive builds in date order, and (slow) every issue page's body holds what the
archive's own generator renders from the same file: the same link targets,
headings, list items, tables and code blocks (tests/generators.py)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import feedparser
import pytest

from gazette.config import load_settings
from gazette.importer import import_archive
from gazette.pipeline import build_archive
from gazette.store import open_store
from tests.generators import ALL, ARCHIVES, Archive, outline

pytestmark = pytest.mark.skipif(
    not ARCHIVES.is_dir(), reason=f"the shared real archives are not at {ARCHIVES}"
)
BY_NAME = {archive.name: archive for archive in ALL}


def _posts(archive: Archive) -> set[str]:
    return {
        p.relative_to(archive.content).as_posix()
        for p in archive.content.rglob("*")
        if p.suffix in (".md", ".markdown")
    }


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_every_post_of_a_real_archive_imports(name: str, tmp_path: Path) -> None:
    archive = BY_NAME[name]
    with open_store(tmp_path / "g.db") as store:
        report = import_archive(store, archive.content, archive.base_url)
        dates = [r["published_on"] for r in store.db.query("select published_on from issues")]
    skipped = {s.path: s.reason for s in report.skipped}
    if name == "rust-blog_zola-toml":
        # The section files are not posts; each is listed with its reason.
        assert set(skipped) == {"_index.md", "releases/_index.md", "releases/latest.md"}
        assert "section's index" in skipped["_index.md"]
        assert "template (latest.html)" in skipped["releases/latest.md"]
    else:
        assert skipped == {}
    assert {i.path for i in report.imported} == _posts(archive) - set(skipped)
    assert len(dates) == len(report.imported) and all(dates)


def test_the_rust_blog_dates_come_from_zola_paths(tmp_path: Path) -> None:
    archive = BY_NAME["rust-blog_zola-toml"]
    with open_store(tmp_path / "g.db") as store:
        import_archive(store, archive.content, archive.base_url)
        cargo = next(store.db.query("select * from issues where title like 'Cargo: Rust%'"))
    assert cargo["published_on"] == "2014-11-20"  # path = "2014/11/20/Cargo"


def test_this_week_in_redox_keeps_its_numbers_and_the_archive_its_order(tmp_path: Path) -> None:
    """The 31 "This Week in Redox" issues have their number only in the title and
    the file name; every other post stays unnumbered (no number a next issue
    would need is taken); the index and the feed show the newest posts by date."""
    archive = BY_NAME["redox-os-news_hugo-toml"]
    with open_store(tmp_path / "g.db") as store:
        report = import_archive(store, archive.content, archive.base_url)
        weekly = {
            r["title"]: r["number"]
            for r in store.db.query("select * from issues where title like 'This Week in Redox %'")
        }
        newest = next(store.db.query("select * from issues order by published_on desc limit 1"))
        (tmp_path / "gazette.toml").write_text(
            '[publication]\nbase_url = "https://news.example/archive"\n[site]\nsearch = false\n'
        )
        build_archive(store, load_settings(tmp_path / "gazette.toml"), tmp_path / "site")
    assert len(weekly) == 31
    assert all(title.endswith(f" {number}") for title, number in weekly.items())
    assert sum(1 for i in report.imported if i.number is None) == 152 - 31
    inferred = [line for line in report.lines() if "inferred from the title" in line]
    assert len(inferred) == 31
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert feed.entries[0].title == newest["title"]
    published = [e.updated for e in feed.entries]
    assert published == sorted(published, reverse=True)
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert newest["number"] is None and "Permanent link to this issue<" in index
    assert f">{newest['title']}<" in index


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_issue_pages_hold_what_the_archives_own_generator_renders(
    name: str, tmp_path: Path
) -> None:
    """Each post's body as imported, against the same file rendered by the
    archive's generator (kramdown, Hugo, Pelican, pulldown-cmark). Accepted
    differences (README, "Importing an archive"): links whose scheme Gazette
    removes, in-page anchors' names, and typographic quotes in headings."""
    archive = BY_NAME[name]
    differences = []
    for path, theirs, ours in _rendered_both_ways(archive, tmp_path):
        want = outline(theirs, archive.base_url)
        got = outline(ours, archive.base_url)
        for what in ("links", "headings", "list_items", "tables", "code_blocks"):
            if getattr(want, what) != getattr(got, what):
                differences.append(f"{path}: {what}: {getattr(want, what)} != {getattr(got, what)}")
    assert differences == []


_IN_PAGE_LINK = re.compile(r'href="#([^"]+)"')
_ID = re.compile(r'\sid="([^"]+)"')
_HEADING_ID = re.compile(r'<h[1-6][^>]*?\sid="([^"]+)"')


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_every_in_page_link_of_a_real_archive_lands_on_its_page(name: str, tmp_path: Path) -> None:
    """The posts link to their own sections (a table of contents, "see
    below"): 184 such links in the Rust blog and Redox news, written against
    the ids their generator gave the headings, and one to an <a name>. On the
    imported pages every one of them lands, and no id is there twice."""
    archive = BY_NAME[name]
    (tmp_path / "gazette.toml").write_text("[site]\nsearch = false\n", "utf-8")
    with open_store(tmp_path / "g.db") as store:
        import_archive(store, archive.content, archive.base_url)
        build_archive(store, load_settings(tmp_path / "gazette.toml"), tmp_path / "site")
    links = dead = 0
    for page in sorted((tmp_path / "site" / "issues").glob("*/index.html")):
        text = page.read_text("utf-8")
        ids = Counter(_ID.findall(text))
        assert [i for i, n in ids.items() if n > 1] == [], page.parent.name
        targets = _IN_PAGE_LINK.findall(text)
        links += len(targets)
        dead += sum(target not in ids for target in targets)
    sources = sum(
        len(re.findall(r"\]\(#[^)\s]+\)", p.read_text("utf-8")))
        for p in archive.content.rglob("*.md")
    )
    assert links >= sources  # each page also has the skip link to #content
    assert dead == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["elixir-lang-blog_jekyll-yaml", "redox-os-news_hugo-toml"])
def test_headings_have_the_ids_the_generator_gives_them(name: str, tmp_path: Path) -> None:
    """Against kramdown (Jekyll) and Hugo themselves. A Redox post whose own
    links do not land on Hugo's ids today predates Hugo 0.60 (Blackfriday's
    ids, "so-what-s-next"): it keeps the ids its links name, which the test
    above checks."""
    posts = _rendered_both_ways(BY_NAME[name], tmp_path)
    compared = 0
    for path, theirs, ours in posts:
        their_ids = _HEADING_ID.findall(theirs)
        if not set(_IN_PAGE_LINK.findall(theirs)) <= set(_ID.findall(theirs)):
            continue
        assert _HEADING_ID.findall(ours) == their_ids, path
        compared += bool(their_ids)
    assert compared >= len(posts) // 2


def _rendered_both_ways(archive: Archive, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(path, the generator's body HTML, Gazette's imported body) for every
    post, in path order; the test is skipped when the generator is missing."""
    if not archive.available():
        pytest.skip(f"{archive.tool} is not installed (`make test` installs it)")
    expected = archive.render(archive.content)
    with open_store(tmp_path / "g.db") as store:
        report = import_archive(store, archive.content, archive.base_url)
        weeks = {i.path: i.week for i in report.imported}
        html = {r["week"]: r["html"] for r in store.db.query("select week, html from issues")}
    assert set(expected) == set(weeks)
    return [(path, theirs, html[weeks[path]]) for path, theirs in sorted(expected.items())]
