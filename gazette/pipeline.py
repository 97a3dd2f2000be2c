"""The weekly job's steps as library calls; the CLI only parses and prints.

Each function does one stage and returns what the next needs, so ``weekly``
is just these steps in order under the run lock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from gazette.config import Settings
from gazette.errors import BadArgument, FileChanged, GazetteError, PublishError
from gazette.files import replace, sweep_temp_files
from gazette.store import Store

if TYPE_CHECKING:
    from gazette.draft.create import DraftOutcome
    from gazette.progress import FetchProgress
    from gazette.search import ArchiveReport

log = logging.getLogger(__name__)


def build_archive(store: Store, settings: Settings, out_dir: Path) -> ArchiveReport:
    """Build the whole archive and, with [site] search on, its search index."""
    from gazette.publish import archive_issues
    from gazette.search import build_searchable_site

    sweep_temp_files(out_dir)  # leftovers of a build that was killed mid-write
    return build_searchable_site(archive_issues(store), settings, out_dir)


def default_since(settings: Settings, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=settings.fetch.since_days)


DraftStatus = Literal["created", "refreshed", "kept"]


@dataclass
class WeeklyReport:
    """What one weekly run did, printed and saved as JSON beside the outputs.

    The JSON (``out/<week>/report.json``) is the run's log for scripts and for
    the editor on Monday morning: which sources failed, what leads the issue,
    what check found, whether it went out. Unlike the rendered files it
    changes every run (times, counts).
    """

    week: str
    started_at: str = ""
    finished_at: str = ""
    sources: list[dict[str, object]] = field(default_factory=list)
    draft: str = ""
    draft_status: str = ""  # DraftStatus: created, refreshed or kept
    draft_created: bool = False
    draft_note: str = ""  # why the draft was kept as it is
    top_stories: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    outputs: list[str] = field(default_factory=list)
    published: int | None = None
    publish_note: str = ""  # what publishing did, or why it did not happen
    publish_failed: bool = False
    sent_to: str = ""
    send_error: str = ""
    error: str = ""  # the error that stopped the run, if one did

    @property
    def failed_sources(self) -> list[str]:
        return [str(s["source"]) for s in self.sources if s["status"] == "failed"]

    @property
    def exit_code(self) -> int:
        """DESIGN.md's codes: 1 when a source failed, check found errors,
        publishing was refused or the preview could not be sent; 0 otherwise
        (2 and 3 are raised, not reported)."""
        if self.failed_sources or self.errors or self.publish_failed or self.send_error:
            return 1
        return 0

    def problems(self) -> str:
        """What makes the exit code 1, as one line."""
        parts = []
        if self.failed_sources:
            parts.append(f"sources failed: {', '.join(self.failed_sources)}")
        if self.errors:
            parts.append(f"check found {self.errors} errors")
        if self.publish_failed:
            parts.append(self.publish_note)
        if self.send_error:
            parts.append(f"preview not sent: {self.send_error}")
        return "; ".join(parts)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace(path, json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n")


def weekly(
    store: Store,
    settings: Settings,
    week: str,
    out_dir: Path,
    since: datetime,
    publish: bool = False,
    force: bool = False,
    today: date | None = None,
    fetch_progress: FetchProgress | None = None,
    send_to: Sequence[str] = (),
) -> WeeklyReport:
    """fetch → draft (create or refresh) → render → check → (publish → build site) → (send).

    The caller holds the run lock. Every step is safe to repeat and to kill:
    items are upserted per source, the draft appears whole or not at all,
    output files are renamed into place, publishing is one transaction and a
    no-op when nothing changed. So after a crash the next run simply redoes
    the work and ends where an uninterrupted run would have.

    ``force`` publishes even when check finds errors, and publishes a changed
    draft of an already published week as a new revision. The report is saved
    to ``out_dir/<week>/report.json`` even when a step raises.
    ``fetch_progress`` watches the fetch's results go by (a progress display).
    ``send_to`` gets the rendered issue by email through ``[smtp]`` at the end
    (a preview for the editor);
    a failed send is reported (exit 1), a bad address or a missing SMTP
    password stops the run before it starts.
    """
    if send_to:
        from gazette.send import check_recipients, smtp_password

        try:
            send_to = check_recipients(send_to)
        except ValueError as exc:
            raise BadArgument("send_to", str(exc)) from None
        smtp_password(settings)  # a missing secret fails now, not after the work
    report = WeeklyReport(week=week, started_at=_now_iso())
    week_out = out_dir / week
    try:
        _weekly_steps(
            store,
            settings,
            report,
            out_dir,
            since,
            publish,
            force,
            today,
            fetch_progress,
        )
        if send_to:
            _send_preview(store, settings, report, send_to)
    except GazetteError as exc:
        report.error = str(exc)
        log.debug("weekly %s stopped: %s", week, exc)  # the CLI prints the error itself
        raise
    finally:
        report.finished_at = _now_iso()
        report.save(week_out / "report.json")
    if report.exit_code:
        # ERROR, so that `gazette -q weekly` in cron still mails about it.
        log.error("weekly %s: %s", week, report.problems())
    return report


def _weekly_steps(
    store: Store,
    settings: Settings,
    report: WeeklyReport,
    out_dir: Path,
    since: datetime,
    publish: bool,
    force: bool,
    today: date | None,
    fetch_progress: FetchProgress | None,
) -> None:
    from gazette.draft.check import check_draft
    from gazette.fetch import fetch_iter
    from gazette.render.week import render_outputs

    week = report.week
    week_out = out_dir / week
    for leftover in sweep_temp_files(out_dir) + sweep_temp_files(settings.issues_dir):
        log.info("removed %s, left by a run that was killed", leftover)

    log.info("weekly %s: fetching every enabled source", week)

    run = fetch_iter(settings, store, since)
    results = run.in_config_order(fetch_progress.track(run) if fetch_progress else run)
    report.sources = [r.as_dict() for r in results]

    outcome, status, note = _draft_for_week(store, settings, week)
    report.draft, report.draft_status, report.draft_note = str(outcome.path), status, note
    report.draft_created = status == "created"
    report.top_stories = [p.headline for p in outcome.draft.issue.picks[:5]]
    log.info("draft %s (%s)", outcome.path, status)

    rendered = render_outputs(store, settings, week, week_out)
    report.outputs = [str(p) for p in rendered.files]

    findings = check_draft(outcome.draft, rendered.email_bytes)
    report.findings = [f.format(str(outcome.path)) for f in findings]
    report.errors = sum(f.level == "error" for f in findings)
    report.warnings = len(findings) - report.errors
    log.info("check: %d errors, %d warnings", report.errors, report.warnings)

    if not publish:
        return
    if report.errors and not force:
        report.publish_note = f"not published: check found {report.errors} errors"
        report.publish_failed = True
        return
    if not _publish_week(store, settings, report, today, force):
        return
    rendered = render_outputs(store, settings, week, week_out)  # now with the archive link
    site = out_dir / "site"
    archive = build_archive(store, settings, site)
    log.info(
        "site %s: %d files written, %d unchanged",
        site,
        len(archive.written),
        len(archive.unchanged),
    )
    report.outputs.append(str(site / "index.html"))


def _draft_for_week(
    store: Store, settings: Settings, week: str
) -> tuple[DraftOutcome, DraftStatus, str]:
    """Create the week's draft, or refresh the one the editor is working on.

    A draft whose week is already published is never touched: it is the
    frozen issue's source, and changing it would make publishing refuse.
    """
    from gazette.draft.create import DraftOutcome, create_draft
    from gazette.draft.verbs import load_draft, refresh_draft

    outcome = create_draft(store, settings, week, keep_existing=True)
    if not outcome.created and store.issue(week) is not None:
        return outcome, "kept", "the week is already published"
    # New stories arrive as commented candidates; the editor's words stay as they
    # are. A new draft gets the runners-up at once, so that the next run, with
    # nothing new fetched, leaves the draft exactly as it is.
    try:
        refreshed = refresh_draft(store, settings, week)
    except GazetteError as exc:
        if not _changed_on_disk(exc):
            raise
        # The editor saved the draft while this run read it: their words win.
        # Only the refresh is skipped (the next run offers the new stories);
        # the rest of the run goes on with the draft as they saved it.
        _, saved = load_draft(settings, week)
        note = "the draft changed on disk during the run (an editor saved it); refresh skipped"
        log.warning("%s: %s", outcome.path, note)
        status: DraftStatus = "created" if outcome.created else "kept"
        return DraftOutcome(outcome.path, outcome.created, saved), status, note
    kept = DraftOutcome(outcome.path, outcome.created, refreshed.draft)
    if outcome.created:
        return kept, "created", refreshed.message if refreshed.changed else ""
    return kept, "refreshed" if refreshed.changed else "kept", refreshed.message


def _changed_on_disk(exc: BaseException) -> bool:
    """A FileChanged, or the draft error a verb raised because of one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, FileChanged):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _publish_week(
    store: Store, settings: Settings, report: WeeklyReport, today: date | None, force: bool
) -> bool:
    """Publish the week; a refusal (changed content without --force) is reported, not raised."""
    from gazette.publish import publish as publish_issue

    try:
        outcome = publish_issue(store, settings, report.week, today=today, force=force)
    except PublishError as exc:
        report.publish_note = f"not published: {exc}"
        report.publish_failed = True
        log.warning("%s", report.publish_note)
        return False
    report.published = outcome.issue.number
    if outcome.changed:
        report.publish_note = (
            f"published issue #{outcome.issue.number} (revision {outcome.revision})"
        )
    else:
        report.publish_note = (
            f"issue #{outcome.issue.number} was already published with this content"
        )
    log.info("%s", report.publish_note)
    return True


def _send_preview(
    store: Store, settings: Settings, report: WeeklyReport, recipients: Sequence[str]
) -> None:
    """Mail the week as rendered now; a refused or unreachable server is reported, not raised."""
    from gazette.send import SendError, send_week

    try:
        outcome = send_week(store, settings, report.week, recipients)
    except SendError as exc:
        report.send_error = str(exc)
        log.warning("preview not sent: %s", exc)
        return
    report.sent_to = ", ".join(outcome.recipients)
    log.info("sent %r to %s", outcome.subject, report.sent_to)


def _now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
