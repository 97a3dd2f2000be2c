"""The scheduling examples in deploy/ parse, and run the commands they claim to."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gazette.cli import cli
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
SERVICE = DEPLOY / "gazette-weekly.service"
TIMER = DEPLOY / "gazette-weekly.timer"
WORKFLOW = DEPLOY / "github-actions" / "weekly.yml"

# Each cron field: its range, and the names it accepts.
_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    (
        "month",
        1,
        12,
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    ),
    ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)


def cron_field(text: str, low: int, high: int, names: tuple[str, ...] | list[str]) -> set[int]:
    """The values a cron field selects, or ValueError (lists, ranges, steps, names)."""
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad step in {part!r}")
        if spec == "*":
            start, end = low, high
        else:
            first, _, last = spec.partition("-")
            start = _cron_value(first, low, names)
            end = _cron_value(last, low, names) if last else (high if step_text else start)
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _cron_value(text: str, low: int, names: tuple[str, ...] | list[str]) -> int:
    if text.lower() in names:
        return list(names).index(text.lower()) + low
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number")
    return int(text)


def crontab_entries(text: str) -> list[tuple[list[set[int]], str]]:
    """(the five fields' values, the command) of every entry; comments and blanks skipped."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 5)
        assert len(parts) == 6, f"line {number}: five fields and a command expected"
        fields = [
            cron_field(value, low, high, names)
            for value, (_, low, high, names) in zip(parts[:5], _FIELDS, strict=True)
        ]
        command = parts[5]
        # cron turns an unescaped % into a newline and feeds the rest to stdin.
        assert not re.search(r"(?<!\\)%", command), f"line {number}: unescaped % in {command!r}"
        entries.append((fields, command))
    return entries


def test_the_cron_parser_catches_mistakes() -> None:
    assert cron_field("*/15", 0, 59, ()) == {0, 15, 30, 45}
    assert cron_field("mon-fri", 0, 7, _FIELDS[4][3]) == {1, 2, 3, 4, 5}
    for bad in ("60", "5-1", "*/0", "x"):
        with pytest.raises(ValueError):
            cron_field(bad, 0, 59, ())
    with pytest.raises(AssertionError, match="unescaped %"):
        crontab_entries("0 5 * * * gazette backup b-$(date +%F).db\n")
    with pytest.raises(AssertionError, match="five fields"):
        crontab_entries("0 5 * * *\n")


def test_crontab_runs_weekly_on_monday_morning() -> None:
    entries = crontab_entries((DEPLOY / "crontab").read_text("utf-8"))
    weekly = [(f, c) for f, c in entries if " weekly " in f"{c} "]
    assert len(weekly) == 1
    fields, command = weekly[0]
    assert fields[4] == {1} and len(fields[1]) == 1 and len(fields[0]) == 1  # once, Mondays
    assert "gazette weekly --publish" in command
    backups = [c for _, c in entries if " backup " in c]
    assert backups and all(_parses_as_gazette(c, "backup") for c in backups)
    assert _parses_as_gazette(command, "weekly")


def _parses_as_gazette(command: str, name: str) -> bool:
    """The gazette part of a shell line is accepted by the real CLI parser."""
    for piece in re.split(r"&&|;|\|\|", command):
        words = shlex.split(piece.split(">>")[0])
        if not words or not words[0].endswith("/gazette") or name not in words:
            continue
        at = words.index(name)
        group_options = {o for p in cli.params for o in p.opts}
        assert set(words[1:at]) <= group_options, words
        command_object = cli.commands[name]
        command_object.make_context(name, words[at + 1 :])  # raises on a bad option
        return True
    return False


def _unit(path: Path) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = ""
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = {}
            continue
        key, _, value = line.partition("=")
        sections[current].setdefault(key.strip(), []).append(value.strip())
    return sections


def test_systemd_units_say_what_they_run() -> None:
    service, timer = _unit(SERVICE), _unit(TIMER)
    assert service["Service"]["Type"] == ["oneshot"]
    assert service["Service"]["ExecStart"] == ["/srv/gazette/.venv/bin/gazette weekly --publish"]
    assert "3" in service["Service"]["SuccessExitStatus"]  # lock held: not a failure
    assert timer["Timer"]["Unit"] == [SERVICE.name]
    assert timer["Timer"]["OnCalendar"] == ["Mon *-*-* 06:00:00"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_units_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart exists, so the placeholder /srv/gazette paths
    # point at this checkout's venv and a scratch folder for the check.
    venv_gazette = ROOT / ".venv" / "bin" / "gazette"
    assert venv_gazette.exists()
    text = SERVICE.read_text("utf-8")
    assert "/srv/gazette/.venv/bin/gazette" in text
    text = text.replace("/srv/gazette/.venv/bin/gazette", str(venv_gazette))
    (tmp_path / SERVICE.name).write_text(text.replace("/srv/gazette", str(tmp_path)), "utf-8")
    shutil.copy(TIMER, tmp_path / TIMER.name)
    result = subprocess.run(
        ["systemd-analyze", "verify", SERVICE.name, TIMER.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in result.stderr.splitlines() if "gazette-weekly" in line]
    assert result.returncode == 0 and ours == [], result.stderr
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", "Mon *-*-* 06:00:00"], capture_output=True, text=True
    )
    assert calendar.returncode == 0 and "Next elapse: Mon" in calendar.stdout


def _workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_workflow_runs_weekly_and_deploys_pages() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    (schedule,) = triggers["schedule"]
    ((fields, _),) = crontab_entries(f"{schedule['cron']} true\n")
    assert fields[4] == {1}  # Mondays
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"]["pages"] == "write"
    assert workflow["permissions"]["id-token"] == "write"

    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    uses = [str(step.get("uses", "")) for step in steps]
    assert any("gazette weekly --publish" in run for run in runs)
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert job["environment"]["name"] == "github-pages"
    pages = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-pages"))
    assert pages["with"]["path"] == "out/site"


def test_workflow_keeps_the_database_between_runs() -> None:
    (job,) = _workflow()["jobs"].values()
    steps = job["steps"]

    def index(predicate: Any) -> int:
        return next(i for i, step in enumerate(steps) if predicate(step))

    download = index(lambda s: str(s.get("uses", "")).startswith("actions/download-artifact@"))
    restore = index(lambda s: "gazette restore" in str(s.get("run", "")))
    weekly = index(lambda s: "gazette weekly" in str(s.get("run", "")))
    backup = index(lambda s: "gazette backup" in str(s.get("run", "")))
    upload = index(
        lambda s: (
            str(s.get("uses", "")).startswith("actions/upload-artifact@")
            and "gazette.db" in str(s["with"]["path"])
        )
    )
    assert download < restore < weekly < backup < upload
    assert steps[download]["with"]["name"] == steps[upload]["with"]["name"]
    # Saved even when the run had problems, and kept longer than a week.
    assert steps[backup]["if"] == "always()" and steps[upload]["if"] == "always()"
    assert int(steps[upload]["with"]["retention-days"]) > 7
