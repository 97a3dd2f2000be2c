"""Elixir meetup events from a JSON listing: a source kind Gazette does not ship.

Written against the public plug-in surface only (``gazette.sources.base``,
``gazette.models``), as a third-party package would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from gazette.config import SourceConfig
from gazette.models import Item
from gazette.sources.base import Fetch, SourceTraits, load_json, number, require
from gazette.timeutil import parse_timestamp


class MeetupSource(SourceTraits):
    kind: ClassVar[str] = "meetup"
    options: ClassVar[Mapping[str, type]] = {}
    link_text: ClassVar[str] = "RSVP on Elixir Meetups"
    announces: ClassVar[bool] = True

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    @classmethod
    def engagement(cls, metrics: Mapping[str, float]) -> float:
        return metrics.get("rsvps", 0)

    async def collect(self, fetch: Fetch, since: datetime) -> list[Item]:
        page = await fetch(f"{self.config.base_url}/events.json")
        if page.not_modified:
            return []
        data = load_json(page)
        require(isinstance(data, dict) and isinstance(data.get("events"), list), "no events")
        return [item for event in data["events"] if (item := self._item(event))]

    def _item(self, event: Mapping[str, Any]) -> Item | None:
        published = parse_timestamp(event.get("announced_at"))
        if published is None:
            return None
        return Item(
            source=self.config.name,
            kind=self.kind,
            external_id=str(event["id"]),
            url=str(event["url"]),
            title=str(event["title"]),
            published_at=published,
            text=str(event.get("description", "")),
            metrics={"rsvps": number(event.get("rsvps"))},
            link_url=str(event.get("talk_url", "")),
            raw=dict(event),
        )
