"""The library does not speak the CLI: only gazette/cli.py names `gazette ...`
commands and --options; the library raises typed errors and cli.explain words them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gazette import errors
from gazette.cli import cli, explain
from tests.test_sql_owner import string_literals

PACKAGE = Path(__file__).resolve().parent.parent / "gazette"
COMMANDS = sorted(cli.commands, key=len, reverse=True)
# `gazette ...`, "gazette pick" (any command of the CLI) or an --option.
CLI_WORDING = re.compile(
    r"`gazette\b|\bgazette (?:" + "|".join(map(re.escape, COMMANDS)) + r")\b|(?<![\w-])--[a-z]"
)
# Strings that are not messages of the library: text it writes into the
# editor's own files, another program's command line, the CLI's own table.
NOT_MESSAGES = {
    ("draft/surgery.py", "`gazette pick ID` moves a story up"),  # a note in the draft file
    ("opml.py", "(gazette sources import-opml)"),  # a comment in gazette.toml
    ("output.py", "gazette doctor"),  # the title of the doctor's table
}


def library_strings() -> list[tuple[str, int, str]]:
    """(module path, line, text) of every string literal of the library but
    cli.py, docstrings left out (documentation may name commands)."""
    return [
        (relative, line, text)
        for path in sorted(PACKAGE.rglob("*.py"))
        if (relative := path.relative_to(PACKAGE).as_posix()) != "cli.py"
        for line, text in string_literals(path.read_text("utf-8"))
    ]


def test_the_library_names_no_command_and_no_option() -> None:
    strings = library_strings()
    assert len(strings) > 500  # the scan sees the package
    offending = [
        f"{module}:{line}: {text!r}"
        for module, line, text in strings
        if CLI_WORDING.search(text)
        and not any(module == m and allowed in text for m, allowed in NOT_MESSAGES)
    ]
    assert offending == [], "move these to gazette/cli.py (explain):\n" + "\n".join(offending)
    # Each exception still exists: a stale one would hide a new message there.
    for module, allowed in NOT_MESSAGES:
        assert any(m == module and allowed in text for m, _, text in strings), (module, allowed)


def test_the_scan_finds_cli_wording() -> None:
    for text in ("create it with `gazette draft --week W`", "(gazette pick ID)", "pass --force"):
        assert CLI_WORDING.search(text)
    for text in ("another gazette run holds the lock", "gazette.toml", "a-b--c", "-tag"):
        assert not CLI_WORDING.search(text)


@pytest.mark.parametrize(
    ("error", "library", "cli_line"),
    [
        (
            errors.DraftMissing("2026-W02"),
            "draft: no draft for 2026-W02 yet",
            "draft: no draft for 2026-W02 yet; create it with `gazette draft --week 2026-W02`",
        ),
        (
            errors.DraftMissing(None, "issues/x.md"),
            "issues/x.md: no draft yet",
            "issues/x.md: no draft yet; create it with `gazette draft`",
        ),
        (
            errors.DraftExists("issues/x.md"),
            "issues/x.md: a draft already exists",
            "issues/x.md: a draft already exists; edit it with `gazette edit` or delete it"
            " to start over",
        ),
        (
            errors.AlreadyPicked(42, "Weekly picks, line 9", "d.md"),
            "d.md: item 42 is already picked (Weekly picks, line 9)",
            "d.md: item 42 is already picked (Weekly picks, line 9); `gazette unpick 42`"
            " first to move it to another section",
        ),
        (
            errors.NotInDraft(7, "d.md"),
            "d.md: item 7 is not in the draft",
            "d.md: item 7 is not in the draft (`gazette status` lists the picks)",
        ),
        (
            errors.ItemNotFound(7, week="2026-W02"),
            "no item 7 in the database",
            "no item 7 in the database; `gazette candidates --week 2026-W02` lists the ids",
        ),
        (
            errors.BadArgument("to", "must be between 1 and 3", "d.md"),
            "d.md: to: must be between 1 and 3",
            "d.md: --to must be between 1 and 3",
        ),
        (
            errors.BadArgument("send_to", "'x' is not an email address"),
            "send_to: 'x' is not an email address",
            "--send-to 'x' is not an email address",
        ),
        (
            errors.PublishedOtherwise("issue #1 (2026-W02) is already published"),
            "issue #1 (2026-W02) is already published",
            "issue #1 (2026-W02) is already published; use --force to publish a revision",
        ),
        (
            errors.DatabaseUnusable(Path("x.db"), "not a SQLite database", foreign=True),
            "x.db: not a SQLite database",
            "x.db: not a SQLite database; pass another --db",
        ),
        (errors.StoreError("x.db: locked"), "x.db: locked", "x.db: locked"),
    ],
)
def test_the_cli_says_what_helps_next(
    error: errors.GazetteError, library: str, cli_line: str
) -> None:
    assert str(error) == library
    assert not CLI_WORDING.search(library)
    assert explain(error) == cli_line
