"""`gazette doctor`: every reason the weekly run could fail, found in one go.

Each check looks and never changes anything: the database is opened
read-only (a missing one is not created), the templates render into a
temporary folder, the lock is probed and released at once. A check that
cannot run because an earlier one failed (no settings without a config) is
skipped rather than reported twice.

Levels: ``ok``; ``warn`` for what a run survives (a source that failed last
time, a database not created yet); ``fail`` for what stops a run or loses
work (a config error, a corrupt database, a broken template, a folder that
cannot be written). ``gazette doctor`` exits 1 when anything failed.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from gazette.config import DEFAULT_CONFIG_NAME, Settings, load_settings
from gazette.errors import DatabaseCorrupt, GazetteError, StorageError
from gazette.lock import lock_holder, lock_path

log = logging.getLogger(__name__)

Level = Literal["ok", "warn", "fail"]
LOW_DISK_BYTES = 100 * 1024 * 1024
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    section: str  # config, database, templates, sources, lock, paths
    name: str
    level: Level
    detail: str


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    def add(self, section: str, name: str, level: Level, detail: str) -> None:
        self.checks.append(Check(section, name, level, detail))
        log.debug("%s %s: %s %s", section, name, level, detail)

    @property
    def failed(self) -> bool:
        return any(c.level == "fail" for c in self.checks)

    def count(self, level: Level) -> int:
        return sum(c.level == level for c in self.checks)


def doctor(
    config_path: Path | None,
    db_path: Path,
    out_dir: Path = Path("out"),
    online: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> DoctorReport:
    """Check configuration, database, templates, sources, lock and paths.

    ``online`` also sends one GET to each enabled source's base URL (or feed
    URL); ``transport`` is for tests that want a specific HTTP transport.
    """
    report = DoctorReport()
    settings = _check_config(report, config_path)
    last_fetch = _check_database(report, db_path)
    if settings is not None:
        _check_templates(report, settings)
        _check_sources(report, settings, last_fetch)
        if online:
            _probe_sources(report, settings, transport)
    _check_lock(report, db_path)
    _check_paths(report, settings, db_path, out_dir)
    return report


# -- configuration ------------------------------------------------------------


def _check_config(report: DoctorReport, config_path: Path | None) -> Settings | None:
    try:
        settings = load_settings(config_path)
    except GazetteError as exc:
        report.add("config", "load", "fail", str(exc))
        return None
    enabled = sum(s.enabled for s in settings.sources)
    if config_path is None and not Path(DEFAULT_CONFIG_NAME).exists():
        report.add(
            "config",
            "load",
            "warn",
            f"no {DEFAULT_CONFIG_NAME} here: using the built-in defaults",
        )
    else:
        report.add(
            "config",
            "load",
            "ok",
            f"{settings.origin}: {len(settings.sources)} sources, {enabled} enabled",
        )
    if not settings.publication.base_url.startswith(("https://", "http://")):
        report.add(
            "config",
            "publication.base_url",
            "warn",
            "not an http(s) URL: feed, sitemap and canonical links will be wrong",
        )
    return settings


# -- database -----------------------------------------------------------------


def _check_database(report: DoctorReport, db_path: Path) -> dict[str, tuple[str, str, str]]:
    """Returns each source's latest fetch_state row: (checked_at, status, error)."""
    from gazette.ops import inspect_database

    if not db_path.exists():
        report.add(
            "database", "file", "warn", f"{db_path}: not created yet (the first fetch creates it)"
        )
        return {}
    try:
        info = inspect_database(db_path)
    except DatabaseCorrupt as exc:
        # The CLI's one line names the first finding; here is the detail.
        shown = "; ".join(exc.findings[:10])
        more = f" (and {len(exc.findings) - 10} more)" if len(exc.findings) > 10 else ""
        report.add(
            "database", "integrity", "fail", f"{db_path}: corrupt: {shown}{more}; restore a backup"
        )
        return {}
    except StorageError as exc:
        # The disk, not the data: the database is fine once the disk is.
        report.add("database", "file", "fail", f"{exc}; the data itself is not damaged")
        return {}
    except GazetteError as exc:
        report.add("database", "integrity", "fail", str(exc))
        return {}
    report.add(
        "database",
        "integrity",
        "ok",
        f"{db_path}: {info.size / 1e6:.1f} MB, integrity_check ok",
    )
    if info.pending:
        report.add(
            "database",
            "migrations",
            "warn",
            f"{len(info.pending)} pending ({', '.join(info.pending)}); the next command applies them",
        )
    else:
        report.add("database", "migrations", "ok", f"all {len(info.migrations)} applied")
    report.add("database", "contents", "ok", f"{info.items} items, {info.issues} published issues")
    return _last_fetches(db_path)


def _last_fetches(db_path: Path) -> dict[str, tuple[str, str, str]]:
    """Per source: its latest failure if that is newer than its latest success,
    else its latest success, as (checked_at, status, error)."""
    from gazette.store import open_store_readonly

    try:
        with open_store_readonly(db_path) as store:
            history = store.fetch_history()
    except sqlite3.DatabaseError:
        return {}
    last_ok: dict[str, tuple[str, str, str]] = {}
    last_failure: dict[str, tuple[str, str, str]] = {}
    for record in history:
        row = (record.checked_at, record.status, record.error)
        (last_ok if record.status == "ok" else last_failure)[record.source] = row
    latest = dict(last_ok)
    for source, failure in last_failure.items():
        if source not in latest or failure[0] >= latest[source][0]:
            latest[source] = failure
    return latest


# -- templates ----------------------------------------------------------------


def _check_templates(report: DoctorReport, settings: Settings) -> None:
    from gazette.models import Issue, Pick, PublishedIssue
    from gazette.render.email import render_email
    from gazette.render.site import build_site
    from gazette.render.text import render_text
    from gazette.render.web import issue_body_html

    if settings.templates_dir is not None:
        if settings.templates_dir.is_dir():
            overrides = sorted(
                p.relative_to(settings.templates_dir).as_posix()
                for p in settings.templates_dir.rglob("*")
                if p.is_file()
            )
            report.add(
                "templates",
                "overrides",
                "ok",
                f"{settings.templates_dir}: {', '.join(overrides) or 'empty'}",
            )
        else:
            report.add(
                "templates", "overrides", "fail", f"{settings.templates_dir}: folder not found"
            )
            return
    issue = Issue(
        week="2026-W02",
        title="Doctor's check",
        emoji="🩺",
        subtitle="every template, rendered once",
        welcome=settings.publication.welcome,
        picks=(
            Pick(
                headline="A story",
                emoji="🧪",
                body="A *short* summary.",
                url="https://example.org/story",
                link_text="Read it",
                tags=("doctor",),
            ),
        ),
        sign_off=settings.publication.sign_off,
        editor=settings.publication.editor,
        ps=settings.publication.ps,
        number=1,
        published_on="2026-01-12",
    )
    renders: list[tuple[str, Callable[[], object]]] = [
        ("email", lambda: render_email(issue, settings)),
        ("text", lambda: render_text(issue, settings)),
    ]
    with tempfile.TemporaryDirectory(prefix="gazette-doctor-") as folder:

        def site() -> object:
            published = PublishedIssue(
                week=issue.week,
                number=1,
                slug="doctors-check",
                title=issue.title,
                published_on="2026-01-12",
                html_utf8=issue_body_html(issue).encode("utf-8"),
                tags=("doctor",),
                emoji=issue.emoji,
                subtitle=issue.subtitle,
            )
            return build_site([published], settings, Path(folder))

        renders.append(("site", site))
        for name, render in renders:
            try:
                render()
            except Exception as exc:  # any template bug, reported rather than raised
                report.add("templates", name, "fail", f"{type(exc).__name__}: {exc}")
            else:
                report.add("templates", name, "ok", "renders")


# -- sources ------------------------------------------------------------------


def _check_sources(
    report: DoctorReport, settings: Settings, last_fetch: dict[str, tuple[str, str, str]]
) -> None:
    from gazette.sources import build_sources

    try:
        build_sources(settings)
    except GazetteError as exc:
        report.add("sources", "config", "fail", str(exc))
        return
    for source in settings.sources:
        if not source.enabled:
            report.add("sources", source.name, "ok", "disabled")
            continue
        seen = last_fetch.get(source.name)
        if seen is None:
            report.add("sources", source.name, "warn", "never fetched")
        elif seen[1] != "ok":
            report.add(
                "sources", source.name, "warn", f"{seen[1]} at {seen[0]}: {seen[2] or 'no detail'}"
            )
        else:
            report.add("sources", source.name, "ok", f"last fetched {seen[0]}")


def _probe_sources(
    report: DoctorReport, settings: Settings, transport: httpx.BaseTransport | None
) -> None:
    headers = {"User-Agent": settings.fetch.user_agent}
    timeout = min(settings.fetch.timeout, PROBE_TIMEOUT)
    with httpx.Client(
        headers=headers, timeout=timeout, follow_redirects=True, transport=transport
    ) as client:
        for source in settings.sources:
            if not source.enabled:
                continue
            url = source.base_url or source.url
            try:
                with client.stream("GET", url) as response:
                    status = response.status_code
            except httpx.HTTPError as exc:
                report.add("sources", f"{source.name} online", "fail", f"{url}: {exc}")
                continue
            # Any answer below 500 means the host is there; a base URL need not be a page.
            level: Level = "ok" if status < 500 else "fail"
            report.add("sources", f"{source.name} online", level, f"{url}: HTTP {status}")


# -- lock and paths -----------------------------------------------------------


def _check_lock(report: DoctorReport, db_path: Path) -> None:
    holder = lock_holder(db_path)
    if holder is None:
        report.add("lock", "run lock", "ok", f"{lock_path(db_path)}: free")
    else:
        report.add(
            "lock",
            "run lock",
            "warn",
            f"held by pid {holder}: a run is in progress (weekly and restore will exit 3)",
        )


def _check_paths(
    report: DoctorReport, settings: Settings | None, db_path: Path, out_dir: Path
) -> None:
    folders = [("database folder", db_path.parent), ("output folder", out_dir)]
    if settings is not None:
        folders.append(("issues folder", settings.issues_dir))
    for name, folder in folders:
        existing = _nearest_existing(folder)
        if existing is None or not existing.is_dir():
            report.add("paths", name, "fail", f"{folder}: no folder can be created there")
        elif not os.access(existing, os.W_OK | os.X_OK):
            report.add("paths", name, "fail", f"{folder}: not writable ({existing})")
        else:
            note = "" if existing == folder else f" (created on first use under {existing})"
            report.add("paths", name, "ok", f"{folder}: writable{note}")
    existing = _nearest_existing(db_path.parent)
    if existing is not None:
        free = shutil.disk_usage(existing).free
        level: Level = "ok" if free >= LOW_DISK_BYTES else "warn"
        report.add("paths", "disk space", level, f"{free / 1e9:.1f} GB free at {existing}")


def _nearest_existing(path: Path) -> Path | None:
    for candidate in (path, *path.absolute().parents):
        if candidate.exists():
            return candidate
    return None
