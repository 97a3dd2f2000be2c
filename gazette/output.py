"""Terminal output for the CLI: tables with rich, JSON for scripts.

rich drops colour when stdout is not a terminal and respects NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from gazette.models import Candidate, SourceResult
from gazette.pipeline import WeeklyReport

console = Console(highlight=False)


def print_fetch_results(results: Sequence[SourceResult]) -> None:
    table = Table(title="fetch")
    for column in ("source", "status", "new", "updated", "unchanged", "error"):
        table.add_column(
            column, justify="right" if column in ("new", "updated", "unchanged") else "left"
        )
    for r in results:
        table.add_row(r.source, r.status, str(r.new), str(r.updated), str(r.unchanged), r.error)
    console.print(table)


def print_candidates(week: str, found: Sequence[Candidate], explain: bool) -> None:
    table = Table(title=f"candidates for {week}")
    for column in ("id", "score", "story", "source", "tags"):
        table.add_column(column, overflow="fold")
    for c in found:
        sources = ", ".join(sorted({c.lead.item.source, *(r.item.source for r in c.related)}))
        table.add_row(
            str(c.id), f"{c.score:.1f}", f"{c.emoji} {c.title}", sources, ", ".join(c.tags)
        )
        if explain:
            parts = "  ".join(f"{p.name} {p.value:+.1f} ({p.note})" for p in c.components)
            table.add_row("", "", f"[dim]{parts}[/dim]", "", "")
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
    print_fetch_results([SourceResult(**s) for s in report.sources])  # type: ignore[arg-type]
    verb = "created" if report.draft_created else "kept"
    console.print(f"draft {verb}: {report.draft}")
    for headline in report.top_stories:
        console.print(f"  • {headline}")
    for finding in report.findings:
        console.print(finding)
    for path in report.outputs:
        console.print(f"wrote {path}")
    if report.published is not None:
        console.print(f"published issue #{report.published}")
