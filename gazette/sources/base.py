"""What every source module provides, built-in or plug-in.

A source knows which URLs to ask for and how to turn the answers into Items.
It never builds an HTTP client: it is handed a ``Fetch`` callable, so the same
code runs against the real sites, the replay server and test transports.
Parsing lives in pure functions over bytes or dicts, tested on real payloads.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Protocol

from gazette.config import SourceConfig
from gazette.errors import ConfigError
from gazette.http import Page
from gazette.models import Item


class Fetch(Protocol):
    """Handed to a source to GET a URL. A conditional fetch may answer 304
    ("unchanged since last time", nothing to parse); ``conditional=False`` always
    gets the body, for pages whose content is merged into other items."""

    def __call__(
        self, url: str, conditional: bool = True, headers: Mapping[str, str] | None = None
    ) -> Awaitable[Page]: ...


class Source(Protocol):
    kind: ClassVar[str]
    # Kind-specific keys a [[sources]] table may carry, with their types.
    options: ClassVar[Mapping[str, type]]
    config: SourceConfig

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        """Fetch what this source has since ``since`` and return clean Items."""
        ...


class ParseError(ValueError):
    """A payload did not have the shape this source expects."""


def check_options(config: SourceConfig, options: Mapping[str, type], origin: str) -> None:
    for key, value in config.options.items():
        if key not in options:
            raise ConfigError(
                f"{origin}: unknown key '{key}' in source {config.name!r} (kind {config.kind})"
            )
        expected = options[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(
                f"{origin}: '{key}' in source {config.name!r} must be {expected.__name__}, got {value!r}"
            )


def load_json(page: Page) -> Any:
    try:
        return json.loads(page.content.decode(page.encoding or "utf-8", errors="replace"))
    except ValueError as exc:
        snippet = page.content[:40].decode("utf-8", "replace").strip()
        raise ParseError(f"expected JSON from {page.url}, got {snippet!r}... ({exc})") from None


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ParseError(message)


def number(value: Any) -> float:
    """A metric from a payload: missing, null or junk counts as 0."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return 0.0


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
