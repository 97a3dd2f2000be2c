"""The issue email: HTML through MJML, the plain-text part, golden files, a real browser.

Regenerate the golden files with ``make golden`` (GAZETTE_REGEN_GOLDEN=1) and
review them as a diff.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import pytest

from gazette.config import Settings, load_settings
from gazette.draft import parse_draft, write_draft
from gazette.errors import ConfigError, RenderError
from gazette.models import Issue, Pick, Sponsor
from gazette.providers import PROVIDERS, FooterLinks, inert_template_syntax
from gazette.render.email import check_mjml, render_email
from gazette.render.links import href
from gazette.render.outputs import render_issue
from gazette.render.text import render_text
from gazette.render.theme import contrast
from tests.conftest import launch_chromium, require_chromium, run_cli
from tests.visible_text import read_visible

GOLDEN = Path(__file__).resolve().parent / "golden" / "email"
WEB_URL = "https://gazette.example.org/issues/12-drain-your-queue/"


def sample_issue() -> Issue:
    """An issue shaped like ../shared/reference/sample-issue.txt."""
    return Issue(
        week="2026-W02",
        number=12,
        published_on="2026-01-09",
        title="Drain Your Queue, Save Your Week",
        emoji="🔄",
        subtitle="GenServer migration reality check",
        welcome=(
            "Welcome to GigaElixir Gazette, your 5-minute digest of Elixir ecosystem news "
            "that actually matters 👋."
        ),
        picks=(
            Pick(
                emoji="🔄",
                headline=(
                    "Migrating GenServers Between Nodes? Drain and Restart Beats Clever Solutions"
                ),
                body=(
                    "Alex66 asked how to move running GenServers between nodes without losing "
                    "data. Three approaches emerged: blue-green deployment with proxy streaming, "
                    "hot code reload using `code_change/3` callbacks, or drain-and-restart.\n\n"
                    "The pragmatic truth: unless you're running a stock exchange, **drain the "
                    "queue and restart**. Five minutes of planned downtime beats three days "
                    "debugging race conditions. Let your message broker "
                    "([Pulsar](https://pulsar.apache.org/)) buffer during cutover."
                ),
                url="https://elixirforum.com/t/migrating-genservers-between-nodes/73012",
                link_text="Read the thread on Elixir Forum",
            ),
            Pick(
                emoji="🏠",
                headline="Homex Brings Home Assistant Integration to Nerves Without the YAML Hell",
                body=(
                    "Kevin Schweikert's Homex brings first-class Home Assistant integration to "
                    "Nerves devices without boilerplate. The entire implementation for a switch: "
                    "`use Homex.Entity.Switch`, implement `handle_on/1` and `handle_off/1`, done. "
                    "Homex handles autodiscovery, supervision, reconnection and deduplication "
                    "through MQTT."
                ),
                url="https://hex.pm/packages/homex",
                link_text="See the package on Hex.pm",
            ),
            Pick(
                emoji="🔐",
                headline="Phoenix Scopes Meet Oban Workers: Choose Tedious Over Insecure",
                body=(
                    "Miguel Cobá hit the architectural problem every Phoenix app faces: scopes "
                    "pass authorization context to every function, but Oban workers run later "
                    "without it. Serialize scope data into job args (verbose but secure), or add "
                    "non-scoped function heads (ships vulnerabilities). Choose tedious."
                ),
                url="https://elixirforum.com/t/phoenix-scopes-and-oban-workers/73101",
                link_text="Read the thread on Elixir Forum",
            ),
            Pick(
                emoji="⚖️",
                headline="Tribunal Tests LLM Outputs Like ExUnit Tests Code",
                body=(
                    "George Guimarães shipped the testing tool RAG pipelines need. Tribunal "
                    "integrates with ExUnit so you can `assert_faithful` and "
                    "`refute_hallucination` like any other assertion. The red team module "
                    "generates adversarial attacks automatically: base64 encoding, prompt "
                    "injection, jailbreak attempts. Its matchers expand "
                    # Scraped text as the draft holds it: identifiers stay text, not bold.
                    "\\_\\_MODULE\\_\\_ and %\\_\\_struct\\_\\_{} like any macro."
                ),
                url="https://github.com/georgeguimaraes/tribunal/releases/tag/v0.1.0",
                link_text="Read the release notes on GitHub",
            ),
        ),
        feature=Pick(
            headline=(
                "Framework Migrations Are Toil, Not Real Work - Stop Gatekeeping Tedious Tasks"
            ),
            body=(
                "Ricardo García Vega's blog sat dormant for four years. Not because he stopped "
                "caring about writing. Because framework migrations are high-friction, "
                "low-creativity work that drains energy and delays projects indefinitely.\n\n"
                "Here's the mistake developers make: treating mechanical translation work as if "
                "it requires deep expertise. The "
                "[usage_rules](https://hex.pm/packages/usage_rules) library changes the "
                "equation: your agent gets authoritative documentation on how "
                "to use your stack correctly, not hallucinated Stack Overflow answers from 2019."
            ),
            url="https://ricardogarciavega.com/blog/framework-migrations-are-toil",
            link_text="Read Ricardo's post",
            remember=(
                "usage_rules library = agent follows José's docs, not 2019 Stack Overflow",
                "Mechanical translation work doesn't require your expertise - delegate the toil "
                "that blocks creative output",
                "Framework migrations are high-friction busy work masquerading as real programming",
            ),
        ),
        quick_links=(
            Pick(
                headline="Elixir 1.19.5 released",
                url="https://github.com/elixir-lang/elixir/releases/tag/v1.19.5",
                body="bug fixes for the type checker",
            ),
            Pick(  # a title quoting HTML as text, a URL with parentheses
                headline="Why <b> in a title stays text",
                url="https://en.wikipedia.org/wiki/Elixir_(programming_language)",
                body="the language's own page",
            ),
        ),
        sponsor=Sponsor(
            heading="TIRED OF DEVOPS HEADACHES?",
            body=(
                "Deploy your next Elixir app hassle-free with Gigalixir and focus more on coding, "
                "less on ops."
            ),
            cta_text="Try Gigalixir",
            cta_url="https://www.gigalixir.com",
        ),
        sign_off="See you next week,",
        editor="Michael",
        ps="Forward this to a friend who loves Elixir as much as you do 💜",
    )


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)  # no stray ./gazette.toml: the embedded defaults
    return load_settings(None)


@pytest.fixture
def issue() -> Issue:
    return sample_issue()


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def hrefs(html: str) -> list[str]:
    return [v or "" for tag, attrs in elements(html) if tag == "a" for k, v in attrs if k == "href"]


def with_email(settings: Settings, **changes: Any) -> Settings:
    """``settings`` with some [email] keys changed, as a gazette.toml would."""
    return dataclasses.replace(settings, email=dataclasses.replace(settings.email, **changes))


# -- HTML ------------------------------------------------------------------


def test_email_has_every_story_and_link(issue: Issue, settings: Settings) -> None:
    email = render_email(issue, settings, web_url=WEB_URL)
    html = email.html.replace("\xa0", " ")
    assert html.lstrip().startswith("<!doctype html>")
    assert '<html lang="en"' in html
    for pick in issue.all_picks:
        assert escape(pick.headline, quote=False) in html  # "<b>" in a title is text
    links = hrefs(html)
    for pick in issue.all_picks:
        assert pick.url in links
    assert "https://www.gigalixir.com" in links
    assert WEB_URL in links
    assert "https://gazette.example.org/unsubscribe" in links  # the "plain" provider
    for text in (
        ". WEEKLY PICKS .",
        "Remember:",
        ". TIRED OF DEVOPS HEADACHES? .",
        "Try Gigalixir",
    ):
        assert text in html
    assert "See you next week," in html and "Michael" in html and "P.S." in html
    assert "<title>" in html and "Drain Your Queue, Save Your Week" in html
    assert re.search(r'<meta (?=[^>]*name="color-scheme")(?=[^>]*content="light dark")', html)
    assert "GenServer migration reality check" in html  # preheader and subtitle
    assert "<mj-" not in html  # every component compiled
    assert "fonts.googleapis.com" not in html  # the system font stack, no web fonts
    assert len(html.encode()) < 60_000


def test_the_preheader_leads_the_inbox_preview(issue: Issue, settings: Settings) -> None:
    """A draft's own preheader is the preview line; without one, the subtitle is."""
    preview = re.compile(r'<div style="display:none[^>]*>\s*([^<]*?)\s*(?:&#847;|\u034f|&zwnj;|<)')
    written = dataclasses.replace(issue, preheader="Three releases & one migration story")
    html = render_email(written, settings).html
    assert "Three releases &amp; one migration story" in html
    first = preview.search(html)
    assert first and first.group(1).startswith("Three releases &amp; one migration story")
    plain = preview.search(render_email(issue, settings).html)
    assert plain and plain.group(1).startswith(issue.subtitle)


def test_email_markdown_and_order(issue: Issue, settings: Settings) -> None:
    html = render_email(issue, settings).html.replace("\xa0", " ")
    assert "<code>code_change/3</code>" in html
    assert "<strong>drain the queue and restart</strong>" in html
    assert "https://pulsar.apache.org/" in hrefs(html)
    positions = [
        html.index(text)
        for text in (
            "Welcome to GigaElixir Gazette",
            ". WEEKLY PICKS .",
            *(p.headline for p in issue.picks),
            issue.feature.headline if issue.feature else "",
            "Remember:",
            "Elixir 1.19.5 released",
            ". TIRED OF DEVOPS HEADACHES? .",
            "See you next week,",
            "P.S.",
        )
    ]
    assert positions == sorted(positions)
    assert "View in browser" not in html  # no web_url given


def test_email_optional_sections_are_left_out(settings: Settings) -> None:
    bare = Issue(week="2026-W03", title="Quiet week", picks=(Pick(headline="Only one"),))
    html = render_email(bare, settings).html
    assert "Only one" in html
    assert "Remember:" not in html and "P.S." not in html and "TIRED OF" not in html


HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "&#106;avascript:alert(1)",
        " java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        'https://example.com/"onmouseover="alert(1)',
        "https://example.com/'><script>alert(1)</script>",
    ],
)
def test_hostile_content_is_neutralized(issue: Issue, settings: Settings, url: str) -> None:
    evil_pick = Pick(headline=f"Evil {HOSTILE}", emoji="💀", body=f"Body {HOSTILE}", url=url)
    evil = dataclasses.replace(
        issue,
        title=f"Title {HOSTILE}",
        picks=(evil_pick, *issue.picks[1:]),
        feature=dataclasses.replace(issue.feature, remember=(HOSTILE,)) if issue.feature else None,
        sponsor=Sponsor(heading=HOSTILE, body=HOSTILE, cta_text=HOSTILE, cta_url=url),
        ps=HOSTILE,
    )
    email = render_email(evil, settings, web_url=url)
    html = email.html
    assert "<script" not in html.lower()
    for tag, attrs in elements(html):
        assert tag not in ("script", "iframe", "object", "embed"), tag
        for name, value in attrs:
            if name in ("href", "src") and value:
                assert value.startswith(("https://", "http://", "{{")), (tag, name, value)
        assert not [name for name, _ in attrs if name.startswith("on")], (tag, attrs)
    assert 'href="javascript' not in html.lower()  # at most inert text
    assert "data:text/html" not in html.lower()
    assert "&lt;script&gt;" in html  # shown as text, not dropped silently
    for link in hrefs(html):
        assert link.startswith(("https://", "http://", "{{")), link
        assert '"' not in link and "'" not in link and "<" not in link


def test_hostile_url_keeps_a_safe_https_link_encoded(settings: Settings) -> None:
    url = 'https://example.com/a?q="x"&b=<y>'
    bare = Issue(week="2026-W03", title="t", picks=(Pick(headline="h", url=url, link_text="go"),))
    links = hrefs(render_email(bare, settings).html)
    assert "https://example.com/a?q=%22x%22&b=%3Cy%3E" in links


_BODY = "<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>"
BROKEN_TEMPLATES = {
    # name: (mj-head content, mj-body content, what the message must name)
    "unknown tag": ("", "<mj-hero>x</mj-hero>", "mj-hero"),
    "made-up tag": ("", "<mj-fancy-box>x</mj-fancy-box>", "mj-fancy-box"),
    "include": ("", '<mj-include path="/etc/passwd" />', "mj-include"),
    "unclosed": ("", "<mj-section><mj-column><mj-text>x</mj-column></mj-section>", "mj-column"),
    "misplaced": ("", "<mj-text>x</mj-text>", "mj-text"),
    "stray text": ("", "<mj-section>hello</mj-section>", "hello"),
    "unknown head tag": ("<mj-bogus />", _BODY, "mj-bogus"),
    "defaults twice": (
        '<mj-attributes><mj-text color="#111111" /></mj-attributes>'
        '<mj-attributes><mj-text font-size="18px" /></mj-attributes>',
        _BODY,
        "mj-text",
    ),
}


@pytest.mark.parametrize("name", BROKEN_TEMPLATES)
def test_user_template_with_bad_mjml_is_a_render_error(
    issue: Issue, settings: Settings, tmp_path: Path, name: str
) -> None:
    head, body, named = BROKEN_TEMPLATES[name]
    override = tmp_path / "templates" / "email"
    override.mkdir(parents=True)
    (override / "issue.mjml.j2").write_text(
        f"<mjml><mj-head>{head}</mj-head><mj-body>{body}</mj-body></mjml>\n", encoding="utf-8"
    )
    user = dataclasses.replace(settings, templates_dir=tmp_path / "templates")
    with pytest.raises(RenderError, match=r"issue\.mjml\.j2") as caught:
        render_email(issue, user)
    assert named in str(caught.value)


def test_user_template_with_jinja_error_is_a_render_error(
    issue: Issue, settings: Settings, tmp_path: Path
) -> None:
    override = tmp_path / "templates" / "email"
    override.mkdir(parents=True)
    (override / "issue.mjml.j2").write_text("<mjml>{{ issue.nope }}</mjml>", encoding="utf-8")
    user = dataclasses.replace(settings, templates_dir=tmp_path / "templates")
    with pytest.raises(RenderError, match=r"issue\.mjml\.j2"):
        render_email(issue, user)


def test_user_template_override_is_used(issue: Issue, settings: Settings, tmp_path: Path) -> None:
    override = tmp_path / "templates" / "email"
    override.mkdir(parents=True)
    (override / "issue.mjml.j2").write_text(
        "<mjml><mj-body><mj-section><mj-column><mj-text>Custom {{ issue.title }}</mj-text>"
        "</mj-column></mj-section></mj-body></mjml>",
        encoding="utf-8",
    )
    user = dataclasses.replace(settings, templates_dir=tmp_path / "templates")
    assert "Custom Drain Your Queue" in render_email(issue, user).html


def test_check_mjml_accepts_the_builtin_template(issue: Issue, settings: Settings) -> None:
    assert check_mjml(render_email(issue, settings).mjml) is None


# -- branding ----------------------------------------------------------------


def test_accent_colour_from_the_config_is_applied(issue: Issue, settings: Settings) -> None:
    default = render_email(issue, settings).html
    assert "#6b3fa0" in default  # the shipped accent, as links, labels and button
    green = render_email(issue, with_email(settings, accent_color="#0B6E4F")).html
    assert "#6b3fa0" not in green
    assert "color:#0b6e4f" in green.replace(" ", "")  # links and labels
    assert re.search(r'bgcolor="#0b6e4f"', green)  # the sponsor button


def test_page_and_text_colours_and_font_from_the_config(issue: Issue, settings: Settings) -> None:
    custom = with_email(
        settings,
        background_color="#eef4ee",
        text_color="#202a20",
        font_family="Georgia, 'Times New Roman', serif",
    )
    html = render_email(issue, custom).html
    assert "background-color:#eef4ee" in html.replace(" ", "")
    assert "color:#202a20" in html.replace(" ", "")
    assert "font-family:Georgia, 'Times New Roman', serif" in html


def test_a_light_accent_is_darkened_for_text_but_keeps_its_button(
    issue: Issue, settings: Settings
) -> None:
    html = render_email(issue, with_email(settings, accent_color="#ffcc00")).html
    assert 'bgcolor="#ffcc00"' in html  # the brand colour stays on the button
    link_colours = set(re.findall(r'<a [^>]*style="color:(#[0-9a-f]{6});', html))
    assert link_colours and "#ffcc00" not in link_colours
    assert all(contrast(c, "#ffffff") >= 4.5 for c in link_colours)


def test_no_web_fonts_even_when_the_stack_names_one(issue: Issue, settings: Settings) -> None:
    # The port would import Roboto from Google Fonts; the email never calls out.
    html = render_email(issue, with_email(settings, font_family="Roboto, Lato, sans-serif")).html
    assert "googleapis" not in html and "@import" not in html
    assert "font-family:Roboto, Lato, sans-serif" in html


def test_logo_with_alt_text_and_every_image_has_alt(issue: Issue, settings: Settings) -> None:
    logo = "https://gazette.example.org/logo.png"
    pictured = dataclasses.replace(
        issue,
        welcome='Hello ![](https://example.org/a.png) and <img src="https://example.org/b.png">',
    )
    html = render_email(pictured, with_email(settings, logo_url=logo)).html
    images = [dict(attrs) for tag, attrs in elements(html) if tag == "img"]
    assert len(images) == 3
    assert all("alt" in image for image in images), images
    (logo_image,) = [i for i in images if i["src"] == logo]
    assert logo_image["alt"] == settings.publication.name


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("accent_color", "purple"),
        ("background_color", "#12345"),
        ("text_color", "rgb(0,0,0)"),
        ("font_family", 'Arial"><script>'),
        ("font_family", "Arial; color: red"),
        ("logo_url", "javascript:alert(1)"),
        ("provider", "sendgrid"),
        ("unsubscribe_url", ""),
        ("unsubscribe_url", "ftp://example.org/unsubscribe"),
        ("preferences_url", "javascript:alert(1)"),
    ],
)
def test_bad_email_settings_are_config_errors(
    issue: Issue, settings: Settings, key: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=rf"\[email\] {key}"):
        render_email(issue, with_email(settings, **{key: value}))


def test_language_and_descriptive_link_texts(issue: Issue, settings: Settings) -> None:
    french = dataclasses.replace(
        settings, publication=dataclasses.replace(settings.publication, language="fr-CA")
    )
    bare = dataclasses.replace(
        issue,
        picks=(Pick(headline="No link text", url="https://www.example.org/post"),),
        sponsor=Sponsor(heading="Ad", body="Buy", cta_url="https://shop.example.com/x"),
    )
    html = render_email(bare, french).html.replace("\xa0", " ")
    assert '<html lang="fr-CA"' in html
    assert "Read more on example.org" in html
    assert "Visit shop.example.com" in html
    text = render_text(bare, french)
    assert "Read more on example.org [" in text and "Visit shop.example.com [" in text


# -- providers and links ---------------------------------------------------

PROVIDER_TAGS = {
    "mailchimp": ("*|UNSUB|*", "*|UPDATE_PROFILE|*", "*|LIST:ADDRESSLINE|*"),
    "buttondown": ("{{ unsubscribe_url }}", None, None),
    "listmonk": ("{{ UnsubscribeURL }}", "{{ ManageURL }}", None),
}


@pytest.mark.parametrize("provider", sorted(PROVIDER_TAGS))
def test_provider_merge_tags_survive_mjml_and_escaping(
    issue: Issue, settings: Settings, provider: str
) -> None:
    unsubscribe, preferences, address = PROVIDER_TAGS[provider]
    chosen = with_email(settings, provider=provider)
    html = render_email(issue, chosen, web_url=WEB_URL).html
    links = hrefs(html)
    assert unsubscribe in links
    assert f'href="{unsubscribe}"' in html  # byte for byte, not entity-encoded
    if preferences:
        assert preferences in links and f'href="{preferences}"' in html
    assert "https://gazette.example.org/unsubscribe" not in html  # the plain URL is unused
    if address:
        assert address in html
    text = render_text(issue, chosen, web_url=WEB_URL)
    assert f"Unsubscribe: {unsubscribe}" in text
    if preferences:
        assert f"Update your preferences: {preferences}" in text
    if address:
        assert address in text.splitlines()
    for tag in PROVIDERS[provider].tags:
        assert tag in html and tag in text


def test_mailchimp_uses_a_real_postal_address_when_configured(
    issue: Issue, settings: Settings
) -> None:
    chosen = with_email(settings, provider="mailchimp", postal_address="1 Main St, Springfield")
    html = render_email(issue, chosen).html
    assert "1 Main St, Springfield" in html and "*|LIST:ADDRESSLINE|*" not in html


def test_plain_provider_links_the_configured_urls(issue: Issue, settings: Settings) -> None:
    chosen = with_email(
        settings,
        unsubscribe_url="https://lists.example.org/u?list=gazette&id=1",
        preferences_url="https://lists.example.org/prefs",
        postal_address="Gazette Ltd\n1 Main St",
    )
    html = render_email(issue, chosen).html
    links = hrefs(html)
    assert "https://lists.example.org/u?list=gazette&id=1" in links
    assert "https://lists.example.org/prefs" in links
    assert "Gazette Ltd<br/>1 Main St" in html
    text = render_text(issue, chosen)
    assert "Unsubscribe: https://lists.example.org/u?list=gazette&id=1" in text
    assert "Gazette Ltd\n1 Main St" in text
    mailto = with_email(settings, unsubscribe_url="mailto:leave@example.org?subject=unsubscribe")
    assert "mailto:leave@example.org?subject=unsubscribe" in hrefs(render_email(issue, mailto).html)


def test_href_lets_exactly_the_allowed_merge_tags_through() -> None:
    assert href("*|UNSUB|*") == ""
    assert href("{{ UnsubscribeURL }}") == ""
    assert href("*|UNSUB|*", PROVIDERS["mailchimp"].tags) == "*|UNSUB|*"
    assert href("*|UNSUB |*", PROVIDERS["mailchimp"].tags) == ""
    assert href("{{ UnsubscribeURL }}", PROVIDERS["mailchimp"].tags) == ""
    assert href('https://example.org/"a"') == "https://example.org/%22a%22"


def test_a_story_link_cannot_pose_as_another_providers_merge_tag(
    issue: Issue, settings: Settings
) -> None:
    posing = dataclasses.replace(
        issue, picks=(Pick(headline="Sneaky", url="{{ UnsubscribeURL }}", link_text="Go"),)
    )
    html = render_email(posing, with_email(settings, provider="mailchimp")).html
    assert "{{ UnsubscribeURL }}" not in html


HOSTILE_TEMPLATE_TEXT = (
    "{{ subscriber.email }}",
    "{% if subscriber.tags %}",
    "{# hidden #}",
    "{{{ triple",
    "*|EMAIL|*",
    "*|IF:FNAME|*",
)


@pytest.mark.parametrize("provider", sorted(PROVIDER_TAGS))
def test_scraped_template_syntax_reaches_the_reader_as_text(
    issue: Issue, settings: Settings, provider: str
) -> None:
    """A provider runs the whole message through its template engine: template
    syntax in a scraped title or text would be filled in per subscriber (their
    address, into a story), or stop the send. Gazette makes it inert, so the
    engine leaves it alone and the reader sees it as written; the merge tags
    Gazette puts in the footer still work."""
    hostile = " ".join(HOSTILE_TEMPLATE_TEXT)
    posing = dataclasses.replace(
        issue,
        title=f"Title {hostile}",
        picks=(
            Pick(
                headline=f"Headline {hostile}",
                body=f"Body **{hostile}**",
                url="https://example.org/a?q={{x}}",
                link_text=f"Link {hostile}",
            ),
            *issue.picks[1:],
        ),
    )
    chosen = with_email(settings, provider=provider)
    own_tags = PROVIDERS[provider].tags
    html = render_email(posing, chosen).html
    text = render_text(posing, chosen)
    for rendered in (html, text):
        rest = rendered
        for tag in own_tags:
            rest = rest.replace(tag, "")
        for opener in PROVIDERS[provider].template_openers:
            assert opener not in rest, (provider, opener)
    # The reader sees every hostile string as it was written.
    visible = _text_of(html)
    for piece in HOSTILE_TEMPLATE_TEXT:
        assert f"Headline {hostile}" in visible and piece in visible
        assert piece in text.replace("\u200b", "")
    if provider in ("buttondown", "listmonk"):
        # A Jinja engine stands in for the provider's: Buttondown's templates
        # read the same {{ }} {% %} {# #}; for listmonk's Go templates only {{ }}
        # is syntax. It renders the message without error, and fills in only
        # the merge tags.
        if provider == "buttondown":
            engine = jinja2.Environment()
            names = {"unsubscribe_url": "https://u.example/1"}
        else:
            engine = jinja2.Environment(block_start_string="\0%", comment_start_string="\0#")
            names = {"UnsubscribeURL": "https://u.example/1", "ManageURL": "https://u.example/2"}
        sent = engine.from_string(html).render(**names)
        assert "https://u.example/1" in hrefs(sent)
        assert f"Title {hostile}" in _text_of(sent)
        sent_text = engine.from_string(text).render(**names).replace("\u200b", "")
        assert f"Title {hostile}" in " ".join(sent_text.split())
        assert "Unsubscribe: https://u.example/1" in sent_text


def test_template_syntax_is_made_inert_outside_style_blocks_and_merge_tags() -> None:
    links = FooterLinks(
        provider="buttondown",
        unsubscribe_url="{{ unsubscribe_url }}",
        preferences_url="",
        postal_address="",
        merge_tags=frozenset({"{{ unsubscribe_url }}"}),
    )
    html = (
        "<style>@media screen{#main{color:red}}</style>"
        '<p>{#x {{{y</p><a href="{{ unsubscribe_url }}">u</a>'
    )
    assert inert_template_syntax(html, links, html=True) == (
        "<style>@media screen{#main{color:red}}</style>"
        '<p>&#123;#x &#123;&#123;{y</p><a href="{{ unsubscribe_url }}">u</a>'
    )
    assert inert_template_syntax("{#x {{ unsubscribe_url }}", links, html=False) == (
        "{\u200b#x {{ unsubscribe_url }}"
    )


def test_plain_email_is_left_as_rendered(issue: Issue, settings: Settings) -> None:
    """Without a provider's template engine there is nothing to make inert."""
    posing = dataclasses.replace(issue, title="Title {{ x }} *|EMAIL|*")
    assert "Title {{ x }} *|EMAIL|*" in render_text(posing, settings)


def _text_of(html: str) -> str:
    """The text a reader sees, on one line."""
    return " ".join(" ".join(read_visible(html).parts).split())


def test_utm_parameters_on_outbound_links_only(issue: Issue, settings: Settings) -> None:
    tracked = dataclasses.replace(
        issue,
        quick_links=(
            Pick(headline="With a query", url="https://example.org/search?q=elixir&page=2#top"),
            Pick(headline="Own UTM", url="https://example.com/?utm_source=partner"),
        ),
    )
    chosen = with_email(settings, utm=True, utm_source="gazette", utm_medium="email")
    links = hrefs(render_email(tracked, chosen, web_url=WEB_URL).html)
    utm = "utm_source=gazette&utm_medium=email&utm_campaign=2026-W02"
    assert f"{issue.picks[0].url}?{utm}" in links
    assert f"https://pulsar.apache.org/?{utm}" in links  # a link inside a story's Markdown
    assert f"https://www.gigalixir.com?{utm}" in links  # the sponsor's button
    assert f"https://example.org/search?q=elixir&page=2&{utm}#top" in links  # query kept
    assert "https://example.com/?utm_source=partner&utm_medium=email&utm_campaign=2026-W02" in (
        links
    )
    assert WEB_URL in links  # our own archive page: no tracking
    assert "https://gazette.example.org/unsubscribe" in links  # never on unsubscribe
    text = render_text(tracked, chosen, web_url=WEB_URL)
    references = _links_section(text).values()
    assert f"{issue.picks[0].url}?{utm}" in references
    assert WEB_URL in references
    assert "Unsubscribe: https://gazette.example.org/unsubscribe\n" in text
    plain = hrefs(render_email(tracked, settings).html)
    assert not [link for link in plain if "utm_medium" in link]


# -- plain text ------------------------------------------------------------


def _links_section(text: str) -> dict[str, str]:
    _, _, tail = text.partition("\nLinks:\n")
    return dict(re.findall(r"^\[(\d+)\] (\S+)$", tail, re.M))


def test_text_part_wraps_and_numbers_links(issue: Issue, settings: Settings) -> None:
    text = render_text(issue, settings, web_url=WEB_URL)
    refs = _links_section(text)
    for line in text.splitlines():
        is_reference = re.match(r"^\[\d+\] https?://\S+$", line)
        assert len(line) <= 72 or is_reference, line
    # No markup, but a title quoting HTML keeps its words.
    assert "<" not in text.replace("<!--", "").replace("Why <b> in", "")
    assert "Why <b> in a title stays text" in text
    assert "**" not in text and "](" not in text  # Markdown reduced to text
    body = text.partition("\nLinks:\n")[0]

    def ref_after(label: str) -> str:
        match = re.search(re.escape(label) + r"\s+\[(\d+)\]", body)
        assert match, label
        return refs[match.group(1)]

    assert ref_after("Read the thread on Elixir Forum") == issue.picks[0].url
    assert ref_after("See the package on Hex.pm") == issue.picks[1].url
    assert ref_after("Pulsar") == "https://pulsar.apache.org/"
    assert ref_after("usage_rules") == "https://hex.pm/packages/usage_rules"
    assert ref_after("Try Gigalixir") == "https://www.gigalixir.com"
    assert ref_after("View in browser") == WEB_URL
    # The same URL twice is one reference.
    assert list(refs.values()).count(issue.picks[0].url) == 1
    assert sorted(map(int, refs)) == list(range(1, len(refs) + 1))


def test_text_part_follows_the_sample_shape(issue: Issue, settings: Settings) -> None:
    text = render_text(issue, settings)
    order = [
        "🔄 Drain Your Queue, Save Your Week",
        "GenServer migration reality check",
        "Welcome to GigaElixir Gazette",
        ". WEEKLY PICKS .",
        "🔄 Migrating GenServers",
        "🏠 Homex",
        "Framework Migrations Are Toil",
        "Remember:",
        "- usage_rules library = agent follows",
        ". QUICK LINKS .",
        ". TIRED OF DEVOPS HEADACHES? .",
        "See you next week,\nMichael",
        "P.S. Forward this to a friend",
        "Links:",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert "`code_change/3`" in text
    assert "View in browser" not in text


def test_text_part_drops_unsafe_links(issue: Issue, settings: Settings) -> None:
    evil = dataclasses.replace(
        issue,
        picks=(
            Pick(
                headline="<b>Bold</b> & co",
                body="See [this](ftp://files.example.org/x) and [that](mailto:a@example.org)",
                url="javascript:alert(1)",
                link_text="Click",
            ),
        ),
    )
    text = render_text(evil, settings)
    assert "javascript:" not in text and "ftp:" not in text and "mailto:" not in text
    assert "See this and that" in text
    assert "<b>Bold</b> & co" in text  # plain text is not HTML-escaped
    assert "&amp;" not in text


@pytest.mark.parametrize("provider", ["plain", *sorted(PROVIDER_TAGS)])
def test_text_footer_per_provider_within_72_columns(
    issue: Issue, settings: Settings, provider: str
) -> None:
    text = render_text(issue, with_email(settings, provider=provider), web_url=WEB_URL)
    body = text.partition("\nLinks:\n")[0]
    footer = body[body.rindex("\n---\n") + 5 :].splitlines()
    assert footer[0].startswith("View in browser [")
    assert footer[1] == "You are receiving GigaElixir Gazette because you subscribed to it."
    assert footer[2].startswith("Unsubscribe: ")
    assert all(len(line) <= 72 for line in footer), footer


# -- golden files ----------------------------------------------------------


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GAZETTE_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run `make golden`"
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed: review, then `make golden`"


def _through_draft(issue: Issue) -> Issue:
    """The issue as the editor's draft file gives it back (it must be the same)."""
    drafted = parse_draft(write_draft(issue)).issue
    assert drafted == issue
    return drafted


def test_golden_email_html(issue: Issue, settings: Settings) -> None:
    _golden("email.html", render_email(_through_draft(issue), settings, web_url=WEB_URL).html)


def test_golden_email_text(issue: Issue, settings: Settings) -> None:
    _golden("email.txt", render_text(_through_draft(issue), settings, web_url=WEB_URL))


def test_golden_email_eml(issue: Issue, settings: Settings) -> None:
    rendered = render_issue(issue, settings, web_url=WEB_URL)
    message = rendered.message(
        settings,
        to=("Editor <editor@example.org>",),
        date=datetime(2026, 1, 9, 7, 0, tzinfo=UTC),
        message_id="<golden.2026-w02@gazette.example.org>",
    )
    # Stored with LF line ends for a readable diff; on the wire it is CRLF.
    wire = message.as_bytes(policy=policy.SMTP)
    assert b"\r\n" in wire and b"\n" not in wire.replace(b"\r\n", b"")
    _golden("email.eml", wire.decode("ascii").replace("\r\n", "\n"))


def test_the_written_eml_has_a_recipient_and_a_real_send_time(
    issue: Issue, settings: Settings
) -> None:
    """No To: is SpamAssassin's MISSING_HEADERS; a Date at midnight sharp, on
    every issue, is no time a real send has."""
    eml = render_issue(issue, settings, web_url=WEB_URL).files(settings)["email.eml"]
    assert isinstance(eml, bytes)
    message = message_from_bytes(eml, policy=policy.default)
    assert message["To"] == message["From"]
    sent = message["Date"].datetime
    assert (sent.hour, sent.minute) == (9, 0) and sent.tzinfo is not None


def test_dates_separators_and_linked_names_read_the_same_everywhere(
    issue: Issue, settings: Settings
) -> None:
    """The date read 2026-01-09 in the email and web.html but January 9, 2026
    on the site; a quick link's note followed "—" in the email but a bare space
    on the site; the underline swallowed the underscores of ex_aws_dynamo."""
    from gazette.render.web import issue_body_html

    rendered = render_issue(issue, settings, web_url=WEB_URL)
    for name, text in (
        ("email.html", rendered.email.html),
        ("email.txt", rendered.text),
        ("web.html", rendered.web_page),
    ):
        assert "January 9, 2026" in text, name
        assert "2026-01-09<" not in text and "· 2026-01-09" not in text, name
    site_body = issue_body_html(issue)
    link = issue.quick_links[0]
    assert f"{link.headline}</a> — " in site_body
    assert f"{link.headline}</a> — " in rendered.email.html
    quick = re.search(
        r'<a href="[^"]*" style="([^"]*)">' + re.escape(link.headline), rendered.email.html
    )
    assert quick and "text-underline-offset:3px" in quick.group(
        1
    )  # inline: kept where <style> is not


def test_a_subheading_in_a_feature_body_is_a_styled_heading(
    issue: Issue, settings: Settings
) -> None:
    assert issue.feature is not None
    feature = dataclasses.replace(
        issue.feature, body=issue.feature.body + "\n\n#### How it works\n\nDetails here."
    )
    html = render_email(dataclasses.replace(issue, feature=feature), settings).html
    heading = re.search(r"<h4 style=\"([^\"]*)\">How it works</h4>", html)
    assert heading, "the subheading is not a heading of its own"
    assert "font-size:18px" in heading.group(1) and "font-weight:700" in heading.group(1)


@pytest.mark.slow
def test_spamassassin_scores_the_eml_below_one(issue: Issue, settings: Settings) -> None:
    """Debian's SpamAssassin with local rules only (`make test` installs it):
    no MISSING_HEADERS, no white-on-white preheader (HTML_FONT_LOW_CONTRAST)."""
    binary = shutil.which("spamassassin")
    if binary is None:
        pytest.skip("spamassassin is not installed: `make spamassassin` installs it")
    eml = render_issue(issue, settings, web_url=WEB_URL).files(settings)["email.eml"]
    assert isinstance(eml, bytes)
    done = subprocess.run(
        [binary, "-L", "-t"], input=eml, capture_output=True, timeout=180, check=False
    )
    report = done.stdout.decode("utf-8", "replace")
    found = re.search(r"Content analysis details:\s+\((-?[0-9.]+) points", report)
    assert found, report[-2000:]
    assert float(found.group(1)) < 1.0, report[report.find("Content analysis") :]
    assert "MISSING_HEADERS" not in report and "HTML_FONT_LOW_CONTRAST" not in report


# -- gazette render ----------------------------------------------------------


def test_render_writes_the_email_the_message_and_the_web_page(
    issue: Issue, settings: Settings, tmp_path: Path
) -> None:
    draft = tmp_path / "data" / "issues" / "2026-W02.md"
    draft.parent.mkdir(parents=True)
    draft.write_text(write_draft(issue), encoding="utf-8")
    result = run_cli("--db", "g.db", "render", "--week", "2026-W02", "--out", "out")
    out = tmp_path / "out"
    names = ("email.html", "email.txt", "email.eml", "web.html")
    assert result.output.splitlines() == [f"wrote {Path('out') / name}" for name in names]

    message = message_from_bytes((out / "email.eml").read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()  # type: ignore[misc]
    assert (text_part.get_content_type(), html_part.get_content_type()) == (
        "text/plain",
        "text/html",
    )
    assert text_part.get_content_charset() == html_part.get_content_charset() == "utf-8"
    # Line ends are CRLF on the wire; the decoded parts are the rendered files.
    assert text_part.get_content().replace("\r\n", "\n") == (out / "email.txt").read_text("utf-8")
    assert html_part.get_content().replace("\r\n", "\n") == (out / "email.html").read_text("utf-8")
    assert message["Subject"] == "🔄 Drain Your Queue, Save Your Week"
    assert message["From"] == "Gazette <gazette@example.org>"
    assert message["To"] == message["From"]  # addressed to the sender, as Bcc list mail is
    assert message["Date"].datetime == datetime(2026, 1, 9, 9, tzinfo=UTC)  # published_on
    assert message["Message-ID"].endswith("@gazette.example.org>")
    assert message["List-Unsubscribe"] == "<https://gazette.example.org/unsubscribe>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    page = (out / "web.html").read_text("utf-8")
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "<style>" in page and 'rel="stylesheet"' not in page  # one self-contained file
    for pick in issue.all_picks:
        assert pick.url in hrefs(page)
    assert "Drain Your Queue, Save Your Week" in page and "Remember:" in page

    # Nothing changed, nothing rewritten: the .eml's Date and Message-ID come
    # from the issue, not the clock.
    before = {name: (out / name).read_bytes() for name in names}
    run_cli("--db", "g.db", "render", "--week", "2026-W02", "--out", "out")
    assert {name: (out / name).read_bytes() for name in names} == before


def test_message_headers_for_providers_and_reply_to(issue: Issue, settings: Settings) -> None:
    rendered = render_issue(issue, with_email(settings, provider="mailchimp"))
    message = rendered.message(with_email(settings, provider="mailchimp"))
    # The provider writes List-Unsubscribe per recipient; a merge tag is no URL.
    assert "List-Unsubscribe" not in message and "List-Unsubscribe-Post" not in message
    mailto = with_email(
        settings, unsubscribe_url="mailto:leave@example.org", reply_to="Editor <ed@example.org>"
    )
    message = render_issue(issue, mailto).message(mailto)
    assert message["List-Unsubscribe"] == "<mailto:leave@example.org>"
    assert "List-Unsubscribe-Post" not in message  # one-click needs https
    assert message["Reply-To"] == "Editor <ed@example.org>"
    first, second = (render_issue(issue, settings).message(settings) for _ in range(2))
    assert first["Message-ID"] != second["Message-ID"]  # fresh for every send
    with pytest.raises(ConfigError, match=r"from_address"):
        render_issue(issue, settings).message(with_email(settings, from_address="not an address"))


# -- against the reference MJML (npm) ------------------------------------------

NODE_MJML = Path(
    os.environ.get(
        "GAZETTE_NODE_MJML", Path(__file__).resolve().parent.parent / "bench/node_modules/mjml"
    )
)
_COMPILE_JS = (
    "const mjml = require(process.argv[1]); let src = '';"
    "process.stdin.on('data', d => src += d).on('end', () => {"
    "  const r = mjml(src, {validationLevel: 'soft'});"
    "  process.stdout.write(JSON.stringify({html: r.html, errors: r.errors.map(e => e.formattedMessage)}));"
    "});"
)
# What must match between the port and upstream: every link, in order, and the
# visible text. The tables around them differ (upstream adds Outlook fixes the
# port lacks), and whitespace may split differently, hence a 95% floor on the
# text blocks; on the sample issue both are identical today.
TEXT_SIMILARITY = 0.95


class _Visible(HTMLParser):
    """Visible text, one block per paragraph-like element, and the links in order."""

    BLOCKS = frozenset({"p", "h1", "h2", "h3", "li", "div", "td", "tr", "table", "ul", "ol"})
    VOID = frozenset({"br", "img", "meta", "link", "hr", "col", "input"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.links: list[str] = []
        self._text: list[str] = []
        self._hidden: list[bool] = []

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append(text)
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            if tag == "br":
                self._flush()
            return
        style = (dict(attrs).get("style") or "").replace(" ", "")
        self._hidden.append(tag in ("head", "style", "title") or "display:none" in style)
        if tag in self.BLOCKS:
            self._flush()
        if tag == "a" and not any(self._hidden):
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self._hidden:
            return
        self._hidden.pop()
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not any(self._hidden):
            self._text.append(data)

    @classmethod
    def of(cls, html: str) -> tuple[list[str], list[str]]:
        parser = cls()
        parser.feed(html)
        parser.close()
        parser._flush()
        return parser.blocks, parser.links


@pytest.mark.timeout(60)
@pytest.mark.parametrize("provider", ["plain", "listmonk"])
def test_same_structure_as_the_reference_npm_mjml(
    issue: Issue, settings: Settings, provider: str
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_MJML / "package.json").exists():
        pytest.skip(
            f"the npm mjml package is not installed at {NODE_MJML}: "
            "run `sh bench/install_node_mjml.sh` (needs the npm registry)"
        )
    email = render_email(issue, with_email(settings, provider=provider), web_url=WEB_URL)
    compiled = subprocess.run(
        [node, "-e", _COMPILE_JS, str(NODE_MJML)],
        input=email.mjml,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    reference = json.loads(compiled.stdout)
    assert reference["errors"] == []  # our MJML is valid to upstream's validator too
    port_blocks, port_links = _Visible.of(email.html)
    upstream_blocks, upstream_links = _Visible.of(reference["html"])
    assert port_links == upstream_links
    assert len(port_links) >= 10
    similarity = difflib.SequenceMatcher(None, port_blocks, upstream_blocks).ratio()
    assert similarity >= TEXT_SIMILARITY, difflib.unified_diff(port_blocks, upstream_blocks)


# -- in a browser ----------------------------------------------------------

_CONTRAST_JS = """
() => {
  const lum = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map(Number);
    if (p.length > 3 && p[3] === 0) return null;
    const f = p.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2];
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const l = lum(getComputedStyle(el).backgroundColor);
      if (l !== null) return l;
    }
    return 1;
  };
  const worst = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.opacity === '0' || style.visibility === 'hidden') continue;
    if (el.closest('[style*="display:none"]')) continue;
    const a = lum(style.color), b = background(el);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const text = el.textContent.trim().slice(0, 40);
    if (ratio < 4.5) worst.push(`${ratio.toFixed(2)} ${el.tagName} ${text}`);
  }
  return worst;
}
"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(30)
def test_email_in_a_browser(issue: Issue, settings: Settings, tmp_path: Path) -> None:
    require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    # The shipped look, and a brand colour too light for white text or links:
    # the theme must still keep every text at 4.5:1, in both schemes.
    variants = {
        "email": settings,
        "yellow": with_email(settings, accent_color="#ffcc00", logo_url=""),
    }
    pages = {}
    for name, variant in variants.items():
        pages[name] = tmp_path / f"{name}.html"
        pages[name].write_text(render_email(issue, variant, web_url=WEB_URL).html, "utf-8")
    shots = Path(os.environ.get("GAZETTE_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for name, page_file in pages.items():
                for width, scheme in ((600, "light"), (375, "light"), (375, "dark")):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.emulate_media(color_scheme=scheme)
                    page.goto(page_file.as_uri())
                    fits = page.evaluate(
                        "document.documentElement.scrollWidth <= window.innerWidth"
                    )
                    assert fits, f"{name}: horizontal scroll at {width}px"
                    low = page.evaluate(_CONTRAST_JS)
                    assert low == [], f"{name}: low contrast in {scheme} at {width}px"
                    if name == "yellow" and scheme == "light":
                        button = page.evaluate(
                            "getComputedStyle(document.querySelector('.gz-button td'))"
                            ".backgroundColor"
                        )
                        assert button == "rgb(255, 204, 0)"  # the configured accent
                    if name == "email" or "GAZETTE_SCREENSHOTS" in os.environ:
                        shot = shots / f"{name}-{width}-{scheme}.png"
                        page.screenshot(path=str(shot), full_page=True)
                    page.close()
        finally:
            browser.close()
    assert (shots / "email-375-light.png").stat().st_size > 0


def test_the_editors_mailto_links_stay_and_unsafe_ones_go(issue: Issue, settings: Settings) -> None:
    """The draft is the editor's: a mailto: link in their words reaches the email
    (untracked), as it reaches the web page; javascript: never does."""
    written = dataclasses.replace(
        issue,
        ps="Reply, or [email us](mailto:editor@example.org?subject=Hi%20there).",
        picks=(
            dataclasses.replace(
                issue.picks[0],
                body="See [this](javascript:alert(1)) and [irc](ircs://irc.libera.chat/elixir).",
            ),
            *issue.picks[1:],
        ),
    )
    chosen = with_email(settings, utm=True, utm_source="gazette", utm_medium="email")
    html = render_email(written, chosen, web_url=WEB_URL).html
    links = hrefs(html)
    assert "mailto:editor@example.org?subject=Hi%20there" in links
    assert "ircs://irc.libera.chat/elixir" in links
    assert not [link for link in links if link.lower().startswith("javascript")]
    assert 'href="javascript' not in html.lower()  # at most inert text


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(60)
def test_email_without_its_style_blocks_stays_readable(
    issue: Issue, settings: Settings, tmp_path: Path
) -> None:
    """The Gmail app with a non-Google account drops every <style>: the inline
    styles alone must keep every text at 4.5:1, in a light and a dark browser."""
    require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    html = render_email(issue, settings, web_url=WEB_URL).html
    stripped = re.sub(r"<style\b[^>]*>.*?</style>", "", html, flags=re.S | re.I)
    assert "<style" not in stripped.lower() and len(stripped) < len(html)
    page_file = tmp_path / "stripped.html"
    page_file.write_text(stripped, "utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for scheme in ("light", "dark"):
                page = browser.new_page(viewport={"width": 375, "height": 900})
                page.emulate_media(color_scheme=scheme)
                page.goto(page_file.as_uri())
                low = page.evaluate(_CONTRAST_JS)
                assert low == [], f"low contrast without <style>, {scheme} browser"
                page.close()
        finally:
            browser.close()
