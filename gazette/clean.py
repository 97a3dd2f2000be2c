"""Cleaning of everything that comes from a source: HTML, titles and links.

Scraped data is hostile. Every HTML field goes through nh3 with an allow-list and
only http(s) links; titles become plain text (the templates escape them again on
output, autoescape stays on everywhere).
"""

from __future__ import annotations

import html
import re

import nh3

from gazette.urls import INERT_SCHEMES, safe_url

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "q", "s",
    "small", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "tt", "ul",
}  # fmt: skip
_HIDDEN_CONTENT = {"script", "style", "iframe", "noembed", "noframes", "template"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}}
_WHITESPACE = re.compile(r"\s+")
# What makes nh3's output differ from its plain-text input: markup, entities, and
# the NUL and byte-order-mark characters the HTML parser drops.
_NEEDS_CLEANING = re.compile("[<&\x00\ufeff]")
_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|blockquote|pre|tr)>|<br\s*/?>", re.I)
_ANY_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")  # ">" may sit in a quoted value


def clean_html(fragment: str | None, base_url: str | None = None, *, trusted: bool = False) -> str:
    """Sanitize an HTML fragment; relative links resolve against ``base_url``.

    Links must be http(s); ``trusted=True`` (the editor's own words, never a
    source's) also keeps the inert ``mailto:``, ``irc:``, ``ircs:`` and ``xmpp:``
    links. ``javascript:``, ``data:`` and ``vbscript:`` never pass.
    """
    if not fragment:
        return ""
    inert = INERT_SCHEMES if trusted else ()

    def keep_safe_links(element: str, attribute: str, value: str) -> str | None:
        if (element, attribute) == ("a", "href"):
            # nh3 has decoded the value's entities: safe_url must not again.
            return safe_url(value, base_url, decoded=True, inert_schemes=inert) or None
        if (element, attribute) == ("img", "src"):
            return safe_url(value, base_url, decoded=True) or None
        return value

    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", *inert},
        attribute_filter=keep_safe_links,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        # Elements whose content a browser never shows; an iframe's is raw text
        # up to "</iframe>", so Blogger's "<iframe ... />" would otherwise leave
        # the rest of the post as literal "<p><iframe ...>" text.
        clean_content_tags=_HIDDEN_CONTENT,
    ).strip()


_TEXT_TAGS = {"p", "br", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"}


def html_to_text(fragment: str | None, *, cleaned: bool = False) -> str:
    """Plain text of an HTML fragment: paragraphs kept as blank-line breaks.

    ``cleaned=True`` says the fragment is :func:`clean_html` output (only allowed
    tags, no script or style): the sanitizing pass that makes arbitrary HTML
    safe to strip is then skipped, which halves the cost per feed entry.
    """
    if not fragment:
        return ""
    if not cleaned:
        fragment = nh3.clean(fragment, tags=_TEXT_TAGS, attributes={})
    marked = _BLOCK_END.sub("\n\n", fragment)
    text = html.unescape(_ANY_TAG.sub("", marked))
    paragraphs = (" ".join(p.split()) for p in text.split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


# What would run if some consumer of the stored text forgot to escape it: a
# script element, an event handler or a script link inside a tag.
_SCRIPTY = re.compile(r"<\s*/?\s*script\b|<[^>]*\son[a-z]+\s*=|<[^>]*(?:java|vb)script:", re.I)


def plain_title(text: str | None) -> str:
    """A title its source sends as plain text (an Atom ``type="text"`` title,
    a forum, Hacker News or GitHub title): its characters are its words, so
    "Vec<T>", "<.link>" and a literal "&amp;" stay as they are, on one line
    (the templates escape them on output). Only a title that would run as
    script if some consumer forgot the escaping is cleaned as HTML instead
    (``clean_title``): the one case where the text is not kept exactly.
    """
    if not text:
        return ""
    if _SCRIPTY.search(text):
        return clean_title(text)
    # The characters no HTML or XML output can carry, which clean_title's parser drops.
    return _WHITESPACE.sub(" ", text.replace("\x00", "").replace("\ufeff", "")).strip()


def clean_title(text: str | None) -> str:
    """A title sent as HTML, as plain text on one line: markup removed,
    entities decoded (once). A title sent as plain text is ``plain_title``'s."""
    if not text:
        return ""
    if not _NEEDS_CLEANING.search(text):
        # No markup, no entity, nothing html5ever drops: nh3 would hand the text
        # back unchanged (escaped, then unescaped below), so skip the round trip.
        # Most titles, authors and tags are plain text like this.
        return _WHITESPACE.sub(" ", text).strip()
    stripped = nh3.clean(text, tags=set(), attributes={})
    return _WHITESPACE.sub(" ", html.unescape(stripped)).strip()
