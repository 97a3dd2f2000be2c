"""The issue as one standalone web page (``web.html`` beside the email).

The same body the archive publishes (``issue_body_html``), in a page that needs
no other file: the archive's stylesheet is inlined, so it opens from disk, from
a preview server or as an attachment, and looks like the issue's archive page.
"""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from gazette.config import Settings
from gazette.models import Issue
from gazette.render import render_template, template_env, template_source
from gazette.render.links import href
from gazette.render.web import issue_body_html

TEMPLATE = "email/web.html.j2"
STYLESHEET = "site/style.css"


def render_web_page(issue: Issue, settings: Settings, web_url: str | None = None) -> str:
    """The page's HTML; ``web_url`` (the archive page, once published) becomes canonical."""
    env = template_env(settings)
    return render_template(
        env,
        TEMPLATE,
        issue=issue,
        publication=settings.publication,
        body=Markup(issue_body_html(issue, env)),
        stylesheet=Markup(_stylesheet(env)),
        canonical=href(web_url),
    )


def _stylesheet(env: jinja2.Environment) -> str:
    # Inside <style>, only "</style" could end the element early.
    return template_source(env, STYLESHEET).replace("</", "<\\/")
