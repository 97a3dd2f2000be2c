"""Tags from the taxonomy (data/taxonomy.toml): keywords, package names, flags, emoji.

Tagging is a pure function of an item and the taxonomy, so it runs wherever
stories are ranked (nothing is stored that could go stale when the taxonomy
changes). An editor's own tag changes live in the draft's ``<!-- tags: ... -->``
line, which only the editor's verbs write: ranking and re-tagging never touch a
draft, so they can never overwrite the editor's word.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from gazette.errors import ConfigError
from gazette.models import Item

DEFAULT_EMOJI = "📰"
_TAG_KEYS = frozenset({"emoji", "keywords", "packages", "flags"})
MAX_TAGS = 3
_BUILTIN = Path(__file__).resolve().parent.parent / "data" / "taxonomy.toml"


@dataclass(frozen=True)
class Tag:
    name: str
    emoji: str
    keywords: tuple[str, ...]
    packages: tuple[str, ...]
    pattern: re.Pattern[str] | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    tags: tuple[Tag, ...]
    # Core projects whose releases are news (``[releases] notable``), lower case.
    notable_releases: frozenset[str] = frozenset()
    # Indexes built once: one regex for every keyword of every tag (two scans
    # per item instead of two per tag), and keyword/package/flag -> tag names.
    # The regex is case-sensitive and runs on lower-cased text: with re.I, the
    # regex engine cannot skip ahead to the keywords' first letters, and the
    # scan takes three times as long (tagging is a third of ranking a big week).
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _by_keyword: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _by_package: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _by_flag: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _order: dict[str, int] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, Tag] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_keyword: dict[str, list[str]] = {}
        by_package: dict[str, list[str]] = {}
        by_flag: dict[str, list[str]] = {}
        for tag in self.tags:
            for keyword in tag.keywords:
                by_keyword.setdefault(keyword, []).append(tag.name)
            for package in tag.packages:
                by_package.setdefault(package, []).append(tag.name)
            for flag in tag.flags:
                by_flag.setdefault(flag, []).append(tag.name)
        object.__setattr__(
            self, "_pattern", _keyword_pattern(tuple(k.lower() for k in by_keyword), flags=0)
        )
        object.__setattr__(self, "_by_keyword", {k: tuple(v) for k, v in by_keyword.items()})
        object.__setattr__(self, "_by_package", {k: tuple(v) for k, v in by_package.items()})
        object.__setattr__(self, "_by_flag", {k: tuple(v) for k, v in by_flag.items()})
        object.__setattr__(self, "_order", {t.name: i for i, t in enumerate(self.tags)})
        object.__setattr__(self, "_by_name", {t.name: t for t in reversed(self.tags)})

    def tag_item(self, item: Item) -> tuple[str, ...]:
        """The item's strongest tags, at most ``MAX_TAGS``: a package match counts
        most, then title hits, then a source flag (a release), then hits in the
        body. Keywords match whole words only ("ai" never matches "email")."""
        weights: dict[str, float] = {}

        def add(names: Iterable[str], weight: float) -> None:
            for name in names:
                weights[name] = weights.get(name, 0.0) + weight

        package = item.package.lower()
        if package:
            add(self._by_package.get(package, ()), 10.0)
        # Less than any keyword hit: "a release" is the least telling tag.
        add({n for f in item.flags for n in self._by_flag.get(f, ())}, 0.5)
        if self._pattern is not None:
            body = f"{item.text}\n{' '.join(item.tags)}"
            for text, weight in ((item.title, 3.0), (body, 1.0)):
                for keyword in self._pattern.findall(text.lower()):
                    add(self._by_keyword[keyword], weight)
        ranked = sorted(weights, key=lambda name: (-weights[name], self._order[name]))
        return tuple(ranked[:MAX_TAGS])

    def emoji_for(self, tags: Iterable[str]) -> str:
        """The emoji of the strongest tag."""
        for name in tags:
            if name in self._by_name:
                return self._by_name[name].emoji
        return DEFAULT_EMOJI

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tags)


def parse_taxonomy(data: Mapping[str, object], origin: str) -> Taxonomy:
    tags_table = data.get("tags")
    if not isinstance(tags_table, dict):
        raise ConfigError(f"{origin}: needs a [tags.<name>] table per tag")
    tags = []
    for name, spec in tags_table.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{origin}: [tags.{name}] must be a table")
        unknown = sorted(set(spec) - _TAG_KEYS)
        if unknown:
            raise ConfigError(
                f"{origin}: [tags.{name}] has unknown key {unknown[0]!r}"
                f" (expected {', '.join(sorted(_TAG_KEYS))})"
            )
        keywords = tuple(str(k).lower() for k in spec.get("keywords", []))
        tags.append(
            Tag(
                name=name,
                emoji=str(spec.get("emoji", DEFAULT_EMOJI)),
                keywords=keywords,
                packages=tuple(str(p).lower() for p in spec.get("packages", [])),
                pattern=_keyword_pattern(keywords),
                flags=tuple(str(f) for f in spec.get("flags", [])),
            )
        )
    releases = data.get("releases", {})
    notable = releases.get("notable", []) if isinstance(releases, dict) else []
    if not isinstance(notable, list):
        raise ConfigError(f"{origin}: [releases] notable must be a list of names")
    return Taxonomy(tuple(tags), frozenset(str(n).lower() for n in notable))


def _keyword_pattern(
    keywords: tuple[str, ...], flags: re.RegexFlag | int = re.I
) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive unless ``flags`` say otherwise; longest
    first, so "ai agents" is one hit rather than "ai" and a stray word."""
    if not keywords:
        return None
    alternatives = sorted(set(keywords), key=lambda k: (-len(k), k))
    return re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(k) for k in alternatives) + r")(?![\w-])", flags
    )


@cache
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy at ``path``, or the built-in one."""
    path = path or _BUILTIN
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read taxonomy: {exc}") from None
    return parse_taxonomy(data, str(path))
