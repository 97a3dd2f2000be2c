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
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gazette.errors import DraftError
from gazette.models import Issue, Pick, Sponsor

FRONT = "+++"
_SECTION = re.compile(r"^## +(.+?)\s*$")
_STORY = re.compile(r"^### +(.+?)\s*$")
_META = re.compile(r"^<!--\s*(.*?)\s*-->\s*$")
_LINK_LINE = re.compile(r"^\[([^\]]+)\]\((\S+?)\)\s*$")
_QUICK = re.compile(r"^[-*] +\[([^\]]+)\]\((\S+?)\)\s*(.*?)\s*(?:<!--\s*(.*?)\s*-->)?\s*$")
_BULLET = re.compile(r"^[-*] +(.*\S)\s*$")
_REMEMBER = "Remember:"
SECTION_TITLES = {
    "picks": "Weekly picks",
    "feature": "Feature",
    "quick-links": "Quick links",
    "sponsor": "Sponsor",
    "sign-off": "Sign-off",
}


@dataclass(frozen=True)
class Draft:
    """A parsed draft: the typed issue and the exact text it came from."""

    issue: Issue
    text: str


def draft_path(issues_dir: Path, week: str) -> Path:
    return issues_dir / f"{week}.md"


def read_draft(path: Path) -> Draft:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise DraftError("no draft yet; create it with `gazette draft`", str(path)) from None
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
    return Draft(issue=issue, text=text)


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
        out += _story_lines(pick)
    if issue.feature:
        out += [f"## {SECTION_TITLES['feature']}", ""]
        out += _story_lines(issue.feature)
    if issue.quick_links:
        out += [f"## {SECTION_TITLES['quick-links']}", ""]
        for link in issue.quick_links:
            note = f" {link.body}" if link.body else ""
            meta = f" <!-- {_meta_text(link)} -->" if _meta_text(link) else ""
            out.append(f"- [{link.headline}]({link.url}){note}{meta}")
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
                return tomllib.loads("\n".join(lines[1:index])), index + 1
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
    emoji, headline = _split_emoji(heading)
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
                headline=match.group(1),
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


def _story_lines(pick: Pick) -> list[str]:
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
    return out


def _split_emoji(heading: str) -> tuple[str, str]:
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
