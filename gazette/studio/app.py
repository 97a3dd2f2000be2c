"""The studio's web app (Starlette): the desk page, its fragments and actions.

Pages are Jinja templates (``templates/studio/``) from the one shared
environment, so everything scraped is autoescaped. Each action is a POST that
calls one verb through ``gazette.studio.actions`` and answers with the desk
re-rendered from the file, plus a notice; htmx swaps it in. Blocking work (the
verbs, SQLite, rendering) runs in a worker thread so the page's polling stays
answered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from gazette.config import Settings
from gazette.models import SectionName
from gazette.store import Store
from gazette.studio import actions
from gazette.studio.desk import DeskView
from gazette.studio.guard import Guard, Rules
from gazette.studio.previews import Previews, error_page
from gazette.studio.session import Notice, Session, version_of

if TYPE_CHECKING:
    from gazette.draft.check import CheckReport
    from gazette.models import Candidate

STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {
    "htmx.min.js": ("htmx-2.0.11.min.js", "text/javascript"),
    "studio.js": ("studio.js", "text/javascript"),
    "studio.css": ("studio.css", "text/css"),
}
SECTIONS: tuple[SectionName, ...] = ("picks", "feature", "quick-links")
VERSION_HEADER = "x-draft-version"


@dataclass(frozen=True)
class Frame:
    id: str
    label: str
    title: str
    src: str
    width: int


# The email at the width of a desktop client and of a phone, light and dark,
# and the standalone web page.
FRAMES = (
    Frame("email-600", "600 px", "The email at 600 px", "/preview/email", 600),
    Frame("email-375", "375 px", "The email at 375 px", "/preview/email", 375),
    Frame(
        "email-600-dark", "600 dark", "The email at 600 px, dark", "/preview/email?scheme=dark", 600
    ),
    Frame(
        "email-375-dark", "375 dark", "The email at 375 px, dark", "/preview/email?scheme=dark", 375
    ),
    Frame("web", "Web", "The web page", "/preview/web", 1000),
)
CHANGED_ON_DISK = "The draft changed on disk (saved in an editor, or by a command); reloaded."


class Studio:
    """The state behind the app: the session, caches of what is slow to compute."""

    def __init__(self, session: Session, token: str) -> None:
        self.session = session
        self.token = token
        self.previews = Previews(session.settings)
        self._ranked: list[Candidate] | None = None
        self._checked: tuple[bytes | None, CheckReport | None] = (None, None)

    @property
    def settings(self) -> Settings:
        return self.session.settings

    def store(self) -> Store:
        from gazette.store import open_store

        return open_store(self.session.db_path)

    def desk_html(self, notice: Notice | None = None) -> str:
        """The desk fragment for the draft as it is on disk now."""
        return self._desk(self.view(), notice)

    def _desk(self, view: DeskView, notice: Notice | None = None) -> str:
        from gazette.render import render_template, template_env

        env = template_env(self.settings)
        return render_template(env, "studio/_desk.html.j2", view=view, notice=notice)

    def view(self) -> DeskView:
        from gazette.studio.desk import desk_view, parsed

        session = self.session
        data = session.read()
        path = str(session.path)
        draft, problem = parsed(data, path)
        with self.store() as store:
            ranked = self.ranked(store)
            offered = store.offered(session.week)
            report = self.checked(store, data) if draft is not None else None
        return desk_view(
            session.week,
            path,
            version_of(data),
            draft,
            problem,
            report,
            ranked,
            offered,
            session.can_undo,
        )

    def ranked(self, store: Store) -> list[Candidate]:
        # The store changes only when a fetch runs; one ranking serves the run.
        if self._ranked is None:
            from gazette.candidates import week_candidates

            self._ranked = week_candidates(store, self.settings, self.session.week)
        return self._ranked

    def checked(self, store: Store, data: bytes | None) -> CheckReport | None:
        from gazette.draft.check import check_week
        from gazette.errors import GazetteError

        if self._checked[1] is None or self._checked[0] != data:
            try:
                report = check_week(store, self.settings, self.session.week)
            except GazetteError:
                report = None
            self._checked = (data, report)
        return self._checked[1]

    def page_html(self) -> str:
        from gazette.render import render_template, template_env

        view = self.view()
        return render_template(
            template_env(self.settings),
            "studio/studio.html.j2",
            desk=Markup(self._desk(view)),
            week=self.session.week,
            token=self.token,
            version=view.version,
            tags=view.tags,
            sources=view.sources,
            frames=FRAMES,
        )


def create_app(studio: Studio, rules: Rules) -> Guard:
    """The ASGI app behind its guard."""

    def state(request: Request) -> Studio:
        return cast(Studio, request.app.state.studio)

    async def page(request: Request) -> Response:
        return HTMLResponse(await run_in_threadpool(state(request).page_html))

    async def desk(request: Request) -> Response:
        changed = request.query_params.get("changed") == "1"
        notice = Notice(CHANGED_ON_DISK, "warning") if changed else None
        return HTMLResponse(await run_in_threadpool(state(request).desk_html, notice))

    async def version(request: Request) -> Response:
        return JSONResponse({"version": state(request).session.version()})

    async def static(request: Request) -> Response:
        found = STATIC_FILES.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse("not found", status_code=404)
        name, media_type = found
        return Response((STATIC / name).read_bytes(), media_type=media_type)

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    async def preview(request: Request) -> Response:
        studio = state(request)
        kind = request.path_params["kind"]
        session = studio.session
        rendered = await run_in_threadpool(studio.previews.of, session.read(), str(session.path))
        if rendered.error:
            return HTMLResponse(error_page(rendered.error))
        if kind == "email":
            dark = request.query_params.get("scheme") == "dark"
            return HTMLResponse(rendered.email_dark() if dark else rendered.email)
        if kind == "web":
            return HTMLResponse(rendered.web)
        return PlainTextResponse("not found", status_code=404)

    async def story_form(request: Request) -> Response:
        studio = state(request)
        item_id = request.path_params["item_id"]
        return HTMLResponse(await run_in_threadpool(_story_form, studio, item_id))

    def change(
        do: Callable[[Studio, dict[str, str], int], str],
    ) -> Callable[[Request], Awaitable[Response]]:
        """An action: read the form, run the verb unless the draft moved, answer the desk."""

        async def endpoint(request: Request) -> Response:
            studio = state(request)
            form = await _form(request)
            seen = request.headers.get(VERSION_HEADER, "")
            item_id = request.path_params.get("item_id", _int(form, "item"))
            if item_id is None:
                return PlainTextResponse("which story? (an item id)", status_code=400)

            def work() -> str:
                notice = studio.session.change(seen, lambda: do(studio, form, item_id))
                return studio.desk_html(notice)

            return HTMLResponse(await run_in_threadpool(work))

        return endpoint

    async def undo(request: Request) -> Response:
        studio = state(request)
        seen = request.headers.get(VERSION_HEADER, "")

        def work() -> str:
            return studio.desk_html(studio.session.undo(seen))

        return HTMLResponse(await run_in_threadpool(work))

    async def suggest(request: Request) -> Response:
        studio = state(request)
        form = await _form(request)
        item_id = request.path_params["item_id"]
        use_llm = form.get("backend") == "llm"
        return HTMLResponse(await run_in_threadpool(_suggestion, studio, item_id, use_llm))

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/desk", desk),
            Route("/version", version),
            Route("/static/{name}", static),
            Route("/favicon.ico", no_icon),
            Route("/preview/{kind}", preview),
            Route("/story/{item_id:int}/edit", story_form),
            Route("/pick", change(_pick), methods=["POST"]),
            Route("/unpick", change(_unpick), methods=["POST"]),
            Route("/move", change(_move), methods=["POST"]),
            Route("/story/{item_id:int}/edit", change(_edit), methods=["POST"]),
            Route("/story/{item_id:int}/suggest", suggest, methods=["POST"]),
            Route("/undo", undo, methods=["POST"]),
        ]
    )
    app.state.studio = studio
    return Guard(app, rules)


async def _form(request: Request) -> dict[str, str]:
    # A urlencoded body, parsed here (one value per field) rather than through
    # python-multipart, which the studio would need for nothing else.
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _int(form: dict[str, str], name: str) -> int | None:
    value = form.get(name, "").strip()
    return int(value) if value.lstrip("-").isdigit() else None


def _pick(studio: Studio, form: dict[str, str], item_id: int) -> str:
    section = form.get("section", "picks")
    if section not in SECTIONS:
        return f"not a section: {section!r}"
    session = studio.session
    with studio.store() as store:
        return actions.pick(
            store, session.settings, session.week, item_id, cast(SectionName, section)
        )


def _unpick(studio: Studio, form: dict[str, str], item_id: int) -> str:
    return actions.unpick(studio.settings, studio.session.week, item_id)


def _move(studio: Studio, form: dict[str, str], item_id: int) -> str:
    return actions.move(
        studio.settings, studio.session.week, item_id, by=_int(form, "by"), to=_int(form, "to")
    )


def _edit(studio: Studio, form: dict[str, str], item_id: int) -> str:
    """The story's edit form: each part that changed goes through its own verb
    (heading, then tags, then summary); undo takes back all of them at once."""
    from gazette.draft import read_draft

    session = studio.session
    story = next(
        (p for p in read_draft(session.path).issue.all_picks if p.item_id == item_id), None
    )
    if story is None:
        return f"{item_id} is not in the draft"
    messages = []
    emoji = form.get("emoji", story.emoji).strip()
    headline = " ".join(form.get("headline", story.headline).split())
    if (emoji, headline) != (story.emoji, story.headline):
        messages.append(actions.retitle(session.path, item_id, emoji, headline))
    tags = [t for t in form.get("tags", ", ".join(story.tags)).replace(",", " ").split() if t]
    if tuple(tags) != story.tags:
        messages.append(actions.retag(session.settings, session.week, item_id, story.tags, tags))
    summary = form.get("summary")
    if summary is not None and summary.strip() != story.body.strip():
        messages.append(actions.write_summary(session.settings, session.week, item_id, summary))
    return "; ".join(messages) or f"{item_id}: nothing changed"


def _story_form(studio: Studio, item_id: int) -> str:
    from gazette.draft import read_draft
    from gazette.render import render_template, template_env

    draft = read_draft(studio.session.path)
    story = next((p for p in draft.issue.all_picks if p.item_id == item_id), None)
    quick = story is not None and story in draft.issue.quick_links
    return render_template(
        template_env(studio.settings), "studio/_edit.html.j2", story=story, quick=quick
    )


def _suggestion(studio: Studio, item_id: int, use_llm: bool) -> str:
    from gazette.cluster import story_of
    from gazette.errors import GazetteError
    from gazette.faithfulness import story_source_text, unsupported_claims
    from gazette.render import render_template, template_env

    session = studio.session
    try:
        with studio.store() as store:
            result = actions.suggest_summary(
                store, session.settings, session.week, item_id, use_llm
            )
            story = story_of(store, item_id, session.week)
        claims = [c.describe() for c in unsupported_claims(result.text, story_source_text(story))]
        problem = ""
    except GazetteError as exc:
        result, claims, problem = None, [], str(exc)
    findings = list(result.warnings) if result else []
    findings += [
        f"unsupported by the source: {c}" for c in claims if not any(c in f for f in findings)
    ]
    return render_template(
        template_env(session.settings),
        "studio/_suggestion.html.j2",
        item_id=item_id,
        result=result,
        findings=findings,
        problem=problem,
    )
