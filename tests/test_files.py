"""gazette.files: the one way Gazette writes a file, whole or not at all."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gazette import files
from gazette.errors import FileChanged, FileExists, GazetteError


def names(folder: Path) -> list[str]:
    """Every name in ``folder``, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir())


def test_write_new_creates_a_readable_file(tmp_path: Path) -> None:
    target = tmp_path / "2026-W02.md"
    files.write_new(target, "héllo\r\n")
    assert target.read_bytes() == "héllo\r\n".encode()  # no newline translation
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not mkstemp's 0600
    assert names(tmp_path) == ["2026-W02.md"]


def test_write_new_refuses_an_existing_file_and_leaves_it_alone(tmp_path: Path) -> None:
    target = tmp_path / "draft.md"
    target.write_text("the editor's words", "utf-8")
    with pytest.raises(FileExists) as raised:
        files.write_new(target, b"a machine's words")
    assert isinstance(raised.value, GazetteError) and raised.value.path == target
    assert target.read_text("utf-8") == "the editor's words"
    assert names(tmp_path) == ["draft.md"]


def test_write_new_refuses_a_symbolic_link_too(tmp_path: Path) -> None:
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExists):
        files.write_new(tmp_path / "dangling.md", "x")
    assert not (tmp_path / "nowhere").exists()


def test_replace_if_unchanged_replaces_what_was_read(tmp_path: Path) -> None:
    target = tmp_path / "draft.md"
    target.write_bytes(b"before")
    target.chmod(0o640)
    files.replace_if_unchanged(target, "after", "before")
    assert target.read_bytes() == b"after"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file keeps its permissions
    assert names(tmp_path) == ["draft.md"]


def test_replace_if_unchanged_refuses_a_file_changed_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "draft.md"
    target.write_bytes(b"saved by the editor")
    with pytest.raises(FileChanged) as raised:
        files.replace_if_unchanged(target, b"ours", b"what we read")
    assert raised.value.path == target
    assert target.read_bytes() == b"saved by the editor"
    assert names(tmp_path) == ["draft.md"]


def test_replace_if_unchanged_refuses_a_file_deleted_meanwhile(tmp_path: Path) -> None:
    with pytest.raises(FileChanged):
        files.replace_if_unchanged(tmp_path / "gone.md", b"ours", b"what we read")
    assert names(tmp_path) == []


def test_replace_creates_or_replaces(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    files.replace(target, "{}")
    assert target.read_text("utf-8") == "{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    target.chmod(0o600)
    files.replace(target, b"[]")
    assert target.read_bytes() == b"[]"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert names(tmp_path) == ["report.json"]


def test_replace_puts_a_file_where_a_symbolic_link_was(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours", "utf-8")
    link = tmp_path / "page.html"
    link.symlink_to(outside)
    files.replace(link, "ours")
    assert not link.is_symlink() and link.read_text("utf-8") == "ours"
    assert outside.read_text("utf-8") == "not ours"


OPERATIONS = ["write_new", "replace_if_unchanged", "replace"]


def write_with(operation: str, target: Path, data: bytes) -> None:
    if operation == "write_new":
        files.write_new(target, data)
    elif operation == "replace_if_unchanged":
        files.replace_if_unchanged(target, data, b"old")
    else:
        files.replace(target, data)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_failed_flush_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    """ENOSPC often shows only at fsync (delayed allocation): the error goes on,
    the old file stays, and the temporary file is gone."""
    target = tmp_path / "draft.md"
    if operation != "write_new":
        target.write_bytes(b"old")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", disk_full)
    before = names(tmp_path)
    with pytest.raises(OSError) as raised:
        write_with(operation, target, b"new")
    assert raised.value.errno == errno.ENOSPC
    assert names(tmp_path) == before
    if operation != "write_new":
        assert target.read_bytes() == b"old"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_write_the_disk_refuses_leaves_no_temporary_file(tmp_path: Path, operation: str) -> None:
    """A real failed write: the process may not write files over 1 KB (the
    kernel answers EFBIG, as a full disk answers ENOSPC)."""
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        from tests.test_files import write_with
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
        target = Path(sys.argv[1]) / "big.txt"
        data = b"x" * 100_000
        try:
            write_with({operation!r}, target, data)
        except OSError as exc:
            print("refused", exc.errno)
        """
    )
    if operation != "write_new":
        (tmp_path / "big.txt").write_bytes(b"old")
    before = names(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.stdout.split() == ["refused", str(errno.EFBIG)], done.stdout + done.stderr
    assert names(tmp_path) == before
    if operation != "write_new":
        assert (tmp_path / "big.txt").read_bytes() == b"old"


def test_each_write_has_its_own_temporary_name(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    with files.temporary_beside(target) as first, files.temporary_beside(target) as second:
        assert first != second and first.parent == second.parent == tmp_path
        assert first.name.startswith(".page.html.") and first.name.endswith(files.TEMP_SUFFIX)
    assert names(tmp_path) == []


def test_sweep_removes_only_temporary_files(tmp_path: Path) -> None:
    (tmp_path / "issues").mkdir()
    left = tmp_path / "issues" / ".index.html.k3j2x.tmp"
    left.write_text("half", "utf-8")
    kept = [tmp_path / "index.html", tmp_path / "notes.tmp", tmp_path / ".hidden"]
    for path in kept:
        path.write_text("x", "utf-8")
    assert files.sweep_temp_files(tmp_path) == [left]
    assert all(path.exists() for path in kept)
    assert files.sweep_temp_files(tmp_path / "missing") == []
