"""The issue email: HTML through MJML, the plain-text part, golden files, a real browser.

Regenerate the golden files with ``make golden`` (GAZETTE_REGEN_GOLDEN=1) and
review them as a diff.
"""

from __future__ import annotations

import dataclasses
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gazette.config import Settings, load_settings
from gazette.errors import RenderError
from gazette.models import Issue, Pick, Sponsor
from gazette.render.email import check_mjml, render_email
from gazette.render.text import render_text

GOLDEN = Path(__file__).resolve().parent / "golden" / "email"
CHROMIUM = os.environ.get("GAZETTE_CHROMIUM", "/usr/bin/chromium")
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
                    "injection, jailbreak attempts."
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


# -- HTML ------------------------------------------------------------------


def test_email_has_every_story_and_link(issue: Issue, settings: Settings) -> None:
    email = render_email(issue, settings, web_url=WEB_URL)
    html = email.html.replace("\xa0", " ")
    assert html.lstrip().startswith("<!doctype html>")
    assert '<html lang="en"' in html
    for pick in issue.all_picks:
        assert pick.headline in html
    links = hrefs(html)
    for pick in issue.all_picks:
        assert pick.url in links
    assert "https://www.gigalixir.com" in links
    assert WEB_URL in links
    assert "{{unsubscribe_url}}" in links
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
    assert "javascript:" not in html.lower()
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
    assert "<" not in text.replace("<!--", "")  # no markup
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


# -- golden files ----------------------------------------------------------


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GAZETTE_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run `make golden`"
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed: review, then `make golden`"


def test_golden_email_html(issue: Issue, settings: Settings) -> None:
    _golden("email.html", render_email(issue, settings, web_url=WEB_URL).html)


def test_golden_email_text(issue: Issue, settings: Settings) -> None:
    _golden("email.txt", render_text(issue, settings, web_url=WEB_URL))


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
@pytest.mark.timeout(30)
def test_email_in_a_browser(issue: Issue, settings: Settings, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "email.html"
    page_file.write_text(render_email(issue, settings, web_url=WEB_URL).html, encoding="utf-8")
    shots = Path(os.environ.get("GAZETTE_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            for width, scheme in ((600, "light"), (375, "light"), (375, "dark")):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.emulate_media(color_scheme=scheme)
                page.goto(page_file.as_uri())
                fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
                assert fits, f"horizontal scroll at {width}px"
                assert page.evaluate(_CONTRAST_JS) == [], f"low contrast in {scheme} at {width}px"
                page.screenshot(path=str(shots / f"email-{width}-{scheme}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    assert (shots / "email-375-light.png").stat().st_size > 0
