"""Rendering: one Jinja environment for the email and the site.

Autoescape is on everywhere. A user's ``[paths] templates_dir`` comes first in
a ChoiceLoader, so any built-in template can be overridden by name.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

import jinja2

from gazette.config import Settings
from gazette.errors import RenderError

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


def template_env(settings: Settings) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if settings.templates_dir is not None:
        if not settings.templates_dir.is_dir():
            raise RenderError(
                f"{settings.origin}: templates_dir {settings.templates_dir} is not a folder"
            )
        loaders.append(jinja2.FileSystemLoader(settings.templates_dir))
    loaders.append(jinja2.FileSystemLoader(BUILTIN_TEMPLATES))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@cache
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs: compiling the site's and the
    email's templates is a good part of a small command's time. Entries carry
    the source's checksum, so an edited template (built-in or the user's) is
    compiled afresh. ``GAZETTE_TEMPLATE_CACHE=off`` disables it."""
    configured = os.environ.get("GAZETTE_TEMPLATE_CACHE", "")
    if configured == "off":
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(configured or Path(base) / "gazette" / "templates")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"gazette-templates-{os.getuid()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None  # read-only everywhere: compile every time
    return jinja2.FileSystemBytecodeCache(str(folder))


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
