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

The verbs (``gazette.draft.surgery``) change the text surgically rather than re-writing
it from the Issue: ``outline`` gives the line span of every section and story,
so a verb inserts, removes or moves whole story blocks, or rewrites the one meta
comment line it changes, and every other byte stays where the editor put it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gazette.errors import DraftError, DraftMissing, StoryInCandidates
from gazette.models import Issue, Pick, Sponsor

FRONT = "+++"
_SECTION = re.compile(r"^## +(.+?)\s*$")
_STORY = re.compile(r"^### +(.+?)\s*$")
_META = re.compile(r"^<!--\s*(.*?)\s*-->\s*$")
_LINK_LINE = re.compile(r"^\[([^\]]+)\]\((\S+?)\)\s*$")
# Link text may hold brackets escaped as \[ \] (a title like "[ANN] Oban 3").
_QUICK = re.compile(
    r"^[-*] +\[((?:\\.|[^\]\\])+)\]\((\S+?)\)\s*(.*?)\s*(?:<!--\s*(.*?)\s*-->)?\s*$"
)
_LINK_TEXT_ESCAPE = re.compile(r"([\\\[\]])")
_LINK_TEXT_UNESCAPE = re.compile(r"\\([\\\[\]])")
_BULLET = re.compile(r"^[-*] +(.*\S)\s*$")
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
_CANDIDATE = re.compile(r"^<!--\s*candidate:\s*(\d+)\s*\|\s*(.*?)\s*\|\s*(\S*)\s*-->\s*$")
_COMMENT = re.compile(r"^<!--.*-->\s*$")


@dataclass(frozen=True)
class CandidateLine:
    """One ``<!-- candidate: ID | emoji Title | URL -->`` line of the shortlist."""

    item_id: int
    emoji: str
    title: str
    url: str
    line: int  # 1-based line in the draft


@dataclass(frozen=True)
class Draft:
    """A parsed draft: the typed issue, the shortlist, and the exact text."""

    issue: Issue
    text: str
    candidates: tuple[CandidateLine, ...] = ()


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
    lines = text.split("\n")
    meta, body_start = _front_matter(lines, path)
    week = meta.get("week")
    if not isinstance(week, str) or not week:
        raise DraftError('front matter needs week = "YYYY-Www"', path, 2)
    sections = _split(lines, body_start, _SECTION)
    welcome = _paragraph_text(sections.preamble)
    picks: list[Pick] = []
    feature: Pick | None = None
    quick: list[Pick] = []
    sponsor: Sponsor | None = None
    sign_off = editor = ps = ""
    candidates: list[CandidateLine] = []
    for heading, first_line, body in sections.blocks:
        name, _, argument = heading.partition(":")
        key = _section_key(name)
        if key == "picks":
            picks += _stories(body, first_line, path)
        elif key == "feature":
            stories = _stories(body, first_line, path)
            if len(stories) > 1:
                raise DraftError("the feature section holds one story", path, first_line)
            feature = stories[0] if stories else None
        elif key == "quick-links":
            quick += _quick_links(body, first_line, path)
        elif key == "sponsor":
            sponsor = _sponsor(argument.strip(), body)
        elif key == "sign-off":
            sign_off, editor, ps = _sign_off(body)
        elif key == "candidates":
            candidates += _candidate_lines(body, first_line, path)
        else:
            raise DraftError(
                f"unknown section '## {heading}' (expected one of: {', '.join(SECTION_TITLES.values())})",
                path,
                first_line - 1,
            )
    number = meta.get("number")
    issue = Issue(
        week=week,
        title=str(meta.get("title", "")),
        emoji=str(meta.get("emoji", "")),
        subtitle=str(meta.get("subtitle", "")),
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
    return Draft(issue=issue, text=text, candidates=tuple(candidates))


def write_draft(issue: Issue) -> str:
    """The canonical text of ``issue``; parse_draft(write_draft(i)).issue == i."""
    out = [FRONT, f"week = {_toml_str(issue.week)}", f"title = {_toml_str(issue.title)}"]
    out += [f"emoji = {_toml_str(issue.emoji)}", f"subtitle = {_toml_str(issue.subtitle)}"]
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
            out += [f"[{s.cta_text or s.cta_url}]({s.cta_url})", ""]
    if issue.sign_off or issue.editor or issue.ps:
        out += [f"## {SECTION_TITLES['sign-off']}", ""]
        closing = [line for line in (issue.sign_off, issue.editor) if line]
        if closing:
            out += [*closing, ""]
        if issue.ps:
            out += [f"P.S. {issue.ps}", ""]
    return "\n".join(out)


# -- parsing helpers -------------------------------------------------------


@dataclass(frozen=True)
class _Split:
    preamble: list[str]
    # (heading text, 1-based line number of the first body line, body lines)
    blocks: list[tuple[str, int, list[str]]]


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


def _split(lines: list[str], start: int, heading: re.Pattern[str]) -> _Split:
    preamble: list[str] = []
    blocks: list[tuple[str, int, list[str]]] = []
    fence = False
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.lstrip().startswith("```"):
            fence = not fence
        match = None if fence else heading.match(line)
        if match:
            blocks.append((match.group(1), number + 1, []))
        elif blocks:
            blocks[-1][2].append(line)
        else:
            preamble.append(line)
    return _Split(preamble, blocks)


def _section_key(name: str) -> str:
    lowered = re.sub(r"[^a-z]+", " ", name.lower()).strip()
    if lowered in ("weekly picks", "picks"):
        return "picks"
    if lowered in ("quick links", "links"):
        return "quick-links"
    if lowered in ("sign off", "signoff"):
        return "sign-off"
    return lowered


def _stories(body: list[str], first_line: int, path: str | None) -> list[Pick]:
    split = _split(body, 0, _STORY)
    if _paragraph_text(split.preamble):
        raise DraftError("text before the first ### story heading", path, first_line)
    return [_story(heading, lines) for heading, _, lines in split.blocks]


def _story(heading: str, lines: list[str]) -> Pick:
    emoji, headline = split_emoji(heading)
    meta: dict[str, str] = {}
    content = list(lines)
    while content and not content[0].strip():
        content.pop(0)
    if content and (match := _META.match(content[0].strip())):
        meta = _parse_meta(match.group(1))
        content.pop(0)
    paragraphs = _paragraphs(content)
    url = link_text = ""
    if paragraphs and (link := _LINK_LINE.match(paragraphs[-1])):
        link_text, url = link.group(1), link.group(2)
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
    return Pick(
        headline=headline,
        emoji=emoji,
        body="\n\n".join(paragraphs),
        url=url,
        link_text=link_text,
        item_id=int(meta["item"]) if meta.get("item", "").isdigit() else None,
        tags=tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip()),
        remember=remember,
    )


def _quick_links(body: list[str], first_line: int, path: str | None) -> list[Pick]:
    links = []
    for offset, line in enumerate(body):
        if not line.strip():
            continue
        match = _QUICK.match(line)
        if not match:
            raise DraftError(
                "a quick link is one line: - [Title](https://...) note", path, first_line + offset
            )
        meta = _parse_meta(match.group(4) or "")
        links.append(
            Pick(
                headline=_LINK_TEXT_UNESCAPE.sub(r"\1", match.group(1)),
                url=match.group(2),
                body=match.group(3),
                item_id=int(meta["item"]) if meta.get("item", "").isdigit() else None,
                tags=tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip()),
            )
        )
    return links


def _sponsor(heading: str, body: list[str]) -> Sponsor:
    paragraphs = _paragraphs(body)
    cta_text = cta_url = ""
    if paragraphs and (link := _LINK_LINE.match(paragraphs[-1])):
        cta_text, cta_url = link.group(1), link.group(2)
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


def _candidate_lines(body: list[str], first_line: int, path: str | None) -> list[CandidateLine]:
    found = []
    for offset, line in enumerate(body):
        text = line.strip()
        if not text:
            continue
        if match := _CANDIDATE.match(text):
            emoji, title = split_emoji(match.group(2))
            found.append(
                CandidateLine(
                    int(match.group(1)), emoji, title, match.group(3), first_line + offset
                )
            )
        elif not _COMMENT.match(text):
            raise StoryInCandidates(
                "the Candidates section is never published and holds only <!-- ... --> lines;"
                " move stories up to '## Weekly picks'",
                path,
                first_line + offset,
            )
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


def _meta_text(pick: Pick) -> str:
    parts = []
    if pick.item_id is not None:
        parts.append(f"item: {pick.item_id}")
    if pick.tags:
        parts.append(f"tags: {', '.join(pick.tags)}")
    return "; ".join(parts)


def story_lines(pick: Pick) -> list[str]:
    """A story block as the draft writes it, without trailing blank lines."""
    heading = f"### {pick.emoji} {pick.headline}" if pick.emoji else f"### {pick.headline}"
    out = [heading]
    if _meta_text(pick):
        out.append(f"<!-- {_meta_text(pick)} -->")
    out.append("")
    if pick.body:
        out += [pick.body, ""]
    if pick.remember:
        out += [_REMEMBER, *(f"- {r}" for r in pick.remember), ""]
    if pick.url:
        out += [f"[{pick.link_text or pick.url}]({pick.url})", ""]
    return out[:-1]


def quick_link_line(link: Pick) -> str:
    note = f" {link.body}" if link.body else ""
    meta = f" <!-- {_meta_text(link)} -->" if _meta_text(link) else ""
    text = _LINK_TEXT_ESCAPE.sub(r"\\\1", link.headline)
    return f"- [{text}]({link.url}){note}{meta}"


def candidate_line(item_id: int, emoji: str, title: str, url: str) -> str:
    """One shortlist line. Source text is made safe for a one-line comment: no
    line breaks and no ``--`` (which could end the comment early)."""
    text = " ".join(f"{emoji} {title}".split())
    text = re.sub(r"-{2,}", "\u2014", text)
    link = re.sub(r"-{2,}>", "", url).replace(" ", "%20")
    return f"<!-- candidate: {item_id} | {text} | {link} -->"


def split_emoji(heading: str) -> tuple[str, str]:
    """'🔄 Headline' -> ('🔄', 'Headline'); a heading without a leading emoji keeps it all."""
    first, _, rest = heading.partition(" ")
    if rest and first and all(_is_emoji_char(ch) for ch in first):
        return first, rest.strip()
    return "", heading.strip()


def _is_emoji_char(ch: str) -> bool:
    # Symbols plus the joiners and variation selectors that build composite emoji.
    return unicodedata.category(ch) in ("So", "Sk", "Mn", "Cf") or ch in "\u200d\ufe0f"


def _toml_str(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    escaped = "".join(c if ord(c) >= 0x20 and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


# -- outline: where things are, for surgical edits ---------------------------


@dataclass(frozen=True)
class Block:
    """One story (its ``###`` heading up to the next heading) or one quick-link
    line, as 0-based indexes into ``text.split("\n")``: the content is
    ``[start, end)`` (it ends on a non-blank line), then blank lines up to ``stop``."""

    section: str
    start: int
    end: int
    stop: int
    meta: int | None  # the line holding the <!-- item: ...; tags: ... --> comment
    item_id: int | None


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


def outline(text: str, path: str | None = None) -> Outline:
    """Where every section and story of a valid draft sits.

    Built with the same fence-aware splitting as ``parse_draft`` and only for a
    text that parses (it is parsed first), so both always agree on the shape.
    """
    parse_draft(text, path)
    lines = text.split("\n")
    _, body_start = _front_matter(lines, path)
    sections = []
    for heading, first_line, body in _split(lines, body_start, _SECTION).blocks:
        key = _section_key(heading.partition(":")[0])
        start = first_line - 1  # 0-based index of the first body line
        blocks: list[Block] = []
        if key in ("picks", "feature"):
            for _, story_first, story_body in _split(body, 0, _STORY).blocks:
                blocks.append(_story_block(key, lines, start + story_first - 2, len(story_body)))
        elif key == "quick-links":
            for offset, line in enumerate(body):
                if line.strip():
                    index = start + offset
                    stop = index + 1
                    while stop < start + len(body) and not lines[stop].strip():
                        stop += 1
                    match = _QUICK.match(line)
                    meta = _parse_meta(match.group(4) or "") if match else {}
                    item = meta.get("item", "")
                    blocks.append(
                        Block(
                            key,
                            index,
                            index + 1,
                            stop,
                            index,
                            int(item) if item.isdigit() else None,
                        )
                    )
        sections.append(SectionSpan(key, start - 1, start + len(body), tuple(blocks)))
    return Outline(tuple(sections), body_start)


def _story_block(section: str, lines: list[str], heading: int, body_length: int) -> Block:
    stop = heading + 1 + body_length
    end = stop
    while end > heading + 1 and not lines[end - 1].strip():
        end -= 1
    meta_line = None
    item_id = None
    for index in range(heading + 1, end):
        if lines[index].strip():
            if match := _META.match(lines[index].strip()):
                meta_line = index
                item = _parse_meta(match.group(1)).get("item", "")
                item_id = int(item) if item.isdigit() else None
            break
    return Block(section, heading, end, stop, meta_line, item_id)
