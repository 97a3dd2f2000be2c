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
        # Every insert (+n) and delete (-n) at its index, so that several edits
        # can be placed from one outline of the original text (see ``at``).
        self._shifts: list[tuple[int, int]] = []

    def at(self, original: int) -> int | None:
        """Where the line that was at index ``original`` is now; None if deleted."""
        index = original
        for where, count in self._shifts:
            if count > 0 and index >= where:
                index += count
            elif count < 0 and index >= where:
                if index < where - count:
                    return None
                index += count
        return index

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
        block = list(new)
        if separate and index > 0 and lines[index - 1].strip():
            block.insert(0, self.blank())
        if separate and index < len(lines) and lines[index].strip():
            block.append(self.blank())
        self.lines[index:index] = block
        self._shifts.append((index, len(block)))

    def delete(self, start: int, stop: int) -> list[str]:
        removed = self.lines[start:stop]
        del self.lines[start:stop]
        self._shifts.append((start, start - stop))
        if not self.lines:
            self.lines = [""]
        if self.ended and self.lines[-1] != "":
            if not self.lines[-1].endswith("\r") and self.cr:
                self.lines[-1] += self.cr
            self.lines.append("")
        return removed

    def text(self) -> str:
        return "\n".join(self.lines)
