"""Importing an existing archive: Pelican headers (This Week in Rust), TOML
(Hugo) and YAML (Jekyll) front matter, broken files reported and skipped, one
transaction, and a site built from the result. Real files, a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazette import importer
from gazette.importer import (
    ArchiveImportError,
    UnreadableFile,
    import_archive,
    parse_issue_text,
    split_front_matter,
)
from gazette.publish import archive_issues, published_issues
from gazette.render.web import body_digest
from gazette.store import open_store
from tests.conftest import run_cli
from tests.test_site import broken_links

PELICAN = """Title: This Week in Rust 530
Number: 530
Date: 2024-01-10 10:00
Category: This Week in Rust
Tags: rust, weekly
Summary: Hello and welcome to another issue of
    This Week in Rust

Hello and welcome to another issue of *This Week in Rust*!

## Updates from Rust Community

* [Announcing Rust 1.75.0](https://blog.rust-lang.org/2023/12/28/Rust-1.75.0.html)
* [A <script>window.__pwned = 1</script> post](javascript:alert(1))
"""
HUGO = """+++
title = "Issue 531: Async Closures"
date = 2024-01-17T09:00:00+01:00
issue = 531
tags = ["async", "rust"]
description = "Async closures land on nightly"
draft = false
+++

Async closures are **here**.

| feature | status |
|---|---|
| async closures | nightly |
"""
JEKYLL = """---
layout: post
title: "Issue 532"
tags: compiler rust
number: 532
---
The compiler got faster. <img src="x" onerror="alert(1)">
"""
UNNUMBERED_LATE = """---
title: A Special Issue Without a Number
date: 2024-01-31
---
Special.
"""
UNNUMBERED_EARLY = """---
title: An Early Special
date: 2023-12-01
tags:
  - history
---
Early.
"""
SAME_WEEK = """Title: Issue 533 Extra
Number: 540
Date: 2024-01-11

Two issues in one week.
"""


def write_archive(root: Path) -> Path:
    archive = root / "archive"
    (archive / "content").mkdir(parents=True)
    (archive / "hugo").mkdir()
    (archive / "_posts").mkdir()
    (archive / "content" / "2024-01-10-this-week-in-rust.md").write_text(PELICAN, "utf-8")
    (archive / "hugo" / "issue-531.md").write_text(HUGO, "utf-8")
    (archive / "_posts" / "2024-01-24-issue-532.md").write_text(JEKYLL, "utf-8")
    (archive / "_posts" / "2024-01-31-special.markdown").write_text(UNNUMBERED_LATE, "utf-8")
    # Saved by an editor that starts UTF-8 files with a byte order mark.
    (archive / "_posts" / "early.md").write_text("\ufeff" + UNNUMBERED_EARLY, "utf-8")
    (archive / "content" / "extra.md").write_text(SAME_WEEK, "utf-8")
    # Broken, each for its own reason.
    (archive / "bad-yaml.md").write_text("---\ntitle: [unclosed\n---\nbody\n", "utf-8")
    (archive / "no-title.md").write_text("Date: 2024-02-01\n\nNo title here.\n", "utf-8")
    (archive / "content" / "duplicate.md").write_text(
        "Title: Also 530\nNumber: 530\nDate: 2024-01-10\n\nSame number.\n", "utf-8"
    )
    (archive / "latin1.md").write_bytes("Title: Café\nDate: 2024-01-03\n\nx\n".encode("latin-1"))
    (archive / "wip.md").write_text("+++\ntitle = 'Later'\ndraft = true\n+++\nx\n", "utf-8")
    (archive / "README.md").write_text("This archive holds our issues.\n", "utf-8")
    (archive / "bad-date.md").write_text("Title: When?\nDate: last tuesday\n\nx\n", "utf-8")
    # Not Markdown: listed as not imported. Hidden files are not the archive's.
    (archive / "notes.txt").write_text("Title: not markdown\n", "utf-8")
    (archive / ".git").mkdir()
    (archive / ".git" / "HEAD.md").write_text("Title: hidden\n", "utf-8")
    return archive


EXPECTED_SKIPS = {
    "bad-yaml.md": "bad YAML front matter",
    "no-title.md": "no title",
    "content/duplicate.md": "number 530 is also used by content/2024-01-10-this-week-in-rust.md",
    "latin1.md": "not UTF-8 (byte 0xe9 at offset 10)",
    "wip.md": "marked as a draft",
    "README.md": "no front matter",
    "bad-date.md": "date 'last tuesday' is not a date",
    "notes.txt": "not Markdown (.txt)",
}


def test_import_keeps_numbers_dates_tags_and_text(tmp_path: Path) -> None:
    archive = write_archive(tmp_path)
    with open_store(tmp_path / "g.db") as store:
        report = import_archive(store, archive)
        rows = {
            r["number"] or r["title"]: r
            for r in store.db.query("select * from issues order by number")
        }
    skipped = {s.path: s.reason for s in report.skipped}
    assert set(skipped) == set(EXPECTED_SKIPS)
    for path, reason in EXPECTED_SKIPS.items():
        assert reason in skipped[path], (path, skipped[path])
    # Files without a number anywhere stay unnumbered: #541 is the next issue's.
    early, late = "An Early Special", "A Special Issue Without a Number"
    assert set(rows) == {530, 531, 532, 540, early, late}
    assert rows[early]["number"] is None and rows[late]["number"] is None
    assert [i.path for i in report.imported if i.number is None] == [
        "_posts/early.md",  # in date order
        "_posts/2024-01-31-special.markdown",
    ]
    pelican = rows[530]
    assert pelican["published_on"] == "2024-01-10"
    assert pelican["week"] == "2024-W02"
    assert json.loads(pelican["tags"]) == ["rust", "weekly"]
    assert pelican["subtitle"] == "Hello and welcome to another issue of This Week in Rust"
    assert pelican["slug"] == "this-week-in-rust-530"
    assert pelican["markdown"] == PELICAN  # the file as it was
    assert pelican["origin"] == "import" and pelican["revision"] == 1
    assert "<em>This Week in Rust</em>" in pelican["html"]
    assert 'href="https://blog.rust-lang.org/2023/12/28/Rust-1.75.0.html"' in pelican["html"]
    assert "<script" not in pelican["html"] and 'href="javascript' not in pelican["html"]
    hugo = rows[531]
    assert hugo["published_on"] == "2024-01-17"  # the day as written, not moved to UTC
    assert json.loads(hugo["tags"]) == ["async", "rust"]
    assert hugo["subtitle"] == "Async closures land on nightly"
    assert "<strong>here</strong>" in hugo["html"]
    jekyll = rows[532]
    assert jekyll["published_on"] == "2024-01-24"  # from the file name
    assert json.loads(jekyll["tags"]) == ["compiler", "rust"]  # Jekyll splits at spaces
    assert "onerror" not in jekyll["html"]
    # Two issues in one ISO week: the earlier keeps the plain week key.
    assert rows[540]["week"] == "2024-W02-540"
    assert json.loads(rows[early]["tags"]) == ["history"]
    assert rows[early]["markdown"] == UNNUMBERED_EARLY  # the byte order mark is not text


def test_importing_again_changes_nothing(tmp_path: Path) -> None:
    archive = write_archive(tmp_path)
    with open_store(tmp_path / "g.db") as store:
        import_archive(store, archive)
        before = list(store.db.query("select * from issues order by number"))
        again = import_archive(store, archive)
        after = list(store.db.query("select * from issues order by number"))
    assert again.imported == ()
    assert len(again.unchanged) == 6
    assert after == before


def test_numbers_already_in_the_archive_are_not_overwritten(tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    (first / "a.md").write_text("Title: Original 7\nNumber: 7\nDate: 2024-03-01\n\nx\n")
    second = tmp_path / "second"
    second.mkdir()
    (second / "b.md").write_text("Title: Impostor 7\nNumber: 7\nDate: 2024-03-08\n\ny\n")
    (second / "c.md").write_text("Title: No number\nDate: 2024-03-15\n\nz\n")
    with open_store(tmp_path / "g.db") as store:
        import_archive(store, first)
        report = import_archive(store, second)
        titles = [r["title"] for r in store.db.query("select title from issues order by number")]
    assert [(s.path, s.reason) for s in report.skipped] == [
        ("b.md", "issue #7 is already in the archive (2024-W09)")
    ]
    assert sorted(titles) == ["No number", "Original 7"]
    assert report.imported[0].number is None
    with open_store(tmp_path / "g.db") as store:
        assert store.next_issue_number() == 8  # not taken by the unnumbered file


def test_the_import_is_one_transaction(tmp_path: Path) -> None:
    archive = write_archive(tmp_path)
    with open_store(tmp_path / "g.db") as store:
        # The database fails on the third issue, as a full disk or a crash would.
        store.db.execute(
            "create trigger fail_third before insert on issues when new.number = 532"
            " begin select raise(abort, 'disk full'); end"
        )
        with pytest.raises(ArchiveImportError, match="nothing was imported"):
            import_archive(store, archive)
        assert store.db["issues"].count == 0
        store.db.execute("drop trigger fail_third")
        assert len(import_archive(store, archive).imported) == 6


def test_a_large_archive_is_read_in_parallel_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above PARALLEL_MIN_FILES every other file is read and rendered by a
    forked copy of the process; the rows, skips and digests are exactly those
    of one process."""
    archive = write_archive(tmp_path)
    for number in range(1, 80):
        (archive / "content" / f"issue-{number:03d}.md").write_text(
            f"Title: Issue {number}\nNumber: {number}\nDate: 2020-01-{1 + number % 28:02d}\n"
            f"Tags: t{number % 3}\n\nStory **{number}** <script>alert({number})</script>"
            f" [link](https://example.org/{number}) [bad](javascript:alert(1))\n",
            "utf-8",
        )
    results = {}
    for name, minimum in (("parallel", importer.PARALLEL_MIN_FILES), ("serial", 10**9)):
        monkeypatch.setattr(importer, "PARALLEL_MIN_FILES", minimum)
        with open_store(tmp_path / f"{name}.db") as store:
            report = import_archive(store, archive)
            rows = list(store.db.query("select * from issues order by number"))
        results[name] = (report, rows)
    report, rows = results["parallel"]
    assert len(report.imported) == 79 + 6
    assert {s.path for s in report.skipped} == set(EXPECTED_SKIPS)
    for skip in report.skipped:
        assert skip.reason.startswith(EXPECTED_SKIPS[skip.path])
    assert results["parallel"] == results["serial"]
    for row in rows:
        assert row["html_digest"] == body_digest(row["html"])
        assert "<script" not in row["html"] and "javascript:" not in row["html"]


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with (
        open_store(tmp_path / "g.db") as store,
        pytest.raises(ArchiveImportError, match="no Markdown"),
    ):
        import_archive(store, tmp_path)


_LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\u2028"])
_LINE_TEXTS = st.sampled_from(
    ["Title: A", "Date: 2020-01-02", "  more", "---", "+++", "...", "title = 'x'",
     "title: y", "", " ", "body", "x" * 40]
)  # fmt: skip


@given(
    lines=st.lists(st.tuples(_LINE_TEXTS, _LINE_ENDS), max_size=12),
    chunk=st.integers(min_value=1, max_value=64),
)
@settings(max_examples=400, deadline=None)
def test_front_matter_split_matches_splitlines(lines: list[tuple[str, str]], chunk: int) -> None:
    """Splitting only the head of a file, a few KB at a time (here a few bytes),
    gives what splitting the whole text at once gives (the same metadata, body
    or error), and that body is, to the byte, the lines str.splitlines finds
    after the front matter."""
    text = "".join(line + end for line, end in lines)

    def split(first_chunk: int) -> tuple[dict[str, object], str, str] | str:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(importer, "_FIRST_CHUNK", first_chunk)
            try:
                return split_front_matter(text)
            except UnreadableFile as exc:
                return str(exc)

    whole = split(len(text) + 1)
    assert split(chunk) == whole
    if isinstance(whole, str):
        return
    _, body, style = whole
    all_lines = text.splitlines(keepends=True)
    if style == "headers":
        blank = next((i for i, line in enumerate(all_lines) if not line.strip()), None)
        expected = "" if blank is None else "".join(all_lines[blank + 1 :])
    else:
        ends = ("---", "...") if style == "yaml" else ("+++",)
        end = next(i for i in range(1, len(all_lines)) if all_lines[i].strip() in ends)
        expected = "".join(all_lines[end + 1 :])
    assert body == expected


def test_front_matter_styles() -> None:
    meta, body, style = split_front_matter(PELICAN)
    assert style == "headers" and meta["number"] == "530"
    assert body.startswith("Hello and welcome")
    meta, body, style = split_front_matter(HUGO)
    assert style == "toml" and meta["issue"] == 531 and body.startswith("\nAsync")
    meta, body, style = split_front_matter(JEKYLL)
    assert style == "yaml" and meta["layout"] == "post"
    with pytest.raises(UnreadableFile, match="no closing"):
        split_front_matter("+++\ntitle = 'x'\n")
    with pytest.raises(UnreadableFile, match="bad TOML"):
        split_front_matter("+++\ntitle = \n+++\n")
    with pytest.raises(UnreadableFile, match="not a set of key: value"):
        split_front_matter("---\n- a list\n---\n")
    with pytest.raises(UnreadableFile, match="line 2 of the headers"):
        split_front_matter("Title: x\nnot a header\n\nbody")
    with pytest.raises(UnreadableFile, match="positive whole number"):
        parse_issue_text("Title: x\nDate: 2024-01-01\nNumber: twelve\n\nbody", "x.md")
    with pytest.raises(UnreadableFile, match="does not exist"):
        parse_issue_text("Title: x\nDate: 2024-02-30\n\nbody", "x.md")


def test_imported_issues_make_a_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = write_archive(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GAZETTE_DB", raising=False)
    (tmp_path / "gazette.toml").write_text(
        '[publication]\nbase_url = "https://gazette.example.org/archive"\n'
    )
    result = run_cli("--db", "g.db", "import-archive", str(archive), expect=1)
    assert "skipped latin1.md: not UTF-8" in result.output
    assert "_posts/early.md: no number, imported unnumbered (shown by its date)" in result.output
    assert result.output.strip().endswith(
        "imported 6 issues (#530–#540), 2 unnumbered, 0 unchanged, 8 skipped"
    )
    built = run_cli("--db", "g.db", "build-site", "--out", "site")
    assert "search index rebuilt" in built.output
    site = tmp_path / "site"
    page = site / "issues" / "530-this-week-in-rust-530" / "index.html"
    text = page.read_text("utf-8")
    assert "<em>This Week in Rust</em>" in text
    assert '<time datetime="2024-01-10">January 10, 2024</time>' in text
    assert 'href="../../tags/weekly/index.html"' in text
    assert (
        "<table>" in (site / "issues" / "531-issue-531-async-closures" / "index.html").read_text()
    )
    index = (site / "index.html").read_text("utf-8")
    assert "A Special Issue Without a Number" in index  # the latest, in full
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    # Newest first by date, not by number; an unnumbered issue is known by its date.
    assert [e.link.rsplit("/", 2)[-2].split("-")[0] for e in feed.entries] == [
        "2024", "532", "531", "540", "530", "2023",
    ]  # fmt: skip
    special = site / "issues" / "2024-01-31-a-special-issue-without-a-number" / "index.html"
    assert "Permanent link to this issue" in index and special.exists()
    assert "Issue #None" not in special.read_text("utf-8") and "#None" not in index
    assert broken_links(site) == []
    # Search holds the imported issues' stories (their headed sections), a
    # segment for each year.
    years = json.loads((site / "search-index" / "index.json").read_text("utf-8"))["years"]
    stories = sum(
        json.loads((site / "search-index" / year / "meta.json").read_text("utf-8"))["stories"]
        for year in years
    )
    assert stories >= 6
    # Imported issues live beside drafted ones: candidates see them without stories.
    with open_store(tmp_path / "g.db") as store:
        assert [p.picks for p in published_issues(store)] == [()] * 6
        assert [p.number for p in archive_issues(store)] == [None, 530, 540, 531, 532, None]
    again = run_cli("--db", "g.db", "import-archive", str(archive), expect=1)
    assert "imported 0 issues, 6 unchanged, 8 skipped" in again.output
    assert "0 files written" in run_cli("--db", "g.db", "build-site", "--out", "site").output
