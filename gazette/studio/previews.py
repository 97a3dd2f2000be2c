"""The draft as the reader sees it: the email (light and dark) and ``web.html``,
from the same renderers ``gazette render`` uses, rendered again only when the
draft's bytes change. A draft that does not render shows why, on the page."""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass

from gazette.config import Settings
from gazette.draft import parse_draft
from gazette.errors import GazetteError

# The email's dark scheme is a prefers-color-scheme media query; a frame cannot
# be told to prefer dark, so the dark preview turns that query on for everyone.
_DARK_QUERY = "(prefers-color-scheme: dark)"
_ALWAYS = "(min-width: 0px)"


@dataclass(frozen=True)
class Rendered:
    email: str
    web: str
    error: str

    def email_dark(self) -> str:
        return self.email.replace(_DARK_QUERY, _ALWAYS)


class Previews:
    """The last rendering, keyed by the draft's bytes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._key: bytes | None = None
        self._rendered: Rendered | None = None

    def of(self, data: bytes | None, path: str) -> Rendered:
        with self._lock:
            if self._rendered is None or data != self._key:
                self._rendered = self._render(data, path)
                self._key = data
            return self._rendered

    def _render(self, data: bytes | None, path: str) -> Rendered:
        from gazette.render.email import render_email
        from gazette.render.webpage import render_web_page

        if data is None:
            return Rendered("", "", f"{path}: no draft yet")
        try:
            issue = parse_draft(data.decode("utf-8"), path).issue
            email = render_email(issue, self.settings, web_url=None).html
            web = render_web_page(issue, self.settings, web_url=None)
        except UnicodeDecodeError as exc:
            return Rendered("", "", f"{path}: not UTF-8 ({exc.reason})")
        except GazetteError as exc:
            return Rendered("", "", str(exc))
        return Rendered(email, web, "")


def error_page(message: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cannot render</title>'
        '</head><body style="font-family: system-ui, sans-serif; padding: 16px">'
        "<p><strong>Cannot render the draft</strong></p>"
        f'<pre style="white-space: pre-wrap">{html.escape(message)}</pre></body></html>'
    )
