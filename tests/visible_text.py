"""What a reader sees of an HTML document or fragment, read with the stdlib's
parser rather than Gazette's own (nh3): a yardstick independent of the code
under test, shared by the tests that compare visible text."""

from __future__ import annotations

from html.parser import HTMLParser


class VisibleText(HTMLParser):
    """The text outside the elements a browser never shows, and every link's href."""

    HIDDEN = frozenset({"head", "script", "style", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value is not None]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def read_visible(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser
