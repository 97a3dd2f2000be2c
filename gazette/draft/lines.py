"""A draft's lines, edited in place, with the file's own line endings.

The surgery on a draft inserts and deletes whole lines; new lines get the line
ending the file already uses (CRLF stays CRLF), and a text that ended with a
newline still does.
"""

from __future__ import annotations

from collections.abc import Iterable


class Lines:
    """``text.split("\\n")`` with the file's line ending kept for new lines.

    The last element is "" when the text ends with a newline; nothing is ever
    inserted after it, so the text keeps ending the way it did.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.cr = "\r" if self.lines[0].endswith("\r") else ""
        self.ended = text.endswith("\n")

    def blank(self) -> str:
        return self.cr

    def new(self, lines: Iterable[str]) -> list[str]:
        return [line + self.cr for line in lines]

    def insert(self, index: int, new: list[str], *, separate: bool) -> None:
        """Insert ``new`` (already with line endings) at ``index``; with
        ``separate`` a blank line keeps it apart from text on either side."""
        lines = self.lines
        if index >= len(lines):
            if lines[-1] != "":  # no final newline: give the last line one
                lines[-1] += self.cr
                lines.append("")
            index = len(lines) - 1
        before = lines[:index]
        after = lines[index:]
        block = list(new)
        if separate and before and before[-1].strip():
            block.insert(0, self.blank())
        if separate and after and after[0].strip():
            block.append(self.blank())
        self.lines = before + block + after

    def delete(self, start: int, stop: int) -> list[str]:
        removed = self.lines[start:stop]
        del self.lines[start:stop]
        if not self.lines:
            self.lines = [""]
        if self.ended and self.lines[-1] != "":
            if not self.lines[-1].endswith("\r") and self.cr:
                self.lines[-1] += self.cr
            self.lines.append("")
        return removed

    def text(self) -> str:
        return "\n".join(self.lines)
