"""OPML import and export of feed sources.

OPML is how feed readers trade subscription lists. Importing appends one
``[[sources]]`` table of kind "feed" per new feed to the end of the gazette.toml
in use: the file is extended as text, never re-serialized, so the editor's
comments, order and formatting survive. Exporting writes OPML 2.0.

An OPML file comes from elsewhere and is parsed as hostile: a document type
declaration (the door to entity expansion bombs and external entities) is
refused before any element is built, as defusedxml does.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.parsers import expat

from gazette.clean import clean_title
from gazette.config import DEFAULT_CONFIG_NAME, Settings, SourceConfig, load_settings
from gazette.errors import ConfigMissing, OpmlError
from gazette.files import replace, write_new
from gazette.urls import canonical_url, safe_url

MAX_OPML_BYTES = 5_000_000
FEED_KIND = "feed"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Outline:
    """One feed of an OPML file: its title, feed URL and web page."""

    title: str
    xml_url: str
    html_url: str = ""


@dataclass(frozen=True)
class ImportResult:
    config: Path
    added: tuple[SourceConfig, ...] = ()
    # (title or URL, why it was left out)
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)


# -- reading ------------------------------------------------------------------


def parse_opml(data: bytes, origin: str = "OPML") -> list[Outline]:
    """Every outline with an ``xmlUrl``, however deeply nested in categories.

    Raises OpmlError for a DOCTYPE/ENTITY declaration, malformed XML or a root
    that is not ``<opml>``. Outlines whose feed URL is not http(s) are dropped.
    """
    _refuse_dtd(data, origin)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"{origin}: not well-formed XML ({exc})") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"{origin}: not an OPML file (root element <{_local(root.tag)}>)")
    outlines = []
    for element in root.iter():
        if _local(element.tag) != "outline":
            continue
        attributes = {k.lower(): v for k, v in element.attrib.items()}
        url = safe_url(attributes.get("xmlurl"))
        if not url:
            continue
        title = clean_title(attributes.get("title") or attributes.get("text"))
        outlines.append(Outline(title, url, safe_url(attributes.get("htmlurl"))))
    return outlines


def _refuse_dtd(data: bytes, origin: str) -> None:
    """Fail on any document type declaration, before ElementTree expands anything.

    The check runs in expat itself rather than as a text search, so no encoding
    (UTF-16, a declared legacy charset) can hide the declaration from it.
    """

    def refuse(*_: Any) -> None:
        raise OpmlError(f"{origin}: DOCTYPE and ENTITY declarations are not allowed in OPML")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise OpmlError(f"{origin}: not well-formed XML ({exc})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def read_opml(path: Path) -> list[Outline]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_OPML_BYTES + 1)
    except OSError as exc:
        raise OpmlError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"{path}: larger than {MAX_OPML_BYTES} bytes; is this really OPML?")
    return parse_opml(data, str(path))


# -- importing into gazette.toml ------------------------------------------------


def config_in_use(config: Path | None) -> Path:
    """The gazette.toml that commands read: the one given, else ./gazette.toml."""
    path = config or Path(DEFAULT_CONFIG_NAME)
    if not path.is_file():
        raise ConfigMissing(path, "no config file to add feeds to")
    return path


def import_opml(config: Path, opml: Path, now: datetime | None = None) -> ImportResult:
    """Append a feed source for every feed of ``opml`` not configured yet.

    Names are slugs of the feed titles, made unique. Nothing is written when
    there is nothing new, and the new file is checked before it replaces the old.
    """
    settings = load_settings(config)
    outlines = read_opml(opml)
    taken = {s.name for s in settings.sources}
    known = {canonical_url(u) for s in settings.sources for u in (s.url, s.base_url) if u}
    added: list[SourceConfig] = []
    skipped: list[tuple[str, str]] = []
    for outline in outlines:
        key = canonical_url(outline.xml_url)
        if key in known:
            skipped.append((outline.title or outline.xml_url, "already configured"))
            continue
        known.add(key)
        name = unique_name(slugify(outline.title) or _host_slug(outline.xml_url), taken)
        taken.add(name)
        added.append(SourceConfig(name=name, kind=FEED_KIND, url=outline.xml_url))
    if added:
        titles = {o.xml_url: o.title for o in outlines}
        _append_sources(config, settings, added, titles, opml, now or datetime.now(UTC))
    return ImportResult(config, tuple(added), tuple(skipped))


def _append_sources(
    config: Path,
    settings: Settings,
    added: Sequence[SourceConfig],
    titles: Mapping[str, str],
    opml: Path,
    now: datetime,
) -> None:
    text = config.read_text("utf-8")
    user = tomllib.loads(text)
    blocks = []
    existing = len(user.get("sources", []))
    tables = list(added)
    if "sources" not in user:
        # A file without [[sources]] runs the built-in list; appending tables would
        # silently replace that list, so the built-in sources are written out first.
        blocks.append("# The built-in sources, written out so that the feeds below add to them.")
        blocks += [_source_table(s) for s in settings.sources]
        tables += settings.sources
    stamp = now.astimezone(UTC).strftime("%Y-%m-%d")
    blocks.append(
        f"# Imported from {_one_line(opml.name)} on {stamp} (gazette sources import-opml)."
    )
    for source in added:
        title = _one_line(titles.get(source.url, ""))
        blocks.append((f"# {title}\n" if title else "") + _source_table(source))
    separator = "" if text.endswith("\n") or not text else "\n"
    new_text = text + separator + "\n" + "\n\n".join(blocks) + "\n"
    try:
        parsed = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:
        # e.g. `sources = [...]` written inline, which [[sources]] cannot extend
        raise OpmlError(
            f"{config}: cannot append [[sources]] tables to this file ({exc}); add them by hand"
        ) from None
    if len(parsed.get("sources", [])) != existing + len(tables):
        raise OpmlError(
            f"{config}: appending [[sources]] would not add the feeds; add them by hand"
        )
    # Whole or not at all, keeping the file's permissions: an interrupted
    # import leaves the old file.
    replace(config, new_text)


def _source_table(source: SourceConfig) -> str:
    lines = ["[[sources]]", f"name = {_toml(source.name)}", f"kind = {_toml(source.kind)}"]
    if source.base_url:
        lines.append(f"base_url = {_toml(source.base_url)}")
    if source.url:
        lines.append(f"url = {_toml(source.url)}")
    if not source.enabled:
        lines.append("enabled = false")
    if source.weight != 1.0:
        lines.append(f"weight = {_toml(source.weight)}")
    lines += [f"{key} = {_toml(value)}" for key, value in source.options.items()]
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", clean_title(text))[:100]


def slugify(title: str, limit: int = 40) -> str:
    """ "Dashbit Blog" → "dashbit-blog": ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def _host_slug(url: str) -> str:
    host = (urlsplit(url).hostname or "feed").removeprefix("www.")
    return slugify(host.replace(".", "-")) or "feed"


def unique_name(name: str, taken: Iterable[str]) -> str:
    existing = set(taken)
    if name not in existing:
        return name
    number = 2
    while f"{name}-{number}" in existing:
        number += 1
    return f"{name}-{number}"


# -- exporting ----------------------------------------------------------------


def feed_sources(settings: Settings) -> list[SourceConfig]:
    return [s for s in settings.sources if s.kind == FEED_KIND and (s.url or s.base_url)]


def export_opml(settings: Settings, now: datetime | None = None) -> str:
    """OPML 2.0 listing every feed source of ``settings`` (disabled ones too)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{settings.publication.name} feeds"
    ET.SubElement(head, "dateCreated").text = format_datetime(
        (now or datetime.now(UTC)).astimezone(UTC), usegmt=True
    )
    body = ET.SubElement(root, "body")
    for source in feed_sources(settings):
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=source.name,
            title=source.name,
            xmlUrl=source.url or source.base_url,
        )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def write_opml(path: Path, text: str, force: bool = False) -> None:
    """Write ``text`` to ``path``, whole or not at all; an existing file only
    with ``force`` (FileExists otherwise)."""
    try:
        if force:
            replace(path, text)
        else:
            write_new(path, text)
    except OSError as exc:
        raise OpmlError(f"{path}: cannot write: {exc.strerror or exc}") from None
