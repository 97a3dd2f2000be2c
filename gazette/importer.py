"""Import an existing newsletter archive: one Markdown file per issue.

Editors who move to Gazette bring years of issues, kept the way This Week in
Rust (Pelican), Hugo and Jekyll keep them. A file starts with one of:

* Pelican-style headers: ``Title:``, ``Date:``, ``Number:``, ``Tags:`` … lines
  (keys in any case; an indented line continues the previous value), then a
  blank line;
* YAML front matter between ``---`` lines (read with PyYAML's safe loader);
* TOML front matter between ``+++`` lines.

The rest is the issue's Markdown body. Recognised keys: ``title`` (required),
``date`` (required; else a Jekyll-style ``YYYY-MM-DD-`` file-name prefix),
``number`` (or ``issue``/``issue_number``), ``tags`` (a list, or a string split
at commas, or for YAML/TOML without commas at spaces as Jekyll does),
``subtitle`` (or ``summary``/``description``) and ``slug``. Files marked as
drafts (``draft: true``, ``published: false``, ``Status: draft``) are skipped.

Each file becomes a published issue: its number (or, when it has none, the
number its title and file name give, see ``_inferred_number``; else none: it is
shown by its date, and takes no number a future issue will need), its date, tags and
subtitle, the original file text in the ``markdown`` column, and its body
rendered to sanitized HTML once, here (GitHub-flavoured Markdown, see
``render_body``), so no site build converts Markdown again.
The issue's week key is the ISO week of its date, or ``<week>-<number>`` (for
an unnumbered issue ``<week>-<date>``) when that week already has an issue.

Every file is read, its front matter parsed and its body rendered first (half
of a large archive's files in a forked process: converting and sanitizing 23 MB
of Markdown is most of an import), so that numbers and week keys can be given;
then the issues are written, all in one transaction, so a failure or a killed
process leaves nothing half-imported. A file that cannot
be read is reported with the reason and skipped; importing the same files
again finds them unchanged.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import os
import re
import sqlite3
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyromark
import yaml

from gazette.errors import GazetteError
from gazette.forked import in_two_processes, interleaved
from gazette.heading_ids import with_heading_ids
from gazette.markdown_dialect import linkify_html, python_markdown
from gazette.models import ORIGIN_IMPORT, PublishedIssue
from gazette.render.web import PAGE_IDS, body_digest, sanitize_body_html, slugify
from gazette.store import Store

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
MAX_FILE_BYTES = 10 * 1024 * 1024
# Below this many files one process reads them all: a fork costs more than it
# saves on a handful of issues.
PARALLEL_MIN_FILES = 50
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*(?: [A-Za-z0-9_-]+)*):[ \t]*(.*?)\s*$")
_DATE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")
_FILENAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")
# Zola keeps the date only in the page's path: path = "2014/11/20/Cargo".
_PATH_DATE = re.compile(r"^/?(\d{4})/(\d{1,2})/(\d{1,2})(?:/|$)")
# An issue number written in the title: "Issue 531: …", "… #12", "No. 7".
_TITLE_MARKED_NUMBER = re.compile(r"(?:\bissue|\bno\.|#)\s*#?\s*(\d{1,6})\b", re.I)
# A number ending the title ("This Week in X 12") or the file name ("…-x-12").
_TRAILING_TITLE_NUMBER = re.compile(r"(?:^|[\s#])(\d{1,6})$")
_TRAILING_NAME_NUMBER = re.compile(r"^(.*?)[-_ ]?(\d{1,6})$")
# An unmarked number from here on is more likely a year than an issue number.
_FIRST_YEAR = 1900
# A Hugo or Zola section's own page (its title, sorting, feeds): not a post.
_SECTION_FILES = ("_index.md", "_index.markdown", "_index.mdown", "_index.mkd")
# Where Pelican keeps pages (an "About", a privacy policy): not issues.
_PAGE_FOLDERS = ("pages",)
_NUMBER_KEYS = ("number", "issue", "issue_number")
_SUBTITLE_KEYS = ("subtitle", "summary", "description")
_NAMED_ANCHOR = re.compile(r"""(<a\s(?:[^>]*?\s)?)name=(?=["'])""", re.I)
_MARKDOWN_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_FOOTNOTES
)


# libyaml's loader where PyYAML was built with it: the pure-Python one takes
# most of an import of a blog whose front matter holds long excerpts.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ArchiveImportError(GazetteError):
    """The import as a whole cannot go ahead (nothing was imported)."""


class UnreadableFile(Exception):
    """One file cannot become an issue; the message is the reason."""


@dataclass(frozen=True)
class ArchiveFile:
    """One issue file, read (and rendered unless ``html_digest`` is ""), not yet numbered.

    Text and HTML are held as UTF-8 bytes until they are written: a str with a
    single emoji takes four bytes a character, and an import holds every file.
    """

    path: str  # relative to the imported folder, for messages
    title: str
    day: date
    number: int | None
    tags: tuple[str, ...]
    subtitle: str
    slug: str
    text_utf8: bytes  # the whole file, as it was
    html_utf8: bytes = b""
    html_digest: str = ""  # body_digest(html_utf8), stored with it
    # A number read from the title or the file name when the front matter has
    # none, and where it was read ("the title 'This Week in X 12'").
    inferred_number: int | None = None
    inferred_from: str = ""
    # How the body's Markdown is read and its headings named, after the
    # generator that wrote the archive: "python-markdown" (Pelican), "goldmark"
    # (Hugo), "kramdown" (Jekyll, in GFM mode), "pulldown-cmark" (Zola) or
    # "commonmark" (none of those); see _dialect.
    dialect: str = "commonmark"

    @property
    def text(self) -> str:
        return self.text_utf8.decode("utf-8")

    @property
    def html(self) -> str:
        return self.html_utf8.decode("utf-8")


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Imported:
    path: str
    number: int | None  # None: no number anywhere; the archive shows it by its date
    week: str
    title: str
    # Where the number was read when the front matter had none ("the title
    # 'This Week in X 12'"); for an unnumbered issue, why an inferred one was not used.
    inferred_from: str = ""


@dataclass(frozen=True)
class ImportReport:
    imported: tuple[Imported, ...] = ()
    unchanged: tuple[str, ...] = ()  # paths already in the archive with this text
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        """What the CLI prints: every skip with its reason, new numbers, a summary."""
        out = [f"skipped {s.path}: {s.reason}" for s in self.skipped]
        out += [
            f"{i.path}: no number, imported unnumbered (shown by its date)"
            + (f"; {i.inferred_from}" if i.inferred_from else "")
            for i in self.imported
            if i.number is None
        ]
        out += [
            f"{i.path}: number #{i.number} inferred from {i.inferred_from}"
            for i in self.imported
            if i.inferred_from and i.number is not None
        ]
        numbers = sorted(i.number for i in self.imported if i.number is not None)
        span = f" (#{numbers[0]}–#{numbers[-1]})" if len(numbers) > 1 else ""
        span = f" (#{numbers[0]})" if len(numbers) == 1 else span
        unnumbered = len(self.imported) - len(numbers)
        span += f", {unnumbered} unnumbered" if unnumbered and numbers else ""
        out.append(
            f"imported {len(self.imported)} issue{'' if len(self.imported) == 1 else 's'}{span},"
            f" {len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )
        return out


def import_archive(store: Store, directory: Path, base_url: str = "") -> ImportReport:
    """Import every Markdown file under ``directory`` as a published issue.

    ``base_url`` is where the archive was published (https://blog.example.org):
    its site-relative links (``/about.html``) resolve there; without it they are
    dropped, as they point nowhere on this site.
    """
    directory = Path(directory)
    paths, others = _archive_files(directory)
    if not paths:
        raise ArchiveImportError(
            f"{directory}: no Markdown files ({', '.join(MARKDOWN_SUFFIXES)}) found"
        )
    archive = _Archive.load(store)
    # Every file of the folder that is not imported is listed, with its reason:
    # a .rst post must not vanish without a word.
    skipped: list[Skipped] = [
        Skipped(
            path.relative_to(directory).as_posix(),
            f"not Markdown ({path.suffix or 'no extension'}): only"
            f" {', '.join(MARKDOWN_SUFFIXES)} files are imported",
        )
        for path in others
    ]
    unchanged: list[str] = []
    files: list[ArchiveFile] = []
    # Reading, parsing and rendering is Python over independent files: a large
    # import shares them with a forked copy of this process (gazette.forked).
    read = partial(_read_files, directory, archive.texts, base_url)
    for outcome in interleaved(in_two_processes(paths, read, min_items=PARALLEL_MIN_FILES)):
        if isinstance(outcome, ArchiveFile):
            files.append(outcome)
        elif isinstance(outcome, Skipped):
            skipped.append(outcome)
        else:
            unchanged.append(outcome)
    plan = _plan(archive, files)
    skipped += plan.skipped
    _save(store, plan)
    return ImportReport(
        imported=tuple(
            Imported(n.file.path, n.number, n.week, n.file.title, n.note) for n in plan.new
        ),
        unchanged=tuple(unchanged),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
    )


def _read_files(
    directory: Path, known: frozenset[str], base_url: str, paths: Sequence[Path]
) -> list[ArchiveFile | Skipped | str]:
    """Each of ``paths`` read and its body rendered (an ArchiveFile), or why it
    is not imported (Skipped), or its relative path when the archive holds its
    text already: imported before, it is not parsed nor rendered again, so
    importing a folder that gained one file costs about one file."""
    outcomes: list[ArchiveFile | Skipped | str] = []
    for path in paths:
        rel = path.relative_to(directory).as_posix()
        try:
            text, text_utf8 = _read(path)
            if _digest(text_utf8) in known:
                outcomes.append(rel)
                continue
            file, body = _parse(text, text_utf8, path.name, rel)
            html = render_body(body, file.dialect, base_url).encode("utf-8")
            outcomes.append(replace(file, html_utf8=html, html_digest=body_digest(html)))
        except UnreadableFile as exc:
            outcomes.append(Skipped(rel, str(exc)))
    return outcomes


def _save(store: Store, plan: _Plan) -> None:
    """Every new issue in one transaction."""

    def issues() -> Iterator[PublishedIssue]:
        for new in plan.new:
            issue, number, week = new.file, new.number, new.week
            yield PublishedIssue(
                week=week,
                number=number,
                slug=issue.slug,
                title=issue.title,
                published_on=issue.day.isoformat(),
                html_utf8=issue.html_utf8,
                markdown=issue.text,
                tags=issue.tags,
                subtitle=issue.subtitle,
                origin=ORIGIN_IMPORT,
                html_digest=issue.html_digest,
            )

    try:
        with store.fewer_fsyncs():
            store.add_issues(issues())
    except sqlite3.IntegrityError as exc:
        raise ArchiveImportError(
            f"an issue saved meanwhile conflicts with the import ({exc}); nothing was"
            " imported, run the import again"
        ) from None
    except sqlite3.DatabaseError as exc:
        raise ArchiveImportError(
            f"the database refused the import ({exc}); nothing was imported"
        ) from None


def find_issue_files(directory: Path) -> list[Path]:
    """Markdown files under ``directory``, in path order; hidden ones are not issues."""
    return _archive_files(directory)[0]


def _archive_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """(Markdown files, every other file) under ``directory``, each in path
    order; hidden files and folders (``.git``) are not part of the archive."""
    if not directory.is_dir():
        raise ArchiveImportError(f"{directory}: not a folder")
    markdown: list[Path] = []
    others: list[Path] = []
    for path in directory.rglob("*"):
        if any(part.startswith(".") for part in path.relative_to(directory).parts):
            continue
        if path.is_file():
            (markdown if path.suffix.lower() in MARKDOWN_SUFFIXES else others).append(path)
    return sorted(markdown), sorted(others)


def read_text(path: Path) -> str:
    """A file's text; UnreadableFile says why there is none."""
    return _read(path)[0]


def _read(path: Path) -> tuple[str, bytes]:
    """A file's text, and the same as UTF-8 (its bytes without a byte order mark)."""
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                raise UnreadableFile(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
            data = handle.read()
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8"), data
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def parse_issue_text(text: str, filename: str, rel: str = "", base_url: str = "") -> ArchiveFile:
    """An issue from the text of one file, its body rendered; ``filename`` may
    carry its date."""
    file, body = _parse(text, text.encode("utf-8"), filename, rel)
    # Rendered once, at import: the site places this HTML and never sees Markdown.
    html = render_body(body, file.dialect, base_url).encode("utf-8")
    return replace(file, html_utf8=html, html_digest=body_digest(html))


def _parse(text: str, text_utf8: bytes, filename: str, rel: str) -> tuple[ArchiveFile, str]:
    """(the issue without its HTML, its Markdown body) from the text of one file
    (also given as UTF-8, as it is kept)."""
    if filename.lower() in _SECTION_FILES:
        raise UnreadableFile(
            f"a section's index ({filename}, as Hugo and Zola name it), not a post"
        )
    if any(part in _PAGE_FOLDERS for part in Path(rel).parts[:-1]):
        raise UnreadableFile("a page (in a pages/ folder, as Pelican keeps them), not an issue")
    meta, body, style = split_front_matter(text)
    if _is_draft(meta):
        raise UnreadableFile("marked as a draft")
    title = _one_line(meta.get("title"))
    if not title:
        template = _one_line(meta.get("template"))
        if template:
            raise UnreadableFile(f"a page drawn by its own template ({template}), not a post")
        raise UnreadableFile("no title in the front matter")
    number = _number(meta)
    inferred, inferred_from = _inferred_number(title, filename) if number is None else (None, "")
    file = ArchiveFile(
        path=rel or filename,
        title=title,
        day=_date(meta.get("date"), filename, meta.get("path")),
        number=number,
        inferred_number=inferred,
        inferred_from=inferred_from,
        dialect=_dialect(style, meta, filename),
        tags=_tags(meta.get("tags"), split_spaces=style != "headers"),
        subtitle=next((_one_line(meta[k]) for k in _SUBTITLE_KEYS if meta.get(k)), ""),
        slug=slugify(_one_line(meta.get("slug")) or title),
        text_utf8=text_utf8,
    )
    return file, body


def render_body(markdown: str, dialect: str = "commonmark", base_url: str = "") -> str:
    """An imported body as sanitized HTML (the archive's allow-list, http(s) links).

    CommonMark with the GitHub extensions that Hugo (goldmark) and Jekyll
    (kramdown, GFM) archives use most (tables, strikethrough, task lists),
    through pyromark (pulldown-cmark): years of issues import in seconds, where
    markdown-it-py takes about 30 s for a 23 MB archive. (cmark-gfm is as fast
    but its Python binding leaks every document's tree.) Raw HTML passes
    through and is sanitized here. ``dialect`` is the archive's generator's
    reading of Markdown where it differs (``ArchiveFile.dialect``); footnotes,
    which all four generators render, are on. Relative links resolve against
    ``base_url`` (where the archive was published); without one they are
    dropped, as they would point nowhere on this site. Headings get the ids
    the generator gave them (``gazette.heading_ids``), so the post's links to
    its own sections still land.
    """
    if dialect == "python-markdown":
        markdown = python_markdown(markdown)
    html = pyromark.html(markdown, options=_MARKDOWN_OPTIONS)
    if dialect == "goldmark":
        html = linkify_html(html)
    if "name=" in html:
        # <a name="tool"> is how older posts mark a place to link to; HTML5 has
        # it as an id (the sanitizer keeps ids, not the obsolete name).
        html = _NAMED_ANCHOR.sub(r"\1id=", html)
    # After the sanitizer, which keeps ids: the ones added are made of the
    # headings' words, escaped, and never one the issue page uses itself.
    return with_heading_ids(sanitize_body_html(html, base_url=base_url), dialect, PAGE_IDS)


def split_front_matter(text: str) -> tuple[dict[str, Any], str, str]:
    """(metadata with lower-case keys, Markdown body, style) of a file's text.

    Style is "yaml", "toml" or "headers". Only the lines up to the end of the
    front matter are split: the body (most of a 30 KB issue) is sliced off whole.
    """
    lines = _leading_lines(text)
    first_line, after = next(lines, ("", 0))
    first = first_line.strip()
    if first in ("---", "+++"):
        style = "yaml" if first == "---" else "toml"
        ends = ("---", "...") if style == "yaml" else ("+++",)
        block: list[str] = []
        for line, after in lines:
            if line.strip() in ends:
                meta = _load_yaml("".join(block)) if style == "yaml" else _load_toml("".join(block))
                return _lower_keys(meta), text[after:], style
            block.append(line)
        raise UnreadableFile(f"the {style.upper()} front matter has no closing {first} line")
    if first_line and _HEADER.match(first):
        return _headers(itertools.chain([(first_line, after)], lines), text)
    raise UnreadableFile(
        "no front matter: expected Title:/Date: header lines, --- YAML or +++ TOML"
    )


# How much of a file the first split covers; each further split covers twice as much.
_FIRST_CHUNK = 4096


def _leading_lines(text: str) -> Iterator[tuple[str, int]]:
    """Each line of ``text`` (as ``str.splitlines(keepends=True)`` gives it) with
    the offset where the text after it starts, split a few KB at a time."""
    start, size = 0, _FIRST_CHUNK
    while start < len(text):
        end = start + size
        lines = text[start:end].splitlines(keepends=True)
        if end < len(text):
            # The chunk's last line may be cut short (or be the "\r" of a "\r\n"):
            # it comes again at the start of the next, larger chunk.
            lines.pop()
            size *= 2
        for line in lines:
            start += len(line)
            yield line, start


def _headers(lines: Iterator[tuple[str, int]], text: str) -> tuple[dict[str, Any], str, str]:
    meta: dict[str, Any] = {}
    last = ""
    for index, (line, after) in enumerate(lines):
        if not line.strip():
            return meta, text[after:], "headers"
        match = _HEADER.match(line)
        if match:
            last = match.group(1).lower()
            meta[last] = match.group(2)
        elif line[:1] in (" ", "\t") and last:
            meta[last] = f"{meta[last]} {line.strip()}"
        else:
            raise UnreadableFile(
                f"line {index + 1} of the headers is not 'Key: value': {line.strip()[:60]!r}"
            )
    return meta, "", "headers"  # a file of headers only has an empty body


def _load_yaml(block: str) -> Mapping[str, Any]:
    try:
        meta = yaml.load(block, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UnreadableFile(f"bad YAML front matter{where}: {problem}") from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise UnreadableFile("the YAML front matter is not a set of key: value pairs")
    return meta


def _load_toml(block: str) -> Mapping[str, Any]:
    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(f"bad TOML front matter: {exc}") from None


def _lower_keys(meta: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in meta.items()}


def _is_draft(meta: Mapping[str, Any]) -> bool:
    return (
        meta.get("draft") in (True, "true", "True", "yes")
        or meta.get("published") in (False, "false", "False", "no")
        or str(meta.get("status", "")).strip().lower() == "draft"
    )


def _one_line(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _date(value: Any, filename: str, page_path: Any = None) -> date:
    if isinstance(value, datetime):
        return value.date()  # the day as written, in the author's time zone
    if isinstance(value, date):
        return value
    if value is not None and str(value).strip():
        match = _DATE.match(str(value))
        if not match:
            raise UnreadableFile(f"date {str(value)[:40]!r} is not a date (expected YYYY-MM-DD)")
        return _make_date(match, str(value))
    from_name = _FILENAME_DATE.match(filename)
    if from_name:
        return _make_date(from_name, filename)
    from_path = _PATH_DATE.match(page_path) if isinstance(page_path, str) else None
    if from_path:
        return _make_date(from_path, page_path)
    raise UnreadableFile(
        "no date in the front matter (date, or a Zola path = 'YYYY/MM/DD/slug') or the file name"
    )


def _make_date(match: re.Match[str], source: str) -> date:
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise UnreadableFile(f"date {source[:40]!r} does not exist") from None


def _number(meta: Mapping[str, Any]) -> int | None:
    for key in _NUMBER_KEYS:
        value = meta.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            break
        text = str(value).strip().lstrip("#")
        if text.isdigit() and int(text) > 0:
            return int(text)
        raise UnreadableFile(f"{key} {str(value)[:20]!r} is not a positive whole number")
    return None


def _dialect(style: str, meta: Mapping[str, Any], filename: str) -> str:
    """Which generator's Markdown a file was written for, from its front matter.

    Pelican's header lines: Python-Markdown. Zola's TOML (an ``[extra]`` table,
    a ``path``, a ``template``): pulldown-cmark; Jekyll's YAML (the date in the
    file name, a ``layout``): kramdown in GFM mode; both read Markdown as
    CommonMark does, near enough. Other front matter with a ``date``: Hugo's
    goldmark, which links bare URLs.
    """
    if style == "headers":
        return "python-markdown"
    if any(key in meta for key in ("extra", "path", "template")):
        return "pulldown-cmark"
    if style == "yaml" and (_FILENAME_DATE.match(filename) or "layout" in meta):
        return "kramdown"
    return "goldmark" if "date" in meta else "commonmark"


def _inferred_number(title: str, filename: str) -> tuple[int | None, str]:
    """(number, where it was read) for a file whose front matter has none.

    Read from a title that marks it ("Issue 531: …", "… #12"), from a file name
    that is one ("issue-12.md", "12.md"), or from a number ending both the title
    and the file name made of it ("This Week in X 12", "this-week-in-x-12.md").
    A number ending only one of them is too often a part or a week ("RSoC: GDB
    for Redox - part 1" in "rsoc-gdb-1.md"), and an unmarked one that could be
    a year is one ("A call for blogs 2020").
    """
    marked = _TITLE_MARKED_NUMBER.search(title)
    if marked and int(marked.group(1)) > 0:
        return int(marked.group(1)), f"the title {title!r}"
    stem = filename.rsplit(".", 1)[0]
    by_name = _TRAILING_NAME_NUMBER.match(stem)
    if by_name is None or not 0 < int(by_name.group(2)) < _FIRST_YEAR:
        return None, ""
    prefix = by_name.group(1).lower()
    if prefix in ("", "issue", "no", "number"):
        return int(by_name.group(2)), f"the file name {filename!r}"
    by_title = _TRAILING_TITLE_NUMBER.search(title)
    if (
        by_title
        and int(by_title.group(1)) == int(by_name.group(2))
        and slugify(title[: by_title.start(1)]) == slugify(prefix)
    ):
        return int(by_name.group(2)), f"the title {title!r} and the file name {filename!r}"
    return None, ""


def _tags(value: Any, split_spaces: bool) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts: Iterable[Any] = (
            value.split(",") if "," in value or not split_spaces else value.split()
        )
    elif isinstance(value, list | tuple):
        parts = value
    else:
        parts = [value]
    seen: list[str] = []
    for part in parts:
        tag = _one_line(part)
        if tag and tag not in seen:
            seen.append(tag)
    return tuple(seen)


@dataclass(frozen=True)
class _Numbered:
    file: ArchiveFile
    number: int | None  # None: unnumbered
    week: str
    note: str  # where an inferred number was read; why an unnumbered one has none


@dataclass
class _Plan:
    new: list[_Numbered] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class _Archive:
    """What the database already holds, read once before the import."""

    weeks: dict[int, str]  # number -> week
    texts: frozenset[str]  # digests of the markdown of every issue

    @classmethod
    def load(cls, store: Store) -> _Archive:
        weeks: dict[int, str] = {}
        texts: set[str] = set()
        # As bytes, one issue at a time: the digests are all an import needs.
        for issue in store.issue_texts():
            if issue.number is not None:
                weeks[issue.number] = issue.week
            texts.add(_digest(issue.markdown_utf8))
        return cls(weeks=weeks, texts=frozenset(texts))


def _digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _plan(archive: _Archive, files: list[ArchiveFile]) -> _Plan:
    """Numbers and week keys for the new files, against the archive as it is.

    A number in the front matter is the issue's; one read from the title or the
    file name is taken only when no such number (in the archive or this import)
    has it, so an inferred number never takes the place of a real one. Any
    other file stays unnumbered: a number given here would be one the weekly's
    next issues need.
    """
    plan = _Plan()
    weeks = set(archive.weeks.values())
    claimed: dict[int, str] = {}  # number -> the path that has it in this import
    numbered: list[tuple[ArchiveFile, int | None, str]] = []  # file, number, note
    inferred: list[ArchiveFile] = []
    for file in files:
        if file.number is None:
            if file.inferred_number is None:
                numbered.append((file, None, ""))
            else:
                inferred.append(file)
        elif file.number in claimed:
            plan.skipped.append(
                Skipped(file.path, f"number {file.number} is also used by {claimed[file.number]}")
            )
        elif file.number in archive.weeks:
            week = archive.weeks[file.number]
            plan.skipped.append(
                Skipped(file.path, f"issue #{file.number} is already in the archive ({week})")
            )
        else:
            claimed[file.number] = file.path
            numbered.append((file, file.number, ""))
    for file in sorted(inferred, key=lambda f: (f.day, f.path)):
        number = file.inferred_number
        assert number is not None
        taken_by = "the archive" if number in archive.weeks else claimed.get(number, "")
        if taken_by:
            note = f"#{number}, from {file.inferred_from}, is used by {taken_by}"
            numbered.append((file, None, note))
        else:
            claimed[number] = file.path
            numbered.append((file, number, file.inferred_from))
    # Week keys in date order, so of two issues in one week the earlier keeps the plain key.
    for file, number, note in sorted(numbered, key=lambda n: (n[0].day, n[1] or 0, n[0].path)):
        year, week_number, _ = file.day.isocalendar()
        week = base = f"{year}-W{week_number:02d}"
        if week in weeks:
            week = base = f"{base}-{number if number is not None else file.day.isoformat()}"
        for again in itertools.count(2):
            if week not in weeks:
                break
            week = f"{base}-{again}"  # unnumbered issues of one day
        weeks.add(week)
        plan.new.append(_Numbered(file, number, week, note))
    plan.new.sort(key=lambda entry: (entry.number is None, entry.number or 0, entry.file.day))
    return plan
