"""The store owns every query: SQL appears in the package only in store.py (the
queries), migrations.py (the schema) and ops.py (backups and integrity checks
through SQLite's own API), and nothing else reaches into the store's database.

A query written anywhere else is a second owner of the schema: renaming a
column would then break a module nobody thought to look at.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import gazette

PACKAGE = Path(gazette.__file__).parent
SQL_OWNERS = {"store.py", "migrations.py", "ops.py"}
# The start of an SQL statement, anywhere in a string literal. Strict enough that
# prose ("update your preferences", "delete files under") does not match.
SQL_STATEMENT = re.compile(
    r"""\b(
        select\s+[^;]+?\s+from\s+\w+
      | insert\s+(or\s+\w+\s+)?into\s+\w+
      | replace\s+into\s+\w+
      | update\s+\w+\s+set\s+\w+
      | delete\s+from\s+\w+
      | (create|drop)\s+(temp\s+|unique\s+|virtual\s+)?(table|index|trigger|view)\b
      | alter\s+table\s+\w+
      | pragma\s+\w+
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def string_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring; an
    f-string's text has ``{}`` where its fields go."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[tuple[int, str]] = []
    in_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                    in_fstrings.add(id(value))
                else:
                    parts.append("{}")
            found.append((node.lineno, "".join(parts)))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and id(node) not in in_fstrings
        ):
            found.append((node.lineno, node.value))
    return sorted(found)


def sql_outside_the_store(package: Path) -> list[str]:
    offences = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative in SQL_OWNERS:
            continue
        for line, text in string_literals(path.read_text("utf-8")):
            match = SQL_STATEMENT.search(text)
            if match:
                offences.append(f"{relative}:{line}: {match.group(0)!r}")
    return offences


def test_sql_is_written_only_in_the_store_migrations_and_ops() -> None:
    assert sql_outside_the_store(PACKAGE) == []


def test_nothing_reaches_through_the_store_to_its_database() -> None:
    reaching = [
        f"{path.relative_to(PACKAGE).as_posix()}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "store.py"
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if re.search(r"\bstore\.db\b", line)
    ]
    assert reaching == []


def test_the_check_finds_queries_however_they_are_written(tmp_path: Path) -> None:
    """The check itself: statements in plain, concatenated and f-strings are
    found, in any case; prose and docstrings are not."""
    (tmp_path / "store.py").write_text('Q = "select * from items"\n')
    (tmp_path / "editorial.py").write_text(
        '"""Select the stories; delete nothing, update the draft."""\n'
        "def f(db, week, order):\n"
        '    """It used to say: select title from issues."""\n'
        '    db.execute("SELECT week, number"\n'
        '               " FROM issues where week = ?", [week])\n'
        '    db.execute(f"insert or replace into summaries values ({order})")\n'
        '    db.execute(f"{order} into x")\n'
        '    db.execute("pragma synchronous = normal")\n'
        '    return "Update your preferences", "Delete files under out/"\n'
    )
    assert sql_outside_the_store(tmp_path) == [
        "editorial.py:4: 'SELECT week, number FROM issues'",
        "editorial.py:6: 'insert or replace into summaries'",
        "editorial.py:8: 'pragma synchronous'",
    ]
