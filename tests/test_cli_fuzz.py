"""Every command, every option and argument, nonsense values: one line, never a traceback.

The commands are found by walking the click group, so a command added later is
fuzzed too. Each case changes one parameter to a nonsense value (huge and
negative numbers, empty strings, /dev/null and /proc/nope, weeks that are no
weeks) and leaves the rest sensible, in a folder with a database and a draft,
so that the value itself is what the command meets.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import stat
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import click
import pytest
from click.testing import CliRunner

from gazette.cli import cli
from tests.conftest import SAMPLE, SAMPLE_WEEK, run_cli

HUGE = "99999999999999999999999"
NUMBERS = [HUGE, "-5", "", "x"]
PATHS = ["/dev/null", "/proc/nope", ""]
WEEKS = ["9999-W52", "0001-W01", "2026-W99", "", "W02"]
TEXTS = ["", "[/oops]"]
# Commands that serve until stopped: a value they accept would block the test,
# so a watchdog ends such a case as a failure.
WATCHDOG_SECONDS = 20
FRESH = itertools.count()


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def command_of(path: tuple[str, ...]) -> click.Command:
    found: click.Command = cli
    for name in path:
        assert isinstance(found, click.Group)
        found = found.commands[name]
    return found


def nonsense(param: click.Parameter) -> list[str]:
    """Values no command should take for ``param`` without saying why."""
    kind = param.type
    if param.name == "week":
        return WEEKS
    if param.name == "config":
        # /dev/null is the usual spelling of "an empty config" (the built-in
        # defaults, whose sources are the real sites): a value, not nonsense.
        return ["/proc/nope", ""]
    if isinstance(kind, click.types._NumberParamTypeBase):
        return NUMBERS
    if isinstance(kind, click.Path):
        return PATHS
    if isinstance(kind, click.DateTime):
        return ["", "2026-13-45", "99999-01-01"]
    if isinstance(kind, click.Choice):
        return ["", "nope"]
    return TEXTS


def sensible(param: click.Parameter, folder: Path) -> list[str]:
    """A value for a required argument that is not the one under test."""
    kind = param.type
    if isinstance(kind, click.types._NumberParamTypeBase):
        return ["1"]
    if isinstance(kind, click.Choice):
        return [str(kind.choices[0])]
    if isinstance(kind, click.Path):
        if param.name == "source":  # restore BACKUP
            return [str(folder / "g.db")]
        if getattr(kind, "exists", False) and not getattr(kind, "dir_okay", True):
            return [str(folder / "gazette.toml")]
        return [str(folder / f"somewhere-{next(FRESH)}")]  # no case sees another's file
    if param.name == "changes":
        return ["+otp"]
    return ["x"]


def cases() -> Iterator[tuple[tuple[str, ...], str, str]]:
    for path in commands(cli):
        for param in command_of(path).params:
            if param.name in ("help", "verbose", "quiet") or getattr(param, "is_flag", False):
                continue
            for value in nonsense(param):
                yield path, param.name or "", value


def invocation(path: tuple[str, ...], name: str, value: str, folder: Path) -> list[str]:
    """``gazette [--db] COMMAND [options] -- [arguments]`` with ``value`` for ``name``."""
    command = command_of(path)
    args: list[str] = ["--db", str(folder / "g.db")] if name != "db" else []
    args += list(path)
    positional: list[str] = []
    for param in command.params:
        if isinstance(param, click.Argument):
            if param.name == name:
                positional.append(value)
            elif param.required:
                positional += sensible(param, folder)
        elif isinstance(param, click.Option):
            option = max(param.opts, key=len)
            if param.name == name:
                args.append(f"{option}={value}")  # "=" keeps "-5" and "" a value
            elif param.name == "week":
                args += ["--week", SAMPLE_WEEK]
            elif param.required:
                args += [option, "editor@example.com"]
    # "--" keeps "-5" an argument, not an unknown option
    return [*args, "--", *positional] if positional else args


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(SAMPLE / "gazette.toml", folder / "gazette.toml")
    shutil.copy(sample_db, folder / "g.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("REPLAY_URL", "http://127.0.0.1:9")  # nothing listens: fail fast
        patch.delenv("GAZETTE_DB", raising=False)
        patch.setenv("EDITOR", "true")
        run_cli("--db", "g.db", "draft", "--week", SAMPLE_WEEK)
        yield folder


def _hung(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"still running after {WATCHDOG_SECONDS} s")


CASES = list(cases())


@pytest.mark.parametrize(
    ("path", "name", "value"),
    CASES,
    ids=[f"{' '.join(p)}-{n}-{v or 'empty'}" for p, n, v in CASES],
)
def test_nonsense_is_refused_in_one_line(
    desk: Path, path: tuple[str, ...], name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = invocation(path, name, value, desk)
    monkeypatch.chdir(desk)
    monkeypatch.setenv("REPLAY_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("EDITOR", "true")
    null = os.stat("/dev/null")
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(WATCHDOG_SECONDS)
    try:
        result = CliRunner().invoke(cli, args, catch_exceptions=False, prog_name="gazette")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert "Traceback" not in result.output, result.output
    # /dev/null is still the device: no command replaced it by a file
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert os.stat("/dev/null").st_ino == null.st_ino
    if result.exit_code == 0:
        # A value that happens to make sense (an empty headline, a tag-less
        # search) may be taken; what must never pass are numbers, weeks and
        # paths that cannot be used.
        # Commands that never open the database (edit, tag, status...) do not
        # care where --db points, and neither does doctor, which only looks.
        taken = value in TEXTS or name in ("sources", "tags", "host")
        # Nor do commands that never read the config (backup, restore).
        harmless = value == "/proc/nope" and (name in ("db", "config") or path == ("doctor",))
        assert taken or harmless, (args, result.output)
        return
    assert result.exit_code in (1, 2), (args, result.exit_code, result.output)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    # exit 1 is a report (doctor's table, failed sources), exit 2 one error line
    assert len(errors) == (result.exit_code == 2), (args, result.stderr)
    usage = [
        line
        for line in result.stderr.splitlines()
        if not line.startswith(("Error:", "Usage:", "Try ", "20"))
    ]
    assert all(not line.strip() for line in usage), (args, result.stderr)
