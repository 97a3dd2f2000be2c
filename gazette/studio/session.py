"""One studio run: the week's draft, the version the page saw, and the undo list.

Every change from the page names the draft's version it was made against (a
digest of the file's bytes when the page last loaded it). When the file holds
anything else (the editor saved it in ``$EDITOR``, a verb ran in a terminal),
the change is refused and the page reloads the draft and says so: nothing the
editor wrote elsewhere is ever overwritten. Changes run one at a time.

Undo puts back the exact bytes the file held before the last change the page
made, and only while the file still holds what that change wrote.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gazette.config import Settings
from gazette.draft import draft_path
from gazette.errors import FileChanged, GazetteError
from gazette.files import replace_if_unchanged

UNDO_DEPTH = 50
Level = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Notice:
    """What the page tells the editor after a request."""

    message: str
    level: Level = "info"


@dataclass(frozen=True)
class _Change:
    before: bytes
    after: bytes
    message: str


def version_of(data: bytes | None) -> str:
    """The draft's version as the page carries it: "" for no file."""
    return "" if data is None else hashlib.sha256(data).hexdigest()[:16]


STALE = (
    "The draft changed on disk since this page loaded it (saved from an editor?):"
    " the page now shows the file as it is, and nothing was written. Do it again if"
    " you still want it."
)


class Session:
    """The week's draft as the studio edits it."""

    def __init__(self, settings: Settings, week: str, db_path: Path) -> None:
        self.settings = settings
        self.week = week
        self.db_path = db_path
        self.path = draft_path(settings.issues_dir, week)
        self._lock = threading.Lock()
        self._undo: list[_Change] = []

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def version(self) -> str:
        return version_of(self.read())

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def change(self, seen: str, action: Callable[[], str]) -> Notice:
        """Run ``action`` (a verb) if the draft is still at version ``seen``."""
        with self._lock:
            before = self.read()
            if version_of(before) != seen:
                return Notice(STALE, "warning")
            try:
                message = action()
            except GazetteError as exc:
                return Notice(str(exc), "error")
            after = self.read()
            if before is not None and after is not None and after != before:
                self._undo = [*self._undo, _Change(before, after, message)][-UNDO_DEPTH:]
            return Notice(message)

    def undo(self, seen: str) -> Notice:
        """Put back the bytes from before the page's last change."""
        with self._lock:
            current = self.read()
            if version_of(current) != seen:
                return Notice(STALE, "warning")
            if not self._undo:
                return Notice("Nothing to undo.", "warning")
            last = self._undo[-1]
            if current != last.after:
                self._undo = []
                return Notice("The draft changed since that change; nothing undone.", "warning")
            try:
                replace_if_unchanged(self.path, last.before, last.after)
            except FileChanged:
                return Notice(STALE, "warning")
            self._undo = self._undo[:-1]
            return Notice(f"Undone: {last.message}")
