"""The issue as one email message (.eml): multipart/alternative, text then HTML.

Built with the standard library's ``email`` package under ``policy.SMTP`` (CRLF
line ends, RFC 2047 encoded Subject, folded headers). Both parts are UTF-8 in
quoted-printable, so the message is 7-bit clean: no relay without 8BITMIME can
mangle it, and no line is longer than 78 characters.

``Date`` and ``Message-ID`` default to now and a fresh ``make_msgid`` on the
domain of ``[publication] base_url``: a test send must never reuse an ID, or
Gmail silently drops it as a duplicate. Pass both in for byte-stable output;
the MIME boundary is derived from the content, so it is stable already.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from gazette.config import Settings
from gazette.errors import ConfigError
from gazette.models import Issue
from gazette.providers import footer_links


def subject_line(issue: Issue) -> str:
    """The subject: "<emoji> <title>", as in the sample issue."""
    return f"{issue.emoji} {issue.title}".strip() if issue.emoji else issue.title.strip()


def build_message(
    issue: Issue,
    settings: Settings,
    html: str,
    text: str,
    *,
    to: Sequence[str] = (),
    date: datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """The multipart/alternative message for ``issue`` from its two rendered parts.

    ``to`` may be empty: an .eml for a provider's import has no recipient yet.
    """
    email = settings.email
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = _address(email.from_address, "from_address", settings.origin)
    if email.reply_to.strip():
        message["Reply-To"] = _address(email.reply_to, "reply_to", settings.origin)
    if to:
        message["To"] = ", ".join(to)
    message["Subject"] = subject_line(issue)
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain=message_domain(settings))
    unsubscribe = footer_links(settings).list_unsubscribe
    if unsubscribe:
        value, one_click = unsubscribe
        message["List-Unsubscribe"] = value
        if one_click:
            # RFC 8058: the URL must accept a POST with this body and unsubscribe.
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for part in message.iter_parts():
        del part["MIME-Version"]  # add_alternative repeats it on the part; once is enough
    language = settings.publication.language.strip()
    if language:
        # After the parts: set_content clears every Content-* header it finds.
        message["Content-Language"] = language
    digest = hashlib.sha256((text + "\0" + html).encode("utf-8")).hexdigest()
    message.set_boundary(f"=_gazette_{digest[:32]}")
    return message


def message_domain(settings: Settings) -> str:
    """The right-hand side of Message-IDs: the archive's domain, else the sender's."""
    host = urlsplit(settings.publication.base_url).hostname
    if host:
        return host
    address = parse_address(settings.email.from_address)
    return address.domain if address else "localhost"


def envelope_sender(settings: Settings) -> str:
    """The bare address of ``[email] from_address``, for SMTP's MAIL FROM."""
    return _address(settings.email.from_address, "from_address", settings.origin).addr_spec


def parse_address(value: str) -> Address | None:
    """One mailbox ("Name <user@example.org>" or "user@example.org"), or None."""
    try:
        header = policy.SMTP.header_factory("To", value.strip())
        addresses = header.addresses
    except (HeaderParseError, IndexError, ValueError):  # the parser fails in odd ways
        return None
    if header.defects or len(addresses) != 1:
        return None
    address: Address = addresses[0]
    return address if address.username and address.domain else None


def _address(value: str, key: str, origin: str) -> Address:
    address = parse_address(value)
    if address is None:
        raise ConfigError(
            f"{origin}: [email] {key} must be one address like 'Gazette <news@example.org>', "
            f"got {value!r}"
        )
    return address
