"""The search index (gazette.search, gazette.search_index) over a built archive.

Incremental like the site (nothing changed, nothing written; a new issue
re-indexes its year only), atomic (files land whole, each segment's meta.json
after the files it names) and byte-for-byte the same from the same issues.
The browser half (search.js finding a story) is in test_site.py; the index's
words against every real archive's text are in test_search_index.py."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gazette.config import Settings, load_settings
from gazette.models import PublishedIssue
from gazette.render.site import build_site
from gazette.render.site.manifest import MANIFEST
from gazette.render.site.views import archive_of
from gazette.search import (
    LISTING,
    STAMP_NAME,
    build_searchable_site,
    update_search,
)
from gazette.search_records import issue_records
from tests.search_reader import find, stories_of
from tests.test_site import BASE_URL, ISSUE_DIRS, issue_four, three_issues

META = "search-index/2026/meta.json"  # every test issue is from 2026
STAMP = f"search-index/2026/{STAMP_NAME}"


@pytest.fixture
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    config = tmp_path_factory.mktemp("config") / "gazette.toml"
    config.write_text(f'[publication]\nbase_url = "{BASE_URL}/"\n', "utf-8")
    return load_settings(config)


def files(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def story_count(issues: list[PublishedIssue], settings: Settings) -> int:
    return sum(len(list(issue_records(view))) for view in archive_of(issues, settings).issues)


def test_index_is_built_from_one_record_per_story(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    report = update_search(tmp_path, three_issues(), settings)
    assert report.ran
    assert META in report.written
    assert report.written == tuple(sorted(report.written))
    meta = json.loads((tmp_path / META).read_text("utf-8"))
    # One record per story (issue 1: two picks, the feature, two quick links;
    # issue 2: a pick and a quick link; issue 3: a pick), never whole pages,
    # navigation or footers.
    stories = story_count(three_issues(), settings)
    assert stories == 8
    assert meta["stories"] == stories == len(stories_of(tmp_path, "2026"))
    assert json.loads((tmp_path / LISTING).read_text("utf-8")) == {
        "format": 1,
        "years": ["2026"],
        "tags": ["<script>alert('tag')</script>", "liveview", "nerves", "otp", "testing"],
    }
    # Each tag lists exactly its stories, so the tag filter misses none.
    tagged = {
        tag: sorted(r.url for v in archive_of(three_issues(), settings).issues
                    for r in issue_records(v) if tag in r.tags)
        for tag in ("nerves", "otp", "liveview")
    }  # fmt: skip
    for tag, urls in tagged.items():
        assert sorted(stories_of(tmp_path, "2026")[i]["url"] for i in meta["tags"][tag]) == urls
    # A word of a headline, of a story's text, and the start of a word.
    assert find(tmp_path, "homex") == [f"{ISSUE_DIRS[1]}/index.html#pick-2"]
    assert find(tmp_path, "dormant") == [f"{ISSUE_DIRS[1]}/index.html#feature"]
    assert find(tmp_path, "dorm") == find(tmp_path, "DORMANT")
    assert find(tmp_path, "homex dormant") == []  # every word, in one story
    assert not list(tmp_path.rglob("*.tmp"))


def test_every_story_is_a_record_with_its_anchor_issue_and_source(settings: Settings) -> None:
    views = archive_of(three_issues(), settings).issues
    records = list(issue_records(views[0]))
    assert [r.url.split("#")[1] for r in records] == [
        "pick-1",
        "pick-2",
        "feature",
        "link-1",
        "link-2",
    ]
    assert all(r.url.startswith(f"{ISSUE_DIRS[1]}/index.html#") for r in records)
    homex = records[1]
    assert homex.headline.startswith("Homex Brings Home Assistant")  # no emoji
    assert homex.source == "https://hex.pm/packages/homex"
    assert "See the package on Hex.pm" not in homex.text  # the link's label is not text
    assert (homex.issue_number, homex.date_iso) == (1, "2026-01-05")
    assert homex.tags == ("nerves", "otp")
    shown = homex.shown()
    assert (shown["tags"], shown["date"], shown["issue"]) == (
        ["nerves", "otp"],
        "January 5, 2026",
        1,
    )
    feature = records[2]
    assert feature.kind == "feature" and "Remember" not in feature.text
    assert "usage_rules library = agent" in feature.text  # its key points are searchable
    link = records[3]
    assert (link.kind, link.headline, link.text) == (
        "link",
        "Phoenix 1.8 release notes",
        "scopes, magic links and more",
    )
    # Section labels and tag names are no story's text.
    assert not any("WEEKLY PICKS" in r.headline + r.text for r in records)


def test_an_imported_issue_gives_a_record_per_headed_section(settings: Settings) -> None:
    imported = dataclasses.replace(
        three_issues()[0],
        html_utf8=(
            b"<p>Hello from the editor.</p>"
            b"<h2>. WEEKLY PICKS .</h2><h3>Oban &amp; friends</h3><p>Jobs, "
            b'<a href="https://hex.pm/packages/oban">oban</a>.</p>'
            b'<h2>Quick links</h2><ul><li><a href="https://a.example/">ex_aws</a> S3</li></ul>'
            b'<h2><img src="https://a.example/logo.png" alt=""></h2><p>Under a logo.</p>'
        ),
        html_digest="",
    )
    view = archive_of([imported], settings).issues[0]
    records = list(issue_records(view))
    # Every word of the body is some record's: the text before the first
    # heading and a section headed by a picture are the issue's own.
    assert [(r.headline, r.text, r.source) for r in records] == [
        (view.title, "Hello from the editor.", ""),
        ("Oban & friends", "Jobs, oban.", "https://hex.pm/packages/oban"),
        ("Quick links", "ex_aws S3", "https://a.example/"),
        (view.title, "Under a logo.", ""),
    ]
    assert (records[0].kind, records[0].url) == ("issue", view.href)
    # No ids there: a text fragment scrolls the browser to the heading.
    assert records[1].url.endswith("#:~:text=Oban%20%26%20friends")


def test_an_imported_section_links_to_the_id_its_heading_was_given(settings: Settings) -> None:
    """The import names headings as the archive's generator did (Hugo here):
    a search result lands on the heading by its id, in every browser."""
    from gazette.importer import render_body

    body = render_body(
        "## Oban & friends\n\nJobs, [oban](https://hex.pm/packages/oban).\n", "goldmark"
    )
    imported = dataclasses.replace(
        three_issues()[0], html_utf8=body.encode("utf-8"), html_digest=""
    )
    [record] = issue_records(archive_of([imported], settings).issues[0])
    assert record.url.endswith("#oban--friends")  # goldmark: "&" dropped, both spaces kept
    assert ' id="oban--friends"' in body


def test_a_segment_a_year_and_a_new_issue_reindexes_only_its_year(
    tmp_path: Path, settings: Settings
) -> None:
    old = dataclasses.replace(three_issues()[0], number=9, published_on="2024-03-04")
    issues = [old, *three_issues()[1:]]
    update_search(tmp_path, issues, settings)
    assert json.loads((tmp_path / LISTING).read_text("utf-8"))["years"] == ["2026", "2024"]
    assert find(tmp_path, "homex") == [f"{ISSUE_DIRS[1].replace('1-', '9-', 1)}/index.html#pick-2"]
    before = files(tmp_path / "search-index/2024")
    report = update_search(tmp_path, [*issues, issue_four()], settings)
    assert report.ran
    assert not any(p.startswith("search-index/2024/") for p in report.written + report.removed)
    assert files(tmp_path / "search-index/2024") == before
    # An issue gone from a year: its segment goes when the year has no issue left.
    update_search(tmp_path, three_issues()[1:], settings)
    assert not (tmp_path / "search-index/2024").exists()
    assert json.loads((tmp_path / LISTING).read_text("utf-8"))["years"] == ["2026"]
    assert find(tmp_path, "homex") == []


def test_the_same_records_give_the_same_files(tmp_path: Path, settings: Settings) -> None:
    """Byte for byte, so a forced or interrupted run rewrites nothing it need not."""
    first = update_search(tmp_path / "a", three_issues(), settings)
    second = update_search(tmp_path / "b", three_issues(), settings, force=True)
    assert first.written == tuple(p.replace("b/", "a/", 1) for p in second.written)
    index = "search-index"
    assert files_bytes(tmp_path / "a" / index) == files_bytes(tmp_path / "b" / index)
    again = update_search(tmp_path / "a", three_issues(), settings, force=True)
    assert again.ran and again.written == () and again.removed == ()


def files_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_nothing_changed_means_nothing_is_indexed(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path, three_issues(), settings)
    before = files(tmp_path)
    build_site(three_issues(), settings, tmp_path)
    again = update_search(tmp_path, three_issues(), settings)
    assert not again.ran and again.written == ()
    assert files(tmp_path) == before


def test_a_new_issue_keeps_the_numbers_of_the_stories_before_it(
    tmp_path: Path, settings: Settings
) -> None:
    """Stories are numbered oldest first, so a new issue's stories come after
    the others and a reader's cached files of the year still agree."""
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path, three_issues(), settings)
    before = stories_of(tmp_path, "2026")
    build_site([*three_issues(), issue_four()], settings, tmp_path)
    report = update_search(tmp_path, [*three_issues(), issue_four()], settings)
    assert report.ran and META in report.written
    after = stories_of(tmp_path, "2026")
    new_stories = len(list(issue_records(archive_of([issue_four()], settings).issues[0])))
    assert after[: len(before)] == before and len(after) == len(before) + new_stories
    assert [s["date_iso"] for s in after] == sorted(s["date_iso"] for s in after)


def test_a_failed_index_is_redone_next_time(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path, three_issues(), settings)
    build_site([*three_issues(), issue_four()], settings, tmp_path)
    (tmp_path / STAMP).unlink()  # as if the run had died before its stamp
    report = update_search(tmp_path, [*three_issues(), issue_four()], settings)
    assert report.ran
    assert json.loads((tmp_path / META).read_text("utf-8"))["stories"] > 8


def test_an_index_from_an_older_gazette_is_removed(tmp_path: Path, settings: Settings) -> None:
    """Gazette kept a Pagefind index in pagefind/ before it wrote its own:
    the first update removes it, and only when it is Gazette's."""
    build_site(three_issues(), settings, tmp_path)
    (tmp_path / "pagefind/2026").mkdir(parents=True)
    (tmp_path / "pagefind/bundles.json").write_text('{"bundles": ["2026"]}')
    (tmp_path / "pagefind/2026/pagefind.js").write_text("old")
    (tmp_path / ".gazette-search.json").write_text("{}")  # its cache of records
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/pagefind.js").write_text("the user's")
    report = update_search(tmp_path, three_issues(), settings)
    assert {"pagefind/bundles.json", ".gazette-search.json"} <= set(report.removed)
    assert not (tmp_path / "pagefind").exists() and (tmp_path / "mine/pagefind.js").exists()
    assert not (tmp_path / ".gazette-search.json").exists()
    # A pagefind/ folder that is not Gazette's stays.
    (tmp_path / "pagefind").mkdir()
    (tmp_path / "pagefind/pagefind.js").write_text("the user's")
    (tmp_path / ".gazette-search.json").write_text("{}")
    update_search(tmp_path, three_issues(), settings)
    assert (tmp_path / "pagefind/pagefind.js").exists()


def test_search_off_builds_no_index(tmp_path: Path) -> None:
    config = tmp_path / "gazette.toml"
    config.write_text(f'[publication]\nbase_url = "{BASE_URL}"\n[site]\nsearch = false\n')
    report = build_searchable_site(three_issues(), load_settings(config), tmp_path / "out")
    assert report.search is None
    assert not (tmp_path / "out" / "search-index").exists()
    assert report.summary(Path("out")).endswith("(search off)")


def test_searchable_site_uses_the_configured_subscribe_url(tmp_path: Path) -> None:
    config = tmp_path / "gazette.toml"
    config.write_text(
        f'[publication]\nbase_url = "{BASE_URL}"\n'
        'subscribe_url = "https://newsletter.example.org/join"\n'
    )
    report = build_searchable_site(three_issues(), load_settings(config), tmp_path / "out")
    assert report.search is not None and report.search.ran
    index = (tmp_path / "out" / "index.html").read_text("utf-8")
    assert 'action="https://newsletter.example.org/join"' in index
    again = build_searchable_site(three_issues(), load_settings(config), tmp_path / "out")
    assert again.written == () and again.search is not None and not again.search.ran
    assert "0 files written" in again.summary(Path("out"))


def test_only_the_index_is_written(tmp_path: Path, settings: Settings) -> None:
    """A segment holds its meta.json, its buckets of terms and its chunks of
    stories, and nothing is left beside them: no temporary file."""
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path, three_issues(), settings)
    segment = tmp_path / "search-index" / "2026"
    names = sorted(p.name for p in segment.iterdir())
    meta = json.loads((segment / "meta.json").read_text("utf-8"))
    assert names == sorted(
        [".gazette-stamp", "meta.json"]
        + [f"terms-{b}.json" for b in range(meta["buckets"])]
        + [f"stories-{c}.json" for c in range(len(meta["chunks"]))]
    )
    ours = {STAMP_NAME, MANIFEST}  # the build's and the index's own records
    assert [p.name for p in tmp_path.rglob(".*") if p.name not in ours] == []


def test_a_large_year_is_split_into_buckets_and_chunks(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query reads one bucket a word and the chunks of the stories it
    shows; with small limits the same three issues take several of each and
    every story is still found by every word."""
    from gazette import search_index

    build_site(three_issues(), settings, tmp_path / "one")
    update_search(tmp_path / "one", three_issues(), settings)
    monkeypatch.setattr(search_index, "POSTINGS_PER_BUCKET", 20)
    monkeypatch.setattr(search_index, "CHUNK_CHARS", 100)
    update_search(tmp_path / "many", three_issues(), settings)
    meta = json.loads((tmp_path / "many" / META).read_text("utf-8"))
    assert meta["buckets"] > 3 and len(meta["chunks"]) > 3
    assert stories_of(tmp_path / "many", "2026") == stories_of(tmp_path / "one", "2026")
    for story in stories_of(tmp_path / "one", "2026"):
        for word in set(search_index.words(story["title"] + " " + story["text"])):
            assert story["url"] in find(tmp_path / "many", word), word
            assert find(tmp_path / "many", word) == find(tmp_path / "one", word)
