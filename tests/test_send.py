"""`gazette send`: a real SMTP server (aiosmtpd) on loopback receives the issue.

Each test starts its own server on a free port of 127.0.0.1: plain, with AUTH
(allowed without TLS here, as aiosmtpd's auth_require_tls=False), with STARTTLS
and with TLS from the first byte, the last two with a self-signed certificate
made by the `openssl` command for the test. The client trusts it the way a user
trusts a private CA: through the standard SSL_CERT_FILE variable.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from gazette.config import load_settings
from gazette.draft import write_draft
from gazette.render.email import render_email
from gazette.render.outputs import render_issue
from gazette.render.text import render_text
from gazette.send import Server, deliver
from tests.conftest import run_cli
from tests.test_email import sample_issue

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")

# The test servers accept AUTH without TLS on purpose; aiosmtpd warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

WEEK = "2026-W02"
LOGIN, PASSWORD = "editor", "s3cret pass"


class Inbox:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def message(self) -> EmailMessage:
        (envelope,) = self.envelopes
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = aiosmtpd_controller.Controller(
        inbox, hostname="127.0.0.1", port=port, server_hostname="smtp.test", **options
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Authenticator:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        login, password = data.login.decode(), data.password.decode()
        self.seen.append((login, password))
        # handled=False: aiosmtpd then answers 535 itself on a failure.
        ok = (login, password) == (LOGIN, PASSWORD)
        return aiosmtpd_smtp.AuthResult(success=ok, handled=False)


@pytest.fixture
def newsletter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the sample issue's draft; the config is written per test."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GAZETTE_DB", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    draft = tmp_path / "data" / "issues" / f"{WEEK}.md"
    draft.parent.mkdir(parents=True)
    draft.write_text(write_draft(sample_issue()), encoding="utf-8")
    return tmp_path


def configure(folder: Path, port: int, security: str = "none", username: str = "") -> None:
    (folder / "gazette.toml").write_text(
        f"""
[email]
from_address = "GigaElixir Gazette <news@gazette.example.org>"
reply_to = "Michael <michael@gazette.example.org>"

[smtp]
host = "127.0.0.1"
port = {port}
security = "{security}"
username = "{username}"
password_env = "GAZETTE_TEST_SMTP_PASSWORD"
""",
        encoding="utf-8",
    )


def send(*extra: str, expect: int = 0) -> str:
    result = run_cli("--db", "g.db", "send", "--week", WEEK, *extra, expect=expect)
    return result.output


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (openssl CLI)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed: TLS tests need a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


# -- delivery and the message ------------------------------------------------


@pytest.mark.timeout(30)
def test_send_delivers_the_multipart_issue(newsletter: Path) -> None:
    issue = sample_issue()
    with smtp_server() as (inbox, port):
        configure(newsletter, port)
        output = send("--to", "Editor <editor@example.org>", "--to", "second@example.org")
    assert output.startswith("sent '🔄 Drain Your Queue, Save Your Week' to Editor")
    assert f"via 127.0.0.1:{port}" in output
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "news@gazette.example.org"
    assert envelope.rcpt_tos == ["editor@example.org", "second@example.org"]
    assert b"\r\n" in envelope.content and max(map(len, envelope.content.split(b"\r\n"))) <= 998

    message = inbox.message()
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert all(p["Content-Transfer-Encoding"] == "quoted-printable" for p in parts)
    assert message["Subject"] == "🔄 Drain Your Queue, Save Your Week"
    assert message["From"] == "GigaElixir Gazette <news@gazette.example.org>"
    assert message["Reply-To"] == "Michael <michael@gazette.example.org>"
    assert message["To"] == "Editor <editor@example.org>, second@example.org"
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].startswith("<")
    assert message["Message-ID"].endswith("@gazette.example.org>")
    assert message["List-Unsubscribe"] == "<https://gazette.example.org/unsubscribe>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The bodies are exactly what `render` writes (an unpublished draft: no archive link).
    settings = load_settings(newsletter / "gazette.toml")
    text, html = (p.get_content().replace("\r\n", "\n") for p in parts)
    assert text == render_text(issue, settings)
    assert html == render_email(issue, settings).html
    assert "Remember:" in text and "Try Gigalixir" in html


@pytest.mark.timeout(30)
def test_every_send_has_a_new_message_id(newsletter: Path) -> None:
    with smtp_server() as (inbox, port):
        configure(newsletter, port)
        send("--to", "editor@example.org")
        send("--to", "editor@example.org")
    first, second = (message_from_bytes(e.content)["Message-ID"] for e in inbox.envelopes)
    assert first != second  # Gmail drops a second message with the same ID


# -- login -----------------------------------------------------------------


@pytest.mark.timeout(30)
def test_login_with_the_password_from_the_environment(
    newsletter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authenticator = Authenticator()
    with smtp_server(authenticator=authenticator, auth_required=True, auth_require_tls=False) as (
        inbox,
        port,
    ):
        configure(newsletter, port, username=LOGIN)
        monkeypatch.setenv("GAZETTE_TEST_SMTP_PASSWORD", PASSWORD)
        send("--to", "editor@example.org")
        assert authenticator.seen == [(LOGIN, PASSWORD)]
        assert len(inbox.envelopes) == 1

        monkeypatch.setenv("GAZETTE_TEST_SMTP_PASSWORD", "wrong")
        output = send("--to", "editor@example.org", expect=2)
    assert output.count("\n") == 1  # one line, no traceback
    assert output.startswith(f"Error: SMTP login as {LOGIN} at 127.0.0.1:{port} failed: 535")
    assert len(inbox.envelopes) == 1


@pytest.mark.timeout(30)
def test_a_missing_password_variable_is_named(newsletter: Path) -> None:
    with smtp_server(auth_require_tls=False) as (inbox, port):
        configure(newsletter, port, username=LOGIN)
        output = send("--to", "editor@example.org", expect=2)
    assert "GAZETTE_TEST_SMTP_PASSWORD is not set" in output
    assert output.count("\n") == 1
    assert inbox.envelopes == []


@pytest.mark.timeout(30)
def test_a_server_that_requires_login_refuses_an_anonymous_send(newsletter: Path) -> None:
    with smtp_server(authenticator=Authenticator(), auth_required=True, auth_require_tls=False) as (
        inbox,
        port,
    ):
        configure(newsletter, port)
        output = send("--to", "editor@example.org", expect=2)
    assert output.startswith("Error: ") and "530" in output and output.count("\n") == 1
    assert inbox.envelopes == []


# -- TLS -------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_starttls_with_a_trusted_private_ca(
    newsletter: Path, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    authenticator = Authenticator()
    with smtp_server(
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    ) as (inbox, port):
        configure(newsletter, port, security="starttls", username=LOGIN)
        monkeypatch.setenv("GAZETTE_TEST_SMTP_PASSWORD", PASSWORD)
        untrusted = send("--to", "editor@example.org", expect=2)
        assert "not trusted" in untrusted and "SSL_CERT_FILE" in untrusted
        assert inbox.envelopes == []

        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        send("--to", "editor@example.org")
    assert authenticator.seen == [(LOGIN, PASSWORD)]  # the login went over TLS
    assert inbox.message()["Subject"] == "🔄 Drain Your Queue, Save Your Week"


@pytest.mark.timeout(30)
def test_implicit_tls(
    newsletter: Path, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(ssl_context=server_context(certificate)) as (inbox, port):
        configure(newsletter, port, security="ssl")
        # A library caller passes its own SSLContext...
        settings = load_settings(newsletter / "gazette.toml")
        message = render_issue(sample_issue(), settings).message(settings, to=("a@example.org",))
        trusting = ssl.create_default_context(cafile=str(certificate[0]))
        deliver(
            message, settings, ["a@example.org"], Server("127.0.0.1", port), ssl_context=trusting
        )
        # ...the command line trusts a private CA through SSL_CERT_FILE.
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        send("--to", "editor@example.org")
    assert [e.rcpt_tos for e in inbox.envelopes] == [["a@example.org"], ["editor@example.org"]]


@pytest.mark.timeout(30)
def test_starttls_never_falls_back_to_plain_text(newsletter: Path) -> None:
    with smtp_server() as (inbox, port):  # offers no STARTTLS
        configure(newsletter, port, security="starttls")
        output = send("--to", "editor@example.org", expect=2)
    assert "does not offer STARTTLS" in output and output.count("\n") == 1
    assert inbox.envelopes == []


# -- usage errors ------------------------------------------------------------


@pytest.mark.timeout(30)
def test_connection_refused_is_one_line(newsletter: Path) -> None:
    port = _free_port()  # nothing listens there
    configure(newsletter, 587)
    output = send("--to", "editor@example.org", "--smtp", f"127.0.0.1:{port}", expect=2)
    assert output.startswith(f"Error: cannot connect to SMTP server 127.0.0.1:{port}")
    assert output.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--to", "not an address"), "--to"),
        (("--to", "a@example.org", "--smtp", "host:notaport"), "--smtp"),
        (("--to", "a@example.org", "--smtp", "host:70000"), "--smtp"),
        ((), "--to"),
    ],
)
def test_bad_arguments_are_usage_errors(
    newsletter: Path, args: tuple[str, ...], named: str
) -> None:
    output = send(*args, expect=2)
    assert named in output


def test_send_without_a_draft_says_how_to_make_one(newsletter: Path) -> None:
    output = run_cli(
        "--db", "g.db", "send", "--week", "2026-W05", "--to", "a@example.org", expect=2
    )
    assert "gazette draft" in output.output
