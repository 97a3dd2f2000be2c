"""Email service providers: the merge tags they replace per recipient.

Gazette renders one email for everybody; the provider that sends it puts each
subscriber's own unsubscribe and preferences links in place of its merge tags.
``[email] provider`` picks the set:

- plain: the configured unsubscribe_url, preferences_url and postal_address
- mailchimp: ``*|UNSUB|*``, ``*|UPDATE_PROFILE|*``, ``*|LIST:ADDRESSLINE|*``
- buttondown: ``{{ unsubscribe_url }}``; preferences_url and postal_address
- listmonk: ``{{ UnsubscribeURL }}``, ``{{ ManageURL }}``; postal_address

Mailchimp fills in the audience's address only while ``postal_address`` is
empty or still the placeholder shipped in the defaults; a real address wins.
Buttondown has no preferences tag, so its footer links ``preferences_url`` when
one is configured. Their template syntax, should scraped content bring some
into a message, is made inert (``inert_template_syntax``). "plain" is for
sending yourself (``gazette send``) or through a provider not listed: its links
are real URLs, and an https (or mailto:) unsubscribe URL also goes into the
List-Unsubscribe header.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from email.utils import parseaddr
from functools import cache
from urllib.parse import quote

from gazette.config import Settings, default_config_text
from gazette.errors import ConfigError
from gazette.render.links import href


@dataclass(frozen=True)
class Provider:
    """A provider's merge tags; "" means "use the configured value"."""

    name: str
    unsubscribe_tag: str = ""
    preferences_tag: str = ""
    address_tag: str = ""
    # What the provider's template engine reads as the start of its own syntax
    # anywhere in a message: Mailchimp's merge tags, the {{ }} {% %} {# #} of
    # Buttondown's templates, the {{ }} of listmonk's Go templates.
    template_openers: tuple[str, ...] = ()

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(
            t for t in (self.unsubscribe_tag, self.preferences_tag, self.address_tag) if t
        )


PROVIDERS: dict[str, Provider] = {
    "plain": Provider("plain"),
    "mailchimp": Provider(
        "mailchimp",
        unsubscribe_tag="*|UNSUB|*",
        preferences_tag="*|UPDATE_PROFILE|*",
        address_tag="*|LIST:ADDRESSLINE|*",
        template_openers=("*|",),
    ),
    "buttondown": Provider(
        "buttondown",
        unsubscribe_tag="{{ unsubscribe_url }}",
        template_openers=("{{", "{%", "{#"),
    ),
    "listmonk": Provider(
        "listmonk",
        unsubscribe_tag="{{ UnsubscribeURL }}",
        preferences_tag="{{ ManageURL }}",
        template_openers=("{{",),
    ),
}


@dataclass(frozen=True)
class FooterLinks:
    """What the footer links to, ready for an HTML attribute or a line of text.

    ``unsubscribe_url`` and ``preferences_url`` are each a merge tag, an encoded
    http(s) URL or a mailto: URL ("" for none); ``postal_address`` is text or a tag.
    """

    provider: str
    unsubscribe_url: str
    preferences_url: str
    postal_address: str
    merge_tags: frozenset[str]

    @property
    def list_unsubscribe(self) -> tuple[str, bool] | None:
        """The List-Unsubscribe header value and whether one-click applies.

        Only for a real URL: providers with merge tags write the header
        themselves, per recipient. One-click (RFC 8058) needs https.
        """
        url = self.unsubscribe_url
        if not url or url in self.merge_tags:
            return None
        return f"<{url}>", url.startswith("https://")


def footer_links(settings: Settings) -> FooterLinks:
    """The footer's links for ``[email] provider``; a bad setting is a ConfigError."""
    email = settings.email
    provider = PROVIDERS.get(email.provider)
    if provider is None:
        raise ConfigError(
            f"{settings.origin}: [email] provider must be one of {', '.join(PROVIDERS)}, "
            f"got {email.provider!r}"
        )
    allowed = provider.tags
    if provider.unsubscribe_tag:
        unsubscribe = href(provider.unsubscribe_tag, allowed)
    else:
        unsubscribe = _unsubscribe_url(email.unsubscribe_url, settings.origin)
    if provider.preferences_tag:
        preferences = href(provider.preferences_tag, allowed)
    else:
        preferences = _http_url(email.preferences_url, "preferences_url", settings.origin)
    address = email.postal_address.strip()
    if provider.address_tag and (not address or address == _placeholder_address()):
        address = provider.address_tag
    return FooterLinks(
        provider=provider.name,
        unsubscribe_url=unsubscribe,
        preferences_url=preferences,
        postal_address=address,
        merge_tags=allowed,
    )


def inert_template_syntax(rendered: str, links: FooterLinks, *, html: bool) -> str:
    """``rendered`` (the email's HTML, or its text with ``html=False``) with the
    provider's template syntax in its content made inert; its merge tags stay.

    A provider runs the whole message through its template engine, so a
    scraped title holding ``{{ subscriber.email }}`` or ``*|EMAIL|*`` would be
    filled in per recipient, and one holding ``{% if`` would stop the send.
    In HTML the opener's first character becomes a character reference
    (``&#123;{``), which the engine does not read and the reader sees as
    ``{{``; in text, where there are no references, a zero-width space goes
    between its two characters. ``<style>`` blocks are left alone (CSS has no
    such syntax, and a reference there would not be decoded).
    """
    provider = PROVIDERS.get(links.provider)
    if provider is None or not provider.template_openers:
        return rendered
    kept = [re.escape(tag) for tag in sorted(links.merge_tags, key=len, reverse=True)]
    if html:
        kept.append(r"(?is:<style\b.*?</style>)")
    opener = re.compile(
        "|".join(f"{re.escape(o[0])}(?={re.escape(o[1:])})" for o in provider.template_openers)
    )

    def inert(match: re.Match[str]) -> str:
        return f"&#{ord(match.group())};" if html else match.group() + "\u200b"

    pieces = re.split(f"({'|'.join(kept)})", rendered) if kept else [rendered]
    # Even pieces are content; odd ones are the merge tags and style blocks kept.
    for index in range(0, len(pieces), 2):
        pieces[index] = opener.sub(inert, pieces[index])
    return "".join(pieces)


def _unsubscribe_url(url: str, origin: str) -> str:
    url = url.strip()
    if not url:
        raise ConfigError(
            f"{origin}: [email] unsubscribe_url is empty; every issue needs an unsubscribe "
            "link (set it, or choose a provider that fills in its own)"
        )
    if url.lower().startswith("mailto:"):
        address, _, query = url[len("mailto:") :].partition("?")
        if "@" not in parseaddr(address)[1]:
            raise ConfigError(f"{origin}: [email] unsubscribe_url {url!r} has no email address")
        encoded = quote(address, safe="@.+-_~!$'*,;:=")
        return f"mailto:{encoded}" + (f"?{quote(query, safe='=&%-._~')}" if query else "")
    return _http_url(url, "unsubscribe_url", origin)


def _http_url(url: str, key: str, origin: str) -> str:
    url = url.strip()
    if not url:
        return ""
    cleaned = href(url)
    if not cleaned:
        raise ConfigError(f"{origin}: [email] {key} must be an http(s) URL, got {url!r}")
    return cleaned


def postal_address_missing(settings: Settings) -> bool:
    """True when a send-ready render would show no real postal address: none
    set, or the shipped reminder, and no provider's merge tag to fill it in.
    Anti-spam laws (CAN-SPAM, and the like elsewhere) require a real one."""
    address = footer_links(settings).postal_address
    return not address or address == _placeholder_address()


@cache
def _placeholder_address() -> str:
    # The shipped default is a reminder, not an address; read it from the one
    # place defaults live rather than repeating it here.
    value = tomllib.loads(default_config_text())["email"]["postal_address"]
    return str(value).strip()
