"""Domain errors.

The library raises these; the CLI turns each into one line on stderr and an exit
code, so a user never sees a traceback for a problem they can fix.
"""

from __future__ import annotations


class GazetteError(Exception):
    """Base of every error the CLI reports as a one-line message."""

    exit_code = 2


class ConfigError(GazetteError):
    """gazette.toml is missing, unreadable or has an unknown key or a wrong type."""


class StoreError(GazetteError):
    """The database file cannot be used (corrupt, foreign, locked)."""


class DraftError(GazetteError):
    """The draft file is missing or cannot be parsed; names the line when it can."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        where = path or "draft"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class RenderError(GazetteError):
    """A template or the MJML compiler failed; names the template."""


class PublishError(GazetteError):
    """Publishing would change a frozen issue, or there is nothing to publish."""


class LockHeld(GazetteError):
    """Another gazette run holds the lock."""

    exit_code = 3
