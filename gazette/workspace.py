"""`gazette init`: a commented config and the data/ skeleton for a new newsletter."""

from __future__ import annotations

from pathlib import Path

from gazette.config import DEFAULT_CONFIG_NAME, default_config_text
from gazette.errors import ConfigError, FileExists
from gazette.files import write_new


def init_workspace(directory: Path) -> list[Path]:
    """Create what is missing; never overwrite an existing file."""
    directory.mkdir(parents=True, exist_ok=True)
    created = []
    config = directory / DEFAULT_CONFIG_NAME
    try:
        write_new(config, default_config_text())
    except FileExists:
        raise ConfigError(f"{config}: already exists; not overwriting it") from None
    created.append(config)
    for folder in ("data/issues", "out"):
        path = directory / folder
        if not path.exists():
            path.mkdir(parents=True)
            created.append(path)
    return created
