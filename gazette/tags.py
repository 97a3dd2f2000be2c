"""Tags from the taxonomy (data/taxonomy.toml): keywords, package names, emoji.

Tagging is a pure function of an item and the taxonomy, so it can run on ingest
and again after the taxonomy changes. An editor's own tag changes live in the
draft and are never overwritten by re-tagging.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gazette.errors import ConfigError
from gazette.models import Item

DEFAULT_EMOJI = "📰"
MAX_TAGS = 3
_BUILTIN = Path(__file__).resolve().parent.parent / "data" / "taxonomy.toml"


@dataclass(frozen=True)
class Tag:
    name: str
    emoji: str
    keywords: tuple[str, ...]
    packages: tuple[str, ...]
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class Taxonomy:
    tags: tuple[Tag, ...]

    def tag_item(self, item: Item) -> tuple[str, ...]:
        """The item's strongest tags, at most ``MAX_TAGS``: a package match counts
        most, then title hits, then hits in the body."""
        body = f"{item.text}\n{' '.join(item.tags)}"
        package = str(item.raw.get("package", "")).lower()
        weights: dict[str, float] = {}
        for tag in self.tags:
            weight = 10.0 if package and package in tag.packages else 0.0
            if tag.pattern:
                weight += 3 * len(tag.pattern.findall(item.title)) + len(tag.pattern.findall(body))
            if weight:
                weights[tag.name] = weight
        order = {t.name: i for i, t in enumerate(self.tags)}
        ranked = sorted(weights, key=lambda name: (-weights[name], order[name]))
        return tuple(ranked[:MAX_TAGS])

    def emoji_for(self, tags: Iterable[str]) -> str:
        """The emoji of the strongest tag."""
        by_name = {t.name: t for t in self.tags}
        for name in tags:
            if name in by_name:
                return by_name[name].emoji
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
        keywords = tuple(str(k).lower() for k in spec.get("keywords", []))
        pattern = (
            re.compile(
                r"(?<![\w-])(" + "|".join(re.escape(k) for k in keywords) + r")(?![\w-])", re.I
            )
            if keywords
            else None
        )
        tags.append(
            Tag(
                name=name,
                emoji=str(spec.get("emoji", DEFAULT_EMOJI)),
                keywords=keywords,
                packages=tuple(str(p).lower() for p in spec.get("packages", [])),
                pattern=pattern,
            )
        )
    return Taxonomy(tuple(tags))


@cache
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy at ``path``, or the built-in one."""
    path = path or _BUILTIN
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read taxonomy: {exc}") from None
    return parse_taxonomy(data, str(path))
