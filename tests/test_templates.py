"""The compiled-template cache never serves a stale template."""

from __future__ import annotations

from pathlib import Path

import pytest

from gazette.config import load_settings
from gazette.render import _bytecode_cache, render_template, template_env


def test_an_edited_override_is_recompiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAZETTE_TEMPLATE_CACHE", str(tmp_path / "cache"))
    _bytecode_cache.cache_clear()
    overrides = tmp_path / "templates"
    overrides.mkdir()
    config = tmp_path / "gazette.toml"
    config.write_text(f'[paths]\ntemplates_dir = "{overrides}"\n', "utf-8")
    template = overrides / "hello.txt.j2"
    try:
        template.write_text("first {{ who }}", "utf-8")
        assert (
            render_template(template_env(load_settings(config)), "hello.txt.j2", who="x")
            == "first x"
        )
        assert any((tmp_path / "cache").iterdir())  # compiled and kept
        template.write_text("second {{ who }}", "utf-8")
        assert (
            render_template(template_env(load_settings(config)), "hello.txt.j2", who="x")
            == "second x"
        )
    finally:
        _bytecode_cache.cache_clear()
