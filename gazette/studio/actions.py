"""The studio's one door to the editor's verbs (``gazette.draft.verbs``).

Every change the page makes is a call of the verb the CLI calls for the same
command, with the same arguments, so the draft the page writes is byte for byte
the one ``gazette pick``, ``unpick``, ``move``, ``tag`` and ``summarize --write``
write. This is the only studio module that knows the verbs' signatures: when
they change, only this file follows. Each function returns the verb's message.

The one change no verb makes yet, a story's emoji and headline, is
``gazette.studio.heading``: a text edit of the heading line alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gazette.config import Settings
from gazette.models import SectionName
from gazette.store import Store
from gazette.summarize import SummaryResult


def pick(store: Store, settings: Settings, week: str, item_id: int, section: SectionName) -> str:
    """``gazette pick ID --section SECTION``."""
    from gazette.draft.verbs import pick_item

    return pick_item(store, settings, week, item_id, section).message


def unpick(settings: Settings, week: str, item_id: int) -> str:
    """``gazette unpick ID``."""
    from gazette.draft.verbs import unpick_item

    return unpick_item(settings, week, item_id).message


def move(settings: Settings, week: str, item_id: int, *, by: int | None, to: int | None) -> str:
    """``gazette move ID up|down`` (``by`` -1 or 1) or ``gazette move ID --to N``."""
    from gazette.draft.verbs import move_item

    return move_item(settings, week, item_id, by=by, to=to).message


def retag(
    settings: Settings, week: str, item_id: int, old: Sequence[str], new: Sequence[str]
) -> str:
    """``gazette tag ID -gone +added``: the tags removed, then the tags added,
    each in the order the editor wrote them."""
    from gazette.draft.verbs import tag_item

    changes = [f"-{t}" for t in old if t not in new] + [f"+{t}" for t in new if t not in old]
    if not changes:
        return f"{item_id} keeps its tags"
    return tag_item(settings, week, item_id, changes).message


def write_summary(settings: Settings, week: str, item_id: int, text: str) -> str:
    """``gazette summarize ID --write --replace`` with the editor's text."""
    from gazette.draft.verbs import write_summary as write

    return write(settings, week, item_id, text, replace_body=True).message


def suggest_summary(
    store: Store, settings: Settings, week: str, item_id: int, use_llm: bool
) -> SummaryResult:
    """``gazette summarize ID [--llm]``: a summary to show, not yet written."""
    from gazette.summarize import summarize_item

    return summarize_item(store, settings, item_id, use_llm, week=week)


def retitle(path: Path, item_id: int, emoji: str, headline: str) -> str:
    """A story's emoji and headline (no verb yet; see ``gazette.studio.heading``)."""
    from gazette.studio.heading import set_heading

    return set_heading(path, item_id, emoji, headline)
