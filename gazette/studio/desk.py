"""What the desk shows: the issue's sections and stories with their check
findings, the reading time, and the week's ranked candidates marked picked,
listed or deleted. Built from the draft's bytes; only read, never written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gazette.draft import SECTION_TITLES, STORY_SECTIONS, Draft, outline, parse_draft
from gazette.draft.check import READING_BUDGET_MINUTES, CheckReport, reading_stats
from gazette.draft.findings import Finding
from gazette.errors import GazetteError
from gazette.models import Candidate
from gazette.urls import canonical_url

CANDIDATE_LIMIT = 100


@dataclass(frozen=True)
class StoryView:
    item_id: int | None
    section: str
    position: int
    count: int
    emoji: str
    headline: str
    body: str
    tags: tuple[str, ...]
    url: str
    line: int
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    stories: tuple[StoryView, ...]


@dataclass(frozen=True)
class CandidateView:
    item_id: int
    emoji: str
    title: str
    url: str
    sources: tuple[str, ...]
    engagement: str
    score: float
    tags: tuple[str, ...]
    components: tuple[tuple[str, float, str], ...]
    state: str  # "picked", "listed" (in the draft's Candidates), "deleted" or ""
    picked_id: int | None = None  # the item id its story has in the draft


@dataclass(frozen=True)
class IssueView:
    title: str
    emoji: str
    subtitle: str
    sections: tuple[SectionView, ...]
    sponsor: str
    sign_off: str
    words: int
    minutes: float
    budget: float
    findings: tuple[Finding, ...]  # about the whole issue, or a line outside any story
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeskView:
    week: str
    path: str
    version: str
    issue: IssueView | None
    problem: str  # why there is no issue to show ("" when there is)
    candidates: tuple[CandidateView, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    can_undo: bool = False


def issue_view(draft: Draft, report: CheckReport | None) -> IssueView:
    """The issue's sections in order, each finding placed beside its story."""
    shape = outline(draft.text)
    findings = list(report.findings) if report else []
    issue = draft.issue
    stories_of = {
        "picks": issue.picks,
        "feature": (issue.feature,) if issue.feature else (),
        "quick-links": issue.quick_links,
    }
    sections = []
    for key in STORY_SECTIONS:
        blocks = [b for s in shape.sections if s.key == key for b in s.blocks]
        views = []
        for position, (block, pick) in enumerate(zip(blocks, stories_of[key], strict=True), 1):
            mine = [
                f for f in findings if f.line is not None and block.start < f.line <= block.stop
            ]
            findings = [f for f in findings if f not in mine]
            views.append(
                StoryView(
                    pick.item_id,
                    key,
                    position,
                    len(blocks),
                    pick.emoji,
                    pick.headline,
                    pick.body,
                    pick.tags,
                    pick.url,
                    block.start + 1,
                    tuple(mine),
                )
            )
        sections.append(SectionView(key, SECTION_TITLES[key], tuple(views)))
    words, minutes = reading_stats(issue)
    sponsor = issue.sponsor
    return IssueView(
        issue.title,
        issue.emoji,
        issue.subtitle,
        tuple(sections),
        f"{sponsor.heading}: {sponsor.body}" if sponsor else "",
        "\n".join(p for p in (issue.sign_off, issue.editor) if p),
        words,
        minutes,
        READING_BUDGET_MINUTES,
        tuple(findings),
        report.notes if report else (),
    )


def candidate_views(
    ranked: Sequence[Candidate], draft: Draft | None, offered: set[int]
) -> tuple[CandidateView, ...]:
    """The top candidates, each marked by what the draft did with it."""
    picks = draft.issue.all_picks if draft else ()
    picked_ids = {p.item_id for p in picks if p.item_id is not None}
    picked_pages = {canonical_url(p.url): p.item_id for p in picks if p.url}
    listed = {c.item_id for c in draft.candidates} if draft else set()
    views = []
    for c in ranked[:CANDIDATE_LIMIT]:
        ids = {c.id, *(r.id for r in c.related)}
        pages = {canonical_url(s.item.url) for s in (c.lead, *c.related) if s.item.url}
        picked_id = min(ids & picked_ids, default=None)
        if picked_id is None:
            picked_id = next((picked_pages[u] for u in sorted(pages) if u in picked_pages), None)
        if ids & picked_ids or pages & picked_pages.keys():
            state = "picked"
        elif ids & listed:
            state = "listed"
        elif ids & offered:
            state = "deleted"
        else:
            state = ""
        views.append(
            CandidateView(
                c.id,
                c.emoji,
                c.title,
                c.lead.item.url,
                tuple(sorted({c.lead.item.source, *(r.item.source for r in c.related)})),
                engagement(c),
                c.score,
                c.tags,
                tuple((p.name, p.value, p.note) for p in c.components),
                state,
                picked_id,
            )
        )
    return tuple(views)


def engagement(candidate: Candidate) -> str:
    """The lead item's own numbers, as its source reports them."""
    metrics = candidate.lead.item.metrics
    return " · ".join(f"{value:g} {name}" for name, value in metrics.items() if value)


def parsed(data: bytes | None, path: str) -> tuple[Draft | None, str]:
    """The draft, or why there is none to show."""
    if data is None:
        return None, f"{path}: no draft yet"
    try:
        return parse_draft(data.decode("utf-8"), path), ""
    except UnicodeDecodeError as exc:
        return None, f"{path}: not UTF-8 ({exc.reason})"
    except GazetteError as exc:
        return None, str(exc)


def desk_view(
    week: str,
    path: str,
    version: str,
    draft: Draft | None,
    problem: str,
    report: CheckReport | None,
    ranked: Sequence[Candidate],
    offered: set[int],
    can_undo: bool,
) -> DeskView:
    candidates = candidate_views(ranked, draft, offered)
    return DeskView(
        week,
        path,
        version,
        issue_view(draft, report) if draft else None,
        problem,
        candidates,
        tuple(sorted({t for c in candidates for t in c.tags})),
        tuple(sorted({s for c in candidates for s in c.sources})),
        can_undo,
    )
