"""Domain errors: the one tree of exceptions the library lets out.

The library raises these; the CLI turns each into one line on stderr and an exit
code, so a user never sees a traceback for a problem they can fix. The library
says what is wrong in its own terms and keeps the facts as attributes (a week,
an item id, an argument's name); which command or ``--option`` helps next is
the CLI's to say (``gazette.cli.explain``), so the library reads the same from
a script, a test or the preview server.
"""

from __future__ import annotations

from pathlib import Path


class GazetteError(Exception):
    """Base of every error the CLI reports as a one-line message."""

    exit_code = 2


class ConfigError(GazetteError):
    """gazette.toml is missing, unreadable or has an unknown key or a wrong type."""


class ConfigMissing(ConfigError):
    """There is no config file where one is needed."""

    def __init__(self, path: Path, reason: str = "config file not found") -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path


class BadArgument(GazetteError):
    """A value passed to a library call is unusable; ``argument`` is its name."""

    def __init__(self, argument: str, reason: str, path: str | None = None) -> None:
        super().__init__(f"{path + ': ' if path else ''}{argument}: {reason}")
        self.argument = argument
        self.reason = reason
        self.path = path


class StoreError(GazetteError):
    """The database file cannot be used (corrupt, foreign, locked)."""


class DatabaseUnusable(StoreError):
    """The file at the database path is not a Gazette database, or is broken;
    ``foreign`` when it is some other file that must not be touched."""

    def __init__(self, path: Path, reason: str, *, foreign: bool) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.foreign = foreign


class DatabaseMissing(StoreError):
    """No database file where one was expected."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path


class DatabaseCorrupt(DatabaseUnusable):
    """SQLite's own check (``integrity_check``/``quick_check``) found damage;
    ``detail`` is its first finding, cut to one line; ``findings`` all of them
    (``gazette doctor`` shows them)."""

    def __init__(self, path: Path, detail: str, findings: tuple[str, ...] = ()) -> None:
        super().__init__(path, f"database is corrupt ({detail})", foreign=False)
        self.detail = detail
        self.findings = findings or (detail,)


class DatabaseNewer(StoreError):
    """The database was written by a newer Gazette: it has migrations this one lacks."""

    def __init__(self, path: Path, found: str, known: str, version: str) -> None:
        super().__init__(
            f"{path}: written by a newer Gazette (database schema {found};"
            f" this Gazette {version} knows up to {known})"
        )
        self.path = path
        self.found = found
        self.known = known
        self.version = version


class DatabaseLocked(StoreError):
    """Another program kept the database locked for longer than the busy timeout."""

    def __init__(self, path: Path, seconds: float) -> None:
        super().__init__(f"{path}: locked by another program for more than {seconds:g} s")
        self.path = path
        self.seconds = seconds


class StorageError(GazetteError):
    """The disk, not the data: a file could not be written (or read) because the
    disk is full, the file system is read-only, or permissions forbid it. What
    was there before is intact (writes are atomic, transactions roll back)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


class DiskFull(StorageError):
    """No space (or quota) left on the disk that holds ``path``."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(path, "no space left on the disk")


class ReadOnlyStorage(StorageError):
    """``path`` is on a read-only file system."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(path, "the file system is read-only")


class NotPermitted(StorageError):
    """Permissions (or an immutable attribute) forbid writing ``path``."""


class BadPath(StorageError):
    """A path that cannot be used as asked (not a folder, does not exist, ...)."""


class ItemNotFound(GazetteError):
    """An item id that is not in the database; ``week`` when one was asked about."""

    def __init__(self, item_id: int, where: str = "the database", week: str | None = None) -> None:
        super().__init__(f"no item {item_id} in {where}")
        self.item_id = item_id
        self.week = week


class DraftError(GazetteError):
    """The draft file is missing or cannot be parsed; names the line when it can."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        where = path or "draft"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class FileConflict(GazetteError):
    """A file is not in the state a write needs; nothing was written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path


class FileExists(FileConflict):
    """A file to be created exists already."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "already exists")


class FileChanged(FileConflict):
    """A file to be replaced changed on disk since it was read."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "changed on disk since it was read; nothing written")


class DraftMissing(DraftError):
    """The week's draft does not exist yet."""

    def __init__(self, week: str | None, path: str | None = None) -> None:
        super().__init__(f"no draft for {week} yet" if week else "no draft yet", path)
        self.week = week


class DraftExists(DraftError):
    """A first draft would replace one that exists (and may hold the editor's words)."""

    def __init__(self, path: str, reason: str = "a draft already exists") -> None:
        super().__init__(reason, path)


class NotInDraft(DraftError):
    """A verb names an item the draft does not hold."""

    def __init__(self, item_id: int, path: str | None = None) -> None:
        super().__init__(f"item {item_id} is not in the draft", path)
        self.item_id = item_id


class AlreadyPicked(DraftError):
    """A pick of an item the draft holds already (``where``: section and line)."""

    def __init__(self, item_id: int, where: str, path: str | None = None) -> None:
        super().__init__(f"item {item_id} is already picked ({where})", path)
        self.item_id = item_id


class StoryInCandidates(DraftError):
    """Text other than comments in the never-published Candidates section."""


class EditorNotSet(GazetteError):
    """Neither $VISUAL nor $EDITOR names an editor that runs."""


class RenderError(GazetteError):
    """A template or the MJML compiler failed; names the template."""


class PublishError(GazetteError):
    """Publishing would change a frozen issue, or there is nothing to publish."""


class PublishedOtherwise(PublishError):
    """The week is published with other content; replacing it takes a revision."""


class SendError(GazetteError):
    """The message could not be handed to the SMTP server."""


class SmtpUnreachable(SendError):
    """No connection to the SMTP server (refused, timed out, unknown host)."""


class OpmlError(GazetteError):
    """An OPML file that cannot be read, or a config that cannot take the feeds."""


class PortUnavailable(GazetteError):
    """A local server cannot listen on the port asked for (taken, not allowed)."""


class LockHeld(GazetteError):
    """Another gazette run holds the lock."""

    exit_code = 3
