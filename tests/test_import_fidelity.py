"""What importing a real weekly's archive lost or got wrong, each modelled on the
observation with small files written here: numbers only in the title and the
file name, date order, mailto:/irc: links and "&reg" in queries, Python-Markdown's
reference definitions, <noscript>, Pelican pages, a .rst post, Zola's path date,
and the slow path every link with "&" took."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from gazette.clean import clean_html
from gazette.config import load_settings
from gazette.importer import import_archive, parse_issue_text, render_body
from gazette.markdown import to_html
from gazette.models import Issue
from gazette.pipeline import build_archive
from gazette.publish import archive_issues
from gazette.render import web
from gazette.render.web import issue_body_html, sanitize_body_html
from gazette.store import open_store


def twix(number: int, day: str, *, header: bool) -> str:
    """An issue of "This Week in X" as the weekly keeps it: the first ones have
    their number only in the title (and the file name)."""
    number_line = f"Number: {number}\n" if header else ""
    return (
        f"Title: This Week in X {number}\n{number_line}Date: {day}\nCategory: This Week in X\n\n"
        f"Issue {number}. Questions? [Email us](mailto:editors@example.org).\n"
    )


def write_weekly(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "this-week-in-x-1.md").write_text(twix(1, "2013-06-01", header=False))
    (folder / "this-week-in-x-2.md").write_text(twix(2, "2013-06-08", header=False))
    (folder / "this-week-in-x-3.md").write_text(twix(3, "2013-06-15", header=False))
    (folder / "2024-01-10-this-week-in-x-100.md").write_text(twix(100, "2024-01-10", header=True))


def test_numbers_in_the_title_and_file_name_are_inferred_and_reported(tmp_path: Path) -> None:
    write_weekly(tmp_path / "content")
    with open_store(tmp_path / "g.db") as store:
        report = import_archive(store, tmp_path / "content")
        numbers = {r["title"]: r["number"] for r in store.db.query("select * from issues")}
        # The next real issue, imported later with its header, is not a duplicate.
        (tmp_path / "next").mkdir()
        (tmp_path / "next" / "this-week-in-x-101.md").write_text(
            twix(101, "2024-01-17", header=True)
        )
        later = import_archive(store, tmp_path / "next")
    assert numbers == {f"This Week in X {n}": n for n in (1, 2, 3, 100)}
    assert later.skipped == () and [i.number for i in later.imported] == [101]
    assert (
        "this-week-in-x-2.md: number #2 inferred from the title 'This Week in X 2'"
        " and the file name 'this-week-in-x-2.md'"
    ) in report.lines()
    assert all(i.number is not None for i in report.imported)


def test_an_inferred_number_never_takes_a_real_issues_number(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    # A real issue 5 (header), and a post whose title and name also say 5.
    (folder / "a.md").write_text("Title: Real five\nNumber: 5\nDate: 2020-01-08\n\nx\n")
    (folder / "this-week-in-x-5.md").write_text(twix(5, "2019-01-01", header=False))
    # Parts and years are not issue numbers.
    (folder / "rsoc-gdb-1.md").write_text("Title: RSoC: GDB - part 1\nDate: 2019-02-01\n\nx\n")
    (folder / "blogs-2020.md").write_text("Title: Blogs 2020\nDate: 2019-03-01\n\nx\n")
    with open_store(tmp_path / "g.db") as store:
        report = import_archive(store, folder)
    by_path = {i.path: i for i in report.imported}
    assert by_path["a.md"].number == 5
    # Not #5, and no other number either: the weekly's next issues need them.
    assert by_path["this-week-in-x-5.md"].number is None
    assert "is used by a.md" in by_path["this-week-in-x-5.md"].inferred_from
    assert by_path["rsoc-gdb-1.md"].number is None and by_path["blogs-2020.md"].number is None
    with open_store(tmp_path / "g.db") as store:
        assert store.next_issue_number() == 6


def test_the_index_and_feeds_follow_dates_not_numbers(tmp_path: Path) -> None:
    """The old issues that got numbers above the newest must not become the
    index's latest issue nor fill the Atom feed."""
    folder = tmp_path / "content"
    write_weekly(folder)
    # An old special issue with no number at all gets a number above #100.
    (folder / "special.md").write_text("Title: Old special\nDate: 2012-01-01\n\nOld.\n")
    (tmp_path / "gazette.toml").write_text(
        '[publication]\nbase_url = "https://x.example/archive"\n[site]\nsearch = false\n'
    )
    settings = load_settings(tmp_path / "gazette.toml")
    with open_store(tmp_path / "g.db") as store:
        import_archive(store, folder)
        assert [p.title for p in archive_issues(store)][:2] == [
            "Old special",
            "This Week in X 1",
        ]
        build_archive(store, settings, tmp_path / "site")
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries][:2] == ["This Week in X 100", "This Week in X 3"]
    assert feed.entries[-1].title == "Old special"
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "Permanent link to issue #100" in index


HOSTILE_AND_INERT = (
    "[mail](mailto:editors@example.org) [chat](irc://irc.libera.chat/x)"
    " [tls chat](ircs://irc.libera.chat:6697/x) [jabber](xmpp:x@example.org)"
    " [query](https://x.example/?a=1&region=eu&copy=2)"
    " [js](javascript:alert(1)) [data](data:text/html,<b>x</b>) [vb](vbscript:msgbox(1))"
    ' <a href="&#106;avascript:alert(1)">entity js</a>'
    ' <img src="mailto:x@example.org" alt="mail image">'
)


def test_an_archive_keeps_inert_links_and_queries_and_drops_scripts() -> None:
    html = render_body(HOSTILE_AND_INERT)
    for kept in (
        'href="mailto:editors@example.org"',
        'href="irc://irc.libera.chat/x"',
        'href="ircs://irc.libera.chat:6697/x"',
        'href="xmpp:x@example.org"',
        'href="https://x.example/?a=1&amp;region=eu&amp;copy=2"',
    ):
        assert kept in html
    assert "®" not in html and "©" not in html
    for dropped in ("javascript", "data:", "vbscript", 'src="mailto'):
        assert dropped not in html
    assert sanitize_body_html(html) == html  # idempotent


def test_the_editors_words_keep_mailto_and_scraped_html_does_not() -> None:
    issue = Issue(
        week="2024-W02", title="T", welcome="Write to [us](mailto:editors@example.org).",
        ps="Join [IRC](irc://irc.libera.chat/x). [js](javascript:alert(1))",
    )  # fmt: skip
    body = issue_body_html(issue)
    assert 'href="mailto:editors@example.org"' in body
    assert 'href="irc://irc.libera.chat/x"' in body and 'href="javascript' not in body
    scraped = (
        '<a href="mailto:a@b.example">m</a> <a href="https://s.example/?a=1&amp;region=eu">q</a>'
    )
    cleaned = clean_html(scraped)
    assert "mailto" not in cleaned  # a source's HTML stays http(s)-only
    assert 'href="https://s.example/?a=1&amp;region=eu"' in cleaned  # not "®ion"
    assert "mailto" not in to_html("[m](mailto:a@b.example)")  # release notes: a source


def test_every_body_is_cleaned_once_without_a_python_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """456 of 668 real files have a link with "&", and most real archives have
    relative links: each body was cleaned twice, the second time with a Python
    filter per attribute, which cost ten times the conversion. nh3 now cleans
    once and the links that need it are checked in its output."""
    calls: list[dict[str, object]] = []
    original = web.nh3.clean

    def counting(html: str, **options: object) -> str:
        calls.append(options)
        return original(html, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(web.nh3, "clean", counting)
    html = render_body(
        "[a](https://x.example/?a=1&b=2) [m](mailto:e@x.example?subject=a&body=b)\n"
        '<a href="https://x.example/p?q=1&amp;r=2">raw</a>'
    )
    assert 'href="https://x.example/?a=1&amp;b=2"' in html
    assert "/relative" not in render_body("[r](/relative)")
    resolved = render_body("[r](/relative)", base_url="https://site.example")
    assert 'href="https://site.example/relative"' in resolved
    assert len(calls) == 3
    assert all("attribute_filter" not in options for options in calls)


PELICAN_REFERENCES = """Title: References
Date: 2024-01-10

Read [the post][post], [the docs][docs] and [the news][news].

[post]: https://first.example/
[empty]:
[docs]: https://docs.example/
[post]: https://last.example/ "Last"
[news]: <https://news.example/a b>
"""


def test_pelican_bodies_resolve_references_as_python_markdown_does() -> None:
    """Pelican renders with Python-Markdown: a label defined twice is its last
    definition, and an empty definition does not swallow the ones after it."""
    html = parse_issue_text(PELICAN_REFERENCES, "refs.md").html
    assert 'href="https://last.example/"' in html and "first.example" not in html
    assert 'href="https://docs.example/"' in html
    assert "[empty]:" in html  # stays text, as in Python-Markdown
    # The same body in a YAML (Jekyll, kramdown) file is read as CommonMark.
    yaml_file = PELICAN_REFERENCES.replace(
        "Title: References\nDate: 2024-01-10\n", "---\ntitle: R\ndate: 2024-01-10\n---"
    )
    assert "first.example" in parse_issue_text(yaml_file, "refs.md").html


def test_raw_html_inside_noscript_is_rendered_not_shown_as_text() -> None:
    html = render_body(
        'Before.\n\n<noscript><img src="https://x.example/a.png" alt="a"></noscript>\n'
    )
    assert '<img src="https://x.example/a.png" alt="a">' in html
    assert "&lt;img" not in html


def test_pages_section_files_and_other_formats_are_listed_not_imported(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    (content / "posts").mkdir()
    (content / "pages" / "privacy-policy.md").write_text(
        "Title: Privacy Policy\n\nWe keep nothing.\n"
    )
    (content / "posts" / "a.md").write_text("Title: A\nDate: 2024-01-10\n\nx\n")
    (content / "posts" / "b.rst").write_text("B\n=\n\n:date: 2024-01-17\n")
    (content / "_index.md").write_text('+++\ntitle = "Blog"\nsort_by = "date"\n+++\n')
    (content / "latest.md").write_text('+++\ntemplate = "latest.html"\n+++\n')
    # Zola: the date only in path = "YYYY/MM/DD/slug".
    (content / "Cargo.md").write_text(
        '+++\npath = "2014/11/20/Cargo"\ntitle = "Cargo"\n\n[extra]\nteam = "x"\n+++\nx\n'
    )
    with open_store(tmp_path / "g.db") as store:
        report = import_archive(store, content)
        dates = {r["title"]: r["published_on"] for r in store.db.query("select * from issues")}
    skipped = {s.path: s.reason for s in report.skipped}
    assert set(skipped) == {"pages/privacy-policy.md", "posts/b.rst", "_index.md", "latest.md"}
    assert "a page" in skipped["pages/privacy-policy.md"]
    assert "not Markdown (.rst)" in skipped["posts/b.rst"]
    assert "section" in skipped["_index.md"] and "latest.html" in skipped["latest.md"]
    assert dates == {"A": "2024-01-10", "Cargo": "2014-11-20"}
    assert any(
        line.startswith("skipped posts/b.rst: not Markdown (.rst)") for line in report.lines()
    )
