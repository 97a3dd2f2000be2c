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
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from gazette.errors import GazetteError

if TYPE_CHECKING:
    from gazette.config import Settings
    from gazette.draft.status import DraftStatus
    from gazette.store import Store

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "data/gazette.db"


@dataclass
class Context:
    config: Path | None = None
    db: Path | None = None
    verbosity: int = 0  # -1 quiet, 0 default, 1 -v, 2 -vv

    def settings(self) -> Settings:
        from gazette.config import load_settings

        return load_settings(self.config)

    def store(self) -> Store:
        from gazette.store import open_store

        return open_store(self.db_path)

    @contextmanager
    def locked_store(self) -> Iterator[Store]:
        """The store under the run lock, for commands that write in bulk (fetch,
        publish, build-site, import): a cron run and a hand-run command never
        interleave (exit 3 for the one that comes second)."""
        from gazette.lock import run_lock

        with run_lock(self.db_path), self.store() as store:
            yield store

    @property
    def db_path(self) -> Path:
        return self.db or Path(os.environ.get("GAZETTE_DB") or DEFAULT_DB)


def verbosity_options(func: F) -> F:
    """-v / -q: how much goes to stderr (on the group and on every command)."""
    func = click.option(
        "-q", "--quiet", is_flag=True, help="Only errors: no tables, no log lines below ERROR."
    )(func)
    return click.option(
        "-v",
        "--verbose",
        count=True,
        help="Log what happens to stderr (-v: steps, -vv: debug).",
    )(func)


def set_verbosity(ctx: Context, verbose: int, quiet: bool) -> None:
    from gazette.logs import configure

    if quiet:
        ctx.verbosity = -1
    elif verbose:
        ctx.verbosity = verbose
    configure(ctx.verbosity)
    # The console is module state: reset it too, not only set it, or one quiet
    # call in a long-lived process (tests) would silence every later one.
    if ctx.verbosity < 0 or "gazette.output" in sys.modules:
        from gazette.output import console

        console.quiet = ctx.verbosity < 0


def global_options(func: F) -> F:
    """--config, --db, -v and -q on every command (they may also come before it)."""

    @verbosity_options
    @click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path, dir_okay=False),
        help="gazette.toml to read (default ./gazette.toml, else built-in defaults).",
    )
    @click.option(
        "--db",
        "db",
        type=DatabasePath(),
        help="SQLite database (env GAZETTE_DB, default data/gazette.db).",
    )
    @functools.wraps(func)
    def wrapper(
        *args: Any, config: Path | None, db: Path | None, verbose: int, quiet: bool, **kwargs: Any
    ) -> Any:
        ctx = click.get_current_context().ensure_object(Context)
        ctx.config = config or ctx.config
        ctx.db = db or ctx.db
        if verbose or quiet:
            set_verbosity(ctx, verbose, quiet)
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# SQLite integers are 64-bit: a larger id is no id, not an OverflowError.
ITEM_ID = click.IntRange(1, 2**63 - 1)
# A count the user asks for (--limit, --to): at least one, and not absurd.
COUNT = click.IntRange(1, 10**6)
PORT = click.IntRange(0, 65535)
# Weeks whose neighbours (the ranking looks back, the site forward) are dates.
FIRST_YEAR, LAST_YEAR = 1970, 9998


class OutFolder(click.Path):
    """A folder the command writes into: refused at once when it is a file (or
    /dev/null) or its nearest existing parent is not a folder, rather than
    after a fetch that took minutes."""

    def __init__(self) -> None:
        super().__init__(path_type=Path, file_okay=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        if str(value) == "":
            self.fail("an empty path is not a folder", param, ctx)
        if path.exists() and not path.is_dir():
            self.fail(f"{path} exists and is not a folder", param, ctx)
        for parent in path.parents:
            if parent.exists():
                if not parent.is_dir():
                    self.fail(f"{parent} is not a folder", param, ctx)
                break
        return path


class DatabasePath(click.Path):
    """--db: a file path; an empty one, a folder or a device (/dev/null) is no
    database, and SQLite would misread or refuse it only later."""

    def __init__(self) -> None:
        super().__init__(path_type=Path, dir_okay=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if str(value) == "":
            self.fail("an empty path is not a database file", param, ctx)
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        if path.exists() and not path.is_file():
            self.fail(f"{path} is not a regular file", param, ctx)
        return path


class InFolder(click.Path):
    """An existing folder to read (click's own check lets /dev/null through)."""

    def __init__(self) -> None:
        super().__init__(path_type=Path, file_okay=False, exists=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        if not path.is_dir():
            self.fail(f"{path} is not a folder", param, ctx)
        return path


def week_option(func: F) -> F:
    return click.option(
        "--week", "week", metavar="YYYY-Www", help="ISO week (default: the current week)."
    )(func)


def folder_option(name: str, dest: str, default: str, help: str) -> Callable[[F], F]:
    """A folder the command writes into (--out DIR, --site DIR)."""
    return click.option(
        name,
        dest,
        type=OutFolder(),
        default=default,
        show_default=True,
        help=help,
    )


def date_option(help: str) -> Callable[[F], F]:
    """--date YYYY-MM-DD, the publication date (publish, weekly --publish)."""
    return click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help=help)


def resolve_week(week: str | None) -> str:
    from gazette.timeutil import current_week, week_bounds

    if week is None:
        return current_week()
    try:
        start, _ = week_bounds(week)
    except (ValueError, OverflowError) as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise click.BadParameter(
            f"{week}: weeks of {FIRST_YEAR} to {LAST_YEAR} only", param_hint="--week"
        )
    return week


def require_known_tags(names: Sequence[str], hint: str) -> None:
    """The same refusal for `candidates --tag` and `tag ID +t`: a tag the
    taxonomy does not know would match nothing and tag pages would split."""
    if not names:
        return
    from gazette.tags import load_taxonomy

    known = load_taxonomy().names
    for name in names:
        if name not in known:
            raise click.BadParameter(
                f"unknown tag {name!r} (known: {', '.join(known)})", param_hint=hint
            )


def obj() -> Context:
    return click.get_current_context().ensure_object(Context)


class GazetteGroup(click.Group):
    """Turns library errors into one helpful line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from gazette.faults import from_os_error, from_sqlite_error

        try:
            return super().invoke(ctx)
        except GazetteError as exc:
            report(exc)
        except OSError as exc:
            # The machine, not a bug: a full disk, a read-only mount, a path
            # that is a file. Atomic writes and transactions left things whole.
            report(from_os_error(exc))
        except sqlite3.Error as exc:
            from gazette.store import BUSY_TIMEOUT

            report(from_sqlite_error(exc, ctx.ensure_object(Context).db_path, BUSY_TIMEOUT))


def report(exc: GazetteError) -> NoReturn:
    """Print ``exc`` as its one line on stderr and exit with its code."""
    click.echo(f"Error: {explain(exc)}", err=True)
    sys.exit(exc.exit_code)


def explain(exc: GazetteError) -> str:
    """The error's one line, with the command or option that helps next.

    The library names what is wrong and keeps the facts (a week, an item id, an
    argument's name); only here do they become `gazette ...` and --options.
    """
    from gazette import errors

    match exc:
        case errors.DraftMissing(week=None):
            return f"{exc}; create it with `gazette draft`"
        case errors.DraftMissing(week=week):
            return f"{exc}; create it with `gazette draft --week {week}`"
        case errors.DraftExists():
            return f"{exc}; edit it with `gazette edit` or delete it to start over"
        case errors.NotInDraft():
            return f"{exc} (`gazette status` lists the picks)"
        case errors.AlreadyPicked(item_id=item_id):
            return f"{exc}; `gazette unpick {item_id}` first to move it to another section"
        case errors.StoryInCandidates():
            return f"{exc} (or `gazette pick ID`)"
        case errors.ItemNotFound(week=week):
            return f"{exc}; `gazette candidates{f' --week {week}' if week else ''}` lists the ids"
        case errors.BadArgument(argument=argument, reason=reason, path=path):
            option = "--" + argument.replace("_", "-")
            return f"{path + ': ' if path else ''}{option} {reason}"
        case errors.ConfigMissing():
            return f"{exc} (create one with `gazette init` or pass --config)"
        case errors.DatabaseMissing():
            return f"{exc} (pass --db)"
        case errors.DatabaseCorrupt():
            return (
                f"{exc}; `gazette doctor` shows the detail, `gazette restore` brings back a backup"
            )
        case errors.DatabaseNewer():
            return f"{exc}; upgrade gazette, or pass another --db"
        case errors.DatabaseLocked():
            return f"{exc}; try again when it has finished (`fuser` names it)"
        case errors.DiskFull():
            return f"{exc}; free some space and run the command again (nothing was half-written)"
        case errors.ReadOnlyStorage():
            return f"{exc}; remount it read-write, or pass another path (--db, --out)"
        case errors.NotPermitted():
            return f"{exc}; fix the permissions (an immutable file needs `chattr -i`) or pass another path"
        case errors.BadPath():
            return f"{exc}; pass another path"
        case errors.StorageError():
            return f"{exc}; check the disk, then run the command again"
        case errors.DatabaseUnusable(foreign=True):
            return f"{exc}; pass another --db"
        case errors.DatabaseUnusable():
            return f"{exc}; restore a backup (`gazette restore`) or pass another --db"
        case errors.PublishedOtherwise():
            return f"{exc}; use --force to publish a revision"
        case errors.SmtpUnreachable():
            return f"{exc} (check [smtp] host and port, or --smtp)"
        case errors.PortUnavailable():
            return f"{exc} (try another --port)"
    return str(exc)


def fail(exc: GazetteError, advice: str) -> NoReturn:
    """Report ``exc`` with advice only this command can give, and exit."""
    click.echo(f"Error: {explain(exc)}; {advice}", err=True)
    sys.exit(exc.exit_code)


@click.group(cls=GazetteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="gazette.toml to read.",
)
@click.option("--db", "db", type=DatabasePath(), help="SQLite database file.")
@verbosity_options
@click.version_option(package_name="gazette")
@click.pass_context
def cli(
    ctx: click.Context, config: Path | None, db: Path | None, verbose: int, quiet: bool
) -> None:
    """Gazette collects a week of Elixir-ecosystem news, drafts a newsletter
    issue for the editor, and renders the email and the web archive.

    The weekly workflow: fetch, candidates, draft, edit, check, render, publish,
    build-site; or `gazette weekly` from cron.

    Results go to stdout; log lines go to stderr (-v for more, -q for errors
    only). Colour follows the terminal and NO_COLOR; progress bars appear only
    on a terminal.
    """
    ctx.obj = Context(config=config, db=db)
    set_verbosity(ctx.obj, verbose, quiet)


@cli.command()
@click.argument("directory", type=OutFolder(), default=".")
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

    Unchanged documents (304) are not parsed again. On a terminal a progress bar
    runs until the summary table; --json prints only the results. Exits 1 when
    any source failed; the others are still stored.
    """
    from gazette.fetch import fetch_iter
    from gazette.output import console, print_fetch_results
    from gazette.pipeline import default_since
    from gazette.progress import fetch_progress

    settings = obj().settings()
    show_bar = not as_json and sys.stdout.isatty()
    with obj().locked_store() as store, fetch_progress(console, show_bar) as progress:
        start = since.replace(tzinfo=UTC) if since else default_since(settings)
        run = fetch_iter(settings, store, start, only=sources)
        results = run.in_config_order(progress.track(run))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        print_fetch_results(results)
    if any(r.status == "failed" for r in results):
        sys.exit(1)


@cli.command()
@global_options
@week_option
@click.option(
    "--limit", type=COUNT, default=20, show_default=True, help="How many stories to show."
)
@click.option("--tag", "tags", multiple=True, help="Only stories with this tag (repeatable).")
@click.option("--explain", is_flag=True, help="Show every component of every score.")
@click.option("--json", "as_json", is_flag=True, help="Print the candidates as JSON.")
def candidates(
    week: str | None, limit: int, tags: tuple[str, ...], explain: bool, as_json: bool
) -> None:
    """The week's ranked stories, best first."""
    from gazette.candidates import week_candidates
    from gazette.output import candidates_json, print_candidates

    resolved = resolve_week(week)
    require_known_tags(tags, "--tag")
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
@click.argument("item_id", metavar="ID", type=ITEM_ID)
@click.option(
    "--llm/--no-llm",
    "use_llm",
    default=None,
    help="Ask the [llm] endpoint (default: [llm] enabled); falls back to extractive with a warning.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Also put the summary into story ID's body in the week's draft, if that body is empty.",
)
@click.option(
    "--replace", "replace_body", is_flag=True, help="With --write: replace a non-empty body too."
)
def summarize(
    week: str | None, item_id: int, use_llm: bool | None, write: bool, replace_body: bool
) -> None:
    """Print a summary of story ID (an id from `gazette candidates`).

    Offline it is extractive: whole sentences from the story's own text, within
    [draft] summary_words. With --llm it comes from the OpenAI-compatible
    endpoint in [llm] (cached in the database), checked for names, versions,
    numbers and links its source does not support. --week picks the week whose
    stories ID is clustered with (default: the week it was published in).
    """
    from gazette.summarize import summarize_item

    with obj().store() as store:
        result = summarize_item(
            store, obj().settings(), item_id, use_llm, week=resolve_week(week) if week else None
        )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(result.text)
    source = result.backend + (" (cached)" if result.cached else "")
    click.echo(f"({source})", err=True)
    if write or replace_body:
        from gazette.draft.verbs import write_summary

        outcome = write_summary(
            obj().settings(),
            resolve_week(week),
            item_id,
            result.text,
            replace_body=replace_body,
        )
        advice = "" if outcome.changed or replace_body else " (--replace to overwrite)"
        click.echo(outcome.message + advice, err=True)


@cli.command()
@global_options
@week_option
@click.option(
    "--refresh",
    is_flag=True,
    help="List stories never offered in the draft yet as commented lines under"
    " '## Candidates'; nothing else in the draft changes.",
)
@click.option(
    "--limit",
    type=COUNT,
    default=25,
    show_default=True,
    help="With --refresh: how many of the week's top-ranked stories to consider.",
)
def draft(week: str | None, refresh: bool, limit: int) -> None:
    """Create data/issues/<week>.md from the week's top stories.

    An existing draft is never overwritten (it holds your words); --refresh adds
    the stories that arrived since as candidates you can `gazette pick`.
    """
    from gazette.draft.create import create_draft

    resolved = resolve_week(week)
    if refresh:
        from gazette.draft.verbs import refresh_draft

        with obj().store() as store:
            refreshed = refresh_draft(store, obj().settings(), resolved, limit)
        click.echo(refreshed.message)
        return
    with obj().store() as store:
        outcome = create_draft(store, obj().settings(), resolved)
    issue = outcome.draft.issue
    click.echo(
        f"wrote {outcome.path}: {len(issue.picks)} picks" + (", 1 feature" if issue.feature else "")
    )


@cli.command()
@global_options
@week_option
@click.option(
    "--links",
    is_flag=True,
    help="Also request every link (HEAD, else GET; politely, per host) and report broken ones.",
)
def check(week: str | None, links: bool) -> None:
    """Lint the draft; every finding names its line. Exits 1 when there are errors.

    Errors: structure, missing summaries or links, non-http(s) links, duplicate
    links, email HTML over 100 KB, broken links. Warnings: tracking parameters,
    links featured in the last 25 issues, headlines over 90 characters, more
    than five minutes of reading, images without alt text, email over 80 KB.
    """
    from gazette.draft.check import check_week

    with obj().store() as store:
        report = check_week(store, obj().settings(), resolve_week(week), links=links)
    for finding in report.findings:
        click.echo(finding.format(str(report.path)) + FINDING_ADVICE.get(finding.code, ""))
    for note in report.notes:
        click.echo(f"note: {note}")
    click.echo(f"{report.errors} errors, {report.warnings} warnings")
    if report.errors:
        sys.exit(1)


# What to do about a finding of `gazette check`, by its code.
FINDING_ADVICE = {"no-picks": " (gazette pick ID)"}


@cli.command()
@global_options
@week_option
@click.argument("item_id", metavar="ID", type=ITEM_ID)
@click.option(
    "--section",
    type=click.Choice(["picks", "feature", "quick-links"]),
    default="picks",
    show_default=True,
    help="Where the story goes (it is added last; `gazette move` reorders).",
)
@click.option("--emoji", help="The story's emoji instead of the suggested one.")
@click.option("--headline", help="The story's headline instead of the source's title.")
def pick(
    week: str | None, item_id: int, section: str, emoji: str | None, headline: str | None
) -> None:
    """Add story ID (from `gazette candidates` or the draft's Candidates list)
    to the draft, with its summary, link, tags and emoji."""
    from gazette.draft.verbs import pick_item

    with obj().store() as store:
        outcome = pick_item(
            store,
            obj().settings(),
            resolve_week(week),
            item_id,
            section,  # type: ignore[arg-type]
            emoji=emoji,
            headline=headline,
        )
    click.echo(outcome.message)


@cli.command()
@global_options
@week_option
@click.argument("item_id", metavar="ID", type=ITEM_ID)
def unpick(week: str | None, item_id: int) -> None:
    """Remove story ID from the draft; it goes back to the Candidates list and
    its text is kept in <week>.md.unpicked beside the draft."""
    from gazette.draft.verbs import unpick_item

    outcome = unpick_item(obj().settings(), resolve_week(week), item_id)
    click.echo(outcome.message)


@cli.command()
@global_options
@week_option
@click.argument("item_id", metavar="ID", type=ITEM_ID)
@click.argument("direction", type=click.Choice(["up", "down", "top", "bottom"]), required=False)
@click.option("--to", "to", type=COUNT, metavar="N", help="Move to position N (1 = first).")
def move(week: str | None, item_id: int, direction: str | None, to: int | None) -> None:
    """Reorder story ID within its section: `move ID up`, `move ID down`,
    `move ID top`, `move ID bottom` or `move ID --to N`."""
    from gazette.draft.verbs import move_item

    if (direction is None) == (to is None):
        raise click.UsageError("give a direction (up, down, top, bottom) or --to N, not both")
    steps = {"up": -1, "down": 1, "top": -(10**6), "bottom": 10**6}
    outcome = move_item(
        obj().settings(),
        resolve_week(week),
        item_id,
        to=to,
        by=steps[direction] if direction else None,
    )
    click.echo(outcome.message)


@cli.command(context_settings={"ignore_unknown_options": True})
@global_options
@week_option
@click.argument("item_id", metavar="ID", type=ITEM_ID)
@click.argument("changes", metavar="+TAG|-TAG...", nargs=-1, required=True)
def tag(week: str | None, item_id: int, changes: tuple[str, ...]) -> None:
    """Add (+tag) or remove (-tag) tags of story ID: `gazette tag 42 +otp -ecto`.

    A tag spelled like an option of this command (-q, -v) goes after "--":
    `gazette tag 42 -- -q`.
    """
    from gazette.draft.verbs import parse_tag_changes, tag_item

    # Only additions are checked: removing a tag the taxonomy no longer has is
    # how a draft gets rid of it.
    if any(not change.strip("+- ") for change in changes):
        raise click.BadParameter("an empty tag change (use +tag or -tag)", param_hint="+TAG")
    added, _ = parse_tag_changes(changes)
    require_known_tags(added, "+TAG")
    outcome = tag_item(obj().settings(), resolve_week(week), item_id, changes)
    click.echo(outcome.message)


@cli.command()
@global_options
@week_option
def edit(week: str | None) -> None:
    """Open the draft in $VISUAL or $EDITOR, then report problems with line numbers.

    Exits 1 when the saved draft does not parse (it is kept as saved).
    """
    from gazette.draft.check import check_draft
    from gazette.draft.editor import edit_draft

    report = edit_draft(obj().settings(), resolve_week(week))
    if report.problem is not None:
        click.echo(f"Error: {explain(report.problem)}", err=True)
        sys.exit(1)
    assert report.draft is not None
    findings = check_draft(report.draft)
    for finding in findings:
        click.echo(finding.format(str(report.path)) + FINDING_ADVICE.get(finding.code, ""))
    issue = report.draft.issue
    click.echo(
        f"saved {report.path}: {len(issue.picks)} picks"
        + (", 1 feature" if issue.feature else "")
        + f", {len(issue.quick_links)} quick links; `gazette check` for the full lint"
    )


@cli.command()
@global_options
@week_option
def status(week: str | None) -> None:
    """What is picked per section, the word count and the reading time
    (the newsletter promises five minutes)."""
    from gazette.draft.status import draft_status

    for line in status_lines(draft_status(obj().settings(), resolve_week(week))):
        click.echo(line)


def status_lines(status: DraftStatus) -> list[str]:
    out = [f"{status.path}"]
    for title, stories in status.sections:
        out.append(f"{title} ({len(stories)}):")
        if not stories:
            out.append("  (none)")
        for position, story in enumerate(stories, start=1):
            ident = str(story.item_id) if story.item_id is not None else "-"
            label = f"{story.emoji} {story.headline}".strip()
            out.append(f"  {position}. [{ident}] {label}  (line {story.line})")
    if status.candidates:
        out.append(f"Candidates listed: {status.candidates} (`gazette pick ID`)")
    verdict = (
        "within"
        if status.minutes <= status.budget
        else f"{status.minutes - status.budget:.1f} min over"
    )
    out.append(
        f"{status.words} words, about {status.minutes:.1f} min to read"
        f" ({verdict} the {status.budget:g}-minute promise)"
    )
    return out


@cli.command()
@global_options
@week_option
@click.option(
    "--port", type=PORT, default=8001, show_default=True, help="Port on 127.0.0.1 (0: any free)."
)
def preview(week: str | None, port: int) -> None:
    """Serve the draft on 127.0.0.1 as the email (desktop and 375 px) and the web
    page; the page reloads when the draft is saved. Ctrl-C stops it."""
    import contextlib

    from gazette.draft import draft_path
    from gazette.preview import PreviewServer

    settings = obj().settings()
    resolved = resolve_week(week)
    path = draft_path(settings.issues_dir, resolved)
    if not path.exists():
        click.echo(
            f"{path}: no draft yet; create it with `gazette draft --week {resolved}`"
            " (the page shows it once it exists)",
            err=True,
        )
    with PreviewServer(settings, path, port=port) as server:
        click.echo(f"Previewing {path} on {server.url}/ (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()


@cli.command()
@global_options
@week_option
@click.option(
    "--port", type=PORT, default=8002, show_default=True, help="Port to listen on (0: any free)."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; beyond loopback it needs GAZETTE_STUDIO_PASSWORD set.",
)
def studio(week: str | None, port: int, host: str) -> None:
    """The editor's desk in the browser: the week's candidates beside the draft
    and its email; pick, order, tag and edit with clicks and keys (? lists them).
    Every change is the verb's change of the draft file. Ctrl-C stops it."""
    from gazette.studio.server import PASSWORD_ENV, StudioServer

    server = StudioServer(
        obj().settings(),
        resolve_week(week),
        obj().db_path,
        host=host,
        port=port,
        password=os.environ.get(PASSWORD_ENV),
    )
    if not server.session.path.exists():
        click.echo(
            f"{server.session.path}: no draft yet; create it with"
            f" `gazette draft --week {server.session.week}` (the page shows it once it exists)",
            err=True,
        )
    click.echo(f"Studio for {server.session.path} on {server.url}/ (Ctrl-C to stop)")
    server.run()


@cli.command()
@global_options
@week_option
@folder_option(
    "--out", "out_dir", "out", "Folder for email.html, email.txt, email.eml and web.html."
)
def render(week: str | None, out_dir: Path) -> None:
    """Write the week's email and web page into --out.

    email.html and email.txt are the two parts of the email, email.eml joins
    them into one multipart message (for a provider's import or a mail client),
    web.html is the issue as a standalone page. Unsubscribe links use the merge
    tags of [email] provider.
    """
    from gazette.render.week import render_outputs

    with obj().store() as store:
        outcome = render_outputs(store, obj().settings(), resolve_week(week), out_dir)
    for path in outcome.files:
        click.echo(f"wrote {path}")


@cli.command()
@global_options
@week_option
@click.option(
    "--to",
    "recipients",
    multiple=True,
    required=True,
    metavar="ADDR",
    help="Recipient address (repeatable).",
)
@click.option(
    "--smtp",
    "server",
    metavar="HOST:PORT",
    help="SMTP server to use instead of [smtp] host and port.",
)
def send(week: str | None, recipients: tuple[str, ...], server: str | None) -> None:
    """Send the week's issue to ADDR as a multipart email (a test send).

    Renders the draft as `render` does and hands it to the SMTP server of
    [smtp]: security starttls (port 587), ssl (port 465) or none; with a
    username it logs in with the password from the environment variable named
    by password_env. To trust a private CA, set SSL_CERT_FILE to its PEM file.
    """
    from gazette.send import check_recipients, parse_server, send_week

    settings = obj().settings()
    try:
        to = check_recipients(recipients)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from None
    target = None
    if server is not None:
        try:
            target = parse_server(server, settings.smtp.port)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--smtp") from None
    with obj().store() as store:
        outcome = send_week(store, settings, resolve_week(week), to, server=target)
    click.echo(f"sent {outcome.subject!r} to {', '.join(outcome.recipients)} via {outcome.server}")


@cli.command()
@global_options
@week_option
@click.option(
    "--force",
    is_flag=True,
    help="Publish changed content of an already published issue as a new revision.",
)
@date_option("Publication date (default: today).")
@folder_option("--site", "site_dir", "out/site", "The archive folder to rebuild after publishing.")
def publish(week: str | None, force: bool, on: datetime | None, site_dir: Path) -> None:
    """Freeze the week's issue (its number, date and content), then rebuild the
    archive in --site.

    Publishing the same content again changes nothing; changed content needs
    --force, which keeps the replaced content as a revision in the database.
    """
    from gazette.pipeline import build_archive
    from gazette.publish import publish as publish_issue

    settings = obj().settings()
    with obj().locked_store() as store:
        outcome = publish_issue(
            store,
            settings,
            resolve_week(week),
            today=on.date() if on else None,
            force=force,
        )
        number = outcome.issue.number
        if outcome.changed:
            click.echo(
                f"published issue #{number} (revision {outcome.revision}): {outcome.issue.title}"
            )
        else:
            click.echo(f"issue #{number} is already published with this content")
        archive = build_archive(store, settings, site_dir)
    click.echo(archive.summary(site_dir))


@cli.command("build-site")
@global_options
@folder_option("--out", "out_dir", "out/site", "Folder of the archive; copy it to any static host.")
def build_site(out_dir: Path) -> None:
    """Build the static archive of every published issue into --out.

    Only files whose content changed are written (each atomically), so a rebuild
    with nothing new writes nothing. With [site] search = true, every story is
    then indexed into --out/search-index/ (only the years that changed).
    """
    from gazette.pipeline import build_archive

    with obj().locked_store() as store:
        archive = build_archive(store, obj().settings(), out_dir)
    click.echo(archive.summary(out_dir))


@cli.command("import-archive")
@global_options
@click.argument("directory", type=InFolder())
@click.option(
    "--base-url",
    default="",
    metavar="URL",
    help="Where the archive was published (https://blog.example.org): its site-relative"
    " links resolve there. Without it they are dropped.",
)
def import_archive(directory: Path, base_url: str) -> None:
    """Import past issues from the Markdown files under DIRECTORY.

    Each file starts with Pelican-style headers (Title:, Date:, Number:, Tags:
    lines, then a blank line), YAML front matter between --- lines, or TOML
    front matter between +++ lines, as This Week in Rust, Jekyll and Hugo keep
    them. Each becomes a published issue with its number (or the next free one,
    in date order), date, tags and body. Files that cannot be read are listed
    with the reason and skipped (exit 1); the rest is imported in one
    transaction, all or nothing. Run build-site afterwards.
    """
    from gazette.importer import import_archive as run_import

    with obj().locked_store() as store:
        report = run_import(store, directory, base_url)
    for line in report.lines():
        click.echo(line)
    if report.skipped:
        sys.exit(1)


@cli.command()
@global_options
@week_option
@folder_option(
    "--out",
    "out_dir",
    "out",
    "Folder for the week's files (OUT/<week>/) and the archive (OUT/site).",
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
@click.option(
    "--force",
    is_flag=True,
    help="Publish even when check finds errors, or publish a changed draft as a new revision.",
)
@date_option("Publication date when --publish publishes (default: today).")
@click.option(
    "--send-to",
    "send_to",
    multiple=True,
    metavar="ADDR",
    help="Mail the rendered issue to ADDR at the end through [smtp] (repeatable).",
)
def weekly(
    week: str | None,
    out_dir: Path,
    since: datetime | None,
    do_publish: bool,
    force: bool,
    on: datetime | None,
    send_to: tuple[str, ...],
) -> None:
    """The cron entry: lock, fetch, draft, render, check (and publish).

    Under a lock beside the database (a second run at the same time exits 3),
    fetches every source, creates the week's draft (or adds new stories to an
    existing one as commented candidates, the editor's words untouched; a
    published week's draft is left alone), renders it into OUT/<week>/ and
    checks it. With
    --publish, publishes when check finds no errors and rebuilds OUT/site. The
    run report is printed and saved as OUT/<week>/report.json. With --send-to,
    the rendered issue is mailed to the editor at the end.

    Exits 1 when a source failed, check found errors, publishing was refused
    or the mail could not be sent. Safe to kill: the next run finishes the work.
    """
    from gazette.lock import run_lock
    from gazette.output import console, print_weekly_report
    from gazette.pipeline import default_since
    from gazette.pipeline import weekly as run_weekly
    from gazette.progress import fetch_progress

    settings = obj().settings()
    resolved = resolve_week(week)
    # A folder that cannot be made fails now, not after minutes of fetching.
    out_dir.mkdir(parents=True, exist_ok=True)
    show_bar = sys.stdout.isatty() and not console.quiet
    with (
        run_lock(obj().db_path),
        obj().store() as store,
        fetch_progress(console, show_bar) as progress,
    ):
        start = since.replace(tzinfo=UTC) if since else default_since(settings)
        report = run_weekly(
            store,
            settings,
            resolved,
            out_dir,
            start,
            publish=do_publish,
            force=force,
            today=on.date() if on else date.today(),
            fetch_progress=progress,
            send_to=send_to,
        )
    print_weekly_report(report)
    if report.publish_failed and report.errors:
        click.echo("fix the draft, or publish it anyway with --force", err=True)
    sys.exit(report.exit_code)


@cli.command()
@global_options
@click.argument("target", metavar="PATH", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it is an existing file.")
def backup(target: Path, force: bool) -> None:
    """Write a consistent copy of the database to PATH (a file, or a folder).

    Uses SQLite's online backup API, so it is safe while another gazette
    command writes. In a folder the copy is named <db>-<UTC time>.db. The copy
    is checked before it gets its name. Restore it with `gazette restore`.
    """
    from gazette.errors import FileExists
    from gazette.ops import backup_database

    try:
        info = backup_database(obj().db_path, target, overwrite=force)
    except FileExists as exc:
        fail(exc, "pass --force to replace it or another path")
    click.echo(
        f"backed up {obj().db_path} to {info.path}: {info.items} items, {info.issues} issues"
    )


@cli.command()
@global_options
@click.argument(
    "source", metavar="BACKUP", type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
def restore(source: Path) -> None:
    """Replace the database by the BACKUP file made with `gazette backup`.

    The backup is checked first (SQLite, integrity, a Gazette database this
    version can read). Refuses while a run holds the lock (exit 3). The current
    database is kept beside it as <db>.before-restore-<UTC time>.db.
    """
    from gazette.ops import restore_database

    outcome = restore_database(source, obj().db_path)
    if outcome.previous is not None:
        click.echo(f"kept the previous database as {outcome.previous}")
    restored = outcome.restored
    click.echo(
        f"restored {restored.path} from {source}: {restored.items} items, {restored.issues} issues"
    )


@cli.command()
@global_options
@folder_option("--out", "out_dir", "out", "Output folder whose writability to check.")
@click.option("--online", is_flag=True, help="Also send one GET to each enabled source.")
def doctor(out_dir: Path, online: bool) -> None:
    """Check configuration, database, templates, sources, lock and folders.

    Only looks: opens the database read-only and renders the templates into
    a temporary folder. Exits 1 when any check fails.
    """
    from gazette.doctor import doctor as run_doctor
    from gazette.output import print_doctor_report

    report = run_doctor(obj().config, obj().db_path, out_dir=out_dir, online=online)
    print_doctor_report(report)
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument("directory", type=InFolder())
@click.option("--port", type=PORT, default=8000, show_default=True, help="Port on 127.0.0.1.")
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


@cli.group("sources")
def sources_group() -> None:
    """The configured sources: list them, import and export feeds as OPML.

    Feeds are [[sources]] tables of kind "feed" in gazette.toml. A list of real
    Elixir blogs and podcasts ships with Gazette: `gazette sources import-opml
    data/feeds.opml` adds them.
    """


@sources_group.command("list")
@global_options
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
def sources_list(as_json: bool) -> None:
    """Show every configured source: name, kind, enabled, weight and address."""
    from rich.table import Table

    from gazette.output import console, plain
    from gazette.sources import source_rows

    rows = source_rows(obj().settings())
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="sources")
    for column in ("name", "kind", "enabled", "weight"):
        table.add_column(column, no_wrap=True)
    table.add_column("address", overflow="fold")
    for row in rows:
        enabled = "yes" if row["enabled"] else "no"
        values = (row["name"], row["kind"], enabled, f"{row['weight']:g}", row["address"])
        table.add_row(*(plain(v) for v in values))
    console.print(table)


@sources_group.command("import-opml")
@global_options
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def sources_import_opml(file: Path) -> None:
    """Add the feeds of the OPML FILE to gazette.toml as [[sources]] of kind "feed".

    The tables are appended to the end of the file, so its comments stay as they
    are. Feeds whose URL is already configured are skipped; names are made from
    the feed titles and kept unique.
    """
    from gazette.opml import config_in_use, import_opml

    result = import_opml(config_in_use(obj().config), file)
    for source in result.added:
        click.echo(f"added {source.name}: {source.url}")
    for title, reason in result.skipped:
        click.echo(f"skipped {title}: {reason}")
    click.echo(f"{result.config}: {len(result.added)} added, {len(result.skipped)} skipped")


@sources_group.command("export-opml")
@global_options
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def sources_export_opml(file: Path | None, force: bool) -> None:
    """Write every feed source as OPML 2.0 to FILE (default: standard output)."""
    from gazette.opml import export_opml, write_opml

    text = export_opml(obj().settings())
    if file is None:
        click.echo(text, nl=False)
    else:
        from gazette.errors import BadPath, FileExists

        if file.exists() and not file.is_file():
            # As root, replacing /dev/null would replace the device itself.
            raise BadPath(file, "is not a regular file")
        try:
            write_opml(file, text, force=force)
        except FileExists as exc:
            fail(exc, "pass --force to overwrite it")
        click.echo(f"wrote {file}")


def main() -> None:
    cli(prog_name="gazette")
