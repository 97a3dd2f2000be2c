"""What the week's draft holds: the stories per section, the shortlist's size,
the word count and the reading time against the five-minute promise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gazette.config import Settings
from gazette.draft.check import READING_BUDGET_MINUTES, reading_stats
from gazette.draft.document import SECTION_TITLES, STORY_SECTIONS
from gazette.draft.verbs import load_draft


@dataclass(frozen=True)
class StatusLine:
    item_id: int | None
    emoji: str
    headline: str
    line: int


@dataclass(frozen=True)
class DraftStatus:
    path: Path
    sections: tuple[tuple[str, tuple[StatusLine, ...]], ...]
    candidates: int
    words: int
    minutes: float
    budget: float


def draft_status(settings: Settings, week: str) -> DraftStatus:
    """What is picked per section, the word count and the reading time."""
    path, draft = load_draft(settings, week)
    grouped: dict[str, list[StatusLine]] = {key: [] for key in STORY_SECTIONS}
    for block in draft.blocks:
        story = block.pick
        grouped[block.section].append(
            StatusLine(story.item_id, story.emoji, story.headline, block.start + 1)
        )
    words, minutes = reading_stats(draft.issue)
    return DraftStatus(
        path,
        tuple((SECTION_TITLES[k], tuple(v)) for k, v in grouped.items()),
        len(draft.candidates),
        words,
        minutes,
        READING_BUDGET_MINUTES,
    )
