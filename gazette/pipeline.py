"""The weekly job's steps as library calls; the CLI only parses and prints.

Each function does one stage and returns what the next needs, so ``weekly``
is just these steps in order under the run lock.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from gazette.config import Settings
from gazette.draft import Draft, draft_path, parse_draft, read_draft, write_draft
from gazette.errors import DraftError
from gazette.models import Candidate, SourceResult
from gazette.store import Store
from gazette.timeutil import week_bounds
from gazette.urls import canonical_url

RECENT_ISSUES = 25


def week_candidates(store: Store, settings: Settings, week: str) -> list[Candidate]:
    from gazette.publish import published_issues
    from gazette.rank import Weights, rank
    from gazette.tags import load_taxonomy

    start, end = week_bounds(week)
    items = store.items_between(start, end)
    recent = [p for p in published_issues(store) if p.week != week][:RECENT_ISSUES]
    featured = frozenset(
        canonical_url(pick.url) for p in recent for pick in p.issue.all_picks if pick.url
    )
    source_weights = {s.name: s.weight for s in settings.sources}
    return rank(
        items,
        start,
        end,
        load_taxonomy(),
        source_weights,
        featured,
        Weights.from_settings(settings.rank),
    )


@dataclass(frozen=True)
class DraftOutcome:
    path: Path
    created: bool
    draft: Draft


def create_draft(
    store: Store, settings: Settings, week: str, keep_existing: bool = False
) -> DraftOutcome:
    """Write the first draft of ``week``; an existing draft is never overwritten.

    With ``keep_existing`` an existing draft is returned untouched (the weekly
    job); otherwise it is an error, because it may hold the editor's words.
    """
    from gazette.compose import compose_issue

    path = draft_path(settings.issues_dir, week)
    if path.exists():
        if keep_existing:
            return DraftOutcome(path, False, read_draft(path))
        raise DraftError(
            "a draft already exists; edit it with `gazette edit` or delete it to start over",
            str(path),
        )
    candidates = week_candidates(store, settings, week)
    issue = compose_issue(week, candidates, settings.publication, settings.draft.picks)
    text = write_draft(issue)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_new(path, text)
    store.set_picks(
        week,
        [(p.item_id, "picks") for p in issue.picks if p.item_id is not None]
        + ([(issue.feature.item_id, "feature")] if issue.feature and issue.feature.item_id else []),
    )
    return DraftOutcome(path, True, parse_draft(text, str(path)))


def _write_new(path: Path, text: str) -> None:
    # O_EXCL: if another process created the draft meanwhile, theirs wins.
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)


@dataclass(frozen=True)
class RenderOutcome:
    files: tuple[Path, ...]
    email_bytes: int


def render_outputs(store: Store, settings: Settings, week: str, out_dir: Path) -> RenderOutcome:
    from gazette.render.email import render_email
    from gazette.render.text import render_text

    draft = read_draft(draft_path(settings.issues_dir, week))
    published = store.issue(week)
    web_url = (
        f"{settings.publication.base_url.rstrip('/')}/issues/{published.number}-{published.slug}/"
        if published
        else None
    )
    email = render_email(draft.issue, settings, web_url=web_url)
    text = render_text(draft.issue, settings, web_url=web_url)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, content in (("email.html", email.html), ("email.txt", text)):
        target = out_dir / name
        _atomic_write(target, content)
        files.append(target)
    return RenderOutcome(tuple(files), len(email.html.encode("utf-8")))


def _atomic_write(path: Path, content: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(content, "utf-8")
    temporary.replace(path)


def build_archive(store: Store, settings: Settings, out_dir: Path) -> tuple[int, int]:
    """Build the whole archive; returns (files written, files unchanged)."""
    from gazette.publish import published_issues
    from gazette.render.site import build_site

    report = build_site(published_issues(store), settings, out_dir)
    return len(report.written), len(report.unchanged)


def default_since(settings: Settings, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=settings.fetch.since_days)


@dataclass
class WeeklyReport:
    """What one weekly run did, printed and saved as JSON beside the outputs."""

    week: str
    sources: list[dict[str, object]] = field(default_factory=list)
    draft: str = ""
    draft_created: bool = False
    top_stories: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    published: int | None = None

    @property
    def failed_sources(self) -> list[str]:
        return [str(s["source"]) for s in self.sources if s["status"] == "failed"]

    def save(self, path: Path) -> None:
        _atomic_write(path, json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n")


def weekly(
    store: Store,
    settings: Settings,
    week: str,
    out_dir: Path,
    since: datetime,
    publish: bool = False,
    force: bool = False,
    today: date | None = None,
) -> WeeklyReport:
    """fetch → draft (create or keep) → check → render → (publish → build site)."""
    from gazette.check import check_draft
    from gazette.fetch import fetch_all
    from gazette.publish import publish as publish_issue

    report = WeeklyReport(week=week)
    results: list[SourceResult] = fetch_all(settings, store, since)
    report.sources = [asdict(r) for r in results]
    outcome = create_draft(store, settings, week, keep_existing=True)
    report.draft, report.draft_created = str(outcome.path), outcome.created
    report.top_stories = [p.headline for p in outcome.draft.issue.picks[:5]]
    week_out = out_dir / week
    rendered = render_outputs(store, settings, week, week_out)
    report.outputs = [str(p) for p in rendered.files]
    findings = check_draft(outcome.draft, rendered.email_bytes)
    report.findings = [f.format(str(outcome.path)) for f in findings]
    has_errors = any(f.level == "error" for f in findings)
    if publish and (not has_errors or force):
        published = publish_issue(store, settings, week, today=today, force=force)
        report.published = published.issue.number
        rendered = render_outputs(store, settings, week, week_out)  # now with the archive link
        build_archive(store, settings, out_dir / "site")
        report.outputs += [str(out_dir / "site" / "index.html")]
    report.save(week_out / "report.json")
    return report
