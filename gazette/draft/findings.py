"""What a check finds: a problem with its level and draft line, and the links it
looks at (shared by the draft's lint and the link check)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    message: str
    line: int | None = None
    # What the finding is about, for a caller that adds its own advice
    # ("no-picks": the CLI names the command that picks a story).
    code: str = ""

    def format(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.level}: {self.message}"


@dataclass(frozen=True)
class LinkRef:
    """A link target written in the draft, with its 1-based line."""

    url: str
    line: int
    image: bool = False
