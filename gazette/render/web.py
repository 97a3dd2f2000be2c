"""An issue's content as HTML for its web page and the Atom feed.

``issue_body_html`` runs once, when an issue is published, and its result is
stored with the issue; the site build only places that stored HTML into pages.
Everything from the draft is treated as untrusted: plain-text fields (titles,
headlines, link text) are escaped by the template, Markdown fields go through
``to_html``/``inline_html`` (sanitized), and links must be http(s), or the
inert ``mailto:``/``irc:``/``ircs:``/``xmpp:`` that an editor writes (never
``javascript:``, ``data:`` or ``vbscript:``).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
import nh3
from markupsafe import Markup

from gazette.markdown import inline_html, to_html
from gazette.models import Issue, Pick, Sponsor
from gazette.render import builtin_template_env, render_template
from gazette.urls import INERT_SCHEMES, safe_url

BODY_TEMPLATE = "site/_issue_body.html.j2"
SLUG_MAX = 60
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# An absolute http(s) URL with an ASCII host, as _keep_safe_links sees a value
# (entities decoded), with nothing safe_url would strip (whitespace, control
# characters): safe_url returns it as it is.
_PLAIN_LINK = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][^\s\x00-\x1f\x7f]*)?", re.I)
# The same links as nh3 serializes them (double-quoted; "&" as "&amp;"), and the
# inert schemes an editor's or an imported archive's <a href> may use. A body
# with an href or src attribute that is not one of these has its links checked
# (_check_links); a match in text rather than in a tag only costs that too.
_SERIALIZED = r'[^\s&"\x00-\x1f\x7f]*+(?:&amp;[^\s&"\x00-\x1f\x7f]*+)*+'
_PLAIN_HTTP = rf"[hH][tT][tT][pP][sS]?://[A-Za-z0-9.-]++(?::[0-9]++)?+(?:[/?#]{_SERIALIZED})?+"
_PLAIN_INERT = rf"(?i:{'|'.join(INERT_SCHEMES)}):{_SERIALIZED}"
# A link to a place in the same page: a footnote, a heading.
_IN_PAGE = re.compile(r"#[^\s\x00-\x1f\x7f]*")
# A scan of a cleaned body for each finds the first link that is none of these.
# (Two scans, each from its literal start, take half the time of one scan for
# either; the possessive quantifiers keep them linear: a real archive has 250
# links an issue.)
_HREF_NOT_PLAIN = re.compile(f'href="(?!(?:{_PLAIN_HTTP}|{_PLAIN_INERT}|#{_SERIALIZED})")')
_SRC_NOT_PLAIN = re.compile(f'src="(?!{_PLAIN_HTTP}")')
# <noscript> content is parsed as text (scripting on), so raw HTML inside one
# would show as literal markup; the site runs no script of the post's, so the
# fallback inside is what a reader should see: the element is unwrapped.
_NOSCRIPT = re.compile(r"</?noscript\b[^>]*>", re.I)
# nh3's output for a link whose href it refused: no href, no id, only its rel.
_BARE_A = '<a rel="noopener noreferrer nofollow">'  # what nh3 leaves of a refused link
_A_WITHOUT_HREF = re.compile(f"{_BARE_A}(.*?)</a>", re.S)
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\bsrc=)(?:\s[^>]*)?>")
# A start tag of a link or an image as nh3 writes it: name="value" pairs, each
# value double-quoted, with no '"', "<" or ">" inside (each is escaped).
_LINK_TAG = re.compile(r'<(a|img)((?: [^\s="<>/]+="[^"]*")*)>')
_LINK_ATTRIBUTE = {name: re.compile(f' {name}="([^"]*)"') for name in ("href", "src")}
# How it escapes an attribute value ("&" first).
_ATTRIBUTE_ESCAPES = (
    ("&", "&amp;"),
    ("\u00a0", "&nbsp;"),
    ('"', "&quot;"),
    ("<", "&lt;"),
    (">", "&gt;"),
)

# What the body template produces, and nothing more: the stored HTML is sanitized
# again here, so an HTML override template or an imported archive cannot bring
# scripts or event handlers into the site or the feed.
_BODY_TAGS = {
    "a", "abbr", "article", "aside", "b", "blockquote", "br", "code", "dd", "del", "div", "dl",
    "dt", "em", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "kbd", "li", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "tt", "ul",
}  # fmt: skip
_BODY_ATTRIBUTES = {
    "*": {"class", "id", "aria-hidden", "aria-label", "aria-labelledby", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
}
# nh3's options for a body: links are http(s), the inert schemes, or relative
# (those are checked by _check_links).
NH3_OPTIONS: dict[str, Any] = {
    "tags": _BODY_TAGS,
    "attributes": _BODY_ATTRIBUTES,
    "url_schemes": {"http", "https", *INERT_SCHEMES},
    "link_rel": "noopener noreferrer nofollow",
    "strip_comments": True,
}


@dataclass(frozen=True)
class _PickView:
    anchor: str
    emoji: str
    headline: str
    body: Markup
    url: str
    link_text: str
    remember: tuple[Markup, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class _SponsorView:
    heading: str
    body: Markup
    cta_text: str
    cta_url: str


def issue_body_html(issue: Issue, env: jinja2.Environment | None = None) -> str:
    """The issue from its welcome line to its P.S., as sanitized HTML.

    Pass the build's ``env`` (``template_env(settings)``) so a user's override of
    ``site/_issue_body.html.j2`` applies; without one the built-in template is used.
    """
    html = render_template(
        env or builtin_template_env(),
        BODY_TEMPLATE,
        issue=issue,
        welcome=Markup(to_html(issue.welcome, trusted=True)),
        picks=tuple(_pick_view(p, f"pick-{i}") for i, p in enumerate(issue.picks, 1)),
        feature=_pick_view(issue.feature, "feature") if issue.feature else None,
        quick_links=tuple(
            _pick_view(p, f"link-{i}", inline=True) for i, p in enumerate(issue.quick_links, 1)
        ),
        sponsor=_sponsor_view(issue.sponsor) if issue.sponsor else None,
        sign_off=issue.sign_off.strip().splitlines(),
        editor=issue.editor.strip(),
        ps=Markup(inline_html(issue.ps.strip(), trusted=True)),
    )
    return sanitize_body_html(html)


# The ids the site's own markup uses (templates/site): a body must not give
# them to its headings (gazette.heading_ids), or a page would hold one twice.
PAGE_IDS = frozenset(
    {
        "archive",
        "archive-heading",
        "content",
        "picks-heading",
        "quick-links-heading",
        "search",
        "search-status",
        "sponsor-heading",
        "subscribe-email",
        "subscribe-heading",
    }
)


def sanitize_body_html(html: str, *, strict_links: bool = True, base_url: str = "") -> str:
    """Sanitize stored issue HTML, keeping the classes and anchors the site styles.

    Idempotent, so sanitizing already clean HTML changes nothing. Every link
    must be an absolute http(s) URL (``safe_url``), or for ``<a>`` one of the
    inert ``mailto:``/``irc:``/``ircs:``/``xmpp:`` links: this HTML is the
    editor's (a draft, an imported archive), never a source's. An in-page link
    (``#section``, a footnote) is kept; other relative links resolve against
    ``base_url`` (an imported archive's site) or, without one, are dropped. With ``strict_links=False``
    nh3 alone checks links (http, https or relative; never ``javascript:`` or
    ``data:``): for HTML that passed the strict check when it was stored, which
    the site build sanitizes again when its stored digest (``body_digest``) does
    not match, in case the database was written by something other than Gazette.
    Checking each link in Python is most of the cost of building a large archive.
    """
    if "noscript" in html or "NOSCRIPT" in html or "Noscript" in html:
        html = _NOSCRIPT.sub("", html)
    if not strict_links:
        return _clean(html)
    # nh3 can call a Python filter for every attribute it keeps, but that costs
    # a third of the cleaning, and most links are plain absolute ones the filter
    # would keep as they are. So nh3 cleans without it, and the links left that
    # are not plain (relative ones, which most real archives have) are checked
    # in its output, whose tags it wrote in one exact form (double-quoted
    # values, "&", '"', "<" and ">" escaped in them; never a raw "<" in text).
    cleaned = _clean(html)
    if _HREF_NOT_PLAIN.search(cleaned) is None and _SRC_NOT_PLAIN.search(cleaned) is None:
        return cleaned
    return _check_links(cleaned, base_url or None)


def _check_links(cleaned: str, base: str | None) -> str:
    """nh3's output with every <a href> and <img src> as ``_keep_safe_links``
    leaves it: resolved, kept or removed (the link then unwrapped, the image
    dropped, as ``_clean`` does)."""

    def check(match: re.Match[str]) -> str:
        element, attributes = match.group(1), match.group(2)
        name = "href" if element == "a" else "src"
        found = _LINK_ATTRIBUTE[name].search(attributes)
        if found is None:
            return match.group(0)
        value = _keep_safe_links(element, name, html_lib.unescape(found.group(1)), base)
        replacement = "" if value is None else f' {name}="{_attribute(value)}"'
        start, end = found.span()
        return f"<{element}{attributes[:start]}{replacement}{attributes[end:]}>"

    return _finish(_LINK_TAG.sub(check, cleaned))


def _attribute(value: str) -> str:
    """A value as nh3 (html5ever) serializes it inside double quotes."""
    for raw, escaped in _ATTRIBUTE_ESCAPES:
        value = value.replace(raw, escaped)
    return value


def _clean(html: str) -> str:
    return _finish(nh3.clean(html, **NH3_OPTIONS))


def _finish(cleaned: str) -> str:
    # A link or image whose URL was refused is left without it, which no
    # browser can use and the HTML checker reports: unwrap the one, drop the other.
    # (A substring test first: most bodies have neither, and it is ten times
    # faster than the patterns' own scan.)
    if _BARE_A in cleaned:
        cleaned = _A_WITHOUT_HREF.sub(r"\1", cleaned)
    if "<img" in cleaned:
        cleaned = _IMG_WITHOUT_SRC.sub("", cleaned)
    return cleaned.strip() + "\n"


def body_digest(html: str | bytes) -> str:
    """Digest of body HTML, keyed by this sanitizer's allow-list and nh3's version.

    Stored beside the HTML when Gazette sanitized it (publish, import); a site
    build trusts a body only when its digest still matches and sanitizes any
    other again: HTML written into the database by another program, or cleaned
    under an allow-list that has changed since. It records what Gazette wrote,
    it is not a secret: someone who can write the database on purpose can write
    a matching digest too (and the rest of the database with it).
    """
    data = html.encode("utf-8") if isinstance(html, str) else html
    return hashlib.blake2b(data, digest_size=16, key=_policy_key()).hexdigest()


@cache
def _policy_key() -> bytes:
    """Everything that decides what sanitize_body_html keeps, as body_digest's key."""
    policy = (
        sorted(_BODY_TAGS),
        sorted((k, sorted(v)) for k, v in _BODY_ATTRIBUTES.items()),
        getattr(nh3, "__version__", ""),
        _PLAIN_LINK.pattern,
        _IN_PAGE.pattern,
        INERT_SCHEMES,
        _NOSCRIPT.pattern,
        sorted(
            (k, repr(sorted(v) if isinstance(v, set | dict) else v)) for k, v in NH3_OPTIONS.items()
        ),
        # The elements whose links are checked.
        _keep_safe_links.__code__.co_consts,
        2,  # bumped when sanitize_body_html's rules change in a way none of the above shows
    )
    return hashlib.blake2b(repr(policy).encode("utf-8"), digest_size=32).digest()


def _keep_safe_links(
    element: str, attribute: str, value: str, base: str | None = None
) -> str | None:
    if (element, attribute) in (("a", "href"), ("img", "src")):
        # Most links are plain absolute URLs, for which safe_url would return
        # the value unchanged; only the others need its parsing. nh3 has
        # decoded the value's entities already: safe_url must not again.
        if _PLAIN_LINK.fullmatch(value):
            return value
        if element == "a" and _IN_PAGE.fullmatch(value):
            return value
        inert = INERT_SCHEMES if element == "a" else ()
        return safe_url(value, base, decoded=True, inert_schemes=inert) or None
    return value


def slugify(title: str) -> str:
    """ASCII, lower-case, hyphen-separated, at most 60 characters, never empty.

    Accents fold to their letter ("Cobá" -> "coba"); a title with no letters or
    digits at all (only emoji, say) becomes "issue".
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[: SLUG_MAX + 1]
        # Cut at a word boundary when there is one reasonably far in.
        slug = cut.rsplit("-", 1)[0] if cut.rfind("-") > SLUG_MAX // 2 else slug[:SLUG_MAX]
        slug = slug.strip("-")
    return slug or "issue"


def _pick_view(pick: Pick, anchor: str, inline: bool = False) -> _PickView:
    # A quick link's note is one line and sits beside its link, so no <p>.
    # The draft is the editor's: their words may hold mailto: links.
    body = (
        inline_html(pick.body.strip(), trusted=True) if inline else to_html(pick.body, trusted=True)
    )
    return _PickView(
        anchor=anchor,
        emoji=pick.emoji.strip(),
        headline=pick.headline.strip(),
        body=Markup(body),
        url=safe_url(pick.url),
        link_text=pick.link_text.strip(),
        remember=tuple(Markup(inline_html(r, trusted=True)) for r in pick.remember),
        tags=pick.tags,
    )


def _sponsor_view(sponsor: Sponsor) -> _SponsorView:
    return _SponsorView(
        heading=sponsor.heading.strip(),
        body=Markup(to_html(sponsor.body, trusted=True)),
        cta_text=sponsor.cta_text.strip(),
        cta_url=safe_url(sponsor.cta_url),
    )
