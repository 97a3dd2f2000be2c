"""Opening the draft in the editor's own editor ($VISUAL, else $EDITOR).

What the editor saved is the truth: a draft that no longer parses is kept
exactly as saved and reported with its line.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gazette.config import Settings
from gazette.draft.document import Draft, draft_path, read_draft
from gazette.errors import DraftError, DraftMissing, EditorNotSet


def editor_command(environ: Mapping[str, str]) -> list[str]:
    """$VISUAL, else $EDITOR, split like a shell would ("code --wait" works)."""
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                command = shlex.split(value)
            except ValueError as exc:
                raise EditorNotSet(f"${name} is not a valid command ({exc}): {value!r}") from None
            if command:
                return command
    raise EditorNotSet(
        "neither $VISUAL nor $EDITOR is set; set one to your editor (e.g. `export EDITOR=nano`)"
    )


@dataclass(frozen=True)
class EditReport:
    path: Path
    draft: Draft | None
    problem: DraftError | None


def edit_draft(
    settings: Settings, week: str, environ: Mapping[str, str] | None = None
) -> EditReport:
    """Open the draft in the editor, then parse what was saved.

    A draft that no longer parses is kept exactly as saved and reported with its
    line.
    """
    env = os.environ if environ is None else environ
    command = editor_command(env)
    path = draft_path(settings.issues_dir, week)
    if not path.exists():
        raise DraftMissing(week)
    try:
        status = subprocess.run([*command, str(path)], check=False).returncode
    except OSError as exc:
        raise EditorNotSet(f"cannot run the editor {command[0]!r}: {exc.strerror or exc}") from None
    if status != 0:
        raise DraftError(
            f"the editor {command[0]!r} exited with status {status}; the draft is as it left it",
            str(path),
        )
    try:
        draft = read_draft(path)
    except DraftError as problem:
        return EditReport(path, None, problem)
    return EditReport(path, draft, None)
