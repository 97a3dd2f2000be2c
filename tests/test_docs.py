"""Help text is documentation: every command has it, and the README names every command."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from gazette.cli import cli
from tests.conftest import ROOT, run_cli


def all_commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found += all_commands(command, path)
    return found


COMMANDS = all_commands(cli)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_commands_have_help(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help and len(command.help.strip()) > 20, (
        f"gazette {' '.join(path)} needs help text"
    )
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"gazette {' '.join(path)} {param.opts[0]} needs help text"
    output = run_cli(*path, "--help").output
    assert output.startswith("Usage: gazette ")


def test_design_commands_exist() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    design = {
        "init", "fetch", "candidates", "draft", "pick", "unpick", "tag", "summarize", "edit",
        "check", "render", "preview", "publish", "build-site", "send", "weekly", "replay",
    }  # fmt: skip
    assert design <= names


def test_readme_mentions_every_top_level_command() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = [name for name in cli.commands if f"gazette {name}" not in readme]
    assert not missing, f"README does not mention: {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    lines = [
        line.strip()
        for line in Path(ROOT / "README.md").read_text("utf-8").splitlines()
        if line.strip()
    ]
    assert lines[1].startswith("make demo") and lines[2].startswith("make test")


def test_readme_layout_has_a_row_for_every_module() -> None:
    """The README's layout table names every module of the package (by its path
    under gazette/) and no module that is gone."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    named = {
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([\w/]+\.py)`", line.split("|")[1])
    }
    package = ROOT / "gazette"
    modules = {path.relative_to(package).as_posix() for path in package.rglob("*.py")}
    assert named == modules - {"__init__.py", "__main__.py"}
