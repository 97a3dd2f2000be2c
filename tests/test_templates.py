"""The one Jinja environment: shared, never changed by a render, never stale, and
autoescaping everything but the prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from gazette.config import load_settings
from gazette.render import _bytecode_cache, render_template, template_env
from gazette.render.email import render_email
from tests.test_email import sample_issue


class _Site:
    base_url = "https://example.org"


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


def _settings_with_overrides(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    overrides = tmp_path / "templates"
    overrides.mkdir()
    config = tmp_path / "gazette.toml"
    config.write_text(f'[paths]\ntemplates_dir = "{overrides}"\n{extra}', "utf-8")
    return overrides, config


def test_one_environment_per_template_folder_never_changed_by_a_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray ./gazette.toml: the embedded defaults
    first, second = load_settings(None), load_settings(None)
    env = template_env(first)
    assert template_env(second) is env
    filters = dict(env.filters)
    render_email(sample_issue(), first, web_url="https://example.org/web")
    assert dict(env.filters) == filters  # the filters were all registered up front
    _, config = _settings_with_overrides(tmp_path)
    assert template_env(load_settings(config)) is not env


def test_an_override_added_after_the_builtin_was_loaded_is_used(tmp_path: Path) -> None:
    overrides, config = _settings_with_overrides(tmp_path)
    env = template_env(load_settings(config))
    builtin = render_template(env, "site/robots.txt.j2", site=_Site())
    assert "Sitemap: https://example.org/sitemap.xml" in builtin
    (overrides / "site").mkdir()
    (overrides / "site" / "robots.txt.j2").write_text("User-agent: *\nDisallow: /\n", "utf-8")
    assert template_env(load_settings(config)) is env  # the same, long-lived environment
    assert (
        render_template(env, "site/robots.txt.j2", site=_Site()) == "User-agent: *\nDisallow: /\n"
    )
    (overrides / "site" / "robots.txt.j2").unlink()
    assert render_template(env, "site/robots.txt.j2", site=_Site()) == builtin


def test_prompts_alone_are_not_escaped(tmp_path: Path) -> None:
    overrides, config = _settings_with_overrides(tmp_path)
    for folder in ("prompts", "site", "email"):
        (overrides / folder).mkdir()
        (overrides / folder / "echo.j2").write_text("{{ text }}", "utf-8")
    env = template_env(load_settings(config))
    text = "It's <b>bold</b> & fine"
    assert render_template(env, "prompts/echo.j2", text=text) == text
    escaped = "It&#39;s &lt;b&gt;bold&lt;/b&gt; &amp; fine"
    assert render_template(env, "site/echo.j2", text=text) == escaped
    assert render_template(env, "email/echo.j2", text=text) == escaped
    assert env.from_string("{{ text }}").render(text=text) == escaped


def test_link_filters_outside_the_email_write_safe_links_without_tracking(tmp_path: Path) -> None:
    overrides, config = _settings_with_overrides(tmp_path, "[email]\nutm = true\n")
    (overrides / "links.html.j2").write_text(
        "{{ good | href }} [{{ bad | href }}] {{ body | markdown }}", "utf-8"
    )
    settings = load_settings(config)
    assert settings.email.utm  # the email would add UTM parameters; other templates do not
    html = render_template(
        template_env(settings),
        "links.html.j2",
        good='https://example.org/a"b',
        bad="javascript:alert(1)",
        body="[x](https://example.org/x)",
    )
    assert html.startswith("https://example.org/a%22b [] ")
    assert '<a href="https://example.org/x"' in html and "utm_" not in html
