"""Everything `gazette render` writes for one issue, rendered once.

The email's HTML and text parts, the standalone web page and the .eml that
joins the two parts. The .eml written to disk takes its Date and Message-ID
from the issue itself (the publication date, else the Monday of its week, and a
hash of the content), so re-rendering an unchanged issue writes the same bytes
and the Writer leaves the file alone; ``gazette send`` stamps fresh ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email import policy
from email.message import EmailMessage

from gazette.config import Settings
from gazette.models import Issue
from gazette.render.email import RenderedEmail, render_email
from gazette.render.message import build_message, message_domain
from gazette.render.text import render_text
from gazette.render.webpage import render_web_page
from gazette.timeutil import week_bounds

SEND_HOUR = 9  # UTC; the hour the .eml's Date shows


@dataclass(frozen=True)
class RenderedIssue:
    issue: Issue
    email: RenderedEmail
    text: str
    web_page: str
    web_url: str | None

    def message(
        self,
        settings: Settings,
        *,
        to: tuple[str, ...] = (),
        date: datetime | None = None,
        message_id: str | None = None,
    ) -> EmailMessage:
        """The multipart message; Date and Message-ID are fresh unless given."""
        return build_message(
            self.issue,
            settings,
            self.email.html,
            self.text,
            to=to,
            date=date,
            message_id=message_id,
        )

    def files(self, settings: Settings) -> dict[str, str | bytes]:
        """File name -> content, in the order `gazette render` lists them."""
        # The .eml is what a provider imports before any recipient is known; a
        # message without To: is scored as spam (SpamAssassin's MISSING_HEADERS),
        # so it is addressed to the sender, as list mail sent by Bcc is.
        eml = self.message(
            settings,
            to=(settings.email.from_address.strip(),),
            date=self.stable_date(),
            message_id=self.stable_message_id(settings),
        )
        return {
            "email.html": self.email.html,
            "email.txt": self.text,
            "email.eml": eml.as_bytes(policy=policy.SMTP),
            "web.html": self.web_page,
        }

    def stable_date(self) -> datetime:
        """The publication date (else the week's Monday) at SEND_HOUR UTC: stable,
        so the file's bytes are, and not the midnight that no real send has."""
        day = _parse_day(self.issue.published_on)
        if day is None:
            try:
                day = week_bounds(self.issue.week)[0].date()
            except ValueError:  # a draft always has a valid week; be safe anyway
                return datetime.now(UTC)
        return datetime.combine(day, time(SEND_HOUR, 0), tzinfo=UTC)

    def stable_message_id(self, settings: Settings) -> str:
        digest = hashlib.sha256((self.text + "\0" + self.email.html).encode("utf-8"))
        week = self.issue.week.lower()
        return f"<gazette.{week}.{digest.hexdigest()[:20]}@{message_domain(settings)}>"


def render_issue(issue: Issue, settings: Settings, web_url: str | None = None) -> RenderedIssue:
    """Render every output of ``issue``; ``web_url`` is its archive page, once published."""
    return RenderedIssue(
        issue=issue,
        email=render_email(issue, settings, web_url=web_url),
        text=render_text(issue, settings, web_url=web_url),
        web_page=render_web_page(issue, settings, web_url=web_url),
        web_url=web_url,
    )


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
