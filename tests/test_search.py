"""The search index: Pagefind (the real bundled binary) over a built archive.

Incremental like the site (nothing changed, nothing written), atomic (files
land whole, the entry file last) and with one-line errors when pagefind is
missing, fails or hangs. The browser half (a search that finds a story) is in
test_site.py."""

from __future__ import annotations

import base64
import dataclasses
import json
import stat
from pathlib import Path

import pytest

from gazette.config import Settings, load_settings
from gazette.models import PublishedIssue
from gazette.render.site import build_site
from gazette.render.site.manifest import MANIFEST
from gazette.render.site.views import archive_of
from gazette.search import (
    BUNDLES,
    RECORDS_CACHE,
    STAMP_NAME,
    UNUSED,
    SearchError,
    build_searchable_site,
    pagefind_binary,
    update_search,
)
from gazette.search_records import issue_records
from tests.test_site import BASE_URL, ISSUE_DIRS, issue_four, three_issues

ENTRY = "pagefind/2026/pagefind-entry.json"  # every test issue is from 2026
STAMP = f"pagefind/2026/{STAMP_NAME}"


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


def fake_pagefind(tmp_path: Path, script: str) -> Path:
    """A stand-in executable for the failure cases a real pagefind rarely shows."""
    path = tmp_path / "pagefind"
    path.write_text(f"#!/bin/sh\n{script}\n", "utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def story_count(issues: list[PublishedIssue], settings: Settings) -> int:
    return sum(len(list(issue_records(view))) for view in archive_of(issues, settings).issues)


def test_index_is_built_from_one_record_per_story(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    report = update_search(tmp_path, three_issues(), settings)
    assert report.ran
    assert ENTRY in report.written
    assert report.written == tuple(sorted(report.written))
    entry = json.loads((tmp_path / ENTRY).read_text("utf-8"))
    # One record per story (issue 1: two picks, the feature, two quick links;
    # issue 2: a pick and a quick link; issue 3: a pick), never whole pages,
    # navigation or footers.
    stories = story_count(three_issues(), settings)
    assert stories == 8
    assert entry["languages"]["en"]["page_count"] == stories
    assert json.loads((tmp_path / BUNDLES).read_text("utf-8")) == {
        "bundles": ["2026"],
        "tags": ["<script>alert('tag')</script>", "liveview", "nerves", "otp", "testing"],
    }
    assert (tmp_path / "pagefind/2026/pagefind.js").is_file()
    assert len(list((tmp_path / "pagefind/2026/fragment").iterdir())) == stories
    assert list((tmp_path / "pagefind/2026/index").iterdir())
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
    assert homex.tags == ("nerves", "otp") and homex.filters() == {"year": ["2026"]}
    assert homex.meta()["tags"] == "nerves, otp"
    assert homex.meta()["date"] == "January 5, 2026"
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
    assert not any("WEEKLY PICKS" in r.content for r in records)


def test_an_imported_issue_gives_a_record_per_headed_section(settings: Settings) -> None:
    imported = dataclasses.replace(
        three_issues()[0],
        html_utf8=(
            b"<h2>. WEEKLY PICKS .</h2><h3>Oban &amp; friends</h3><p>Jobs, "
            b'<a href="https://hex.pm/packages/oban">oban</a>.</p>'
            b'<h2>Quick links</h2><ul><li><a href="https://a.example/">ex_aws</a> S3</li></ul>'
        ),
        html_digest="",
    )
    records = list(issue_records(archive_of([imported], settings).issues[0]))
    assert [(r.headline, r.text, r.source) for r in records] == [
        ("Oban & friends", "Jobs, oban.", "https://hex.pm/packages/oban"),
        ("Quick links", "ex_aws S3", "https://a.example/"),
    ]
    # No ids there: a text fragment scrolls the browser to the heading.
    assert records[0].url.endswith("#:~:text=Oban%20%26%20friends")


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


def test_a_bundle_a_year_and_a_new_issue_reindexes_only_its_year(
    tmp_path: Path, settings: Settings
) -> None:
    old = dataclasses.replace(three_issues()[0], number=9, published_on="2024-03-04")
    issues = [old, *three_issues()[1:]]
    update_search(tmp_path, issues, settings)
    assert json.loads((tmp_path / BUNDLES).read_text("utf-8"))["bundles"] == ["2026", "2024"]
    before = files(tmp_path / "pagefind/2024")
    report = update_search(tmp_path, [*issues, issue_four()], settings)
    assert report.ran
    assert not any(p.startswith("pagefind/2024/") for p in report.written + report.removed)
    assert files(tmp_path / "pagefind/2024") == before
    # An issue gone from a year: its bundle goes when the year has no issue left.
    update_search(tmp_path, three_issues()[1:], settings)
    assert not (tmp_path / "pagefind/2024").exists()
    assert json.loads((tmp_path / BUNDLES).read_text("utf-8"))["bundles"] == ["2026"]


def test_the_same_records_give_the_same_files(tmp_path: Path, settings: Settings) -> None:
    """Byte for byte, so a forced or interrupted run rewrites nothing it need
    not (Pagefind's tag filters and sort keys would not: see filters())."""
    first = update_search(tmp_path / "a", three_issues(), settings)
    second = update_search(tmp_path / "b", three_issues(), settings, force=True)
    assert first.written == tuple(p.replace("b/", "a/", 1) for p in second.written)
    assert files_bytes(tmp_path / "a" / "pagefind") == files_bytes(tmp_path / "b" / "pagefind")
    again = update_search(tmp_path / "a", three_issues(), settings, force=True)
    assert again.ran and again.written == () and again.removed == ()


def files_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_nothing_changed_means_pagefind_does_not_run(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path, three_issues(), settings)
    before = files(tmp_path)
    build_site(three_issues(), settings, tmp_path)
    again = update_search(tmp_path, three_issues(), settings)
    assert not again.ran and again.written == ()
    assert files(tmp_path) == before


def test_a_new_issue_rewrites_only_the_index_files_that_change(
    tmp_path: Path, settings: Settings
) -> None:
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path, three_issues(), settings)
    before = files(tmp_path / "pagefind")
    build_site([*three_issues(), issue_four()], settings, tmp_path)
    report = update_search(tmp_path, [*three_issues(), issue_four()], settings)
    assert report.ran
    assert ENTRY in report.written
    # The UI and the wasm did not change, so they were not rewritten.
    assert "pagefind/2026/pagefind.js" in report.unchanged
    assert "pagefind/2026/wasm.en.pagefind" in report.unchanged
    after = files(tmp_path / "pagefind")
    assert after["2026/pagefind.js"] == before["2026/pagefind.js"]
    new_stories = len(list(issue_records(archive_of([issue_four()], settings).issues[0])))
    old_stories = story_count(three_issues(), settings)
    assert len(list((tmp_path / "pagefind/2026/fragment").iterdir())) == old_stories + new_stories
    # Only the new stories' fragments are new; the others stay as they were.
    written = [p for p in report.written if p.startswith("pagefind/2026/fragment/")]
    assert len(written) == new_stories
    # The replaced index chunk and metadata are gone: nothing references them any more.
    assert report.removed
    assert set(report.removed) <= {f"pagefind/{p}" for p in before}
    assert all(p.endswith((".pf_index", ".pf_meta", ".pf_filter")) for p in report.removed)


def test_a_failed_index_is_redone_next_time(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path, three_issues(), settings)
    build_site([*three_issues(), issue_four()], settings, tmp_path)
    (tmp_path / STAMP).unlink()  # as if pagefind had died after the site was built
    report = update_search(tmp_path, [*three_issues(), issue_four()], settings)
    assert report.ran
    entry = json.loads((tmp_path / ENTRY).read_text("utf-8"))
    assert entry["languages"]["en"]["page_count"] > 7


def test_missing_binary_is_one_clear_line(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    with pytest.raises(SearchError, match=r"pagefind binary .*pip install 'pagefind\[bin\]'"):
        pagefind_binary()
    build_site(three_issues(), settings, tmp_path / "site")
    with pytest.raises(SearchError) as error:
        update_search(tmp_path / "site", three_issues(), settings)
    assert "\n" not in str(error.value)
    assert "search = false" in str(error.value)


def test_pagefind_failure_and_timeout(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_site(three_issues(), settings, tmp_path / "site")
    failing = fake_pagefind(tmp_path, "echo 'Error: no html found' >&2; exit 3")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(failing))
    with pytest.raises(SearchError, match=r"pagefind failed on .*: Error: no html found"):
        update_search(tmp_path / "site", three_issues(), settings)
    slow = fake_pagefind(tmp_path, "sleep 30")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(slow))
    with pytest.raises(SearchError, match=r"did not finish within 0.5 s"):
        update_search(tmp_path / "site", three_issues(), settings, timeout=0.5)
    assert not (tmp_path / "site" / "pagefind").exists()  # nothing half-written


def test_search_off_builds_no_index(tmp_path: Path) -> None:
    config = tmp_path / "gazette.toml"
    config.write_text(f'[publication]\nbase_url = "{BASE_URL}"\n[site]\nsearch = false\n')
    report = build_searchable_site(three_issues(), load_settings(config), tmp_path / "out")
    assert report.search is None
    assert not (tmp_path / "out" / "pagefind").exists()
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


def test_bundles_are_shared_between_the_indexers_by_their_size() -> None:
    """A full build's years go to two pagefind processes with about as many
    records each; never more groups than bundles."""
    from gazette.search import _groups

    sizes = {"2021": 50, "2022": 40, "2023": 30, "2024": 20, "2025": 10}
    bundles = {year: [object()] * n for year, n in sizes.items()}
    groups = _groups(bundles, 2)  # type: ignore[arg-type]
    assert sorted(name for group in groups for name in group) == sorted(sizes)
    totals = sorted(sum(len(records) for records in group.values()) for group in groups)
    assert totals == [70, 80]
    assert len(_groups(bundles, 8)) == 5  # type: ignore[arg-type]
    assert _groups({}, 2) == []


def test_only_the_files_the_site_serves_are_written(tmp_path: Path, settings: Settings) -> None:
    """Pagefind's own search widgets (420 KB a bundle) are not written, and
    nothing is left beside the index: no scratch folder, no temporary file."""
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path, three_issues(), settings)
    bundle = tmp_path / "pagefind" / "2026"
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert {"pagefind.js", "pagefind-worker.js", "pagefind-entry.json"} <= names
    assert not [name for name in names if name.startswith(UNUSED)]
    # The search code of the index's language only (the browser test searches with it).
    assert [name for name in names if name.startswith("wasm.")] == ["wasm.en.pagefind"]
    ours = {STAMP_NAME, RECORDS_CACHE, MANIFEST}  # the build's and the index's own records
    assert [p.name for p in tmp_path.rglob(".*") if p.name not in ours] == []


def test_a_file_pagefind_sends_outside_its_bundle_is_refused() -> None:
    from gazette.search_service import _Failed, _files

    content = base64.b64encode(b"x").decode("ascii")
    reply = {
        "type": "GetFiles",
        "files": [
            {"path": "pagefind.js", "content": content},
            {"path": "pagefind-ui.js", "content": content},
        ],
    }
    assert _files(reply) == {"pagefind.js": b"x", "pagefind-ui.js": b"x"}
    for path in ("../index.html", "fragment/../../index.html"):
        with pytest.raises(_Failed, match="outside its bundle"):
            _files({"type": "GetFiles", "files": [{"path": path, "content": content}]})
    with pytest.raises(_Failed, match="did not send the index"):
        _files({"type": "Error", "message": "no"})


def test_the_search_code_kept_is_the_one_the_entry_names() -> None:
    """pagefind.js loads wasm.<the entry's wasm>.pagefind, or wasm.unknown
    for a language Pagefind has no stemmer for (Esperanto, Chinese)."""
    from gazette.search import _served

    wasm = {
        "wasm.en.pagefind": b"en",
        "wasm.unknown.pagefind": b"?",
        "pagefind.js": b"js",
        "pagefind-ui.js": b"widget",  # Pagefind's own widgets: never served
    }
    english = {"pagefind-entry.json": b'{"languages": {"en": {"wasm": "en"}}}', **wasm}
    assert sorted(_served(english)) == ["pagefind-entry.json", "pagefind.js", "wasm.en.pagefind"]
    other = {"pagefind-entry.json": b'{"languages": {"eo": {"wasm": null}}}', **wasm}
    assert sorted(_served(other)) == ["pagefind-entry.json", "pagefind.js", "wasm.unknown.pagefind"]
    with pytest.raises(SearchError, match="cannot be read"):
        _served({"pagefind-entry.json": b"{not json", **wasm})
    with pytest.raises(SearchError, match=r"without writing pagefind-entry\.json"):
        _served(wasm)
