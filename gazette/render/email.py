"""The issue as an HTML email: Jinja renders MJML, the ``mjml`` package compiles it.

The Python port of MJML is lenient where upstream validates: an unknown tag is a
bare ``KeyError``, an unclosed tag is silently re-nested, ``mj-include`` reads any
file on disk. So the MJML is checked against an allow-list before it is compiled,
and every failure becomes a RenderError that names the template.

The port also writes component attributes back without escaping them, so every
URL that can reach an attribute goes through ``gazette.render.links.href``
(percent-encoded, http(s) only, or one of the provider's merge tags verbatim).

Branding comes from ``[email]`` through ``gazette.render.theme``; the footer's
unsubscribe, preferences and address from the provider (``gazette.providers``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import jinja2
from mjml import mjml_to_html

from gazette.config import Settings
from gazette.errors import ConfigError, RenderError
from gazette.models import Issue
from gazette.providers import FooterLinks, footer_links, inert_template_syntax
from gazette.render import render_template, template_env
from gazette.render.links import LinkPolicy, Utm, href
from gazette.render.theme import Theme, email_theme

__all__ = ["TEMPLATE", "RenderedEmail", "check_mjml", "href", "render_email"]

TEMPLATE = "email/issue.mjml.j2"

# Zero-width filler after the preheader, so inboxes do not pad the preview line
# with the first words of the body.
_PREVIEW_PADDING = "\u034f\u200c\u00a0" * 40

# Tag -> the tags it may sit in. Only components the Python port renders well.
_PARENTS: dict[str, frozenset[str]] = {
    "mjml": frozenset({""}),
    "mj-head": frozenset({"mjml"}),
    "mj-body": frozenset({"mjml"}),
    "mj-title": frozenset({"mj-head"}),
    "mj-preview": frozenset({"mj-head"}),
    "mj-style": frozenset({"mj-head"}),
    "mj-attributes": frozenset({"mj-head"}),
    "mj-wrapper": frozenset({"mj-body"}),
    "mj-section": frozenset({"mj-body", "mj-wrapper"}),
    "mj-column": frozenset({"mj-section"}),
    "mj-raw": frozenset({"mj-head", "mj-body", "mj-wrapper", "mj-section", "mj-column"}),
    **{
        leaf: frozenset({"mj-column"})
        for leaf in ("mj-text", "mj-button", "mj-image", "mj-divider", "mj-spacer", "mj-table")
    },
    "mj-social": frozenset({"mj-column"}),
    "mj-social-element": frozenset({"mj-social"}),
}
# Children of mj-attributes name the component they set defaults for.
_ATTRIBUTE_TARGETS = frozenset({"mj-all", "mj-class", *_PARENTS}) - {"mjml", "mj-head"}
# Components whose content is HTML (or CSS, or text), not more MJML.
_ENDING = frozenset(
    {"mj-text", "mj-button", "mj-table", "mj-raw", "mj-title", "mj-preview", "mj-style"}
)
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S | re.I)
_INDENT = re.compile(r"\n[ \t\r\n]+")
# The port imports Google Fonts whenever the font stack names Roboto, Lato, Open
# Sans, Droid Sans or Ubuntu, as upstream MJML does. The email uses the reader's
# installed fonts only: no request to a third party when it is opened.
_WEB_FONTS = re.compile(
    r"<!--\[if !mso\]><!-->\s*"
    r"(?:<link href=\"https://fonts\.googleapis\.com/[^\"]*\" rel=\"stylesheet\" type=\"text/css\">\s*)+"
    r"<style type=\"text/css\">\s*(?:@import url\(https://fonts\.googleapis\.com/[^)]*\);\s*)+</style>\s*"
    r"<!--<!\[endif\]-->\s*"
)


@dataclass(frozen=True)
class RenderedEmail:
    html: str
    mjml: str


def render_email(issue: Issue, settings: Settings, web_url: str | None = None) -> RenderedEmail:
    """Render ``issue`` as a responsive HTML email; ``web_url`` adds "View in browser".

    A bad ``[email]`` setting (colour, font, logo, provider) is a ConfigError; a
    broken template, a RenderError naming it.
    """
    merge = footer_links(settings)
    links = link_policy(issue, settings, merge)
    theme = _theme(settings)
    mjml = _render(
        template_env(settings),
        issue=issue,
        publication=settings.publication,
        language=_language(settings.publication.language),
        theme=theme,
        web_url=href(web_url),
        preheader=issue.preheader
        or issue.subtitle
        or (issue.picks[0].headline if issue.picks else ""),
        preview_padding=_PREVIEW_PADDING,
        merge=merge,
        # How the href and markdown filters write links (gazette.render.filters).
        link_policy=links,
    )
    problem = check_mjml(mjml)
    if problem:
        raise RenderError(f"template {TEMPLATE}: {problem}")
    try:
        result = mjml_to_html(mjml)
    except Exception as exc:  # the port signals bad input with any exception type
        raise RenderError(f"template {TEMPLATE}: MJML did not compile: {exc!r}") from None
    if result.errors:
        raise RenderError(f"template {TEMPLATE}: {'; '.join(map(str, result.errors))}")
    html = _collapse_indentation(_WEB_FONTS.sub("", result.html, count=1)).rstrip("\n") + "\n"
    return RenderedEmail(html=inert_template_syntax(html, merge, html=True), mjml=mjml)


def link_policy(issue: Issue, settings: Settings, merge: FooterLinks | None = None) -> LinkPolicy:
    """How links in this issue's email (HTML and text) are written.

    ``utm_campaign`` is the ISO week: it exists before the issue has a number
    and stays the same across re-renders.
    """
    email = settings.email
    utm = Utm(email.utm_source, email.utm_medium, issue.week) if email.utm else None
    tags = (merge or footer_links(settings)).merge_tags
    return LinkPolicy(merge_tags=tags, utm=utm)


def _theme(settings: Settings) -> Theme:
    logo = settings.email.logo_url.strip()
    safe_logo = href(logo)
    if logo and not safe_logo:
        raise ConfigError(
            f"{settings.origin}: [email] logo_url must be an http(s) URL, got {logo!r}"
        )
    return email_theme(settings, logo_url=safe_logo)


def _language(code: str) -> str:
    return code if _LANGUAGE.fullmatch(code) else "und"


def _render(env: jinja2.Environment, **context: object) -> str:
    try:
        return render_template(env, TEMPLATE, **context)
    except jinja2.TemplateError as exc:
        # render_template turns the common mistakes into RenderError; this catches
        # the rest (a filter used wrongly, a raise in a user's template).
        raise RenderError(f"template {TEMPLATE}: {exc}") from None


def _collapse_indentation(html: str) -> str:
    # The port indents deeply (a quarter of the bytes); a newline alone is the same
    # whitespace to HTML. Only <pre> keeps its spacing.
    parts = _PRE.split(html)
    return "".join(
        part if index % 2 else _INDENT.sub("\n", part) for index, part in enumerate(parts)
    )


def check_mjml(mjml: str) -> str | None:
    """Why ``mjml`` is not MJML the port can compile, or None if it is fine."""
    checker = _Checker()
    try:
        checker.feed(mjml)
        checker.close()
    except _Invalid as exc:
        return str(exc)
    if checker.stack:
        tag, line = checker.stack[-1]
        return f"<{tag}> opened on MJML line {line} is never closed"
    if not checker.seen_root:
        return "no <mjml> root element"
    return None


class _Invalid(Exception):
    pass


class _Checker(HTMLParser):
    """Walks the MJML tags; the HTML inside ending tags is left alone.

    html.parser rather than xml.etree: mj-text holds HTML (``<br>``, ``&nbsp;``)
    that is not XML, and the port itself parses with html.parser.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.seen_root = False
        self.defaults: set[str] = set()

    def _fail(self, message: str) -> None:
        raise _Invalid(f"{message} (MJML line {self.getpos()[0]})")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self.stack[-1][0] if self.stack else ""
        if parent in _ENDING:
            if tag.startswith("mj") and parent != "mj-raw":
                self._fail(f"<{tag}> inside <{parent}>, which holds HTML, not MJML")
            return
        if parent == "mj-attributes":
            if tag not in _ATTRIBUTE_TARGETS:
                self._fail(f"unknown or unsupported tag <{tag}> in <mj-attributes>")
            # The port asserts on a second set of defaults for the same target.
            target = f"{tag} {dict(attrs).get('name')}" if tag == "mj-class" else tag
            if target in self.defaults:
                self._fail(f"defaults for <{target}> are set twice; merge them into one tag")
            self.defaults.add(target)
        elif tag not in _PARENTS:
            self._fail(f"unknown or unsupported tag <{tag}>")
        elif parent not in _PARENTS[tag]:
            where = f"inside <{parent}>" if parent else "at the top level"
            self._fail(f"<{tag}> cannot be {where}")
        if tag == "mjml":
            self.seen_root = True
        self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        depth = len(self.stack)
        self.handle_starttag(tag, attrs)
        if len(self.stack) > depth:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"</{tag}> without an opening tag")
        open_tag, line = self.stack[-1]
        if open_tag in _ENDING and tag != open_tag:
            if tag.startswith("mj"):
                self._fail(f"</{tag}> closes <{open_tag}> opened on line {line}")
            return
        if tag != open_tag:
            self._fail(f"</{tag}> closes <{open_tag}> opened on line {line}")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] not in _ENDING and data.strip():
            tag = self.stack[-1][0]
            self._fail(f"text {data.strip()[:30]!r} directly inside <{tag}>")
