from __future__ import annotations

from pathlib import Path

import pytest

from gazette.config import load_settings
from gazette.errors import ConfigError
from gazette.sources import build_sources
from tests.conftest import run_cli


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gazette.toml"
    path.write_text(text, "utf-8")
    return path


def test_defaults_when_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None)
    assert settings.publication.name == "GigaElixir Gazette"
    assert [s.kind for s in settings.sources] == [
        "discourse", "hexpm", "github", "reddit", "hackernews", "feed", "feed",
    ]  # fmt: skip
    assert settings.origin == "embedded defaults"


def test_user_values_override_defaults_and_keep_the_rest(tmp_path: Path) -> None:
    settings = load_settings(
        write(tmp_path, '[publication]\nname = "Beam Weekly"\n[fetch]\nper_host = 4\n')
    )
    assert settings.publication.name == "Beam Weekly"
    assert settings.publication.editor == "Michael"
    assert settings.fetch.per_host == 4
    assert settings.fetch.concurrency == 16


def test_missing_named_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_settings(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[publication]\nnmae = "x"\n', r"unknown key 'nmae' in \[publication\]"),
        ("[fetcher]\n", r"unknown section \[fetcher\]"),
        ('[fetch]\nconcurrency = "lots"\n', r"'fetch.concurrency' must be an integer"),
        ("[fetch]\nconcurrency = true\n", r"'fetch.concurrency' must be an integer"),
        ("[publication.sponsor]\nlogo = 1\n", r"unknown key 'logo' in \[publication.sponsor\]"),
        ('[[sources]]\nkind = "feed"\n', r"sources\[0\] needs a 'name'"),
        (
            '[[sources]]\nname = "a"\nkind = "feed"\nenabled = "yes"\n',
            r"'sources\[0\].enabled' must be true or false",
        ),
        ("[publication\n", r"invalid TOML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value).strip()


def test_source_options_are_checked_by_the_source(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[sources]]\nname = "gh"\nkind = "github"\nbase_url = "https://github.com"\nrepo = ["a/b"]\n',
    )
    with pytest.raises(ConfigError, match=r"unknown key 'repo' in source 'gh' \(kind github\)"):
        build_sources(load_settings(path))


def test_unknown_source_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[[sources]]\nname = "x"\nkind = "myspace"\nbase_url = "https://x.org"\n'
    )
    with pytest.raises(ConfigError, match=r"unknown kind 'myspace'"):
        build_sources(load_settings(path))


def test_environment_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORUM", "http://127.0.0.1:9")
    path = write(
        tmp_path,
        '[[sources]]\nname = "f"\nkind = "discourse"\nbase_url = "${FORUM}/elixirforum.com"\n'
        '[[sources]]\nname = "h"\nkind = "hexpm"\nbase_url = "${HEX:-https://hex.pm}"\n',
    )
    settings = load_settings(path)
    assert settings.source("f").base_url == "http://127.0.0.1:9/elixirforum.com"
    assert settings.source("h").base_url == "https://hex.pm"


def test_cli_reports_config_error_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "[fetch]\ntimeout = []\n")
    result = run_cli("--config", "gazette.toml", "candidates", "--week", "2026-W02", expect=2)
    assert result.output.strip().splitlines() == [
        "Error: gazette.toml: 'fetch.timeout' must be an integer or a number, got list []"
    ]


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    run_cli("init", str(tmp_path / "news"))
    config = tmp_path / "news" / "gazette.toml"
    assert config.read_text("utf-8").startswith("# Gazette configuration.")
    assert (tmp_path / "news" / "data" / "issues").is_dir()
    assert load_settings(config).publication.name == "GigaElixir Gazette"
    again = run_cli("init", str(tmp_path / "news"), expect=2)
    assert "already exists" in again.output
