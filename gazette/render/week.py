"""The week's draft rendered: in memory (``gazette send`` mails it) or written
into a folder as email.html, email.txt, email.eml and web.html."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from gazette.config import Settings
from gazette.draft.document import draft_path, read_draft
from gazette.render.outputs import RenderedIssue, render_issue
from gazette.store import Store
from gazette.writer import Writer


@dataclass(frozen=True)
class RenderOutcome:
    files: tuple[Path, ...]
    email_bytes: int


def render_week(store: Store, settings: Settings, week: str) -> RenderedIssue:
    """Every output of the week's draft, in memory."""
    issue = read_draft(draft_path(settings.issues_dir, week)).issue
    published = store.issue(week)
    if published is None:
        # No number or date yet: publish gives them, and until then they may change.
        return render_issue(issue, settings)
    base = settings.publication.base_url.rstrip("/")
    return render_issue(
        replace(issue, number=published.number, published_on=published.published_on),
        settings,
        web_url=f"{base}/issues/{published.number}-{published.slug}/",
    )


def render_outputs(store: Store, settings: Settings, week: str, out_dir: Path) -> RenderOutcome:
    """Write email.html, email.txt, email.eml and web.html for the week's draft."""
    rendered = render_week(store, settings, week)
    # Each file whole or not at all, flushed to disk (these are the files that go
    # out); identical bytes are left alone.
    writer = Writer(out_dir, sync=True)
    files = []
    for name, content in rendered.files(settings).items():
        writer.write(name, content)
        files.append(out_dir / name)
    return RenderOutcome(tuple(files), len(rendered.email.html.encode("utf-8")))
