"""Links in the email: attribute-safe hrefs and optional UTM parameters.

The MJML port writes component attributes back without escaping them (an
``&quot;`` in an ``href`` comes out as a bare quote), so every URL that can reach
an attribute is percent-encoded here, not only autoescaped by Jinja.

Merge tags (``*|UNSUB|*``, ``{{ UnsubscribeURL }}``) are not URLs, so ``href``
drops them like any other non-http link, unless the caller names them in
``allowed``: the email's template filter allows exactly the active provider's
tags, nothing that merely looks like one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from gazette.urls import INERT_SCHEMES, safe_url

# Keep a URL's own delimiters and escapes; encode quotes, angle brackets, spaces.
_URL_SAFE = "/:?#[]@!$&()*+,;=%~-._"


def href(url: str | None, allowed: Collection[str] = ()) -> str:
    """An http(s) URL safe to place in any attribute, one of ``allowed`` verbatim, or ""."""
    if url and url in allowed:
        return url
    cleaned = safe_url(url)
    return quote(cleaned, safe=_URL_SAFE) if cleaned else ""


@dataclass(frozen=True)
class Utm:
    """The utm_* parameters added to outbound links; empty values are left out."""

    source: str
    medium: str
    campaign: str

    def apply(self, url: str) -> str:
        """``url`` with the parameters it does not already carry appended.

        The existing query string is kept byte for byte (re-encoding it could
        change what the target site sees); parameters the link already sets, say
        a sponsor's own ``utm_source``, win over ours.
        """
        parts = urlsplit(url)
        present = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
        extra = [
            (key, value)
            for key, value in (
                ("utm_source", self.source),
                ("utm_medium", self.medium),
                ("utm_campaign", self.campaign),
            )
            if value and key not in present
        ]
        if not extra:
            return url
        query = f"{parts.query}&{urlencode(extra)}" if parts.query else urlencode(extra)
        return urlunsplit(parts._replace(query=query))


@dataclass(frozen=True)
class LinkPolicy:
    """How the email treats links: which merge tags pass, whether UTM is added."""

    merge_tags: frozenset[str] = frozenset()
    utm: Utm | None = None

    def outbound(self, url: str | None) -> str:
        """A content link: safe, encoded, with UTM parameters when enabled.

        A merge tag of the active provider passes unchanged (never with UTM).
        """
        if url and url in self.merge_tags:
            return url
        cleaned = href(url)
        return self.utm.apply(cleaned) if cleaned and self.utm else cleaned

    def editor_link(self, url: str | None) -> str:
        """A link in the editor's own words: an inert ``mailto:`` (``irc:``,
        ``xmpp:``…) stays as written, encoded and without UTM; anything else is
        an :meth:`outbound` link."""
        inert = safe_url(url, decoded=True, inert_schemes=INERT_SCHEMES)
        if inert and not inert.lower().startswith(("http://", "https://")):
            return quote(inert, safe=_URL_SAFE)
        return self.outbound(url)


def site_name(url: str | None) -> str:
    """The host a link goes to, for link text ("hex.pm"); "" for an unsafe link."""
    host = urlsplit(safe_url(url)).hostname or ""
    return host.removeprefix("www.")
