"""The search index: Pagefind (the real bundled binary) over a built archive.

Incremental like the site (nothing changed, nothing written), atomic (files
land whole, the entry file last) and with one-line errors when pagefind is
missing, fails or hangs. The browser half (a search that finds a story) is in
test_site.py."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from gazette.config import Settings, load_settings
from gazette.render.site import build_site
from gazette.search import (
    ENTRY,
    STAMP,
    SearchError,
    build_searchable_site,
    pagefind_binary,
    update_search,
)
from tests.test_site import BASE_URL, issue_four, three_issues


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


def test_index_is_built_and_covers_the_issue_pages(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    report = update_search(tmp_path)
    assert report.ran
    assert ENTRY in report.written
    assert report.written == tuple(sorted(report.written))
    entry = json.loads((tmp_path / ENTRY).read_text("utf-8"))
    assert entry["languages"]["en"]["page_count"] == 3  # the issue pages, nothing else
    for ui in ("pagefind/pagefind-ui.js", "pagefind/pagefind-ui.css", "pagefind/pagefind.js"):
        assert (tmp_path / ui).is_file(), ui
    # Chunked: fragments per page and index chunks, never one big file.
    assert len(list((tmp_path / "pagefind" / "fragment").iterdir())) == 3
    assert list((tmp_path / "pagefind" / "index").iterdir())
    assert not list(tmp_path.rglob("*.tmp"))


def test_nothing_changed_means_pagefind_does_not_run(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path)
    before = files(tmp_path)
    build_site(three_issues(), settings, tmp_path)
    again = update_search(tmp_path)
    assert not again.ran and again.written == ()
    assert files(tmp_path) == before


def test_a_new_issue_rewrites_only_the_index_files_that_change(
    tmp_path: Path, settings: Settings
) -> None:
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path)
    before = files(tmp_path / "pagefind")
    build_site([*three_issues(), issue_four()], settings, tmp_path)
    report = update_search(tmp_path)
    assert report.ran
    assert ENTRY in report.written
    # The UI and the wasm did not change, so they were not rewritten.
    assert "pagefind/pagefind-ui.js" in report.unchanged
    assert "pagefind/wasm.unknown.pagefind" in report.unchanged
    after = files(tmp_path / "pagefind")
    assert after["pagefind-ui.js"] == before["pagefind-ui.js"]
    assert len(list((tmp_path / "pagefind" / "fragment").iterdir())) == 4
    # Only the new page's fragment is new; the older pages' fragments stay as they were.
    assert len([p for p in report.written if p.startswith("pagefind/fragment/")]) == 1
    # The replaced index chunk and metadata are gone: nothing references them any more.
    assert report.removed
    assert set(report.removed) <= {f"pagefind/{p}" for p in before}
    assert all(p.endswith((".pf_index", ".pf_meta")) for p in report.removed)


def test_a_failed_index_is_redone_next_time(tmp_path: Path, settings: Settings) -> None:
    build_site(three_issues(), settings, tmp_path)
    update_search(tmp_path)
    build_site([*three_issues(), issue_four()], settings, tmp_path)
    (tmp_path / STAMP).unlink()  # as if pagefind had died after the site was built
    report = update_search(tmp_path)
    assert report.ran
    entry = json.loads((tmp_path / ENTRY).read_text("utf-8"))
    assert entry["languages"]["en"]["page_count"] == 4


def test_missing_binary_is_one_clear_line(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    with pytest.raises(SearchError, match=r"pagefind binary .*pip install 'pagefind\[bin\]'"):
        pagefind_binary()
    build_site(three_issues(), settings, tmp_path / "site")
    with pytest.raises(SearchError) as error:
        update_search(tmp_path / "site")
    assert "\n" not in str(error.value)
    assert "search = false" in str(error.value)


def test_pagefind_failure_and_timeout(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_site(three_issues(), settings, tmp_path / "site")
    failing = fake_pagefind(tmp_path, "echo 'Error: no html found' >&2; exit 3")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(failing))
    with pytest.raises(SearchError, match=r"pagefind failed on .*: Error: no html found"):
        update_search(tmp_path / "site")
    slow = fake_pagefind(tmp_path, "sleep 30")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(slow))
    with pytest.raises(SearchError, match=r"did not finish within 0.5 s"):
        update_search(tmp_path / "site", timeout=0.5)
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
