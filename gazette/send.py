"""Sending the rendered issue over SMTP: test sends to the editor.

Newsletters go out through a provider; this is for seeing the real thing in a
real inbox first. ``[smtp]`` names the server and how to reach it:

- ``security = "starttls"``: plain connection upgraded with STARTTLS (port 587);
  a server that does not offer it is an error, never a silent plain-text send.
- ``security = "ssl"``: TLS from the first byte (port 465).
- ``security = "none"``: no encryption, for a local relay or a test server.

Certificates are verified against the system's CAs. To trust a private CA (a
company relay, a test server), point the standard OpenSSL variable
``SSL_CERT_FILE`` at its PEM file; library callers may pass an ``SSLContext``.
With ``username`` set, Gazette logs in with the password read from the
environment variable named by ``password_env`` (never from the config file).

Every failure is a SendError with one line saying what to fix (exit code 2).
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

from gazette.config import Settings, SmtpSettings
from gazette.errors import ConfigError, SendError, SmtpUnreachable
from gazette.render.message import envelope_sender, parse_address

if TYPE_CHECKING:
    from gazette.store import Store

SECURITY = ("starttls", "ssl", "none")
TIMEOUT = 30.0


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class SendOutcome:
    server: Server
    recipients: tuple[str, ...]
    subject: str
    message_id: str


def parse_server(text: str, default_port: int) -> Server:
    """``HOST:PORT``, ``HOST`` (the default port) or ``[IPv6]:PORT``."""
    text = text.strip()
    host, port = text, str(default_port)
    if text.startswith("["):
        inner, _, rest = text[1:].partition("]")
        host = inner
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"expected HOST:PORT, got {text!r}")
            port = rest[1:]
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT with a port from 1 to 65535, got {text!r}")
    return Server(host, int(port))


def check_recipients(recipients: Sequence[str]) -> tuple[str, ...]:
    """The recipients as given, once each; ValueError naming the first bad one."""
    if not recipients:
        raise ValueError("give at least one recipient")
    for recipient in recipients:
        if parse_address(recipient) is None:
            raise ValueError(f"{recipient!r} is not an email address")
    return tuple(dict.fromkeys(r.strip() for r in recipients))


def send_week(
    store: Store,
    settings: Settings,
    week: str,
    recipients: Sequence[str],
    server: Server | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> SendOutcome:
    """Render the week's draft and send it to ``recipients`` (a test send)."""
    from gazette.render.week import render_week

    to = check_recipients(recipients)
    password = smtp_password(settings)  # before rendering: fail fast on a missing secret
    rendered = render_week(store, settings, week)
    message = rendered.message(settings, to=to)
    target = server or Server(settings.smtp.host, settings.smtp.port)
    deliver(message, settings, to, target, password=password, ssl_context=ssl_context)
    return SendOutcome(target, to, str(message["Subject"]), str(message["Message-ID"]))


def smtp_password(settings: Settings) -> str | None:
    """The SMTP password when ``[smtp] username`` is set; None when no login is needed."""
    smtp = settings.smtp
    if not smtp.username:
        return None
    name = smtp.password_env.strip()
    if not name:
        raise ConfigError(
            f"{settings.origin}: [smtp] username is set but password_env is empty; name the "
            "environment variable that holds the SMTP password"
        )
    password = os.environ.get(name)
    if password is None:
        raise SendError(
            f"the environment variable {name} is not set; export it with the SMTP password "
            f"for {smtp.username} ([smtp] password_env)"
        )
    return password


def deliver(
    message: EmailMessage,
    settings: Settings,
    recipients: Sequence[str],
    server: Server,
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = TIMEOUT,
) -> None:
    """Hand ``message`` to ``server`` for ``recipients`` as ``[smtp]`` says."""
    smtp = settings.smtp
    if smtp.security not in SECURITY:
        raise ConfigError(
            f"{settings.origin}: [smtp] security must be one of {', '.join(SECURITY)}, "
            f"got {smtp.security!r}"
        )
    if smtp.username and password is None:
        password = smtp_password(settings)
    sender = envelope_sender(settings)
    envelope_to = [a.addr_spec for r in recipients if (a := parse_address(r)) is not None]
    context = ssl_context or ssl.create_default_context()
    try:
        with _connect(smtp, server, context, timeout) as client:
            if smtp.username and password is not None:
                client.login(smtp.username, password)
            client.send_message(message, from_addr=sender, to_addrs=envelope_to)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(
            f"SMTP login as {smtp.username} at {server} failed: {_reply(exc)}"
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"{server}: {exc}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(f"{who} ({_reply(why)})" for who, why in exc.recipients.items())
        raise SendError(f"{server} refused the recipient {refused}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(
            f"{server} refused the sender {sender} ([email] from_address): {_reply(exc)}"
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{server} rejected the message: {_reply(exc)}") from None
    except ssl.SSLCertVerificationError as exc:
        raise SendError(
            f"the TLS certificate of {server} is not trusted: {exc.verify_message or exc} "
            "(for a private CA, set SSL_CERT_FILE to its PEM file)"
        ) from None
    except ssl.SSLError as exc:
        raise SendError(
            f"TLS with {server} failed: {exc.reason or exc} (check [smtp] security and port)"
        ) from None
    except _ConnectError as exc:
        raise SmtpUnreachable(
            f"cannot connect to SMTP server {server}: {_describe(exc.__cause__ or exc)}"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"sending through SMTP server {server} failed: {_describe(exc)}") from None


class _ConnectError(Exception):
    """The TCP connection (or the server's greeting) failed."""


def _connect(
    smtp: SmtpSettings, server: Server, context: ssl.SSLContext, timeout: float
) -> smtplib.SMTP:
    client: smtplib.SMTP
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    except ssl.SSLError:
        raise
    except (OSError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected) as exc:
        raise _ConnectError(str(exc)) from exc
    try:
        client.ehlo()
        if smtp.security == "starttls":
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(
                    'the server does not offer STARTTLS; use [smtp] security = "ssl" for '
                    'port 465, or "none" only for a trusted local relay'
                )
            client.starttls(context=context)
            client.ehlo()
        if smtp.username and not client.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError(
                "the server offers no login (AUTH) on this connection; check [smtp] security "
                "and username"
            )
    except BaseException:
        client.close()
        raise
    return client


def _reply(exc: smtplib.SMTPResponseException | tuple[int, bytes]) -> str:
    code, text = (exc.smtp_code, exc.smtp_error) if not isinstance(exc, tuple) else exc
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
