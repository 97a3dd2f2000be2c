"""The SAX driver feedparser parses with: expat that hands over text in one piece.

Python's SAX expat reader leaves expat's ``buffer_text`` off, so every entity
reference splits the text around it into separate callbacks. A blog feed's
content is escaped HTML (``&lt;p&gt;...``), so an entry's body arrives as
thousands of small pieces, each a trip through feedparser's Python handler.
With ``buffer_text`` on, expat joins adjacent text before calling back: the
same characters, in the same order, in far fewer calls.

feedparser picks its driver from ``feedparser.api.PREFERRED_XML_PARSERS``, a
list of module names that ``xml.sax.make_parser`` imports and asks for
``create_parser()``; :func:`install` puts this module first in that list.
"""

from __future__ import annotations

from xml.sax.expatreader import ExpatParser
from xml.sax.xmlreader import XMLReader

import feedparser.api

# Text joined per callback, at most: larger than expat's default 8 KB, so that
# a long post's body usually comes in one piece.
BUFFER_SIZE = 1 << 20


class BufferedExpatParser(ExpatParser):
    """The standard SAX expat reader, with expat buffering character data."""

    def reset(self) -> None:
        super().reset()
        expat = self.__dict__["_parser"]  # made by reset(); absent from the type stubs
        expat.buffer_text = True
        expat.buffer_size = BUFFER_SIZE


def create_parser() -> XMLReader:
    """The entry point ``xml.sax.make_parser`` calls on a driver module."""
    return BufferedExpatParser()


def install() -> None:
    """Make feedparser parse with :class:`BufferedExpatParser` in this process."""
    preferred = feedparser.api.PREFERRED_XML_PARSERS
    if __name__ not in preferred:
        preferred.insert(0, __name__)
