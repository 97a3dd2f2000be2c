"""Heading ids for an imported body, named as the archive's generator named them.

Hugo, Jekyll, Zola (and Pelican with its ``toc`` extension) give every heading
an id made from its text, and posts link to them: a table of contents
(``[So... What's next?](#so-what-s-next)``), or another site's link to
``post/#changes``. An imported body without those ids keeps the links and
loses where they lead, so each heading gets the id its generator made:

* Hugo (goldmark): GitHub's ids, Hugo's default since 0.60; before it,
  Blackfriday's, which the older posts of an archive link to;
* Jekyll: kramdown's GFM parser's ids;
* Zola: the ``slug`` crate's (its default ``slugify.anchors = "on"``);
* Pelican: Python-Markdown's ``toc`` extension's.

Where a generator had more than one scheme, the one that resolves most of the
post's own in-page links wins (the posts were written against the site as it
was), and the current default when none tells. A heading that has an id keeps
it, and an id the page already uses (the post's own, the page template's) is
never given twice.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import unquote


def github_id(text: str) -> str:
    """goldmark's GitHub ids as Hugo makes them: letters, digits and "_"
    lower-cased, spaces, tabs and "-" as "-", anything else left out."""
    return _NOT_GITHUB_ID.sub("", text).lower().replace(" ", "-").replace("\t", "-")


def blackfriday_id(text: str) -> str:
    """Blackfriday's ``SanitizedAnchorName`` (Hugo before 0.60): runs of
    letters and digits, lower-cased, joined by single dashes."""
    return "-".join(_LETTERS_AND_DIGITS.findall(text)).lower()


def kramdown_gfm_id(text: str) -> str:
    """kramdown's GFM parser (Jekyll): lower-cased, anything but word
    characters, "-", spaces and tabs left out, spaces and tabs as "-"."""
    kept = _NOT_GFM_ID.sub("", text.lower())
    return kept.replace(" ", "-").replace("\t", "-")


def zola_id(text: str) -> str:
    """The ``slug`` crate's ``slugify`` (Zola): ASCII letters and digits
    lower-cased, every other run of characters one "-", none at either end.
    Accents are dropped from their letters; other characters are separators
    (the crate transliterates them, which a heading here seldom needs)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "-".join(_ASCII_ALNUM.findall(ascii_text.lower()))


def toc_id(text: str) -> str:
    """Python-Markdown's ``toc`` extension's ``slugify`` (Pelican)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    kept = re.sub(r"[^\w\s-]", "", ascii_text).strip().lower()
    return re.sub(r"[-\s]+", "-", kept)


_NOT_GITHUB_ID = re.compile(r"[^\w\- \t]")
_LETTERS_AND_DIGITS = re.compile(r"[^\W_]+")
_NOT_GFM_ID = re.compile(r"[^\w\- \t]")
_ASCII_ALNUM = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Scheme:
    make: Callable[[str], str]
    repeat: str  # what joins a repeated id and its count: "changes-1" or "changes_1"
    # goldmark and kramdown name a heading after its Markdown, not its text:
    # "## [Scheduler](https://en.wikipedia.org/…)" is "schedulerhttpsenwikipediaorg…".
    from_markdown: bool = False


GITHUB = Scheme(github_id, "-", from_markdown=True)
BLACKFRIDAY = Scheme(blackfriday_id, "-", from_markdown=True)
KRAMDOWN_GFM = Scheme(kramdown_gfm_id, "-", from_markdown=True)
ZOLA = Scheme(zola_id, "-")
TOC = Scheme(toc_id, "_")

# The schemes of each generator (importer's dialects), its current default first.
SCHEMES: dict[str, tuple[Scheme, ...]] = {
    "goldmark": (GITHUB, BLACKFRIDAY),
    "kramdown": (KRAMDOWN_GFM,),
    "pulldown-cmark": (ZOLA,),
    "python-markdown": (TOC,),
    "commonmark": (GITHUB,),
}

# Headings as the sanitizer writes them: quoted attributes, one closing tag.
_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.S)
# The sanitizer writes one space before each attribute: a literal " id=" is
# found ten times faster than "\sid=" in a large body.
_ID = re.compile(r' id="([^"]*)"')
_IN_PAGE_LINK = re.compile(r'href="#([^"]+)"')
_TAG = re.compile(r"<[^>]*>")


def with_heading_ids(body: str, dialect: str, reserved: Collection[str] = ()) -> str:
    """``body`` (sanitized HTML) with an id on every heading that has none and
    whose text makes one; ``reserved`` are ids the page around it uses."""
    headings = list(_HEADING.finditer(body))
    if not headings:
        return body
    taken = {*reserved}
    if ' id="' in body:
        taken.update(html.unescape(found) for found in _ID.findall(body))

    read: dict[bool, list[str]] = {}  # the headings' text, or Markdown, read once

    def named(scheme: Scheme) -> list[str | None]:
        how = scheme.from_markdown
        if how not in read:
            read[how] = [(_markdown if how else _text)(match.group(3)) for match in headings]
        return _ids(scheme, read[how], headings, taken)

    schemes = SCHEMES.get(dialect, SCHEMES["commonmark"])
    wanted = set()
    if len(schemes) > 1 and 'href="#' in body:
        wanted = {unquote(html.unescape(target)) for target in _IN_PAGE_LINK.findall(body)}
    if wanted:
        ids = max((named(scheme) for scheme in schemes), key=lambda got: len(wanted & set(got)))
    else:  # nothing tells which: the generator's current default
        ids = named(schemes[0])
    # The body again, each heading that gets an id rewritten in place.
    parts: list[str] = []
    done = 0
    for match, new in zip(headings, ids, strict=True):
        if new is None:
            continue
        level, attributes, inner = match.groups()
        parts += (body[done : match.start()], f'<h{level} id="{html.escape(new)}"{attributes}>')
        parts += (inner, f"</h{level}>")
        done = match.end()
    return "".join(parts) + body[done:] if parts else body


def _ids(
    scheme: Scheme, texts: list[str], headings: list[re.Match[str]], taken: Collection[str]
) -> list[str | None]:
    """Each heading's new id under ``scheme`` (None: it has one, or its text makes none)."""
    used = set(taken)
    ids: list[str | None] = []
    for text, heading in zip(texts, headings, strict=True):
        base = scheme.make(text)
        if not base or ' id="' in heading.group(2):
            ids.append(None)
            continue
        new, count = base, 0
        while new in used:
            count += 1
            new = f"{base}{scheme.repeat}{count}"
        used.add(new)
        ids.append(new)
    return ids


def _text(inner: str) -> str:
    return html.unescape(_TAG.sub("", inner)).strip()


_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_IMAGE = re.compile(r'<img\s[^>]*?src="([^"]*)"[^>]*>')
_ALT = re.compile(r'\salt="([^"]*)"')


def _markdown(inner: str) -> str:
    """A heading's text as its Markdown wrote it, near enough for an id: its
    links and images with their addresses (``[text](url)``, ``![alt](src)``).
    Code spans' backticks and emphasis marks are left out, as every scheme
    drops them anyway."""
    if "<a " not in inner and "<img" not in inner:
        return _text(inner)

    def image(match: re.Match[str]) -> str:
        alt = _ALT.search(match.group(0))
        return f"![{alt.group(1) if alt else ''}]({match.group(1)})"

    written = _IMAGE.sub(image, _LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", inner))
    return _text(written)
