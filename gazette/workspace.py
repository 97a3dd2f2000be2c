"""`gazette init`: a commented config and the data/ skeleton for a new newsletter."""

from __future__ import annotations

from pathlib import Path

from gazette.config import DEFAULT_CONFIG_NAME, default_config_text
from gazette.errors import ConfigError


def init_workspace(directory: Path) -> list[Path]:
    """Create what is missing; never overwrite an existing file."""
    directory.mkdir(parents=True, exist_ok=True)
    created = []
    config = directory / DEFAULT_CONFIG_NAME
    if config.exists():
        raise ConfigError(f"{config}: already exists; not overwriting it")
    config.write_text(default_config_text(), "utf-8")
    created.append(config)
    for folder in ("data/issues", "out"):
        path = directory / folder
        if not path.exists():
            path.mkdir(parents=True)
            created.append(path)
    return created
