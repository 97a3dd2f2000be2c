"""Links in a body are checked in nh3's output (``web._check_links``), not by
nh3's per-attribute Python filter, which made cleaning three times slower.
The yardstick is that filter itself: nh3 with ``attribute_filter`` gives the
same elements, attributes and text, on every real archive's bodies and on
generated hostile ones. (Where the filter drops an href, nh3 may write the
rel attribute before the others rather than after: the same element.)
"""

from __future__ import annotations

import functools
from html.parser import HTMLParser

import nh3
import pyromark
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gazette import importer
from gazette.importer import find_issue_files, split_front_matter
from gazette.render import web
from gazette.render.web import sanitize_body_html
from tests.generators import ALL, ARCHIVES


def filtered_by_nh3(html: str, base: str = "") -> str:
    """``html`` cleaned with nh3 checking each link through ``_keep_safe_links``."""
    if "noscript" in html.lower():
        html = web._NOSCRIPT.sub("", html)
    keep = functools.partial(web._keep_safe_links, base=base or None)
    return web._finish(nh3.clean(html, **web.NH3_OPTIONS, attribute_filter=keep))


class _Shape(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[object, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(("start", tag, tuple(sorted(attrs, key=str))))

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.parts.append(("data", data))


def shape(html: str) -> list[tuple[object, ...]]:
    """Elements (attributes in any order) and text, as a browser reads them."""
    parser = _Shape()
    parser.feed(html)
    parser.close()
    return parser.parts


_URLS = st.sampled_from(
    ["/x", "x y", "//h.example/p", "javascript:alert(1)", "JaVaScRiPt:x", "mailto:a@b",
     "irc://x", "https://ok.example/a?b=1&c=2", "#frag", " https://s.example/ ",
     "https://ü.example/", "data:text/html,x", "http://[::1]/", "\u00a0/n", "../up", "?q=1",
     'https://a.example/"q', "%20x", "tel:1", "", "&amp;", "&quot;x", "https://x.example/&lt;",
     "vbscript:x", "java\tscript:x", "https://x.example/>"]
)  # fmt: skip
_ATTRIBUTES = st.sampled_from(
    ["", ' id="i"', ' class="c"', ' title="t>x"', " title='q'", ' alt="a"', ' onclick="x()"']
)


@st.composite
def _link_tag(draw: st.DrawFn) -> str:
    element = draw(st.sampled_from(["a", "img", "A", "IMG"]))
    url = draw(_URLS)
    quote = draw(st.sampled_from(['"', "'", ""]))
    if quote == "" and (not url or any(c in url for c in " \t\u00a0>")):
        quote = '"'
    url = url.replace(quote, "") if quote else url
    attribute = draw(st.sampled_from(["href", "src", "HREF"]))
    closing = "" if element.lower() == "img" else f"text</{element}>"
    return f"<{element}{draw(_ATTRIBUTES)} {attribute}={quote}{url}{quote}>{closing}"


_OTHER_HTML = st.sampled_from(
    ["<p>", "</p>", "plain & text ", "<noscript>", "<br>", "<ul><li>", '&lt;a href="/x"&gt;',
     'write href="/x" in text']
)  # fmt: skip
_BODIES = st.lists(st.one_of(_link_tag(), _OTHER_HTML), max_size=8).map("".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_BODIES, st.sampled_from(["", "https://base.example/dir/"]))
@example('<a href="" title="x">t</a>', "")
@example('<a href="https://x.example/&lt;">t</a>', "")
@example('<a title="t>x" href="/y">t</a>', "https://base.example/")
def test_links_are_checked_as_nh3s_own_filter_checks_them(html: str, base: str) -> None:
    assert shape(sanitize_body_html(html, base_url=base)) == shape(filtered_by_nh3(html, base))


@pytest.mark.skipif(not ARCHIVES.is_dir(), reason=f"the shared real archives are not at {ARCHIVES}")
@pytest.mark.parametrize("archive", ALL, ids=lambda a: a.name)
def test_every_real_body_keeps_the_links_nh3s_filter_keeps(archive: object) -> None:
    bodies = []
    for path in find_issue_files(archive.content):  # type: ignore[attr-defined]
        try:
            bodies.append(split_front_matter(path.read_text("utf-8"))[1])
        except importer.UnreadableFile:
            continue
    assert len(bodies) > 50
    for body in bodies:
        html = importer.linkify_html(pyromark.html(body, options=importer._MARKDOWN_OPTIONS))
        for base in (archive.base_url, ""):  # type: ignore[attr-defined]
            assert shape(sanitize_body_html(html, base_url=base)) == shape(
                filtered_by_nh3(html, base)
            )
