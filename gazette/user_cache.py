"""The user's cache folder: what Gazette keeps between runs to be faster, and
can always do without (compiled templates, what a site build last wrote).

``$XDG_CACHE_HOME/gazette/<name>`` (``~/.cache/gazette/<name>``), or a folder
of the user's own under the system's temporary folder when that cannot be
made; None when neither can: the caller then works without a cache.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_folder(name: str, configured: str = "") -> Path | None:
    """The folder ``name`` of the cache (``configured`` instead, when set), made."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    for folder in (
        Path(configured or Path(base) / "gazette" / name),
        Path(tempfile.gettempdir()) / f"gazette-{name}-{os.getuid()}",
    ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        return folder
    return None  # read-only everywhere
