"""Lint a draft before it goes out: each finding names the draft line it is about.

Errors make ``gazette check`` exit 1 (and keep ``gazette weekly --publish`` from
publishing); warnings are shown but do not block. What is which:

errors    the draft does not parse, no title, no picks, a story without summary
          or link, a link that is not http(s) (the renderers drop it), the same
          link twice in the issue, email HTML over 100 KB (Gmail clips at ~102 KB),
          the email does not render, a link that answers 404/410/5xx or does not
          connect (``--links``)
warnings  a summary that repeats its headline or is only a note for the editor,
          no feature or a feature without its "Remember:" list (the sample
          issue's shape), tracking parameters, a link already featured in one of the last 25
          published issues, a headline over 90 characters, more than five
          minutes of reading, an image without alt text, email HTML over 80 KB,
          an unsupported claim (when the faithfulness check is available), a
          link that answers 401/403/429 (sites that refuse robots)

Issue-wide findings (reading time, email size) have no line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gazette.draft.document import Draft, draft_path, parse_draft
from gazette.draft.findings import Finding, LinkRef
from gazette.draft.links import plain_text, scan
from gazette.errors import DraftError, DraftMissing, GazetteError
from gazette.models import Issue
from gazette.urls import canonical_url, safe_url, tracking_params

if TYPE_CHECKING:
    from gazette.config import Settings
    from gazette.store import Store

_COMMENT_TEXT = re.compile(r"<!--.*?-->", re.S)
MAX_HEADLINE = 90
EMAIL_WARN_BYTES = 80_000
EMAIL_FAIL_BYTES = 100_000  # Gmail clips messages at about 102 KB
WORDS_PER_MINUTE = 230
READING_BUDGET_MINUTES = 5.0  # the newsletter's promise
RECENT_ISSUES = 25


def check_draft(
    draft: Draft,
    email_html_bytes: int | None = None,
    *,
    published: Sequence[Issue] = (),
) -> list[Finding]:
    """Everything that can be checked from the draft alone (plus the email's size
    and the recently published issues, when given)."""
    findings: list[Finding] = []
    issue = draft.issue
    shape = draft.outline
    lines = draft.text.split("\n")

    if not issue.title.strip():
        findings.append(Finding("error", "the issue has no title", _front_line(lines, "title")))
    if not issue.picks:
        picks = shape.section("picks")
        findings.append(
            Finding(
                "error",
                "no weekly picks yet",
                picks.heading + 1 if picks else None,
                code="no-picks",
            )
        )
    findings += _story_findings(draft, published)
    findings += shape_findings(draft)
    for ref in link_refs(draft):
        findings += _link_findings(ref)
    words, minutes = reading_stats(issue)
    if minutes > READING_BUDGET_MINUTES:
        findings.append(
            Finding(
                "warning",
                f"{words} words take about {minutes:.1f} minutes to read"
                f" (the promise is {READING_BUDGET_MINUTES:g}); cut something",
            )
        )
    if email_html_bytes is not None:
        findings += _size_findings(email_html_bytes)
    return sorted(findings, key=lambda f: (f.line or 0, f.level))


def _story_findings(draft: Draft, published: Sequence[Issue]) -> list[Finding]:
    issue = draft.issue
    findings: list[Finding] = []
    past: dict[str, Issue] = {}
    for old in published:
        if old.week == issue.week:
            continue
        for pick in old.all_picks:
            if pick.url and safe_url(pick.url):
                past.setdefault(canonical_url(pick.url), old)
    seen: dict[str, tuple[str, int]] = {}
    for block in draft.blocks:
        pick = block.pick
        section = block.section
        heading_line = block.start + 1
        if len(pick.headline) > MAX_HEADLINE:
            findings.append(
                Finding(
                    "warning",
                    f"headline is {len(pick.headline)} characters (max {MAX_HEADLINE})",
                    heading_line,
                )
            )
        if section != "quick-links" and not pick.body.strip():
            findings.append(Finding("error", f"'{pick.headline}' has no summary", heading_line))
        if not pick.url:
            findings.append(Finding("error", f"'{pick.headline}' has no link", heading_line))
            continue
        at = block.end  # the link is the block's last line (a quick link is one line)
        if not safe_url(pick.url):
            continue  # reported once, by the link scan
        page = canonical_url(pick.url)
        if page in seen:
            other, other_line = seen[page]
            findings.append(
                Finding(
                    "error",
                    f"link appears twice (also under '{other}', line {other_line}): {pick.url}",
                    at,
                )
            )
        else:
            seen[page] = (pick.headline, heading_line)
        if page in past:
            old = past[page]
            findings.append(
                Finding(
                    "warning",
                    f"already featured in issue #{old.number} ({old.week}): {pick.url}",
                    at,
                )
            )
    return findings


def shape_findings(draft: Draft) -> list[Finding]:
    """What the sample issue always has and this draft lacks: a summary that
    says more than its headline, a feature, and the feature's "Remember:" list."""
    from gazette.prose import repeats_headline

    findings: list[Finding] = []
    shape = draft.outline
    for block in draft.blocks:
        pick = block.pick
        if block.section == "quick-links" or not pick.body.strip():
            continue
        said = _COMMENT_TEXT.sub(" ", pick.body).strip()
        if not said:
            findings.append(
                Finding(
                    "warning",
                    f"'{pick.headline}' has no summary yet, only a note for the editor",
                    block.start + 1,
                    code="summary-note",
                )
            )
        elif block.section == "picks" and repeats_headline(said, pick.headline):
            findings.append(
                Finding(
                    "warning",
                    f"'{pick.headline}': the summary repeats the headline",
                    block.start + 1,
                    code="summary-repeats-headline",
                )
            )
    feature = draft.issue.feature
    if draft.issue.picks and feature is None:
        # Where it belongs: after the picks.
        section = shape.section("feature") or shape.section("picks")
        findings.append(
            Finding(
                "warning",
                "no feature: the issue's long read, with its Remember: list",
                section.heading + 1 if section else None,
                code="no-feature",
            )
        )
    elif feature is not None and not feature.remember:
        section = shape.section("feature")
        findings.append(
            Finding(
                "warning",
                f"the feature '{feature.headline}' has no Remember: list (three or four points)",
                section.heading + 1 if section else None,
                code="no-remember",
            )
        )
    return findings


def _link_findings(ref: LinkRef) -> list[Finding]:
    if not safe_url(ref.url):
        shown = ref.url or "(empty)"
        return [Finding("error", f"link is not http(s), the renderers drop it: {shown}", ref.line)]
    found = tracking_params(ref.url)
    if found:
        return [
            Finding("warning", f"tracking parameters ({', '.join(found)}) in {ref.url}", ref.line)
        ]
    return []


def _size_findings(size_bytes: int) -> list[Finding]:
    size = f"{size_bytes / 1000:.0f} KB"
    if size_bytes >= EMAIL_FAIL_BYTES:
        return [Finding("error", f"email HTML is {size}: Gmail clips over ~102 KB")]
    if size_bytes >= EMAIL_WARN_BYTES:
        return [Finding("warning", f"email HTML is {size}: close to Gmail's ~102 KB clipping")]
    return []


def image_findings(draft: Draft) -> list[Finding]:
    """Images without alt text, in Markdown (``![](url)``) or HTML (``<img>``)."""
    return [
        Finding("warning", f"image without alt text: {image.source}", image.line)
        for image in scan(draft).images
        if not image.has_alt
    ]


def link_refs(draft: Draft) -> list[LinkRef]:
    """Every link target the published issue will contain, with its line."""
    return list(scan(draft).links)


def _front_line(lines: list[str], key: str) -> int:
    for number, line in enumerate(lines, start=1):
        if line.split("=")[0].strip() == key:
            return number
    return 1


def reading_stats(issue: Issue) -> tuple[int, float]:
    """(words, minutes at 230 words a minute) of what a reader reads: headings,
    summaries, lists and link texts, with the Markdown syntax taken out."""
    parts = [issue.title, issue.subtitle, issue.welcome]
    for pick in issue.all_picks:
        parts += [pick.headline, pick.body, *pick.remember, pick.link_text]
    if issue.sponsor:
        parts += [issue.sponsor.heading, issue.sponsor.body, issue.sponsor.cta_text]
    parts += [issue.sign_off, issue.editor, issue.ps]
    words = len(plain_text("\n\n".join(p for p in parts if p)).split())
    return words, words / WORDS_PER_MINUTE


# -- the whole check of the week's draft -------------------------------------------


@dataclass(frozen=True)
class CheckReport:
    path: Path
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()  # what was not checked, and why

    @property
    def errors(self) -> int:
        return sum(f.level == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


def check_week(store: Store, settings: Settings, week: str, *, links: bool = False) -> CheckReport:
    """Parse, lint, render and (with ``links``) fetch every link of the week's draft.

    A draft that does not parse is one finding with its line, not an exception:
    the editor sees where to look.
    """
    from gazette.publish import published_issues

    path = draft_path(settings.issues_dir, week)
    if not path.exists():
        raise DraftMissing(week)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DraftError(f"not UTF-8 ({exc.reason})", str(path)) from None
    try:
        draft = parse_draft(text, str(path))
    except DraftError as exc:
        return CheckReport(path, (Finding("error", _reason(exc), exc.line),))
    findings: list[Finding] = []
    notes: list[str] = []
    size: int | None = None
    try:
        from gazette.render.email import render_email

        size = len(render_email(draft.issue, settings, web_url=None).html.encode("utf-8"))
    except GazetteError as exc:
        findings.append(Finding("error", f"the email does not render: {exc}"))
    recent = published_issues(store, limit=RECENT_ISSUES + 1)  # may include this week
    findings += check_draft(draft, size, published=recent)
    findings += image_findings(draft)
    claims, note = claim_findings(store, settings, draft)
    findings += claims
    if note:
        notes.append(note)
    if links:
        from gazette.draft.linkcheck import check_links

        findings += check_links(link_refs(draft), settings)
    ordered = sorted(findings, key=lambda f: (f.line or 0, f.level))
    return CheckReport(path, tuple(ordered), tuple(notes))


def claim_findings(
    store: Store, settings: Settings, draft: Draft
) -> tuple[list[Finding], str | None]:
    """Claims in the summaries that their sources do not support (names, numbers,
    versions), from ``gazette.faithfulness`` when this build has it."""
    try:
        from gazette.faithfulness import check_pick_faithfulness
    except ImportError:
        return [], "unsupported claims not checked (no faithfulness check in this build)"
    findings = []
    for block in draft.blocks:
        if block.section == "quick-links":
            continue
        pick = block.pick
        for message in check_pick_faithfulness(store, pick):
            findings.append(Finding("warning", f"'{pick.headline}': {message}", block.start + 1))
    return findings, None


def _reason(error: DraftError) -> str:
    # The path and line are shown by Finding.format; keep only the reason.
    message = str(error)
    prefix = f"{error.path or 'draft'}"
    if error.line is not None:
        prefix += f":{error.line}"
    return message.removeprefix(prefix + ": ")
