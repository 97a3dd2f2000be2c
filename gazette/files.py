"""The one way Gazette writes a file: whole or not at all.

Every write goes to a uniquely named temporary file in the target's folder
(``.<name>.<random>.tmp``), is flushed to disk with fsync, and only then gets
the target's name, by a rename on the same file system. A reader, a crash or a
``kill -9`` sees the old file or the new one, never half of either; a failed
write (disk full included) deletes its temporary file before the error goes on.
Two runs writing the same target at once never share a temporary file.

Three ways to name the result:

``write_new``             create the file; FileExists if the name is taken, even
                          by a file created a moment ago by another process
                          (``link`` fails on an existing name, like O_EXCL)
``replace_if_unchanged``  replace the file only if it still holds the bytes the
                          caller read; FileChanged otherwise (an editor saved it)
``replace``               create or replace the file

A temporary file is left behind only when the process dies between creating it
and renaming it; ``sweep_temp_files`` removes those.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gazette.errors import FileChanged, FileExists

TEMP_SUFFIX = ".tmp"
# New files are world-readable: a static host's web server or a group editor
# must be able to read them, and mkstemp alone would create them 0600.
NEW_FILE_MODE = 0o644


def write_new(path: Path, content: str | bytes) -> None:
    """Create ``path`` holding ``content`` (str is UTF-8); FileExists if it exists."""
    path = Path(path)
    with _temporary_holding(path, _bytes(content), NEW_FILE_MODE) as temporary:
        install(temporary, path, new=True, sync=False)


def replace_if_unchanged(path: Path, content: str | bytes, expected: str | bytes) -> None:
    """Replace ``path`` by ``content`` if it still holds ``expected``, the bytes
    (or UTF-8 text) the caller read; FileChanged if it holds anything else or
    is gone.

    The file is compared once more after the new content is on disk, so the
    window in which another writer's save could be lost is only the time
    between that comparison and the rename, not the whole write.
    """
    path = Path(path)
    before = _bytes(expected)
    with _temporary_holding(path, _bytes(content), mode_for(path)) as temporary:
        if _current(path) != before:
            raise FileChanged(path)
        install(temporary, path, sync=False)


def replace(path: Path, content: str | bytes, *, sync: bool = True) -> None:
    """Create or replace ``path`` with ``content``; an existing file keeps its
    permission bits.

    ``sync=False`` skips the fsync, for a build of many files that can be made
    again from the database (see ``gazette.writer``): the rename still makes the
    write whole or absent for a killed process, only a power cut may lose it.
    """
    path = Path(path)
    with _temporary_holding(path, _bytes(content), mode_for(path), sync=sync) as temporary:
        install(temporary, path, sync=False)


@contextmanager
def temporary_beside(target: Path) -> Iterator[Path]:
    """A new, empty, uniquely named file in ``target``'s folder, for a writer
    that fills it itself (SQLite's backup API); it is deleted on the way out
    unless ``install`` gave it the target's name."""
    target = Path(target)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def install(temporary: Path, target: Path, *, new: bool = False, sync: bool = True) -> None:
    """Flush ``temporary`` to disk, then give it ``target``'s name: replacing
    what is there, or with ``new`` only if the name is free (FileExists)."""
    if sync:
        _sync(temporary)
    if not new:
        os.replace(temporary, target)
        return
    # link() is atomic and fails on an existing name; the temporary name is
    # then removed by temporary_beside, leaving the target as the only name.
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise FileExists(target) from None
    temporary.unlink()


def sweep_temp_files(root: Path) -> list[Path]:
    """Delete the hidden ``.<name>.<random>.tmp`` files a killed writer left under ``root``.

    They are dot files, so no web server lists them as pages, but a deploy
    would upload them. Call only while no other run writes into ``root``.
    """
    removed: list[Path] = []
    # os.walk and names, not Path.rglob: a site has a folder per issue, and
    # every build sweeps it.
    for parent, _, names in os.walk(root):
        for name in names:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                path = Path(parent, name)
                if path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)
                    removed.append(path)
    return sorted(removed)


@contextmanager
def _temporary_holding(
    target: Path, data: bytes, mode: int, *, sync: bool = True
) -> Iterator[Path]:
    """A new temporary file beside ``target`` holding ``data`` with ``mode``,
    flushed to disk unless ``sync`` is off; the block must give it its name
    (``install``) or raise, and it is deleted when the block raises.

    One file descriptor does it all (create, mode, write, fsync): a site build
    writes hundreds of files, and each extra open costs as much as a write.
    """
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    temporary = Path(name)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _sync(path: Path) -> None:
    # Without fsync a power cut after the rename can leave an empty file under
    # the target's name (the rename reaches the disk before the data).
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mode_for(path: Path) -> int:
    """The permission bits a file written at ``path`` gets: the existing regular
    file's, else those of a new file (a symbolic link is replaced, not followed)."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return NEW_FILE_MODE
    return stat.S_IMODE(found.st_mode) if stat.S_ISREG(found.st_mode) else NEW_FILE_MODE


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content
