"""Times: everything is UTC inside Gazette; weeks are ISO weeks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 string or a Unix timestamp as an aware UTC datetime, else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_week(moment: datetime | date) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[Monday 00:00 UTC, next Monday 00:00 UTC) of an ISO week like 2026-W02."""
    match = _WEEK.match(week)
    if not match:
        raise ValueError(f"not an ISO week: {week!r} (expected e.g. 2026-W02)")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"not an ISO week: {week!r}") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start, start + timedelta(days=7)


def current_week(now: datetime | None = None) -> str:
    return iso_week(now or datetime.now(UTC))
