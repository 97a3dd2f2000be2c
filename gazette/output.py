"""Terminal output for the CLI: tables with rich, JSON for scripts.

rich drops colour when stdout is not a terminal and respects NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gazette.models import Candidate, SourceResult

if TYPE_CHECKING:  # annotations only: doctor imports httpx, which `candidates` never needs
    from gazette.doctor import DoctorReport
    from gazette.pipeline import WeeklyReport

console = Console(highlight=False)


def plain(value: object) -> Text:
    """A table cell that is text, never markup: sources' titles, error pages and
    JSON messages are the outside world's, and "[/oops]" in one of them must print
    as itself instead of raising rich's MarkupError."""
    return Text(str(value))


def print_fetch_results(results: Sequence[SourceResult]) -> None:
    table = Table(title="fetch")
    counts = ("new", "updated", "unchanged", "skipped")
    for column in ("source", "status", *counts, "error"):
        table.add_column(column, justify="right" if column in counts else "left")
    for r in results:
        table.add_row(
            *(
                plain(v)
                for v in (r.source, r.status, r.new, r.updated, r.unchanged, r.skipped, r.error)
            )
        )
    console.print(table)


def print_candidates(week: str, found: Sequence[Candidate], explain: bool) -> None:
    table = Table(title=f"candidates for {week}")
    for column in ("id", "score", "story", "source", "tags"):
        table.add_column(column, overflow="fold")
    for c in found:
        sources = ", ".join(sorted({c.lead.item.source, *(r.item.source for r in c.related)}))
        # Titles are scraped text: Text() keeps "[/bold] 1.0" from being read as markup.
        table.add_row(
            plain(c.id),
            plain(f"{c.score:.1f}"),
            plain(f"{c.emoji} {c.title}"),
            plain(sources),
            plain(", ".join(c.tags)),
        )
        if explain:
            parts = "  ".join(f"{p.name} {p.value:+.1f} ({p.note})" for p in c.components)
            table.add_row("", "", Text(parts, style="dim"), "", "")
    console.print(table)


def candidates_json(found: Sequence[Candidate]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "score": c.score,
            "title": c.title,
            "url": c.lead.item.url,
            "source": c.lead.item.source,
            "published_at": c.lead.item.published_at.isoformat(),
            "tags": list(c.tags),
            "emoji": c.emoji,
            "components": [
                {"name": p.name, "value": p.value, "note": p.note} for p in c.components
            ],
            "related": [
                {"id": r.id, "source": r.item.source, "url": r.item.url} for r in c.related
            ],
        }
        for c in found
    ]


def print_weekly_report(report: WeeklyReport) -> None:
    """The run report: fetch table, draft, top stories, check findings, outputs.

    Headlines and findings come from scraped titles, so they are printed with
    markup off: a title like "[/bold] 1.0" must not be read as rich markup.
    """
    print_fetch_results([SourceResult(**s) for s in report.sources])  # type: ignore[arg-type]
    note = f" ({report.draft_note})" if report.draft_note else ""
    console.print(f"draft {report.draft_status or 'kept'}: {report.draft}{note}", markup=False)
    for headline in report.top_stories:
        console.print(f"  • {headline}", markup=False)
    for finding in report.findings:
        console.print(finding, markup=False)
    console.print(f"check: {report.errors} errors, {report.warnings} warnings", markup=False)
    for path in report.outputs:
        console.print(f"wrote {path}", markup=False)
    if report.publish_note:
        console.print(report.publish_note, markup=False)
    if report.sent_to:
        console.print(f"sent the preview to {report.sent_to}", markup=False)
    if report.send_error:
        console.print(f"preview not sent: {report.send_error}", markup=False)


def print_doctor_report(report: DoctorReport) -> None:
    """One table, one row per check, grouped by section, then a one-line verdict."""
    table = Table(title="gazette doctor")
    for column in ("section", "check", "status", "detail"):
        table.add_column(column, overflow="fold")
    styles = {"ok": "green", "warn": "yellow", "fail": "bold red"}
    previous = ""
    for check in report.checks:
        section = check.section if check.section != previous else ""
        previous = check.section
        table.add_row(
            plain(section),
            Text(check.name),
            Text(check.level, style=styles[check.level]),
            Text(check.detail),
        )
    console.print(table)
    fails, warns = report.count("fail"), report.count("warn")
    verdict = "problems found" if fails else "ready"
    console.print(f"{verdict}: {fails} failed, {warns} warnings")
