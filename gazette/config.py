"""gazette.toml over the embedded defaults, validated into frozen Settings.

The embedded defaults are the same commented file `gazette init` writes, so the
documentation of every key and its default live in one place
(``gazette/defaults/gazette.toml``).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from gazette.errors import ConfigError, ConfigMissing
from gazette.models import Sponsor

DEFAULT_CONFIG_NAME = "gazette.toml"

# The keys each table accepts and their types. Anything else is a typo the user
# wants to hear about, not a silently ignored setting.
_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "publication": {
        "name": str,
        "tagline": str,
        "editor": str,
        "welcome": str,
        "sign_off": str,
        "ps": str,
        "base_url": str,
        "language": str,
        "subscribe_url": str,
        "sponsor": dict,
    },
    "publication.sponsor": {"heading": str, "body": str, "cta_text": str, "cta_url": str},
    "paths": {"issues_dir": str, "templates_dir": str},
    "fetch": {
        "user_agent": str,
        "concurrency": int,
        "per_host": int,
        "timeout": (int, float),
        "max_bytes": int,
        "since_days": int,
        "retries": int,
        "backoff": (int, float),
        "max_wait": (int, float),
        "request_deadline": (int, float),
        "run_deadline": (int, float),
    },
    "draft": {"picks": int, "quick_links": int, "summary_words": int},
    "rank": {
        "window_days": int,
        "engagement": (int, float),
        "source": (int, float),
        "novelty": (int, float),
        "breadth": (int, float),
        "recency": (int, float),
        "long_read": (int, float),
        "pinned_penalty": (int, float),
        "unanswered_penalty": (int, float),
        "featured_penalty": (int, float),
        "variety_penalty": (int, float),
        "notable_release": (int, float),
        "question_penalty": (int, float),
        "no_signal_prior": (int, float),
    },
    "llm": {
        "enabled": bool,
        "endpoint": str,
        "model": str,
        "api_key_env": str,
        "timeout": (int, float),
        "max_words": int,
        "concurrency": int,
    },
    "email": {
        "provider": str,
        "from_address": str,
        "reply_to": str,
        "unsubscribe_url": str,
        "preferences_url": str,
        "postal_address": str,
        "utm": bool,
        "utm_source": str,
        "utm_medium": str,
        "accent_color": str,
        "background_color": str,
        "text_color": str,
        "logo_url": str,
        "font_family": str,
    },
    "smtp": {"host": str, "port": int, "security": str, "username": str, "password_env": str},
    "site": {"search": bool, "feed_entries": int},
}
_SOURCE_COMMON: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "kind": str,
    "base_url": str,
    "url": str,
    "enabled": bool,
    "weight": (int, float),
}
# The values each numeric key may take, both ends included. Checked where the
# file is read, so `concurrency = 0` (a run that waits forever) or
# `since_days = 100000000` (a date before year 1) is one line naming the key,
# not a hang or a traceback later. Every float must also be finite: TOML has
# inf and nan.
_DAY = 86_400


@dataclass(frozen=True)
class _Range:
    low: float
    high: float
    above_low: bool = False  # low itself excluded: a time of 0 s is no time at all

    def __contains__(self, value: float) -> bool:
        return (self.low < value if self.above_low else self.low <= value) and value <= self.high

    def __str__(self) -> str:
        low, high = _plain(self.low), _plain(self.high)
        return (
            f"more than {low} and at most {high}" if self.above_low else f"between {low} and {high}"
        )


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _seconds(high: float) -> _Range:
    return _Range(0, high, above_low=True)


_RANGES: dict[str, _Range] = {
    "fetch.concurrency": _Range(1, 1024),
    "fetch.per_host": _Range(1, 256),
    "fetch.timeout": _seconds(3600),
    "fetch.max_bytes": _Range(1, 2**30),
    "fetch.since_days": _Range(0, 36_500),
    "fetch.retries": _Range(0, 20),
    "fetch.backoff": _Range(0, 3600),
    "fetch.max_wait": _Range(0, 3600),
    "fetch.request_deadline": _seconds(_DAY),
    "fetch.run_deadline": _seconds(_DAY),
    "draft.picks": _Range(1, 100),
    "draft.quick_links": _Range(0, 100),
    "draft.summary_words": _Range(1, 10_000),
    "rank.window_days": _Range(1, 36_500),
    "llm.timeout": _seconds(3600),
    "llm.max_words": _Range(1, 10_000),
    "llm.concurrency": _Range(1, 64),
    "smtp.port": _Range(1, 65_535),
    "site.feed_entries": _Range(1, 10_000),
    "sources.weight": _Range(0, 1000),
}
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Publication:
    name: str
    tagline: str
    editor: str
    welcome: str
    sign_off: str
    ps: str
    base_url: str
    language: str
    subscribe_url: str
    sponsor: Sponsor | None


@dataclass(frozen=True)
class SourceConfig:
    """One ``[[sources]]`` table. Kind-specific keys stay in ``options``; the
    source module validates them, as an outside plug-in would."""

    name: str
    kind: str
    base_url: str = ""
    url: str = ""
    enabled: bool = True
    weight: float = 1.0
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str
    concurrency: int
    per_host: int
    timeout: float
    max_bytes: int
    since_days: int
    retries: int = 3
    backoff: float = 0.5
    max_wait: float = 30.0
    request_deadline: float = 60.0  # one URL, every attempt and wait included
    run_deadline: float = 600.0  # the whole fetch


@dataclass(frozen=True)
class DraftSettings:
    picks: int
    quick_links: int
    summary_words: int


@dataclass(frozen=True)
class RankSettings:
    """Weights of the ranking components (see gazette/rank.py)."""

    window_days: int
    engagement: float
    source: float
    novelty: float
    breadth: float
    recency: float
    long_read: float
    pinned_penalty: float
    unanswered_penalty: float
    featured_penalty: float
    variety_penalty: float
    notable_release: float
    question_penalty: float
    no_signal_prior: float


@dataclass(frozen=True)
class LlmSettings:
    enabled: bool
    endpoint: str
    model: str
    api_key_env: str
    timeout: float
    max_words: int
    concurrency: int = 4


@dataclass(frozen=True)
class EmailSettings:
    provider: str
    from_address: str
    reply_to: str
    unsubscribe_url: str
    preferences_url: str
    postal_address: str
    utm: bool
    utm_source: str
    utm_medium: str
    accent_color: str
    background_color: str
    text_color: str
    logo_url: str
    font_family: str


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls", "ssl" or "none"
    username: str
    password_env: str


@dataclass(frozen=True)
class SiteSettings:
    search: bool
    feed_entries: int


@dataclass(frozen=True)
class Settings:
    publication: Publication
    sources: tuple[SourceConfig, ...]
    fetch: FetchSettings
    issues_dir: Path
    templates_dir: Path | None
    draft: DraftSettings
    rank: RankSettings
    llm: LlmSettings
    email: EmailSettings
    smtp: SmtpSettings
    site: SiteSettings
    origin: str  # the file the settings came from, for error messages

    @property
    def draft_picks(self) -> int:
        return self.draft.picks

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"{self.origin}: no source named {name!r}")


def default_config_text() -> str:
    return resources.files("gazette").joinpath("defaults/gazette.toml").read_text("utf-8")


def load_settings(path: Path | None) -> Settings:
    """Read ``path`` (or ./gazette.toml when it exists, else the defaults).

    A path the user named explicitly must exist; the implicit ./gazette.toml may not.
    """
    defaults = tomllib.loads(default_config_text())
    if path is None:
        implicit = Path(DEFAULT_CONFIG_NAME)
        if not implicit.exists():
            return _build(defaults, {}, "embedded defaults")
        path = implicit
    user = _read_toml(path)
    return _build(defaults, user, str(path))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigMissing(path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _build(defaults: dict[str, Any], user: dict[str, Any], origin: str) -> Settings:
    user = _expand_env(user)
    _check_keys(user, origin)
    # User sources replace the default list whole: merging lists by position would
    # silently keep sources the user meant to drop.
    merged = _merge(defaults, {k: v for k, v in user.items() if k != "sources"})
    sources_raw = user["sources"] if "sources" in user else defaults["sources"]
    pub = merged["publication"]
    sponsor_raw = pub.get("sponsor")
    sponsor = Sponsor(**sponsor_raw) if sponsor_raw and sponsor_raw.get("heading") else None
    fetch = merged["fetch"]
    templates_dir = merged["paths"]["templates_dir"]
    return Settings(
        publication=Publication(
            **{k: v for k, v in pub.items() if k != "sponsor"}, sponsor=sponsor
        ),
        sources=_sources(sources_raw, origin),
        fetch=FetchSettings(
            user_agent=fetch["user_agent"],
            concurrency=fetch["concurrency"],
            per_host=fetch["per_host"],
            timeout=float(fetch["timeout"]),
            max_bytes=fetch["max_bytes"],
            since_days=fetch["since_days"],
            retries=fetch["retries"],
            backoff=float(fetch["backoff"]),
            max_wait=float(fetch["max_wait"]),
            request_deadline=float(fetch["request_deadline"]),
            run_deadline=float(fetch["run_deadline"]),
        ),
        issues_dir=Path(merged["paths"]["issues_dir"]),
        templates_dir=Path(templates_dir) if templates_dir else None,
        draft=DraftSettings(**merged["draft"]),
        rank=_rank_settings(merged["rank"]),
        llm=LlmSettings(**{**merged["llm"], "timeout": float(merged["llm"]["timeout"])}),
        email=EmailSettings(**merged["email"]),
        smtp=SmtpSettings(**merged["smtp"]),
        site=SiteSettings(**merged["site"]),
        origin=origin,
    )


def _rank_settings(table: Mapping[str, Any]) -> RankSettings:
    weights = {k: float(v) for k, v in table.items() if k != "window_days"}
    return RankSettings(window_days=int(table["window_days"]), **weights)


def _check_keys(user: Mapping[str, Any], origin: str) -> None:
    for key, value in user.items():
        if key == "sources":
            if not isinstance(value, list):
                raise ConfigError(f"{origin}: 'sources' must be an array of tables ([[sources]])")
            continue
        if key not in _SCHEMA:
            raise ConfigError(f"{origin}: unknown section [{key}]")
        _check_table(value, key, _SCHEMA[key], origin)
        if key == "publication" and "sponsor" in value:
            _check_table(
                value["sponsor"], "publication.sponsor", _SCHEMA["publication.sponsor"], origin
            )


def _check_table(
    table: Any, where: str, schema: Mapping[str, type | tuple[type, ...]], origin: str
) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: [{where}] must be a table")
    for key, value in table.items():
        if key not in schema:
            raise ConfigError(f"{origin}: unknown key '{key}' in [{where}]")
        _check_type(value, schema[key], f"{where}.{key}", origin)
        _check_range(value, f"{where}.{key}", origin)


def _check_range(value: Any, key: str, origin: str) -> None:
    """A number of the right type can still be one no run can work with."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{origin}: '{key}' must be a finite number, got {value!r}")
    section, _, name = key.partition(".")
    # sources[3].weight is checked against sources.weight
    allowed = _RANGES.get(key) or _RANGES.get(f"{section.partition('[')[0]}.{name}")
    if allowed is not None and value not in allowed:
        raise ConfigError(f"{origin}: '{key}' must be {allowed}, got {value!r}")


def _check_type(value: Any, expected: type | tuple[type, ...], key: str, origin: str) -> None:
    # bool is an int in Python; `concurrency = true` is still a mistake.
    is_bool_mismatch = isinstance(value, bool) and expected is not bool
    if not isinstance(value, expected) or is_bool_mismatch:
        names = " or ".join(
            t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,))
        )
        raise ConfigError(
            f"{origin}: '{key}' must be {_toml_type(names)}, got {type(value).__name__} {value!r}"
        )


def _toml_type(python_names: str) -> str:
    return (
        python_names.replace("str", "a string")
        .replace("int", "an integer")
        .replace("float", "a number")
        .replace("bool", "true or false")
        .replace("dict", "a table")
    )


def _sources(raw: list[Any], origin: str) -> tuple[SourceConfig, ...]:
    seen: set[str] = set()
    out = []
    for index, table in enumerate(raw):
        where = f"sources[{index}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{origin}: {where} must be a table")
        for required in ("name", "kind"):
            if required not in table:
                raise ConfigError(f"{origin}: {where} needs a '{required}'")
        common = {k: v for k, v in table.items() if k in _SOURCE_COMMON}
        for key, value in common.items():
            _check_type(value, _SOURCE_COMMON[key], f"{where}.{key}", origin)
            _check_range(value, f"{where}.{key}", origin)
        name = common["name"]
        if name in seen:
            raise ConfigError(f"{origin}: two sources are named {name!r}")
        seen.add(name)
        options = {k: v for k, v in table.items() if k not in _SOURCE_COMMON}
        out.append(
            SourceConfig(
                name=name,
                kind=common["kind"],
                base_url=common.get("base_url", "").rstrip("/"),
                url=common.get("url", ""),
                enabled=common.get("enabled", True),
                weight=float(common.get("weight", 1.0)),
                options=options,
            )
        )
    return tuple(out)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _expand_env(value: Any) -> Any:
    if isinstance(value, str):
        return _ENV_REF.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: _expand_env(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v) for v in value]
    return value
