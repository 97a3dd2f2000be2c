"""Operations: backup while another process writes, restore, and `gazette doctor`."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gazette.doctor import Check, DoctorReport, doctor
from gazette.lock import lock_holder
from gazette.replay import ReplayServer
from gazette.store import open_store
from tests.conftest import SAMPLE, run_cli, sqlite_page_size
from tests.subprocess_cli import child_env, run_gazette

BATCH = 10  # the writer commits this many items per transaction

# Commits batches of BATCH items, one transaction each, until told to stop: a
# backup that tore a transaction would hold a count that is not a multiple.
WRITER = textwrap.dedent(
    f"""
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from gazette.models import Item
    from gazette.store import open_store

    stop = Path(sys.argv[2])
    with open_store(Path(sys.argv[1])) as store:
        batch = 0
        print("writing", flush=True)
        while not stop.exists():
            store.save_items([
                Item(source="writer", kind="post", external_id=f"{{batch}}-{{i}}",
                     url=f"https://example.org/{{batch}}/{{i}}", title=f"Item {{batch}}-{{i}}",
                     published_at=datetime(2026, 1, 5, tzinfo=UTC), text="x" * 2000)
                for i in range({BATCH})
            ])
            batch += 1
        print(batch, flush=True)
    """
)


def writer_items(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        count: int = conn.execute("select count(*) from items where source = 'writer'").fetchone()[
            0
        ]
    finally:
        conn.close()
    return count


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "gazette.db"
    open_store(path).close()
    return path


@pytest.fixture
def writer(db: Path, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    stop = tmp_path / "stop-writing"
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(stop)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "writing"
    yield process
    stop.touch()
    process.communicate(timeout=30)


def test_backups_taken_while_another_process_writes_are_whole(
    db: Path, tmp_path: Path, writer: subprocess.Popen[str]
) -> None:
    counts = []
    for n in range(4):
        while writer_items(db) <= (counts[-1] if counts else 0):
            time.sleep(0.01)  # let the writer get ahead of the last backup
        target = tmp_path / "backups" / f"b{n}.db"
        result = run_cli("--db", str(db), "backup", str(target))
        assert f"backed up {db} to {target}" in result.stdout
        conn = sqlite3.connect(target)
        try:
            assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
            assert conn.execute("pragma journal_mode").fetchone() == ("delete",)
        finally:
            conn.close()
        counts.append(writer_items(target))
        assert counts[-1] % BATCH == 0, f"backup {n} holds half a transaction"
    assert counts == sorted(counts) and counts[-1] > counts[0] > 0
    assert not list((tmp_path / "backups").glob(".*"))  # no temporary file left


def test_restore_brings_back_the_backup_and_keeps_the_replaced_database(
    db: Path, tmp_path: Path, writer: subprocess.Popen[str]
) -> None:
    while writer_items(db) < 3 * BATCH:
        time.sleep(0.01)
    backup = tmp_path / "saved.db"
    run_cli("--db", str(db), "backup", str(backup))
    saved = writer_items(backup)
    (tmp_path / "stop-writing").touch()
    writer.wait(timeout=30)
    before = writer_items(db)
    assert before > saved

    result = run_cli("--db", str(db), "restore", str(backup))

    assert writer_items(db) == saved
    kept = sorted(db.parent.glob("gazette.before-restore-*.db"))
    assert len(kept) == 1 and writer_items(kept[0]) == before  # nothing lost
    assert f"kept the previous database as {kept[0]}" in result.stdout
    with open_store(db) as store:  # and it is a working Gazette database
        assert store.count_items() == saved


def test_restore_refuses_while_a_run_holds_the_lock(db: Path, tmp_path: Path) -> None:
    backup = tmp_path / "saved.db"
    run_cli("--db", str(db), "backup", str(backup))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom gazette.lock import run_lock\n"
            "with run_lock(Path(sys.argv[1])):\n    print('locked', flush=True)\n"
            "    time.sleep(60)\n",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = db.read_bytes()
        result = run_cli("--db", str(db), "restore", str(backup), expect=3)
        assert f"another gazette run (pid {holder.pid}) holds" in result.stderr
        assert db.read_bytes() == before
        assert not list(db.parent.glob("*before-restore*"))
    finally:
        holder.kill()
        holder.wait()


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("create table notes (body text)")
    conn.commit()
    conn.close()


def _newer(path: Path) -> None:
    shutil.copy(path.parent / "data" / "gazette.db", path)
    conn = sqlite3.connect(path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at)"
        " values ('gazette', 'm999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()


def _corrupt(path: Path) -> None:
    shutil.copy(path.parent / "data" / "gazette.db", path)
    data = bytearray(path.read_bytes())
    page = sqlite_page_size(data)
    data[page : page + 300] = b"\xff" * 300  # garble the header of the second b-tree page
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("not a database"), "not a SQLite database"),
        (_foreign, "not a Gazette database"),
        (_newer, "newer Gazette (database schema m999_from_the_future; this Gazette"),
        (_corrupt, "database is corrupt"),
    ],
    ids=["text", "foreign", "newer", "corrupt"],
)
def test_restore_checks_the_backup_before_touching_anything(
    db: Path, tmp_path: Path, make: object, message: str
) -> None:
    bad = tmp_path / "bad.db"
    make(bad)  # type: ignore[operator]
    before = db.read_bytes()
    result = run_cli("--db", str(db), "restore", str(bad), expect=2)
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert db.read_bytes() == before
    assert lock_holder(db) is None


def test_backup_paths(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    into_folder = run_cli("--db", str(db), "backup", str(folder))
    made = list(folder.glob("gazette-*.db"))
    assert len(made) == 1 and str(made[0]) in into_folder.stdout
    again = run_cli("--db", str(db), "backup", str(made[0]), expect=2)
    assert "already exists; pass --force" in again.stderr
    run_cli("--db", str(db), "backup", str(made[0]), "--force")
    itself = run_cli("--db", str(db), "backup", str(db), "--force", expect=2)
    assert "that is the database itself" in itself.stderr
    missing = run_cli("--db", str(tmp_path / "none.db"), "backup", str(folder), expect=2)
    assert "no database to back up" in missing.stderr
    assert not (tmp_path / "none.db").exists()


# -- doctor -------------------------------------------------------------------------


def _by_name(report: DoctorReport) -> dict[tuple[str, str], Check]:
    return {(c.section, c.name): c for c in report.checks}


def test_doctor_on_a_good_setup(workspace: Path) -> None:
    run_cli("--db", "g.db", "fetch", "--since", "2026-01-01")
    result = run_cli("--db", "g.db", "doctor")
    assert "ready: 0 failed, 0 warnings" in result.stdout
    report = doctor(Path("gazette.toml"), Path("g.db"))
    assert {c.section for c in report.checks} == {
        "config",
        "database",
        "templates",
        "sources",
        "lock",
        "paths",
    }
    checks = _by_name(report)
    assert checks[("database", "contents")].detail.startswith("2")  # hundreds of items
    assert checks[("sources", "hexpm")].detail.startswith("last fetched 20")
    for name in ("email", "text", "site"):
        assert checks[("templates", name)].level == "ok"
    assert not report.failed


def test_doctor_only_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("--db", "data/g.db", "doctor")  # no config, no database yet
    assert "ready: 0 failed" in result.stdout
    checks = _by_name(doctor(None, Path("data/g.db")))
    assert checks[("config", "load")].level == "warn"  # built-in defaults
    assert checks[("database", "file")].level == "warn"
    assert checks[("sources", "hexpm")].detail == "never fetched"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing created


def _config_with(workspace: Path, extra: str) -> None:
    config = workspace / "gazette.toml"
    config.write_text(config.read_text("utf-8") + "\n" + extra + "\n", "utf-8")


def test_doctor_reports_a_bad_config(workspace: Path) -> None:
    _config_with(workspace, "[site]\nserch = true")
    result = run_cli("doctor", expect=1)
    assert "problems found: 1 failed" in result.stdout
    check = _by_name(doctor(Path("gazette.toml"), Path("g.db")))[("config", "load")]
    assert check.level == "fail" and "unknown key 'serch' in [site]" in check.detail


def test_doctor_reports_a_corrupt_database(workspace: Path) -> None:
    run_cli("--db", "g.db", "fetch", "--since", "2026-01-01", "--source", "hexpm")
    data = bytearray(Path("g.db").read_bytes())
    size = sqlite_page_size(data)
    for page in range(2, len(data) // size):
        data[page * size : page * size + 8] = b"\xff" * 8  # every b-tree page header
    Path("g.db").write_bytes(bytes(data))
    run_cli("--db", "g.db", "doctor", expect=1)
    check = _by_name(doctor(Path("gazette.toml"), Path("g.db")))[("database", "integrity")]
    assert check.level == "fail" and "restore a backup" in check.detail


def test_doctor_reports_a_broken_template_override(workspace: Path) -> None:
    (workspace / "mytemplates" / "email").mkdir(parents=True)
    (workspace / "mytemplates" / "email" / "issue.mjml.j2").write_text("{% if %}\n", "utf-8")
    config = workspace / "gazette.toml"
    text = config.read_text("utf-8").replace(
        "[paths]\n", '[paths]\ntemplates_dir = "mytemplates"\n'
    )
    config.write_text(text, "utf-8")
    run_cli("doctor", expect=1)
    checks = _by_name(doctor(Path("gazette.toml"), Path("g.db")))
    assert checks[("templates", "overrides")].detail == "mytemplates: email/issue.mjml.j2"
    assert checks[("templates", "email")].level == "fail"
    assert "issue.mjml.j2" in checks[("templates", "email")].detail
    assert checks[("templates", "site")].level == "ok"


def test_doctor_reports_an_unknown_source_kind(workspace: Path) -> None:
    _config_with(workspace, '[[sources]]\nname = "mastodon"\nkind = "fediverse"\nbase_url = "x"')
    run_cli("doctor", expect=1)
    check = _by_name(doctor(Path("gazette.toml"), Path("g.db")))[("sources", "config")]
    assert check.level == "fail" and "unknown kind 'fediverse'" in check.detail


def test_doctor_shows_a_held_lock(workspace: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom pathlib import Path\nfrom gazette.lock import run_lock\n"
            "with run_lock(Path('g.db')):\n    print('locked', flush=True)\n    time.sleep(60)\n",
        ],
        cwd=workspace,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        check = _by_name(doctor(Path("gazette.toml"), Path("g.db")))[("lock", "run lock")]
    finally:
        holder.kill()
        holder.wait()
    assert check.level == "warn" and f"held by pid {holder.pid}" in check.detail
    assert _by_name(doctor(Path("gazette.toml"), Path("g.db")))[("lock", "run lock")].level == "ok"


def test_doctor_online_probes_each_source(tmp_path: Path) -> None:
    shutil.copy(SAMPLE / "gazette.toml", tmp_path / "gazette.toml")
    with ReplayServer(SAMPLE) as server:
        good = run_gazette(
            "--db", "g.db", "doctor", "--online", cwd=tmp_path, env=child_env(server.url)
        )
        assert good.returncode == 0, good.stdout
        with ReplayServer(SAMPLE) as gone:
            dead = gone.url
        bad = run_gazette("--db", "g.db", "doctor", "--online", cwd=tmp_path, env=child_env(dead))
    assert bad.returncode == 1
    assert "elixirforum online" in bad.stdout and "problems found: 7 failed" in bad.stdout
