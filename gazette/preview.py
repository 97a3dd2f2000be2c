"""``gazette preview``: the draft as the email and as the web page, on 127.0.0.1.

The page at ``/`` shows the email at desktop width and at 375 px side by side,
and the web page below, each in an iframe: the very ``email.html`` and
``web.html`` that ``gazette render`` writes, from the same renderers. A tiny script polls ``/version``
once a second and reloads the page when the draft's text (or the error) has
changed, so saving in the editor is enough. The draft is read again on every
request and rendered again only when its bytes changed: content, not mtime,
decides, so two saves within one clock tick are both seen.

A draft that does not parse, or a template that fails, shows its message (with
the draft's line) on the page instead of stopping the server.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from gazette.config import Settings
from gazette.draft import parse_draft
from gazette.draft.document import decode_draft
from gazette.errors import GazetteError, PortUnavailable
from gazette.loopback import LoopbackHTTPServer, LoopbackServer
from gazette.models import Issue

POLL_MS = 1000
MOBILE_WIDTH = 375
DESKTOP_WIDTH = 700


@dataclass(frozen=True)
class Rendered:
    version: str
    title: str
    email_html: str
    web_html: str
    error: str


class Previewer:
    """Renders the draft at ``path`` on demand, caching by content."""

    def __init__(self, settings: Settings, path: Path) -> None:
        self.settings = settings
        self.path = path
        self._lock = threading.Lock()
        self._key: bytes | None = None
        self._rendered: Rendered | None = None

    def current(self) -> Rendered:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        with self._lock:
            if self._rendered is None or data != self._key:
                self._rendered = self._render(data)
                self._key = data
            return self._rendered

    def _render(self, data: bytes) -> Rendered:
        version = hashlib.sha256(data).hexdigest()[:16]
        if not data and not self.path.exists():
            message = f"{self.path}: no draft yet"
            return Rendered(version, "no draft", "", "", message)
        try:
            issue = parse_draft(decode_draft(data, self.path), str(self.path)).issue
            email = _email_html(issue, self.settings)
            web = _web_html(issue, self.settings)
        except GazetteError as exc:
            return Rendered(version, "error", "", "", str(exc))
        return Rendered(version, f"{issue.emoji} {issue.title}".strip(), email, web, "")


def _email_html(issue: Issue, settings: Settings) -> str:
    from gazette.render.email import render_email

    return render_email(issue, settings, web_url=None).html


def _web_html(issue: Issue, settings: Settings) -> str:
    # The page `gazette render` writes as web.html, so the preview shows exactly it.
    from gazette.render.webpage import render_web_page

    return render_web_page(issue, settings, web_url=None)


def index_page(rendered: Rendered, path: Path) -> str:
    error = (
        f'<div class="error" role="alert"><strong>Cannot render the draft</strong>'
        f"<pre>{html.escape(rendered.error)}</pre>"
        "<p>Fix the draft and save; this page reloads by itself.</p></div>"
        if rendered.error
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Preview · {html.escape(rendered.title)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #eef0f3; color: #222; }}
header {{ padding: 10px 16px; background: #fff; border-bottom: 1px solid #ccd; }}
header code {{ background: #eef0f3; padding: 1px 4px; }}
.error {{ margin: 12px 16px; padding: 10px 14px; background: #fde8e8; border: 1px solid #d33; }}
.error pre {{ white-space: pre-wrap; margin: 6px 0; }}
.row {{ display: flex; gap: 16px; padding: 16px; align-items: flex-start; flex-wrap: wrap; }}
figure {{ margin: 0; }}
figcaption {{ font-weight: 600; margin-bottom: 4px; }}
iframe {{ background: #fff; border: 1px solid #ccd; height: 900px; }}
#email-desktop {{ width: {DESKTOP_WIDTH}px; }}
#email-mobile {{ width: {MOBILE_WIDTH}px; }}
#web {{ width: calc(100vw - 48px); }}
</style></head>
<body data-version="{rendered.version}">
<header>Previewing <code>{html.escape(str(path))}</code>: {html.escape(rendered.title)}.
Reloads when the file is saved.</header>
{error}
<div class="row">
<figure><figcaption>Email, desktop</figcaption>
<iframe id="email-desktop" title="Email at desktop width" src="/email"></iframe></figure>
<figure><figcaption>Email, {MOBILE_WIDTH} px</figcaption>
<iframe id="email-mobile" title="Email at phone width" src="/email"></iframe></figure>
</div>
<div class="row">
<figure><figcaption>Web page</figcaption>
<iframe id="web" title="Web page" src="/web"></iframe></figure>
</div>
<script>
(function () {{
  var seen = document.body.dataset.version;
  setInterval(function () {{
    fetch("/version", {{cache: "no-store"}})
      .then(function (r) {{ return r.json(); }})
      .then(function (v) {{ if (v.version !== seen) {{ location.reload(); }} }})
      .catch(function () {{}});
  }}, {POLL_MS});
}})();
</script>
</body></html>
"""


def error_page(message: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Cannot render</title></head>'
        '<body style="font-family: system-ui, sans-serif; padding: 16px">'
        f'<p><strong>Cannot render the draft</strong></p><pre style="white-space: pre-wrap">'
        f"{html.escape(message)}</pre></body></html>"
    )


class _Server(LoopbackHTTPServer):
    def __init__(self, address: tuple[str, int], previewer: Previewer) -> None:
        super().__init__(address, _Handler)
        self.previewer = previewer


class _Handler(BaseHTTPRequestHandler):
    server_version = "gazette-preview"

    def do_GET(self) -> None:
        assert isinstance(self.server, _Server)
        previewer = self.server.previewer
        route = urlsplit(self.path).path
        rendered = previewer.current()
        if route in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html", index_page(rendered, previewer.path))
        elif route in ("/email", "/web"):
            if rendered.error:
                self._send(HTTPStatus.OK, "text/html", error_page(rendered.error))
            else:
                body = rendered.email_html if route == "/email" else rendered.web_html
                self._send(HTTPStatus.OK, "text/html", body)
        elif route == "/version":
            payload = {"version": rendered.version, "error": rendered.error}
            self._send(HTTPStatus.OK, "application/json", json.dumps(payload))
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", "not found")

    def _send(self, status: HTTPStatus, content_type: str, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal is the editor's; polling every second would flood it


class PreviewServer(LoopbackServer):
    """The preview in a background thread; a context manager like ReplayServer."""

    name = "preview"

    def __init__(
        self, settings: Settings, path: Path, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(host, port)
        self.previewer = Previewer(settings, path)

    def _bind(self) -> _Server:
        try:
            return _Server((self.host, self._requested_port), self.previewer)
        except OSError as exc:
            raise PortUnavailable(
                f"cannot serve the preview on {self.host}:{self._requested_port}:"
                f" {exc.strerror or exc}"
            ) from None
