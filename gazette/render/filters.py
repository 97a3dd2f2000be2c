"""The template filters, registered once on the one Jinja environment.

What one render needs beyond its text (how the email writes links: UTM
parameters, the provider's merge tags) is not baked into the filters: the
filters read it from the template's context (``link_policy``), so the
environment is never changed while rendering and serves every render alike,
in any thread. A template rendered without a link policy (the site, a user's
own template) gets links that are merely safe: http(s), encoded, no UTM.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

import jinja2
from markupsafe import Markup

from gazette.markdown import inline_html, to_html
from gazette.models import Pick, Sponsor
from gazette.render.links import LinkPolicy, site_name

# The context variable the link filters read (see the module's docstring).
LINK_POLICY = "link_policy"

_LINK_TAG = re.compile(r"<a\b")
_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")')
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
_COLOR = re.compile(r"#[0-9A-Fa-f]{3,8}|[a-z]+")
_SAFE_LINKS_ONLY = LinkPolicy()


def register(env: jinja2.Environment) -> None:
    filters: dict[str, Callable[..., object]] = {
        "markdown": _markdown,
        "inline_markdown": _inline_markdown,
        "href": _href,
        "link_text": link_text,
        "cta_text": cta_text,
        "attr_text": attr_text,
    }
    env.filters.update(filters)


def link_text(pick: Pick) -> str:
    """The editor's link text, or one that says where the link goes."""
    if pick.link_text.strip():
        return pick.link_text.strip()
    site = site_name(pick.url)
    return f"Read more on {site}" if site else "Read more"


def cta_text(sponsor: Sponsor) -> str:
    if sponsor.cta_text.strip():
        return sponsor.cta_text.strip()
    site = site_name(sponsor.cta_url)
    return f"Visit {site}" if site else "Learn more"


def attr_text(text: str) -> str:
    # The MJML port copies mj-title into an aria-label="..." without escaping quotes.
    return str(text).replace('"', "\u201d")


def _links(context: jinja2.runtime.Context) -> LinkPolicy:
    policy = context.get(LINK_POLICY)
    return policy if isinstance(policy, LinkPolicy) else _SAFE_LINKS_ONLY


@jinja2.pass_context
def _href(context: jinja2.runtime.Context, url: str | None) -> str:
    return _links(context).outbound(url)


@jinja2.pass_context
def _markdown(context: jinja2.runtime.Context, text: str, link_color: str = "") -> Markup:
    """Sanitized HTML of a Markdown body, its links and images fit for email.

    The draft is the editor's: as on the web page, their ``mailto:`` links stay."""
    return Markup(_email_html(to_html(text, trusted=True), link_color, _links(context)))


@jinja2.pass_context
def _inline_markdown(context: jinja2.runtime.Context, text: str, link_color: str = "") -> Markup:
    return Markup(_email_html(inline_html(text, trusted=True), link_color, _links(context)))


def _email_html(html: str, color: str, links: LinkPolicy) -> str:
    """Sanitized HTML with its links written by ``links``, every image given
    alt text and, for a ``color``, links coloured inline."""

    # nh3 output always spells "<a " and quotes attributes with double quotes.
    def rewrite(match: re.Match[str]) -> str:
        url = links.editor_link(html_lib.unescape(match.group(2)))
        return match.group(1) + html_lib.escape(url, quote=True) + match.group(3)

    html = _HREF.sub(rewrite, html)
    # Every image has alt text, even if empty (decorative) when the draft gave none.
    html = _IMG_WITHOUT_ALT.sub('<img alt=""', html)
    if _COLOR.fullmatch(color):
        # Inline, for the clients that drop <style>.
        html = _LINK_TAG.sub(f'<a style="color:{color};"', html)
    return html
