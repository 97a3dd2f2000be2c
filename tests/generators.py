"""The real renderers of the shared archives, for the fidelity test: each
archive's own generator renders every post, and ``outline`` reads from any
body HTML what a reader relies on (link targets, headings, list items, tables,
code blocks), so Gazette's import can be held against the generator itself.

* Jekyll (the Elixir blog): kramdown with its GFM parser, Jekyll's defaults,
  through Debian's ``ruby-kramdown`` and ``ruby-kramdown-parser-gfm``;
* Hugo (Redox news): Debian's ``hugo`` builds a one-layout site of the posts;
* Pelican (Full Stack Python): Pelican's own MarkdownReader (Python-Markdown);
* Zola (the Rust blog): pulldown-cmark, with the extensions Zola turns on,
  through pyromark.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
ARCHIVES = ROOT.parent / "shared" / "corpora" / "archives"

# The schemes Gazette keeps in an imported archive; it removes links with any
# other on purpose (README, "Importing an archive"): javascript:, data: and
# vbscript: run code, and the rest are typos that lead nowhere (mail-to:, ttps:,
# localhost:5000/). A relative link has none: it resolves against the site.
KEPT_SCHEMES = ("", "http", "https", "mailto", "irc", "ircs", "xmpp")


@dataclass(frozen=True)
class Archive:
    name: str
    content: Path  # the folder to import
    base_url: str  # where the generator publishes it: site-relative links resolve there
    render: Callable[[Path], dict[str, str]]  # the generator: relative path -> body HTML
    tool: str  # what must be installed, for the skip message
    available: Callable[[], bool]


@dataclass
class Outline:
    links: set[str] = field(default_factory=set)
    headings: list[str] = field(default_factory=list)
    list_items: int = 0
    tables: int = 0
    code_blocks: int = 0


_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


class _OutlineParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base_url.rstrip("/") + "/"
        self.outline = Outline()
        self._heading: list[str] | None = None
        self._footnotes = 0  # depth inside a footnotes block: its <li> are not the post's lists
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _VOID:
            self._element(tag, attributes)
            return
        is_footnotes = "footnote" in (attributes.get("class") or "") and tag in (
            "div", "section", "ol",
        )  # fmt: skip
        self._stack.append(is_footnotes)
        self._footnotes += is_footnotes
        self._element(tag, attributes)

    def _element(self, tag: str, attributes: dict[str, str | None]) -> None:
        if tag == "a" and attributes.get("href"):
            href = (attributes["href"] or "").strip()
            scheme = urlsplit(href).scheme.lower()
            # In-page links (footnotes) are named by each renderer its own way.
            if not href.startswith("#") and scheme in KEPT_SCHEMES:
                self.outline.links.add(urljoin(self.base, href))
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = []
        elif tag == "li" and not self._footnotes:
            self.outline.list_items += 1
        elif tag == "table":
            self.outline.tables += 1
        elif tag == "pre":
            self.outline.code_blocks += 1

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            text = unicodedata.normalize("NFC", "".join(self._heading)).translate(_TYPOGRAPHY)
            self.outline.headings.append(" ".join(text.replace("...", "…").split()))
            self._heading = None
        if tag in _VOID or not self._stack:
            return
        self._footnotes -= self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)


_VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area", "embed"}


def outline(html: str, base_url: str) -> Outline:
    parser = _OutlineParser(base_url)
    parser.feed(html)
    parser.close()
    return parser.outline


# -- the generators ---------------------------------------------------------------------

_YAML = re.compile(r"\A---[ \t]*\r?\n.*?^---[ \t]*\r?\n", re.S | re.M)
_TOML = re.compile(r"\A\+\+\+[ \t]*\r?\n.*?^\+\+\+[ \t]*\r?\n", re.S | re.M)


def _posts(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in suffixes and p.is_file())


_KRAMDOWN = r"""
require "json"; require "kramdown"; require "kramdown-parser-gfm"
# Jekyll's kramdown defaults (jekyll/lib/jekyll/configuration.rb).
options = { input: "GFM", hard_wrap: false, auto_ids: true, footnote_nr: 1,
            entity_output: "as_char", toc_levels: (1..6).to_a,
            smart_quotes: "lsquo,rsquo,ldquo,rdquo" }
out = {}
JSON.parse(STDIN.read).each { |path, body| out[path] = Kramdown::Document.new(body, options).to_html }
print JSON.generate(out)
"""


def jekyll_kramdown(folder: Path) -> dict[str, str]:
    bodies = {
        p.relative_to(folder).as_posix(): _YAML.sub("", p.read_text("utf-8"), count=1)
        for p in _posts(folder, (".md", ".markdown"))
    }
    done = subprocess.run(
        ["ruby", "-e", _KRAMDOWN],
        input=json.dumps(bodies),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    rendered: dict[str, str] = json.loads(done.stdout)
    return rendered


def kramdown_available() -> bool:
    if shutil.which("ruby") is None:
        return False
    probe = subprocess.run(
        ["ruby", "-e", 'require "kramdown"; require "kramdown-parser-gfm"'], capture_output=True
    )
    return probe.returncode == 0


_HUGO_CONFIG = """baseURL = "https://www.redox-os.org/"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "home", "section"]
buildFuture = true
buildExpired = true
uglyURLs = true
[markup.goldmark.renderer]
unsafe = true
"""


def hugo(folder: Path) -> dict[str, str]:
    """Hugo renders the posts of ``folder`` (one section) with a layout that is
    the post's content alone; each page lands at <section>/<file name>.html."""
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "config.toml").write_text(_HUGO_CONFIG)
        layouts = site / "layouts" / "_default"
        layouts.mkdir(parents=True)
        (layouts / "single.html").write_text("{{ .Content }}")
        (layouts / "list.html").write_text("")
        shutil.copytree(folder, site / "content" / "posts")
        subprocess.run(
            ["hugo", "--quiet", "--source", str(site), "--destination", str(site / "public")],
            check=True,
            capture_output=True,
            timeout=300,
        )
        rendered = {}
        for post in _posts(folder, (".md",)):
            rel = post.relative_to(folder).as_posix()
            page = site / "public" / "posts" / (rel.rsplit(".", 1)[0].lower() + ".html")
            rendered[rel] = page.read_text("utf-8")
        return rendered


def pelican(folder: Path) -> dict[str, str]:
    from pelican.readers import MarkdownReader
    from pelican.settings import DEFAULT_CONFIG

    reader = MarkdownReader(dict(DEFAULT_CONFIG))
    rendered = {}
    for post in _posts(folder, (".md", ".markdown")):
        content, _ = reader.read(str(post))
        rendered[post.relative_to(folder).as_posix()] = content
    return rendered


def pelican_available() -> bool:
    try:
        import pelican  # noqa: F401
    except ImportError:
        return False
    return True


def zola_pulldown(folder: Path) -> dict[str, str]:
    """pulldown-cmark with what Zola turns on (zola/components/markdown:
    tables, footnotes, strikethrough, task lists; smart punctuation is off
    unless configured, and the Rust blog does not)."""
    import pyromark

    options = (
        pyromark.Options.ENABLE_TABLES
        | pyromark.Options.ENABLE_FOOTNOTES
        | pyromark.Options.ENABLE_STRIKETHROUGH
        | pyromark.Options.ENABLE_TASKLISTS
    )
    rendered = {}
    for post in _posts(folder, (".md",)):
        if post.name.startswith("_index") or post.name == "latest.md":
            continue
        body = _TOML.sub("", post.read_text("utf-8"), count=1)
        rendered[post.relative_to(folder).as_posix()] = pyromark.html(body, options=options)
    return rendered


ALL = (
    Archive(
        "elixir-lang-blog_jekyll-yaml",
        ARCHIVES / "elixir-lang-blog_jekyll-yaml" / "_posts",
        "https://elixir-lang.org",
        jekyll_kramdown,
        "Debian's ruby-kramdown and ruby-kramdown-parser-gfm",
        kramdown_available,
    ),
    Archive(
        "redox-os-news_hugo-toml",
        ARCHIVES / "redox-os-news_hugo-toml" / "content" / "news",
        "https://www.redox-os.org",
        hugo,
        "Debian's hugo",
        lambda: shutil.which("hugo") is not None,
    ),
    Archive(
        "fullstackpython-blog_pelican",
        ARCHIVES / "fullstackpython-blog_pelican" / "content" / "posts",
        "https://www.fullstackpython.com",
        pelican,
        "Pelican (pip install -e '.[bench]')",
        pelican_available,
    ),
    Archive(
        "rust-blog_zola-toml",
        ARCHIVES / "rust-blog_zola-toml" / "content",
        "https://blog.rust-lang.org",
        zola_pulldown,
        "pyromark",
        lambda: True,
    ),
)
