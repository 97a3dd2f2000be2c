"""The issue draft: ``data/issues/<week>.md``, TOML front matter plus Markdown.

The file is the source of truth for the editor's words. ``write_draft`` turns an
Issue into the canonical text; ``parse_draft`` reads any text of that shape back
into an Issue and keeps the original text untouched, so writing back what was
read never changes a byte the editor wrote.

Shape (``##`` sections, ``###`` stories)::

    +++
    week = "2026-W02"
    title = "Drain Your Queue, Save Your Week"
    emoji = "🔄"
    subtitle = "GenServer migration reality check"
    +++

    Welcome line.

    ## Weekly picks

    ### 🔄 Headline
    <!-- item: 42; tags: otp, deployment -->

    Summary paragraphs.

    [Read the thread on Elixir Forum](https://elixirforum.com/t/...)

    ## Feature
    ### Headline ... body ... "Remember:" and a bullet list ... link

    ## Quick links
    - [Title](https://...) one-line note <!-- item: 7 -->

    ## Sponsor: TIRED OF DEVOPS HEADACHES?
    Body. [Call to action](https://...)

    ## Sign-off
    See you next week,
    Michael

    P.S. ...

    ## Candidates
    <!-- candidate: 123 | 🔥 Title | https://... -->

The Candidates section is the editor's shortlist and is never published:
``gazette draft --refresh`` appends stories never offered in the draft yet as one
``<!-- candidate: ID | emoji Title | URL -->`` comment per line (one comment per
line, so deleting any line never breaks the rest), ``gazette pick ID`` moves one
up into a section and ``gazette unpick ID`` puts a story back. The section holds
only single-line ``<!-- ... -->`` comments and blank lines; anything else there
is an error, because a story written there would silently vanish from the issue.

One pass over the text gives the whole document: the Issue, the shortlist and
the outline (the line span of every section and story, each story with the
Pick it parses to). The verbs (``gazette.draft.surgery``) take that document and
change the text surgically rather than re-writing it from the Issue: they
insert, remove or move whole story blocks, or rewrite the one meta comment line
they change, and every other byte stays where the editor put it.

Titles, links and notes are written and read by ``gazette.draft.syntax``, so
whatever a source sent comes back from the draft as the same string. A UTF-8
byte order mark (some Windows editors save one) is read past and kept.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from gazette.draft.syntax import (
    read_heading,
    read_link,
    split_fields,
    write_field,
    write_heading,
    write_link,
)
from gazette.errors import DraftError, DraftMissing, StoryInCandidates
from gazette.models import Issue, Pick, Sponsor

FRONT = "+++"
BOM = "\ufeff"
_SECTION = re.compile(r"^## +(.+?)\s*$")
_STORY = re.compile(r"^### +(.+?)\s*$")
_META = re.compile(r"^<!--\s*(.*?)\s*-->\s*$")
_QUICK_BULLET = re.compile(r"^[-*] +")
_BULLET = re.compile(r"^[-*] +(.*\S)\s*$")
_CANDIDATE = re.compile(r"^candidate:\s*(\d+)\s*\|(.*)$", re.S)
_REMEMBER = "Remember:"
SECTION_TITLES = {
    "picks": "Weekly picks",
    "feature": "Feature",
    "quick-links": "Quick links",
    "sponsor": "Sponsor",
    "sign-off": "Sign-off",
    "candidates": "Candidates",
}
# The sections that hold stories, in the order a new draft writes them.
STORY_SECTIONS = ("picks", "feature", "quick-links")


@dataclass(frozen=True)
class CandidateLine:
    """One ``<!-- candidate: ID | emoji Title | URL -->`` line of the shortlist."""

    item_id: int
    emoji: str
    title: str
    url: str
    line: int  # 1-based line in the draft


@dataclass(frozen=True)
class Block:
    """One story (its ``###`` heading up to the next heading) or one quick-link
    line, as 0-based indexes into ``text.split("\\n")``: the content is
    ``[start, end)`` (it ends on a non-blank line), then blank lines up to
    ``stop``; with the Pick it parses to."""

    section: str
    start: int
    end: int
    stop: int
    meta: int | None  # the line holding the <!-- item: ...; tags: ... --> comment
    item_id: int | None
    pick: Pick


@dataclass(frozen=True)
class SectionSpan:
    """A ``##`` section: its heading line and everything up to ``stop``."""

    key: str
    heading: int
    stop: int
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Outline:
    sections: tuple[SectionSpan, ...]
    body_start: int  # the first line after the front matter

    def section(self, key: str) -> SectionSpan | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(b for s in self.sections for b in s.blocks)

    def find(self, item_id: int) -> Block | None:
        return next((b for b in self.blocks if b.item_id == item_id), None)


@dataclass(frozen=True)
class Draft:
    """A parsed draft, from one pass over its text: the typed issue, the
    shortlist, where every section and story sits, and the exact text."""

    issue: Issue
    text: str
    candidates: tuple[CandidateLine, ...] = ()
    outline: Outline = Outline((), 0)
    path: str | None = None  # for messages: the file the text came from

    @property
    def blocks(self) -> tuple[Block, ...]:
        """Every story and quick link, in draft order, with its Pick."""
        return self.outline.blocks


def draft_path(issues_dir: Path, week: str) -> Path:
    return issues_dir / f"{week}.md"


def read_draft(path: Path) -> Draft:
    try:
        # Bytes, not read_text: universal newlines would turn CRLF into LF and
        # the text would no longer be exactly what the editor saved.
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DraftMissing(None, str(path)) from None
    except UnicodeDecodeError as exc:
        raise DraftError(f"not UTF-8 ({exc.reason})", str(path)) from None
    return parse_draft(text, str(path))


def parse_draft(text: str, path: str | None = None) -> Draft:
    """The whole document in one pass: issue, shortlist and outline."""
    lines = text.split("\n")
    if lines[0].startswith(BOM):  # a copy: the text keeps its mark
        lines[0] = lines[0][1:]
    meta, body_start = _front_matter(lines, path)
    week = meta.get("week")
    if not isinstance(week, str) or not week:
        raise DraftError('front matter needs week = "YYYY-Www"', path, 2)
    preamble_end, headings = _split(lines, body_start, len(lines), _SECTION)
    welcome = _paragraph_text(lines[body_start:preamble_end])
    picks: list[Pick] = []
    feature: Pick | None = None
    quick: list[Pick] = []
    sponsor: Sponsor | None = None
    sign_off = editor = ps = ""
    candidates: list[CandidateLine] = []
    sections: list[SectionSpan] = []
    for heading, at, stop in headings:
        name, _, argument = heading.partition(":")
        key = _section_key(name)
        blocks: list[Block] = []
        if key in ("picks", "feature"):
            blocks = _stories(lines, key, at + 1, stop, path)
            if key == "feature":
                if len(blocks) > 1:
                    raise DraftError("the feature section holds one story", path, at + 2)
                feature = blocks[0].pick if blocks else None
            else:
                picks += [b.pick for b in blocks]
        elif key == "quick-links":
            blocks = _quick_links(lines, at + 1, stop, path)
            quick += [b.pick for b in blocks]
        elif key == "sponsor":
            sponsor = _sponsor(argument.strip(), lines[at + 1 : stop])
        elif key == "sign-off":
            sign_off, editor, ps = _sign_off(lines[at + 1 : stop])
        elif key == "candidates":
            candidates += _candidate_lines(lines, at + 1, stop, path)
        else:
            raise DraftError(
                f"unknown section '## {heading}' (expected one of: {', '.join(SECTION_TITLES.values())})",
                path,
                at + 1,
            )
        sections.append(SectionSpan(key, at, stop, tuple(blocks)))
    number = meta.get("number")
    issue = Issue(
        week=week,
        title=str(meta.get("title", "")),
        emoji=str(meta.get("emoji", "")),
        subtitle=str(meta.get("subtitle", "")),
        preheader=str(meta.get("preheader", "")),
        welcome=welcome,
        picks=tuple(picks),
        feature=feature,
        quick_links=tuple(quick),
        sponsor=sponsor,
        sign_off=sign_off,
        editor=editor,
        ps=ps,
        number=number if isinstance(number, int) else None,
        published_on=str(meta["published_on"]) if "published_on" in meta else None,
    )
    shape = Outline(tuple(sections), body_start)
    return Draft(issue=issue, text=text, candidates=tuple(candidates), outline=shape, path=path)


def outline(text: str, path: str | None = None) -> Outline:
    """Where every section and story of a valid draft sits (``parse_draft(text).outline``)."""
    return parse_draft(text, path).outline


def write_draft(issue: Issue) -> str:
    """The canonical text of ``issue``; parse_draft(write_draft(i)).issue == i."""
    out = [FRONT, f"week = {_toml_str(issue.week)}", f"title = {_toml_str(issue.title)}"]
    out += [f"emoji = {_toml_str(issue.emoji)}", f"subtitle = {_toml_str(issue.subtitle)}"]
    if issue.preheader:
        out.append(f"preheader = {_toml_str(issue.preheader)}")
    if issue.number is not None:
        out.append(f"number = {issue.number}")
    if issue.published_on is not None:
        out.append(f"published_on = {_toml_str(issue.published_on)}")
    out += [FRONT, ""]
    if issue.welcome:
        out += [issue.welcome, ""]
    out += [f"## {SECTION_TITLES['picks']}", ""]
    for pick in issue.picks:
        out += [*story_lines(pick), ""]
    if issue.feature:
        out += [f"## {SECTION_TITLES['feature']}", ""]
        out += [*story_lines(issue.feature), ""]
    if issue.quick_links:
        out += [f"## {SECTION_TITLES['quick-links']}", ""]
        out += [quick_link_line(link) for link in issue.quick_links]
        out.append("")
    if issue.sponsor:
        s = issue.sponsor
        out += [f"## {SECTION_TITLES['sponsor']}: {s.heading}", ""]
        if s.body:
            out += [s.body, ""]
        if s.cta_url:
            out += [write_link(s.cta_text or s.cta_url, s.cta_url), ""]
    if issue.sign_off or issue.editor or issue.ps:
        out += [f"## {SECTION_TITLES['sign-off']}", ""]
        closing = [line for line in (issue.sign_off, issue.editor) if line]
        if closing:
            out += [*closing, ""]
        if issue.ps:
            out += [f"P.S. {issue.ps}", ""]
    return "\n".join(out)


def story_lines(pick: Pick) -> list[str]:
    """A story block as the draft writes it, without trailing blank lines."""
    out = [f"### {write_heading(pick.emoji, pick.headline)}"]
    if _meta_text(pick):
        out.append(f"<!-- {_meta_text(pick)} -->")
    out.append("")
    if pick.body:
        out += [pick.body, ""]
    if pick.remember:
        out += [_REMEMBER, *(f"- {r}" for r in pick.remember), ""]
    if pick.url:
        out += [write_link(pick.link_text or pick.url, pick.url), ""]
    return out[:-1]


def quick_link_line(link: Pick) -> str:
    note = " " + " ".join(link.body.split("\n")) if link.body else ""
    meta = f" <!-- {_meta_text(link)} -->" if _meta_text(link) else ""
    return f"- {write_link(link.headline, link.url)}{note}{meta}"


def candidate_line(item_id: int, emoji: str, title: str, url: str) -> str:
    """One shortlist line; ``parse_draft`` reads back the same emoji, title and URL."""
    heading = write_field(write_heading(emoji, title))
    return f"<!-- candidate: {item_id} | {heading} | {write_field(url)} -->"


# -- parsing helpers -------------------------------------------------------


def _front_matter(lines: list[str], path: str | None) -> tuple[dict[str, object], int]:
    if not lines or lines[0].strip() != FRONT:
        raise DraftError("must start with a +++ front matter block", path, 1)
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT:
            try:
                toml = "\n".join(line.rstrip("\r") for line in lines[1:index])
                return tomllib.loads(toml), index + 1
            except tomllib.TOMLDecodeError as exc:
                raise DraftError(f"front matter is not valid TOML: {exc}", path, 2) from None
    raise DraftError("front matter is not closed with +++", path, 1)


def _split(
    lines: list[str], start: int, stop: int, heading: re.Pattern[str]
) -> tuple[int, list[tuple[str, int, int]]]:
    """Headings in ``lines[start:stop]`` outside code fences: where the text
    before the first one ends, and each heading's text, index and stop."""
    found: list[tuple[str, int]] = []
    fence = False
    for index in range(start, stop):
        line = lines[index]
        if line.lstrip().startswith("```"):
            fence = not fence
        elif not fence and (match := heading.match(line)):
            found.append((match.group(1), index))
    if not found:
        return stop, []
    stops = [at for _, at in found[1:]] + [stop]
    return found[0][1], [(text, at, end) for (text, at), end in zip(found, stops, strict=True)]


def _section_key(name: str) -> str:
    lowered = re.sub(r"[^a-z]+", " ", name.lower()).strip()
    if lowered in ("weekly picks", "picks"):
        return "picks"
    if lowered in ("quick links", "links"):
        return "quick-links"
    if lowered in ("sign off", "signoff"):
        return "sign-off"
    return lowered


def _stories(lines: list[str], key: str, start: int, stop: int, path: str | None) -> list[Block]:
    preamble_end, headings = _split(lines, start, stop, _STORY)
    if any(lines[i].strip() for i in range(start, preamble_end)):
        raise DraftError("text before the first ### story heading", path, start + 1)
    return [_story(lines, key, heading, at, end) for heading, at, end in headings]


def _story(lines: list[str], key: str, heading: str, at: int, stop: int) -> Block:
    emoji, headline = read_heading(heading)
    end = stop
    while end > at + 1 and not lines[end - 1].strip():
        end -= 1
    first = next((i for i in range(at + 1, end) if lines[i].strip()), end)
    meta: dict[str, str] = {}
    meta_line = None
    if first < end and (match := _META.match(lines[first].strip())):
        meta = _parse_meta(match.group(1))
        meta_line = first
        first += 1
    paragraphs = _paragraphs(lines[first:end])
    url = link_text = ""
    if paragraphs and (link := _link_line(paragraphs[-1])):
        link_text, url = link
        paragraphs.pop()
        if link_text == url:  # a bare link: no text of its own
            link_text = ""
    remember: tuple[str, ...] = ()
    for index, paragraph in enumerate(paragraphs):
        para_lines = paragraph.split("\n")
        if para_lines[0].strip() == _REMEMBER:
            bullets = para_lines[1:]
            if not bullets and index + 1 < len(paragraphs):
                bullets = paragraphs[index + 1].split("\n")
                del paragraphs[index + 1]
            remember = tuple(m.group(1) for line in bullets if (m := _BULLET.match(line)))
            del paragraphs[index]
            break
    item_id = _item_id(meta)
    pick = Pick(
        headline=headline,
        emoji=emoji,
        body="\n\n".join(paragraphs),
        url=url,
        link_text=link_text,
        item_id=item_id,
        tags=_tags(meta),
        remember=remember,
    )
    return Block(key, at, end, stop, meta_line, item_id, pick)


def _link_line(paragraph: str) -> tuple[str, str] | None:
    """(text, url) of a paragraph that is one ``[text](url)`` link and nothing else."""
    found = read_link(paragraph)
    if found is None or paragraph[found[2] :].strip():
        return None
    return found[0], found[1]


def _quick_links(lines: list[str], start: int, stop: int, path: str | None) -> list[Block]:
    blocks: list[Block] = []
    for index in range(start, stop):
        line = lines[index]
        if not line.strip():
            continue
        pick = _quick_link(line)
        if pick is None:
            raise DraftError(
                "a quick link is one line: - [Title](https://...) note", path, index + 1
            )
        after = index + 1
        while after < stop and not lines[after].strip():
            after += 1
        blocks.append(Block("quick-links", index, index + 1, after, index, pick.item_id, pick))
    return blocks


def _quick_link(line: str) -> Pick | None:
    """``- [Title](url) note <!-- item: 7 -->``: the note is everything up to
    the line's last comment, so a note may itself mention ``<!--``."""
    bullet = _QUICK_BULLET.match(line)
    found = read_link(line, bullet.end()) if bullet else None
    if found is None:
        return None
    headline, url, end = found
    rest = line[end:].rstrip(" \t\r")
    meta: dict[str, str] = {}
    if rest.endswith("-->"):
        opening = rest.rfind("<!--", 0, len(rest) - 3)
        if opening != -1:
            meta = _parse_meta(rest[opening + 4 : -3].strip())
            rest = rest[:opening]
    return Pick(
        headline=headline,
        url=url,
        body=rest.strip(" \t"),
        item_id=_item_id(meta),
        tags=_tags(meta),
    )


def _sponsor(heading: str, body: list[str]) -> Sponsor:
    paragraphs = _paragraphs(body)
    cta_text = cta_url = ""
    if paragraphs and (link := _link_line(paragraphs[-1])):
        cta_text, cta_url = link
        paragraphs.pop()
    return Sponsor(
        heading=heading, body="\n\n".join(paragraphs), cta_text=cta_text, cta_url=cta_url
    )


def _sign_off(body: list[str]) -> tuple[str, str, str]:
    paragraphs = _paragraphs(body)
    ps = ""
    if paragraphs and paragraphs[-1].startswith("P.S."):
        ps = paragraphs.pop()[4:].strip()
    closing = "\n\n".join(paragraphs).split("\n")
    if len(closing) >= 2:
        return "\n".join(closing[:-1]), closing[-1], ps
    return (closing[0] if closing else ""), "", ps


def _candidate_lines(
    lines: list[str], start: int, stop: int, path: str | None
) -> list[CandidateLine]:
    found = []
    for index in range(start, stop):
        text = lines[index].strip()
        if not text:
            continue
        if not (text.startswith("<!--") and text.endswith("-->") and len(text) >= 7):
            raise StoryInCandidates(
                "the Candidates section is never published and holds only <!-- ... --> lines;"
                " move stories up to '## Weekly picks'",
                path,
                index + 1,
            )
        if match := _CANDIDATE.match(text[4:-3].strip()):
            fields = split_fields(match.group(2))
            # Written by an older Gazette: an unescaped "|" in the title.
            title = " | ".join(fields[:-1]) if len(fields) > 1 else fields[0]
            url = fields[-1] if len(fields) > 1 else ""
            emoji, headline = read_heading(title)
            found.append(CandidateLine(int(match.group(1)), emoji, headline, url, index + 1))
    return found


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return paragraphs


def _paragraph_text(lines: list[str]) -> str:
    return "\n\n".join(_paragraphs(lines))


def _parse_meta(text: str) -> dict[str, str]:
    meta = {}
    for part in text.split(";"):
        key, sep, value = part.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip()
    return meta


def _item_id(meta: dict[str, str]) -> int | None:
    item = meta.get("item", "")
    return int(item) if item.isdigit() else None


def _tags(meta: dict[str, str]) -> tuple[str, ...]:
    return tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip())


def _meta_text(pick: Pick) -> str:
    parts = []
    if pick.item_id is not None:
        parts.append(f"item: {pick.item_id}")
    if pick.tags:
        parts.append(f"tags: {', '.join(pick.tags)}")
    return "; ".join(parts)


def _toml_str(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    escaped = "".join(c if ord(c) >= 0x20 and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
