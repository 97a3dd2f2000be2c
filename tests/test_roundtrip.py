"""Whatever a source sends comes out of the draft as it went in.

Titles, summaries, notes and links go ``source → draft → parse → email, web
page, plain text``: written by the draft's writers, read back by its one
parser, rendered by every renderer. The property tests throw arbitrary Unicode
(Markdown's special characters, ``<!--``, entities as text, non-breaking spaces,
line separators) and arbitrary http(s) URLs (parentheses, spaces, quotes,
``&``, non-ASCII paths, IDN hosts) at the whole path; the regression tests pin
each finding of the hostile-content run.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazette.clean import clean_title, html_to_text
from gazette.config import Settings, load_settings
from gazette.draft import candidate_line, parse_draft, quick_link_line, read_draft, write_draft
from gazette.draft.check import check_draft
from gazette.draft.surgery import add_story, retag_story
from gazette.markdown import inline_html, markdown_escape, to_html
from gazette.models import Issue, Pick
from gazette.render.email import link_policy, render_email
from gazette.render.links import href
from gazette.render.text import render_text
from gazette.render.web import issue_body_html
from gazette.urls import safe_url
from tests.visible_text import read_visible

WEEK = "2026-W02"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
# What Markdown, HTML and the draft's own syntax treat specially.
SPECIAL = [
    "_", "__MODULE__", "%__struct__{}", "*", "**", "`", "[", "]", "[x](y)", "<", ">", "\\",
    "<!--", "-->", "&", "&lt;b&gt;", "&copy;", "&amp;", "&#106;", "#", "## ", "### ", "- ",
    "1. ", "2024.", "Remember:", "P.S.", "|", "--", "~~~", "```", "\u00a0", "\u2028",
    "\u2029", "<b>", '<IMG SRC="javascript:alert(1)">', "(", ")", "!", "=", "+", "'", '"',
    "é", "🔥", "©", "日本",
]  # fmt: skip
_chars = st.characters(exclude_categories=("Cs", "Cc", "Co", "Cn"))
raw_text = st.lists(st.one_of(st.text(_chars, max_size=6), st.sampled_from(SPECIAL)), max_size=12)


def _one_line(parts: list[str]) -> str:
    # What clean_title makes of a title at the trust boundary: one line, trimmed.
    return " ".join("".join(parts).split())


titles = raw_text.map(_one_line).filter(bool)
lines = raw_text.map(lambda p: "".join(p).strip()).filter(bool)
paragraphs = st.lists(
    st.lists(lines.filter(lambda s: "\n" not in s), min_size=1, max_size=2).map("\n".join),
    min_size=1,
    max_size=3,
)
_URL_CHARS = st.one_of(
    st.sampled_from([*"()[]<>\\ &\"'|-_%#?=;:/.,!*+~", "\u00a0", "é", "日本", "&copy", "--"]),
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")), max_size=4),
)
HOSTS = ["en.wikipedia.org", "bücher.example", "例え.jp", "xn--bcher-kva.example", "x.org:8080"]
urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{''.join(path)}".strip(),
    st.sampled_from(["http", "https"]),
    st.sampled_from(HOSTS),
    st.lists(_URL_CHARS, max_size=10),
).filter(lambda u: safe_url(u) != "")
emoji = st.sampled_from(["", "🔥", "🔄", "👩‍💻"])


def _draft(story: Pick, quick: Pick, candidate: str = "") -> str:
    issue = Issue(week=WEEK, title="T", picks=(story,), quick_links=(quick,))
    text = write_draft(issue)
    return text + (f"\n## Candidates\n\n{candidate}\n" if candidate else "")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=titles,
    body=paragraphs,
    note=lines.map(lambda s: " ".join(s.split())).filter(bool),
    url=urls,
    quick_url=urls,
    mark=emoji,
)
def test_any_title_body_note_and_url_come_back_from_the_draft(
    title: str, body: list[str], note: str, url: str, quick_url: str, mark: str
) -> None:
    summary = "\n\n".join(markdown_escape(p) for p in body)
    story = Pick(headline=title, emoji=mark, body=summary, url=url, item_id=1, tags=("otp",))
    quick = Pick(headline=title, url=quick_url, body=markdown_escape(note), item_id=2)
    shortlisted = candidate_line(3, mark, title, url)
    draft = parse_draft(_draft(story, quick, shortlisted))
    assert draft.issue.picks == (story,)
    assert draft.issue.quick_links == (quick,)
    (listed,) = draft.candidates
    assert (listed.item_id, listed.emoji, listed.title, listed.url) == (3, mark, title, url)
    # A pick writes what the draft writes, and it reads back the same.
    empty = parse_draft(write_draft(Issue(week=WEEK, title="T")))
    assert add_story(empty, story, "picks").issue.picks == (story,)
    as_link = Pick(headline=title, url=quick_url, item_id=2)
    picked = add_story(empty, as_link, "quick-links")
    assert picked.issue.quick_links == (as_link,)
    assert quick_link_line(as_link) in picked.text.split("\n")


def _seen(html: str) -> tuple[str, list[str]]:
    seen = read_visible(html)
    return _norm(" ".join(seen.parts)), seen.hrefs


def _norm(text: str) -> str:
    # Whitespace is layout, not text; the zero-width space keeps a provider's
    # template syntax inert in the text part.
    return " ".join(text.replace("\u200b", "").split())


def _plain(markdown_source: list[str]) -> str:
    return _norm(" ".join(markdown_source))


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    import os

    here = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("settings"))  # the embedded defaults
    try:
        return load_settings(None)
    finally:
        os.chdir(here)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=titles, body=paragraphs, note=lines, url=urls, quick_url=urls, mark=emoji)
def test_every_renderer_shows_the_same_text_and_href(
    config: Settings,
    title: str,
    body: list[str],
    note: str,
    url: str,
    quick_url: str,
    mark: str,
) -> None:
    note = " ".join(note.split())
    summary = "\n\n".join(markdown_escape(p) for p in body)
    story = Pick(headline=title, emoji=mark, body=summary, url=url, item_id=1, link_text="Go")
    quick = Pick(headline=title, url=quick_url, body=markdown_escape(note), item_id=2)
    issue = parse_draft(_draft(story, quick)).issue
    policy = link_policy(issue, config)

    html_text, html_hrefs = _seen(render_email(issue, config).html)
    web_text, web_hrefs = _seen(issue_body_html(issue))
    plain = _norm(render_text(issue, config))
    for shown in (html_text, web_text, plain):
        assert _norm(title) in shown
        assert _plain(body) in shown
        assert _norm(note) in shown
    for link in (url, quick_url):
        assert policy.outbound(link) in html_hrefs
        # The page writes the URL itself; a browser sends it encoded like the email's.
        assert href(link) in [quote(h, safe="/:?#[]@!$&()*+,;=%~-._") for h in web_hrefs]
        listed = policy.utm.apply(href(link)) if policy.utm else href(link)
        assert f"] {listed}" in render_text(issue, config)


# -- the hostile-content run, one finding each ----------------------------------------


def test_a_quick_link_keeps_a_url_with_parentheses_and_both_writers_agree() -> None:
    url = "https://en.wikipedia.org/wiki/Elixir_(programming_language)"
    quick = Pick(headline="Elixir", url=url, body="The language.", item_id=7)
    draft = parse_draft(_draft(Pick(headline="S", body="B.", url="https://x.org"), quick))
    assert draft.issue.quick_links == (quick,)
    picked = add_story(
        parse_draft(write_draft(Issue(week=WEEK, title="T"))),
        Pick(headline="Elixir", url=url, item_id=7),
        "quick-links",
    )
    written = quick_link_line(Pick(headline="Elixir", url=url, item_id=7))
    assert written in picked.text.split("\n")  # gazette pick writes what gazette draft writes
    assert picked.issue.quick_links[0].url == url


def test_a_url_with_a_non_breaking_space_does_not_break_the_draft() -> None:
    url = "https://example.org/a\u00a0b?x=1"
    story = Pick(headline="Story", body="Words.", url=url, item_id=1)
    quick = Pick(headline="Quick", url=url + "&q", item_id=2)
    draft = parse_draft(_draft(story, quick))
    assert draft.issue.picks[0].url == url  # as a story link it is not dropped
    assert draft.issue.quick_links[0].url == url + "&q"


def test_a_note_quoting_a_comment_keeps_its_text_and_the_item_id() -> None:
    quick = Pick(headline="Q", url="https://x.org/q", body="mind the <!-- in HTML", item_id=42)
    parsed = parse_draft(_draft(Pick(headline="S", body="B.", url="https://x.org"), quick))
    assert parsed.issue.quick_links[0].body == "mind the <!-- in HTML"
    assert parsed.issue.quick_links[0].item_id == 42
    escaped = Pick(headline="Q", url="https://x.org/q", body=markdown_escape("a <!-- b"), item_id=4)
    parsed = parse_draft(_draft(Pick(headline="S", body="B.", url="https://x.org"), escaped))
    assert parsed.issue.quick_links[0] == escaped
    assert "a &lt;!-- b" in inline_html(escaped.body)


def test_entities_are_decoded_once() -> None:
    text = html_to_text("<p>Use &amp;lt;b&amp;gt; for bold</p>")  # the post shows "&lt;b&gt;"
    assert text == "Use &lt;b&gt; for bold"
    shown, _ = _seen(to_html(markdown_escape(text)))
    assert shown == "Use &lt;b&gt; for bold"
    assert clean_title("Why &amp;lt;b&amp;gt; is bold") == "Why &lt;b&gt; is bold"


def test_elixir_identifiers_with_underscores_stay_text() -> None:
    html = to_html(markdown_escape("Use __MODULE__ and %__struct__{} with usage_rules."))
    assert "<strong>" not in html and "<em>" not in html
    assert _seen(html)[0] == "Use __MODULE__ and %__struct__{} with usage_rules."
    assert "usage_rules" in markdown_escape("usage_rules")  # no backslash inside a word


def test_safe_url_does_not_decode_entities_again() -> None:
    url = "https://example.org/?a=1&region=eu&copy=2"
    assert safe_url(url) == url
    assert href(url) == url
    assert safe_url("&#106;avascript:alert(1)", "https://example.org/") == ""


def test_check_judges_links_not_text_that_quotes_html() -> None:
    body = markdown_escape('Beware <IMG SRC="javascript:alert(1)"> and [x](javascript:y).')
    story = Pick(headline="XSS talk", body=body, url="https://x.org/xss", item_id=1)
    draft = parse_draft(write_draft(Issue(week=WEEK, title="T", picks=(story,))))
    assert [f for f in check_draft(draft) if f.level == "error"] == []
    real = parse_draft(draft.text.replace("Beware", '<img src="javascript:z" alt="a"> Beware'))
    assert [f.message for f in check_draft(real) if "not http(s)" in f.message] == [
        "link is not http(s), the renderers drop it: javascript:z"
    ]


def test_a_draft_with_a_byte_order_mark_works_and_keeps_it(tmp_path: Path) -> None:
    story = Pick(headline="S", body="B.", url="https://x.org/s", item_id=1, tags=("otp",))
    text = "\ufeff" + write_draft(Issue(week=WEEK, title="T", picks=(story,)))
    path = tmp_path / f"{WEEK}.md"
    path.write_bytes(text.encode("utf-8"))
    draft = read_draft(path)
    assert draft.issue.picks == (story,)
    edited, _ = retag_story(draft, 1, ["nerves"], [])
    assert edited.text.startswith("\ufeff+++") and edited.issue.picks[0].tags == ("otp", "nerves")
    added = add_story(draft, Pick(headline="N", url="https://x.org/n", item_id=2), "picks")
    assert added.text.startswith("\ufeff+++")


# -- real captured payloads -------------------------------------------------------------


def _real_titles_and_urls() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted((SHARED / "fixtures" / "real").rglob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        stack = [data]
        while stack and len(found) < 3000:
            node = stack.pop()
            if isinstance(node, dict):
                title = node.get("title")
                link = node.get("url") or node.get("html_url")
                if isinstance(title, str) and isinstance(link, str) and safe_url(link):
                    found.append((clean_title(title), safe_url(link)))
                stack += list(node.values())
            elif isinstance(node, list):
                stack += node
    from gazette.sources.feeds import parse_feed

    for feed in sorted((SHARED / "corpora").rglob("*")):
        if feed.suffix not in (".rss", ".atom", ".rdf", ".xml"):
            continue
        try:
            items = parse_feed(feed.read_bytes(), "https://example.org/feed", "feeds", "feed")
        except Exception:  # a corpus file the feed source refuses says nothing here
            continue
        found += [(item.title, item.url) for item in items if item.url]
    return [(t, u) for t, u in found if t]


def test_real_titles_and_links_come_back_from_the_draft() -> None:
    pairs = _real_titles_and_urls()
    if not pairs:
        pytest.skip(f"no captured payloads under {SHARED}")
    pairs = list(dict.fromkeys(pairs))
    picks = tuple(
        Pick(headline=t, body=markdown_escape(t), url=u, item_id=i)
        for i, (t, u) in enumerate(pairs, 1)
    )
    quick = tuple(
        Pick(headline=t, url=u, body=markdown_escape(t), item_id=10**6 + i)
        for i, (t, u) in enumerate(pairs, 1)
    )
    shortlist = "\n".join(candidate_line(2 * 10**6 + i, "", t, u) for i, (t, u) in enumerate(pairs))
    text = write_draft(Issue(week=WEEK, title="T", picks=picks, quick_links=quick))
    draft = parse_draft(text + "\n## Candidates\n\n" + shortlist + "\n")
    assert draft.issue.picks == picks
    assert draft.issue.quick_links == quick
    assert [(c.title, c.url) for c in draft.candidates] == [(t, u) for t, u in pairs]
