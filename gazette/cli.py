"""The `gazette` command: every command parses, makes one library call, prints.

Domain errors (GazetteError) become one line on stderr and the exit codes of
DESIGN.md: 0 ok, 1 partial failure, 2 usage or fatal error, 3 lock held.
Imports of the heavy stages happen inside the commands, so `gazette --help`
and small commands start fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gazette.errors import GazetteError

if TYPE_CHECKING:
    from gazette.config import Settings
    from gazette.store import Store

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "data/gazette.db"


@dataclass
class Context:
    config: Path | None = None
    db: Path | None = None

    def settings(self) -> Settings:
        from gazette.config import load_settings

        return load_settings(self.config)

    def store(self) -> Store:
        from gazette.store import open_store

        return open_store(self.db_path)

    @property
    def db_path(self) -> Path:
        return self.db or Path(os.environ.get("GAZETTE_DB") or DEFAULT_DB)


def global_options(func: F) -> F:
    """--config and --db on every command (they may also come before the command)."""

    @click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path, dir_okay=False),
        help="gazette.toml to read (default ./gazette.toml, else built-in defaults).",
    )
    @click.option(
        "--db",
        "db",
        type=click.Path(path_type=Path, dir_okay=False),
        help="SQLite database (env GAZETTE_DB, default data/gazette.db).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, config: Path | None, db: Path | None, **kwargs: Any) -> Any:
        ctx = click.get_current_context().ensure_object(Context)
        ctx.config = config or ctx.config
        ctx.db = db or ctx.db
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def week_option(func: F) -> F:
    return click.option(
        "--week", "week", metavar="YYYY-Www", help="ISO week (default: the current week)."
    )(func)


def resolve_week(week: str | None) -> str:
    from gazette.timeutil import current_week, week_bounds

    if week is None:
        return current_week()
    try:
        week_bounds(week)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    return week


def obj() -> Context:
    return click.get_current_context().ensure_object(Context)


class GazetteGroup(click.Group):
    """Turns library errors into one helpful line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GazetteError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=GazetteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="gazette.toml to read.",
)
@click.option(
    "--db", "db", type=click.Path(path_type=Path, dir_okay=False), help="SQLite database file."
)
@click.version_option(package_name="gazette")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, db: Path | None) -> None:
    """Gazette collects a week of Elixir-ecosystem news, drafts a newsletter
    issue for the editor, and renders the email and the web archive.

    The weekly workflow: fetch, candidates, draft, edit, check, render, publish,
    build-site; or `gazette weekly` from cron.
    """
    ctx.obj = Context(config=config, db=db)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
def init(directory: Path) -> None:
    """Write a commented gazette.toml and the data/ skeleton into DIRECTORY."""
    from gazette.workspace import init_workspace

    for path in init_workspace(directory):
        click.echo(f"created {path}")


@cli.command()
@global_options
@click.option(
    "--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable)."
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="How far back paged sources page (default: 8 days ago).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the per-source results as JSON.")
def fetch(sources: tuple[str, ...], since: datetime | None, as_json: bool) -> None:
    """Fetch every enabled source concurrently and store the items.

    Exits 1 when any source failed; the others are still stored.
    """
    from gazette.fetch import fetch_all
    from gazette.output import print_fetch_results
    from gazette.pipeline import default_since

    settings = obj().settings()
    with obj().store() as store:
        start = since.replace(tzinfo=UTC) if since else default_since(settings)
        results = fetch_all(settings, store, start, only=sources)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in results], indent=2))
    else:
        print_fetch_results(results)
    if any(r.status == "failed" for r in results):
        sys.exit(1)


@cli.command()
@global_options
@week_option
@click.option("--limit", default=20, show_default=True, help="How many stories to show.")
@click.option("--tag", "tags", multiple=True, help="Only stories with this tag (repeatable).")
@click.option("--explain", is_flag=True, help="Show every component of every score.")
@click.option("--json", "as_json", is_flag=True, help="Print the candidates as JSON.")
def candidates(
    week: str | None, limit: int, tags: tuple[str, ...], explain: bool, as_json: bool
) -> None:
    """The week's ranked stories, best first."""
    from gazette.output import candidates_json, print_candidates
    from gazette.pipeline import week_candidates

    resolved = resolve_week(week)
    with obj().store() as store:
        found = week_candidates(store, obj().settings(), resolved)
    if tags:
        found = [c for c in found if set(tags) & set(c.tags)]
    found = found[:limit]
    if as_json:
        click.echo(json.dumps(candidates_json(found), indent=2, ensure_ascii=False))
    else:
        print_candidates(resolved, found, explain)


@cli.command()
@global_options
@week_option
def draft(week: str | None) -> None:
    """Create data/issues/<week>.md from the week's top stories."""
    from gazette.pipeline import create_draft

    resolved = resolve_week(week)
    with obj().store() as store:
        outcome = create_draft(store, obj().settings(), resolved)
    issue = outcome.draft.issue
    click.echo(
        f"wrote {outcome.path}: {len(issue.picks)} picks" + (", 1 feature" if issue.feature else "")
    )


@cli.command()
@global_options
@week_option
def check(week: str | None) -> None:
    """Lint the draft; exits 1 when there are errors."""
    from gazette.check import check_draft
    from gazette.draft import draft_path, read_draft
    from gazette.render.email import render_email

    settings = obj().settings()
    path = draft_path(settings.issues_dir, resolve_week(week))
    parsed = read_draft(path)
    size = len(render_email(parsed.issue, settings).html.encode("utf-8"))
    findings = check_draft(parsed, size)
    for finding in findings:
        click.echo(finding.format(str(path)))
    errors = sum(f.level == "error" for f in findings)
    click.echo(f"{errors} errors, {len(findings) - errors} warnings")
    if errors:
        sys.exit(1)


@cli.command()
@global_options
@week_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default="out",
    show_default=True,
)
def render(week: str | None, out_dir: Path) -> None:
    """Write email.html and email.txt for the week's draft into --out."""
    from gazette.pipeline import render_outputs

    with obj().store() as store:
        outcome = render_outputs(store, obj().settings(), resolve_week(week), out_dir)
    for path in outcome.files:
        click.echo(f"wrote {path}")


@cli.command()
@global_options
@week_option
@click.option(
    "--force",
    is_flag=True,
    help="Publish changed content of an already published issue as a new revision.",
)
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Publication date (default: today).",
)
def publish(week: str | None, force: bool, on: datetime | None) -> None:
    """Freeze the week's issue: its number, date and content."""
    from gazette.publish import publish as publish_issue

    with obj().store() as store:
        outcome = publish_issue(
            store,
            obj().settings(),
            resolve_week(week),
            today=on.date() if on else None,
            force=force,
        )
    number = outcome.issue.number
    if outcome.changed:
        click.echo(
            f"published issue #{number} (revision {outcome.revision}): {outcome.issue.issue.title}"
        )
    else:
        click.echo(f"issue #{number} is already published with this content; nothing to do")


@cli.command("build-site")
@global_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default="out/site",
    show_default=True,
)
def build_site(out_dir: Path) -> None:
    """Build the static archive of every published issue into --out."""
    from gazette.pipeline import build_archive

    with obj().store() as store:
        written, unchanged = build_archive(store, obj().settings(), out_dir)
    click.echo(f"{out_dir}: {written} files written, {unchanged} unchanged")


@cli.command()
@global_options
@week_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default="out",
    show_default=True,
)
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="How far back paged sources page."
)
@click.option(
    "--publish",
    "do_publish",
    is_flag=True,
    help="Publish and rebuild the archive when check passes.",
)
@click.option("--force", is_flag=True, help="Publish even when check finds errors.")
def weekly(
    week: str | None, out_dir: Path, since: datetime | None, do_publish: bool, force: bool
) -> None:
    """The cron entry: lock, fetch, draft, check, render (and publish).

    Exits 1 when a source failed or check found errors, 3 when another run holds the lock.
    """
    from gazette.lock import run_lock
    from gazette.output import print_weekly_report
    from gazette.pipeline import default_since
    from gazette.pipeline import weekly as run_weekly

    settings = obj().settings()
    resolved = resolve_week(week)
    with run_lock(obj().db_path), obj().store() as store:
        start = since.replace(tzinfo=UTC) if since else default_since(settings)
        report = run_weekly(
            store,
            settings,
            resolved,
            out_dir,
            start,
            publish=do_publish,
            force=force,
            today=date.today(),
        )
    print_weekly_report(report)
    if report.failed_sources or any(": error:" in f for f in report.findings):
        sys.exit(1)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
def replay(directory: Path, port: int, host: str) -> None:
    """Serve recorded payloads from DIRECTORY like the real sites (offline runs)."""
    from gazette.replay import serve_forever

    try:
        serve_forever(directory, host, port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on {host}:{port}: {exc.strerror or exc}"
        ) from None


def main() -> None:
    cli(prog_name="gazette")
