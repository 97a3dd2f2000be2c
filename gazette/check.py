"""Lint a draft before it goes out: each finding names the draft line it is about.

Errors make ``gazette check`` exit 1; warnings are shown but do not block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gazette.draft import Draft
from gazette.urls import safe_url, tracking_params

MAX_HEADLINE = 90
EMAIL_WARN_BYTES = 80_000
EMAIL_FAIL_BYTES = 100_000  # Gmail clips messages at about 102 KB


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    message: str
    line: int | None = None

    def format(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.level}: {self.message}"


def check_draft(draft: Draft, email_html_bytes: int | None = None) -> list[Finding]:
    findings: list[Finding] = []
    issue = draft.issue
    lines = draft.text.split("\n")

    def line_of(needle: str) -> int | None:
        for number, line in enumerate(lines, start=1):
            if needle and needle in line:
                return number
        return None

    if not issue.title:
        findings.append(Finding("error", "the issue has no title", 3))
    if not issue.picks:
        findings.append(Finding("error", "no weekly picks yet (gazette pick ID)", line_of("## ")))
    seen: dict[str, str] = {}
    for pick in issue.all_picks:
        at = line_of(pick.headline)
        if len(pick.headline) > MAX_HEADLINE:
            findings.append(
                Finding(
                    "warning",
                    f"headline is {len(pick.headline)} characters (max {MAX_HEADLINE})",
                    at,
                )
            )
        needs_summary = pick in issue.picks or pick is issue.feature  # quick links may be bare
        if needs_summary and not pick.body.strip():
            findings.append(Finding("error", f"'{pick.headline}' has no summary", at))
        if not pick.url:
            findings.append(Finding("error", f"'{pick.headline}' has no link", at))
        elif not safe_url(pick.url):
            findings.append(Finding("error", f"link is not http(s): {pick.url}", line_of(pick.url)))
        else:
            if tracking_params(pick.url):
                findings.append(
                    Finding("warning", f"tracking parameters in {pick.url}", line_of(pick.url))
                )
            if pick.url in seen:
                findings.append(
                    Finding(
                        "error",
                        f"link appears twice (also under '{seen[pick.url]}')",
                        line_of(pick.url),
                    )
                )
            seen.setdefault(pick.url, pick.headline)
    if email_html_bytes is not None:
        size = f"{email_html_bytes / 1000:.0f} KB"
        if email_html_bytes >= EMAIL_FAIL_BYTES:
            findings.append(Finding("error", f"email HTML is {size}: Gmail clips over ~102 KB"))
        elif email_html_bytes >= EMAIL_WARN_BYTES:
            findings.append(
                Finding("warning", f"email HTML is {size}: close to Gmail's ~102 KB clipping")
            )
    return findings
