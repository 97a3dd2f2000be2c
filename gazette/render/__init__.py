"""Rendering: the one Jinja environment of the process.

The email, the standalone web page, the site and the LLM's prompts all render
through ``template_env(settings)``. It is built once per template folder and
then shared, with every filter registered when it is built
(``gazette.render.filters``): rendering never changes it. Autoescape is on for
every template but the prompts (``_autoescape`` says why). A user's ``[paths]
templates_dir`` comes first in the loader, so any built-in template can be
overridden by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2

from gazette.config import Settings
from gazette.errors import RenderError
from gazette.render import filters
from gazette.user_cache import cache_folder

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
# Plain text for a model, not a page: see _autoescape.
PROMPTS_FOLDER = "prompts/"
# Part of the compiled-template cache's file names. Compiled code depends on
# more than the template's text, which is all jinja2 checks: how each filter
# is called (with the context or not) and whether the template autoescapes.
# Bumped when either changes, so no cache compiled for the old ones is read.
_COMPILED_FORMAT = 2


def template_env(settings: Settings) -> jinja2.Environment:
    """The environment for ``settings``' templates: built on first use, then shared."""
    folder = settings.templates_dir
    if folder is not None and not folder.is_dir():
        raise RenderError(f"{settings.origin}: templates_dir {folder} is not a folder")
    return _environment(folder.resolve() if folder is not None else None)


def builtin_template_env() -> jinja2.Environment:
    """The environment of the built-in templates alone (no user overrides)."""
    return _environment(None)


@cache
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    # Keyed by the folder alone, the only setting an environment depends on, so
    # every Settings loaded in the process (each test loads its own) shares it.
    folders = [templates_dir, BUILTIN_TEMPLATES] if templates_dir else [BUILTIN_TEMPLATES]
    env = jinja2.Environment(
        loader=_OverridableLoader(folders),
        bytecode_cache=_bytecode_cache(),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.register(env)
    return env


def _autoescape(name: str | None) -> bool:
    """Autoescape for every template (HTML, MJML, XML, robots.txt, the email's
    theme macros and a user's own) except the LLM prompts under ``prompts/``.

    Not jinja2.select_autoescape: it decides by file extension, and the prompts
    share theirs (``.j2``) with templates that must escape (``email/_theme.j2``,
    whose macros feed the HTML). A prompt is plain text sent to a model, never
    shown as HTML; escaping would show the model ``&#39;`` for every apostrophe.
    What the model answers is cleaned to plain text (``gazette.llm.tidy``)
    before anyone sees it.
    """
    return not (name or "").startswith(PROMPTS_FOLDER)


class _OverridableLoader(jinja2.BaseLoader):
    """Templates from the first folder that has them, and never stale.

    jinja2's ChoiceLoader and FileSystemLoader would serve a stale template from
    an environment that lives as long as the process (a preview server, for
    hours): they check only the modification time of the file a template came
    from, so a user's override saved after the built-in template was loaded was
    never seen, nor an edit within one tick of the file system's clock. Here a
    template is current while its file's size, time and inode are unchanged and
    no folder before it has gained a file of that name.
    """

    def __init__(self, folders: list[Path]) -> None:
        self.loaders = [jinja2.FileSystemLoader(folder) for folder in folders]

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        for index, loader in enumerate(self.loaders):
            try:
                source, filename, _ = loader.get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
            assert filename is not None  # a FileSystemLoader always names its file
            return source, filename, self._uptodate(environment, template, filename, index)
        raise jinja2.TemplateNotFound(template)

    def _uptodate(
        self, environment: jinja2.Environment, template: str, filename: str, index: int
    ) -> Callable[[], bool]:
        loaded = _file_state(filename)
        earlier = self.loaders[:index]

        def current() -> bool:
            return _file_state(filename) == loaded and not any(
                _has(other, environment, template) for other in earlier
            )

        return current

    def list_templates(self) -> list[str]:
        return sorted({name for loader in self.loaders for name in loader.list_templates()})


def _file_state(filename: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(filename)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _has(loader: jinja2.BaseLoader, environment: jinja2.Environment, template: str) -> bool:
    try:
        loader.get_source(environment, template)
    except jinja2.TemplateNotFound:
        return False
    return True


@cache
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs: compiling the site's and the
    email's templates is a good part of a small command's time. Entries carry
    the source's checksum, so an edited template (built-in or the user's) is
    compiled afresh. ``GAZETTE_TEMPLATE_CACHE=off`` disables it."""
    configured = os.environ.get("GAZETTE_TEMPLATE_CACHE", "")
    if configured == "off":
        return None
    folder = cache_folder("templates", configured)
    if folder is None:
        return None  # read-only everywhere: compile every time
    return jinja2.FileSystemBytecodeCache(str(folder), f"gazette-{_COMPILED_FORMAT}-%s.cache")


def render_template(env: jinja2.Environment, name: str, **context: object) -> str:
    """Render ``name``; template mistakes become a RenderError naming the template."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template {exc.filename or name}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template {exc.name} not found") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template {name}: {exc.message}") from None


def template_source(env: jinja2.Environment, name: str) -> str:
    """The text of ``name`` as the loader finds it (a user's override first),
    for files placed as they are: the stylesheet, the search script."""
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise RenderError(f"template {name} not found") from None
    return source
