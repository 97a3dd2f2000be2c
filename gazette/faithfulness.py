"""Is every fact in a summary supported by its source?

A summary, machine or human, makes claims a reader will take as facts. This
module finds the checkable ones and looks for each in the source text:

- URLs: supported when the same page (canonical URL) is in the source;
- identifiers: code-ish names such as ``ex_unit_json``, ``Phoenix.Component``,
  ``handle_on/1`` or anything in backticks: the same identifier, ignoring case
  and ``_``/``.`` (``ExUnitJSON`` supports ``ex_unit_json``);
- versions: ``v1.19.5``, ``2.0``; ``v1.0`` and ``1.0.0`` are the same version;
- numbers: ``150,000`` == ``150000`` == ``150k``; the words zero to twenty and
  the tens ("twelve", "thirty") count as their numbers both ways. "one" is not
  checked (it is mostly a pronoun), nor ordinals, nor spelled-out larger numbers;
- names: runs of capitalized words ("Kevin Schweikert", "Home Assistant") and
  single capitalized words inside a sentence ("… thanks to Alice"). A run is
  supported when it appears in the source, or each of its words does. A lone
  capitalized word at the start of a sentence is ordinary English ("Three
  approaches emerged") unless it is CamelCase ("LiveVue"). The ecosystem's own
  names (Elixir, Erlang, OTP, Hex, GitHub, …) need no support.

It is a lint, not a judge: it cannot tell a wrong claim from a true one the
source happens not to state, so ``gazette check`` shows its findings as warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from gazette.cluster import normalize_version, story_of
from gazette.errors import ItemNotFound
from gazette.models import Issue, Pick, StoredItem
from gazette.urls import canonical_url

if TYPE_CHECKING:
    from gazette.store import Store

ClaimKind = Literal["url", "identifier", "version", "number", "name"]

_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+", re.I)
_BACKTICKS = re.compile(r"`([^`\n]+)`")
_IDENTIFIER = re.compile(
    r"(?<![\w.])(?:"
    r"[A-Z]\w*(?:\.[A-Z]\w*)+(?:\.[a-z_]\w*[!?]?)?(?:/\d+)?"  # Phoenix.Component.form/1
    r"|[a-z][a-z0-9]*(?:_[a-z0-9]+)+[!?]?(?:/\d+)?"  # ex_unit_json, handle_on/1
    r"|[a-z]\w*[!?]?/\d+"  # dbg/2
    r")(?![\w])"
)
_VERSION = re.compile(r"(?<![\w.])v?\d+(?:\.\d+)+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?(?![\w])")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)([kK]\b)?(?![\w])")
_PRONOUN = re.compile(r"^I(?:['’](?:m|ve|d|ll))?$")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’-]*")
# The last character before a capitalized word (spaces skipped) that makes it a
# sentence's first word; so does the start of the text.
_SENTENCE_BREAK = frozenset(".!?:;•—–])\"'“‘([*-")
NUMBER_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
# Names a newsletter about Elixir may always use.
KNOWN_NAMES = frozenset(
    {
        "elixir", "erlang", "beam", "otp", "hex", "hex.pm", "hexdocs", "github", "reddit",
        "hacker news", "hn", "elixir forum", "mix", "iex"
    }
)  # fmt: skip
# Capitalized words that start a name run but are not part of the name
# ("The Phoenix team", "This LiveVue release").
_LEADING = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "its", "it", "your", "our", "their",
        "his", "her", "my", "we", "you", "they", "i", "and", "but", "or", "so", "if", "when",
        "while", "with", "in", "on", "at", "for", "from", "by", "to", "of", "as", "after", "before"
    }
)  # fmt: skip
COMMON_ACRONYMS = frozenset(
    {
        "I", "AI", "API", "APIs", "CI", "CLI", "CSS", "HTML", "HTTP", "HTTPS", "JSON", "JS", "LLM",
        "LLMs", "OK", "PR", "SQL", "UI", "URL", "URLs", "UX"
    }
)  # fmt: skip


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    text: str
    # A name that starts a sentence: its first word may be ordinary English.
    first_free: bool = field(default=False, compare=False, repr=False)

    def describe(self) -> str:
        return f"{self.kind} {self.text!r}"


class _Source:
    """What the source text supports, indexed once."""

    def __init__(self, text: str) -> None:
        self.lower = " ".join(text.lower().split())
        self.urls = {canonical_url(u.rstrip(".,;:!?")) for u in _URL.findall(text)}
        without_urls = _URL.sub(" ", text)
        self.versions = {normalize_version(v) for v in _VERSION.findall(without_urls)}
        self.numbers = {_number(m) for m in _NUMBER.finditer(_VERSION.sub(" ", without_urls))}
        self.numbers |= {n for n in self.versions_as_decimals()}
        words = [w.lower().rstrip("'’") for w in _WORD.findall(without_urls)]
        self.numbers |= {str(NUMBER_WORDS[w]) for w in words if w in NUMBER_WORDS}
        self.words = {_possessive(w) for w in words}
        self.squashed = {_squash(w) for w in re.findall(r"[\w.]+", without_urls.lower())}

    def versions_as_decimals(self) -> Iterable[str]:
        for version in self.versions:
            major, minor, patch = [*version.split("-")[0].split("."), "0", "0"][:3]
            if patch == "0":
                yield f"{major}.{minor}"

    def supports(self, claim: Claim) -> bool:
        text = claim.text
        if claim.kind == "url":
            return canonical_url(text) in self.urls or text.lower().rstrip("/") in self.lower
        if claim.kind == "identifier":
            bare = text.split("/")[0]
            return (
                text.lower() in self.lower
                or bare.lower() in self.lower
                or _squash(bare) in self.squashed
            )
        if claim.kind == "version":
            return normalize_version(text) in self.versions or text.lstrip("vV") in self.numbers
        if claim.kind == "number":
            return text in self.numbers
        phrase = " ".join(_possessive(w.lower()) for w in text.split())
        if phrase in self.lower or phrase in KNOWN_NAMES:
            return True
        words = phrase.split()[1:] if claim.first_free else phrase.split()
        return all(
            w in self.words or w in KNOWN_NAMES or _squash(w) in self.squashed for w in words
        )


def unsupported_claims(summary: str, source_text: str) -> list[Claim]:
    """The claims in ``summary`` that ``source_text`` does not support, in the
    order they appear, each once."""
    source = _Source(source_text)
    found: list[Claim] = []
    seen: set[Claim] = set()
    for claim in extract_claims(summary):
        if claim not in seen:
            seen.add(claim)
            if not source.supports(claim):
                found.append(claim)
    return found


def extract_claims(summary: str) -> list[Claim]:
    """Every checkable claim in ``summary``, in the order they appear.

    URLs are found first, then identifiers, versions, numbers and names; each is
    blanked out of the text once found, so a version is not also read as two
    numbers nor a URL as a name.
    """
    found: list[tuple[int, Claim]] = []
    text = summary

    def take(pattern: re.Pattern[str], kind: ClaimKind, group: int = 0) -> None:
        nonlocal text
        for match in pattern.finditer(text):
            value = match.group(group).strip().rstrip(".,;:!?")
            if value:
                value = _number(match) if kind == "number" else value
                found.append((match.start(), Claim(kind, value)))
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)

    take(_URL, "url")
    take(_BACKTICKS, "identifier", group=1)
    take(_IDENTIFIER, "identifier")
    take(_VERSION, "version")
    take(_NUMBER, "number")
    found += [
        (m.start(), Claim("number", str(NUMBER_WORDS[m.group(0).lower()])))
        for m in _WORD.finditer(text)
        if m.group(0).lower() in NUMBER_WORDS
    ]
    found += _names(text)
    return [claim for _, claim in sorted(found, key=lambda pair: pair[0])]


def _number(match: re.Match[str]) -> str:
    value = int(match.group(1).replace(",", ""))
    return str(value * 1000 if match.group(2) else value)


def _names(text: str) -> list[tuple[int, Claim]]:
    claims: list[tuple[int, Claim]] = []
    run: list[str] = []
    run_start = 0
    run_starts_sentence = False
    position = 0

    def close() -> None:
        words = list(run)
        starts = run_starts_sentence
        while words and words[0].lower() in _LEADING:  # "The Phoenix team"
            words.pop(0)
            starts = False
        words = [w for w in words if w not in COMMON_ACRONYMS]
        first_free = bool(words) and starts and not _camel(words[0])
        # A sentence's first word is capitalized anyway ("Three approaches",
        # "Deploy Elixir apps"): alone it is no name, and in a run it needs no
        # support of its own ("José Valim" is checked on "Valim").
        if words and not (first_free and len(words) == 1):
            name = " ".join(_possessive(w) for w in words)
            claims.append((run_start, Claim("name", name, first_free=first_free)))
        run.clear()

    for match in _WORD.finditer(text):
        word = match.group(0).rstrip("'’-")
        between = text[position : match.start()]
        position = match.end()
        if run and between.strip():
            close()  # punctuation between two capitalized words ends a name
        if word[:1].isupper() and not _PRONOUN.match(word):
            if not run:
                run_start = match.start()
                run_starts_sentence = _starts_sentence(text, match.start())
            run.append(word)
            if _possessive(word) != word:
                close()  # "Kevin Schweikert's Homex" is two names
        elif run:
            close()
    if run:
        close()
    return claims


def _starts_sentence(text: str, start: int) -> bool:
    # Looks back over the spaces only, never the whole text before the word:
    # that made the check quadratic in a summary's length.
    index = start
    while index > 0 and text[index - 1].isspace():
        index -= 1
    return index == 0 or text[index - 1] in _SENTENCE_BREAK


def _camel(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)


def _possessive(word: str) -> str:
    for suffix in ("'s", "’s"):
        if word.lower().endswith(suffix):
            return word[: -len(suffix)]
    return word


def _squash(word: str) -> str:
    return re.sub(r"[\s_.\-]+", "", word.lower())


# -- drafts --------------------------------------------------------------------


def story_source_text(story: Sequence[StoredItem]) -> str:
    """Everything the story's sources say: titles, text, authors, links and
    package names of every item in it."""
    parts: list[str] = []
    for stored in story:
        item = stored.item
        parts += [item.title, item.text, item.author, item.url, " ".join(item.tags)]
        parts += [item.link_url, item.package, item.version, item.github_url]
    return "\n\n".join(p for p in parts if p)


_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|])")


def pick_text(pick: Pick) -> str:
    """A pick's summary (and "Remember:" list) as plain text: Markdown links
    become "text url", escapes, emphasis marks and HTML comments go."""
    text = "\n\n".join([pick.body, *pick.remember])
    # Notes for the editor are not published, and claim nothing.
    text = _HTML_COMMENT.sub(" ", text)
    text = _MD_LINK.sub(r"\1 \2", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    return text.replace("**", "").replace("*", "")


def check_pick_faithfulness(store: Store, pick: Pick) -> list[str]:
    """One message per claim in the pick's summary that its story's sources do
    not support; nothing for a pick without an item (the editor's own story)."""
    if pick.item_id is None or not pick_text(pick).strip():
        return []
    try:
        story = story_of(store, pick.item_id)
    except ItemNotFound:
        return [f"item {pick.item_id} is not in the database; its summary cannot be checked"]
    claims = unsupported_claims(pick_text(pick), story_source_text(story))
    return [f"unsupported {claim.describe()}: not in the source" for claim in claims]


def issue_claims(store: Store, issue: Issue) -> Mapping[int, list[str]]:
    """Messages per item id for every pick of ``issue`` (for ``gazette check``)."""
    found: dict[int, list[str]] = {}
    for pick in issue.all_picks:
        if pick.item_id is not None:
            messages = check_pick_faithfulness(store, pick)
            if messages:
                found.setdefault(pick.item_id, []).extend(messages)
    return found
