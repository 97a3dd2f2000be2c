"""The draft's own line syntax, written and read by the same few functions.

Whatever a source sends reaches the draft as one of four things, and each has
one writer here and the one reader that undoes it:

- a link destination ``(url)``: written bare when that is unambiguous, else in
  angle brackets with ``\\``, ``<``, ``>`` and entity-like ``&...;`` escaped, so
  any http(s) URL (parentheses, spaces, non-breaking spaces, quotes) comes back
  as the same string. The reader follows CommonMark: bare destinations end at an
  ASCII space or an unbalanced ``)``; backslash escapes ASCII punctuation.
  Entities are never decoded here: that happened once, at the trust boundary.
- a link text ``[text]``: ``\\``, ``[`` and ``]`` are escaped (the templates
  show it as plain text, so nothing else needs to be).
- a heading ``### emoji headline``: the headline is plain text; a leading ``\\``
  marks one that would otherwise be read as starting with an emoji.
- a field of a shortlist comment ``<!-- candidate: ID | title | url -->``:
  ``\\``, ``|`` and the second ``-`` of ``--`` are escaped, so no title ends the
  comment early or splits a field.
"""

from __future__ import annotations

import re
import string
import unicodedata

_ASCII_PUNCTUATION = frozenset(string.punctuation)
# What CommonMark would decode as a character reference (it needs the ";").
ENTITY_LIKE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A destination written bare: no whitespace of any kind (an editor could not see
# it), no control character, nothing that needs a backslash.
_BARE = re.compile(r"[^\s\x00-\x1f\x7f()<>\\]+")


# -- link destinations ---------------------------------------------------------


def write_destination(url: str) -> str:
    """``url`` as a Markdown link destination that ``read_link`` gives back.

    ASCII control characters cannot stand in a link at all (``safe_url`` drops
    them anyway), so they are percent-encoded.
    """
    url = _CONTROL.sub(lambda m: f"%{ord(m.group(0)):02X}", url)
    if _BARE.fullmatch(url) and not ENTITY_LIKE.search(url):
        return url
    escaped = re.sub(r"[\\<>]", lambda m: "\\" + m.group(0), url)
    escaped = ENTITY_LIKE.sub(lambda m: "\\" + m.group(0), escaped)
    return f"<{escaped}>"


def write_link(text: str, url: str) -> str:
    return f"[{write_link_text(text)}]({write_destination(url)})"


def write_link_text(text: str) -> str:
    return re.sub(r"[\\\[\]]", lambda m: "\\" + m.group(0), _one_line(text))


def read_link(line: str, start: int = 0) -> tuple[str, str, int] | None:
    """The ``[text](destination)`` at ``line[start:]``: its text, its
    destination and the index just after the ``)``; None if there is none."""
    text, index = _read_link_text(line, start)
    if text is None or not line.startswith("(", index):
        return None
    index += 1
    if line.startswith("<", index):
        url, index = _read_angle(line, index + 1)
    else:
        url, index = _read_bare(line, index)
    if url is None:
        return None
    while index < len(line) and line[index] in " \t":
        index += 1
    if not line.startswith(")", index):
        return None
    return text, url, index + 1


def _read_link_text(line: str, start: int) -> tuple[str | None, int]:
    if not line.startswith("[", start):
        return None, start
    out: list[str] = []
    index = start + 1
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            following = line[index + 1]
            out.append(following if following in "\\[]" else char + following)
            index += 2
        elif char == "]":
            return "".join(out), index + 1
        else:
            out.append(char)
            index += 1
    return None, start


def _read_angle(line: str, index: int) -> tuple[str | None, int]:
    out: list[str] = []
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line) and line[index + 1] in _ASCII_PUNCTUATION:
            out.append(line[index + 1])
            index += 2
        elif char == ">":
            return "".join(out), index + 1
        elif char == "<":
            return None, index
        else:
            out.append(char)
            index += 1
    return None, index


def _read_bare(line: str, index: int) -> tuple[str | None, int]:
    out: list[str] = []
    depth = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line) and line[index + 1] in _ASCII_PUNCTUATION:
            out.append(line[index + 1])
            index += 2
            continue
        if char in " \t" or ord(char) < 0x20 or char == "\x7f":
            break
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        out.append(char)
        index += 1
    if depth or not out:
        return None, index
    return "".join(out), index


# -- headings ------------------------------------------------------------------


def write_heading(emoji: str, headline: str) -> str:
    """``emoji headline`` (the text after ``### ``) that ``read_heading`` splits back."""
    headline = _one_line(headline)
    if (
        not headline
        or headline.startswith("\\")
        or headline[0].isspace()
        or (not emoji and split_emoji(headline)[0])
    ):
        headline = "\\" + headline
    return f"{emoji} {headline}" if emoji else headline


def read_heading(text: str) -> tuple[str, str]:
    emoji, headline = split_emoji(text)
    if headline.startswith("\\"):
        headline = headline[1:]
    return emoji, headline


def split_emoji(heading: str) -> tuple[str, str]:
    """'🔄 Headline' -> ('🔄', 'Headline'); a heading without a leading emoji keeps it all."""
    first, _, rest = heading.partition(" ")
    if rest and first and all(_is_emoji_char(ch) for ch in first):
        return first, rest.strip()
    return "", heading.strip()


def _is_emoji_char(ch: str) -> bool:
    # Symbols plus the joiners and variation selectors that build composite emoji.
    return unicodedata.category(ch) in ("So", "Sk", "Mn", "Cf") or ch in "\u200d\ufe0f"


# -- shortlist comment fields ----------------------------------------------------


def write_field(text: str) -> str:
    """A field of a one-line comment: no ``|`` that splits it, no ``--`` that
    ends the comment, no line break."""
    text = _one_line(text)
    text = re.sub(r"[\\|]", lambda m: "\\" + m.group(0), text)
    return re.sub(r"(?<=-)-", r"\\-", text)


def split_fields(text: str) -> list[str]:
    """The ``|``-separated fields of a comment, unescaped and trimmed of spaces."""
    fields: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index + 1])
            index += 2
            continue
        if char == "|":
            fields.append("".join(current).strip(" "))
            current = []
        else:
            current.append(char)
        index += 1
    fields.append("".join(current).strip(" "))
    return fields


def _one_line(text: str) -> str:
    # The draft is read line by line: a line break would end the line.
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
