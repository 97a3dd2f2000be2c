"""Writes a build's output files: atomically (``gazette.files``), once each, and
only when they changed.

Like pelican's ``Writer._open_w``: two pages claiming the same path is a bug in
the build (one of them would silently vanish), so the second claim raises. A file
whose bytes are already on disk is left alone, so a rebuild with nothing changed
touches nothing, and rsync, static hosts and caches see no change either.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from gazette.errors import RenderError
from gazette.files import replace


class DuplicateWriteError(RenderError):
    """Two outputs of one build claimed the same path."""


class Writer:
    """Writes files under ``out_dir`` for one build; use a new Writer per build.

    ``sync`` flushes each file to disk before it gets its name. A site build
    leaves it off: it writes hundreds of pages the database can rebuild at any
    time, and an fsync each makes it about five times slower (2,000 pages on
    ext4: 5 s instead of 1 s); a killed build still leaves whole files only.
    """

    def __init__(self, out_dir: Path, *, sync: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.sync = sync
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self._claimed: set[str] = set()
        self._folders: set[Path] = set()

    def write(self, relpath: str, content: str | bytes) -> bool:
        """Write ``content`` (str is UTF-8 encoded) to ``out_dir/relpath``.

        Returns True when the file was (re)written, False when it already held
        exactly these bytes.
        """
        key = self._claim(relpath)
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = self.out_dir / key
        if self._holds(target, data):
            self.unchanged.append(key)
            return False
        # Whole or not at all: a reader (or a crash) sees the old file or the new one.
        replace(target, data, sync=self.sync)
        self.written.append(key)
        return True

    def _holds(self, target: Path, data: bytes) -> bool:
        """True when ``target`` is a regular file of these bytes (read only
        when the size matches); makes a missing target's folder."""
        try:
            existing = os.lstat(target)
        except FileNotFoundError:
            self._make_folder(target.parent)
            return False
        return (
            stat.S_ISREG(existing.st_mode)
            and existing.st_size == len(data)
            and target.read_bytes() == data
        )

    def _make_folder(self, folder: Path) -> None:
        # A build writes many files into few folders: each is made (or found) once.
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)

    def keep(self, relpath: str) -> None:
        """Claim ``relpath`` as this build's without writing it: the caller knows
        the file on disk is already what the build would write."""
        self.unchanged.append(self._claim(relpath))

    def check_free(self, relpaths: Iterable[str]) -> None:
        """Raise DuplicateWriteError, before anything is written, when a path of
        ``relpaths`` repeats or this Writer claimed it already: for a build that
        hands some of its paths to another Writer (another process) to write."""
        seen = set(self._claimed)
        for relpath in relpaths:
            key = _normalize(relpath)
            if key in seen:
                raise DuplicateWriteError(f"{key} is written twice in one build")
            seen.add(key)

    def adopt(self, written: Iterable[str], unchanged: Iterable[str]) -> None:
        """Count as this build's the files another Writer of the same build
        wrote or left unchanged, so the report and ``remove_stale`` see them."""
        for relpath in written:
            self.written.append(self._claim(relpath))
        for relpath in unchanged:
            self.unchanged.append(self._claim(relpath))

    def _claim(self, relpath: str) -> str:
        key = _normalize(relpath)
        if key in self._claimed:
            raise DuplicateWriteError(f"{key} is written twice in one build")
        self._claimed.add(key)
        return key

    def remove_stale(self, keep: Iterable[str] = (), within: Iterable[str] = ("*",)) -> list[str]:
        """Delete files under ``out_dir`` that this build did not claim.

        Only files matching a glob of ``within`` (``issues/*``) are candidates;
        ``keep`` holds globs (``search-index/*``) of files another module owns. Globs
        match across "/". Call it only after every write; returns the removed
        paths, sorted.
        """
        patterns = tuple(keep)
        scope = tuple(within)
        removed: list[str] = []
        if not self.out_dir.is_dir():
            return removed
        for rel in _files_within(self.out_dir, scope):
            # Most files are this build's own: one set lookup, no glob matching.
            if rel in self._claimed or not any(fnmatch.fnmatchcase(rel, p) for p in scope):
                continue
            if any(fnmatch.fnmatchcase(rel, p) for p in patterns):
                continue
            (self.out_dir / rel).unlink()
            removed.append(rel)
        removed.sort()
        # Folders emptied by the removals go too; no other folder is touched.
        emptied = {p for rel in removed for p in (self.out_dir / rel).parents}
        for directory in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
            inside = directory != self.out_dir and self.out_dir in directory.parents
            if inside and directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
        return removed


def _files_within(out_dir: Path, globs: tuple[str, ...]) -> Iterator[str]:
    """Paths of the files under ``out_dir`` that ``globs`` may match: only the
    folders named before each glob's first wildcard are walked (a search
    index's year, not the whole site)."""
    roots = sorted({_literal_folder(glob) for glob in globs})
    for root in roots:
        if any(root.startswith(f"{other}/") or other == "" for other in roots if other != root):
            continue  # inside another root, which is walked whole
        folder = out_dir / root if root else out_dir
        if folder.is_dir() and not folder.is_symlink():
            prefix = f"{root}/" if root else ""
            yield from (prefix + rel for rel in _files_under(folder))


def _literal_folder(glob: str) -> str:
    """The folder part of ``glob`` before its first wildcard: "search-index/2024"
    for "search-index/2024/*", "" (the whole folder) for "*" or "*.html"."""
    literal = re.split(r"[*?\[]", glob, maxsplit=1)[0]
    return literal.rsplit("/", 1)[0] if "/" in literal else ""


def _files_under(folder: Path) -> Iterator[str]:
    """Paths ("a/b.html") of the files and symbolic links under ``folder``; links
    to folders are not followed."""
    root = os.fspath(folder)
    for parent, folders, files in os.walk(root):
        # Strings, not Paths: a site has a folder per issue.
        prefix = os.path.relpath(parent, root).replace(os.sep, "/")
        prefix = "" if prefix == "." else f"{prefix}/"
        links = [name for name in folders if os.path.islink(os.path.join(parent, name))]
        for name in (*files, *links):
            yield prefix + name


def _normalize(relpath: str) -> str:
    path = PurePosixPath(relpath.replace("\\", "/"))
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise RenderError(
            f"output path {relpath!r} must be relative and stay inside the output folder"
        )
    return path.as_posix()
