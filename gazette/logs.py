"""Logging for the command line: stderr only, its level set by ``-v`` / ``-q``.

Library modules log through ``logging.getLogger(__name__)`` and never configure
anything themselves, so an outside program that imports gazette keeps control
of its own logging. Only the CLI calls :func:`configure`.

Stdout carries the command's result (tables, JSON) and stderr carries the
story of how it got there, so ``gazette weekly >report.txt 2>>weekly.log``
separates the two, and a cron mail shows only what went wrong under ``-q``.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

# Level by verbosity: -q, default, -v, -vv.
QUIET, DEFAULT, VERBOSE, DEBUG = -1, 0, 1, 2
_LEVELS = {QUIET: logging.ERROR, DEFAULT: logging.WARNING, VERBOSE: logging.INFO}
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_HANDLER_NAME = "gazette-cli"


def level_for(verbosity: int) -> int:
    """The logging level for a verbosity (-1 quiet … 2 and more debug)."""
    if verbosity >= DEBUG:
        return logging.DEBUG
    return _LEVELS.get(max(verbosity, QUIET), logging.WARNING)


def configure(verbosity: int = DEFAULT, stream: TextIO | None = None) -> None:
    """Send gazette's log records to ``stream`` (stderr) at the verbosity's level.

    Safe to call more than once (the group and then a command may both see
    ``-v``): the handler is replaced, never stacked, so no line prints twice.
    Timestamps are included because these lines usually end up in a cron or
    journal log that is read days later.
    """
    logger = logging.getLogger("gazette")
    for old in list(logger.handlers):
        if old.get_name() == _HANDLER_NAME:
            logger.removeHandler(old)
    handler = _StderrHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(_FORMAT, _DATE_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level_for(verbosity))
    # httpx logs every request at INFO; useful only when asking for debug.
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbosity >= DEBUG else logging.WARNING)


class _StderrHandler(logging.Handler):
    """Writes to ``stream``, or to whatever ``sys.stderr`` is at each record.

    Binding stderr once would keep writing to a replaced stream after it was
    closed (click's test runner swaps it for every invocation).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            target = self._stream or sys.stderr
            target.write(self.format(record) + "\n")
            target.flush()
        except Exception:
            self.handleError(record)
