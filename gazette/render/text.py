"""The plain-text part of the issue email, built from the Issue model.

Not scraped from the HTML: the text is laid out for a 72-column reader. Markdown
in bodies is reduced to text, and links become numbered references ("[3]")
listed under "Links:" at the end, so no long URL breaks a paragraph. Links get
the same treatment as in the HTML part (UTM parameters when enabled, the same
default link texts); the footer's unsubscribe and preferences links stay inline,
since they are the provider's merge tags (or URLs that must not be tracked).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from gazette.clean import html_to_text
from gazette.config import Settings
from gazette.models import Issue, Pick
from gazette.providers import footer_links, inert_template_syntax
from gazette.render.email import link_policy
from gazette.render.filters import cta_text, link_text
from gazette.render.links import LinkPolicy, href

WIDTH = 72
# Holds a reference to the word before it while wrapping ("library [2]" stays on
# one line); textwrap only breaks on ASCII whitespace. Becomes a space afterwards.
_GLUE = "\u00a0"


def render_text(issue: Issue, settings: Settings, web_url: str | None = None) -> str:
    """The issue as plain text; ``web_url`` adds a "View in browser" reference."""
    merge = footer_links(settings)
    links = _References(link_policy(issue, settings, merge))
    blocks: list[str] = []
    publication = settings.publication

    masthead = [publication.name]
    if issue.number is not None:
        masthead.append(f"Issue #{issue.number}")
    if issue.published_on:
        masthead.append(issue.published_on)
    blocks.append(_wrap(" · ".join(masthead)))
    title = _wrap(f"{issue.emoji} {issue.title}" if issue.emoji else issue.title)
    if issue.subtitle:
        title += "\n" + _wrap(issue.subtitle)
    blocks.append(title)
    if issue.welcome:
        blocks += _markdown(issue.welcome, links)

    if issue.picks:
        blocks.append(_label("Weekly picks"))
        for pick in issue.picks:
            blocks += _story(pick, links)
    if issue.feature:
        blocks.append("* * *")
        blocks += _story(issue.feature, links)
    if issue.quick_links:
        blocks.append(_label("Quick links"))
        blocks.append("\n".join(_quick_link(link, links) for link in issue.quick_links))
    if issue.sponsor:
        sponsor = issue.sponsor
        blocks.append(_label(sponsor.heading))
        blocks += _markdown(sponsor.body, links)
        if reference := links.ref(sponsor.cta_url):
            blocks.append(_wrap(f"{cta_text(sponsor)}{_GLUE}{reference}"))

    closing = [_wrap(line) for line in issue.sign_off.splitlines() if line.strip()]
    if issue.editor:
        closing.append(_wrap(issue.editor))
    if closing:
        blocks.append("\n".join(closing))
    if issue.ps:
        blocks.append(_wrap("P.S. " + _inline(issue.ps, links)))

    footer = ["---"]
    if reference := links.ref(web_url, tracked=False):
        footer.append(f"View in browser{_GLUE}{reference}")
    footer.append(f"You are receiving {publication.name} because you subscribed to it.")
    footer.append(f"Unsubscribe: {merge.unsubscribe_url}")
    if merge.preferences_url:
        footer.append(f"Update your preferences: {merge.preferences_url}")
    footer += merge.postal_address.splitlines()
    blocks.append("\n".join(_wrap(line) for line in footer))

    text = "\n\n".join(block for block in blocks if block).replace(_GLUE, " ")
    if links.numbers:
        # After the glue is gone: a URL keeps its own characters (a non-breaking
        # space in it is encoded, like every character a reader cannot see).
        listed = [f"[{number}] {url}" for number, url in enumerate(links.urls, start=1)]
        text += "\n\nLinks:\n" + "\n".join(listed)
    return inert_template_syntax(text + "\n", merge, html=False)


class _References:
    """Numbered link references in order of first use; one number per URL."""

    def __init__(self, policy: LinkPolicy | None = None) -> None:
        self.numbers: dict[str, int] = {}  # a dict, not a list scan: an issue may have thousands
        self.policy = policy or LinkPolicy()

    @property
    def urls(self) -> list[str]:
        return list(self.numbers)

    def ref(self, url: str | None, tracked: bool = True) -> str:
        """``"[n]"`` for a safe URL, "" for one that is not http(s).

        ``tracked`` links get the policy's UTM parameters, like in the HTML part.
        """
        cleaned = href(url)  # the same encoded URL as the HTML part's href
        if not cleaned:
            return ""
        if tracked and self.policy.utm:
            cleaned = self.policy.utm.apply(cleaned)
        number = self.numbers.setdefault(cleaned, len(self.numbers) + 1)
        return f"[{number}]"


def _label(text: str) -> str:
    return _wrap(f". {text.upper()} .")


def _story(pick: Pick, links: _References) -> list[str]:
    headline = f"{pick.emoji} {pick.headline}" if pick.emoji else pick.headline
    blocks = [_wrap(headline)]
    if pick.body:
        blocks += _markdown(pick.body, links)
    if pick.remember:
        bullets = [_wrap(_inline(point, links), "- ", "  ") for point in pick.remember]
        blocks.append("Remember:\n" + "\n".join(bullets))
    if reference := links.ref(pick.url):
        blocks.append(_wrap(f"{link_text(pick)}{_GLUE}{reference}"))
    return blocks


def _quick_link(link: Pick, links: _References) -> str:
    reference = links.ref(link.url)
    line = f"{link.headline}{_GLUE}{reference}" if reference else link.headline
    if link.body:
        line += " — " + _inline(link.body, links)
    return _wrap(line, "- ", "  ")


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    """Wrap at WIDTH; hard line breaks in ``text`` are kept."""
    lines: list[str] = []
    for index, part in enumerate(text.split("\n")):
        lines += textwrap.wrap(
            part,
            WIDTH,
            initial_indent=first if index == 0 else rest,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [rest.rstrip()]
    return "\n".join(lines)


# -- Markdown to text ------------------------------------------------------


@cache
def _engine() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True})


def _inline(markdown: str, links: _References) -> str:
    """One line of Markdown as text (a Remember point, a P.S.)."""
    tokens = _engine().parseInline(markdown)
    return _inline_text(tokens[0].children or [], links) if tokens else ""


def _markdown(markdown: str, links: _References) -> list[str]:
    """Markdown as wrapped text blocks, to be joined with blank lines."""
    return _BlockWriter(links).run(_engine().parse(markdown))


@dataclass
class _Prefix:
    """The indent of an open list item or quote: its marker on the first line only."""

    first: str
    rest: str
    used: bool = False


class _BlockWriter:
    def __init__(self, links: _References) -> None:
        self.links = links
        self.blocks: list[str] = []
        self.prefixes: list[_Prefix] = []
        self.ordinals: list[int] = []
        self.lists = 0
        self.hidden = False  # the current paragraph is an item of a tight list
        self.last_in_list = False  # the last block written was inside a list

    def run(self, tokens: list[Token]) -> list[str]:
        for token in tokens:
            kind = token.type
            if kind == "inline":
                # Items of a tight list follow each other without blank lines; the
                # first item still stands apart from the paragraph before the list.
                tight = self.hidden and self.last_in_list
                self._emit(_inline_text(token.children or [], self.links), join=tight)
            elif kind == "paragraph_open":
                self.hidden = token.hidden
            elif kind == "heading_open":
                self.hidden = False
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.lists += 1
                start = token.attrGet("start")
                self.ordinals.append(int(start) if isinstance(start, int | str) else 1)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists -= 1
                self.ordinals.pop()
            elif kind == "list_item_open":
                if token.markup in (".", ")"):
                    marker = f"{self.ordinals[-1]}{token.markup} "
                    self.ordinals[-1] += 1
                else:
                    marker = "- "
                self.prefixes.append(_Prefix(marker, " " * len(marker)))
            elif kind in ("list_item_close", "blockquote_close"):
                self.prefixes.pop()
            elif kind == "blockquote_open":
                self.prefixes.append(_Prefix("> ", "> "))
            elif kind in ("fence", "code_block"):
                code = "\n".join("    " + line for line in token.content.rstrip("\n").split("\n"))
                self._emit_raw(code)
            elif kind == "html_block":
                self._emit(html_to_text(token.content))
            elif kind == "hr":
                self._emit_raw("* * *")
        return self.blocks

    def _indents(self) -> tuple[str, str]:
        first = "".join(p.rest if p.used else p.first for p in self.prefixes)
        rest = "".join(p.rest for p in self.prefixes)
        for prefix in self.prefixes:
            prefix.used = True
        return first, rest

    def _emit(self, text: str, join: bool = False) -> None:
        if not text.strip():
            return
        first, rest = self._indents()
        wrapped = _wrap(text, first, rest)
        if join and self.blocks:
            self.blocks[-1] += "\n" + wrapped
        else:
            self.blocks.append(wrapped)
        self.last_in_list = self.lists > 0

    def _emit_raw(self, text: str) -> None:
        _, rest = self._indents()
        self.blocks.append("\n".join(rest + line for line in text.split("\n")))
        self.last_in_list = self.lists > 0


def _inline_text(tokens: list[Token], links: _References) -> str:
    out: list[str] = []
    href: str | None = None
    autolink = False
    for token in tokens:
        kind = token.type
        if kind == "text" and not autolink:
            out.append(token.content)
        elif kind == "code_inline":
            out.append(f"`{token.content}`")
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "link_open":
            value = token.attrGet("href")
            href = value if isinstance(value, str) else None
            # <https://...>: the reference stands in for the URL itself.
            autolink = token.markup == "autolink"
        elif kind == "link_close":
            reference = links.ref(href)
            if reference:
                out.append(reference if autolink else _GLUE + reference)
            href, autolink = None, False
        elif kind == "image":
            alt = "".join(child.content for child in token.children or [])
            reference = links.ref(str(token.attrGet("src") or ""))
            out.append(f"[image: {alt}]" + (_GLUE + reference if reference else ""))
    return "".join(out)
