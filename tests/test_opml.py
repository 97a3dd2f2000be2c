"""OPML import/export of feed sources, through the real CLI and real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.config import load_settings
from gazette.opml import OpmlError, export_opml, parse_opml, slugify
from tests.conftest import ROOT, run_cli

DEFAULT_OPML = ROOT / "data" / "feeds.opml"

CONFIG = """\
# My newsletter. These comments must survive an import.
[publication]
name = "Weekly BEAM"  # trailing comment

[[sources]]
name = "dashbit"
kind = "feed"
url = "https://dashbit.co/feed"

[[sources]]
name = "blog"   # a name an import will want too
kind = "feed"
url = "https://example.org/blog.xml"
enabled = false
"""

OPML = """\
<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>from a feed reader</title></head>
  <body>
    <outline text="Elixir">
      <outline type="rss" text="Dashbit again" xmlUrl="http://www.dashbit.co/feed/?utm_source=reader"/>
      <outline type="rss" text="Blog" xmlUrl="https://one.example/feed.xml"/>
      <outline type="rss" title="Blog" text="ignored" xmlurl="https://two.example/atom.xml"/>
      <outline type="rss" text="&lt;script&gt;alert(1)&lt;/script&gt;Caf\u00e9 \u00c9lixir" xmlUrl="https://cafe.example/rss"/>
      <outline type="rss" text="Evil" xmlUrl="javascript:alert(1)"/>
      <outline type="rss" text="" xmlUrl="https://www.no-title.example/feed"/>
      <outline text="a folder, not a feed"/>
    </outline>
  </body>
</opml>
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "gazette.toml"
    path.write_text(CONFIG, "utf-8")
    return path


def test_the_default_list_is_real_elixir_feeds() -> None:
    outlines = parse_opml(DEFAULT_OPML.read_bytes())
    urls = {o.xml_url for o in outlines}
    assert len(outlines) == len(urls) >= 10
    assert {"https://elixir-lang.org/atom.xml", "https://dashbit.co/feed"} <= urls
    assert all(o.xml_url.startswith("https://") and o.title for o in outlines)


def test_import_appends_tables_and_keeps_every_comment(config: Path, tmp_path: Path) -> None:
    opml = tmp_path / "reader.opml"
    opml.write_text(OPML, "utf-8")
    result = run_cli("sources", "import-opml", str(opml))
    assert "4 added, 1 skipped" in result.output
    text = config.read_text("utf-8")
    assert text.startswith(CONFIG)  # nothing before the new tables changed
    settings = load_settings(config)
    by_name = {s.name: s for s in settings.sources}
    # the name "blog" was taken: titles are slugified and made unique
    assert by_name["blog-2"].url == "https://one.example/feed.xml"
    assert by_name["blog-3"].url == "https://two.example/atom.xml"
    assert by_name["cafe-elixir"].url == "https://cafe.example/rss"
    assert by_name["no-title-example"].url == "https://www.no-title.example/feed"
    assert all(s.kind == "feed" for s in settings.sources)
    assert by_name["blog"].enabled is False  # the existing tables are untouched
    assert "javascript" not in text and "<script" not in text
    # the same URL in another spelling is recognised as already configured
    assert "skipped Dashbit again: already configured" in result.output
    assert len(settings.sources) == 6


def test_importing_twice_changes_nothing(config: Path, tmp_path: Path) -> None:
    run_cli("sources", "import-opml", str(DEFAULT_OPML))
    after_first = config.read_bytes()
    result = run_cli("sources", "import-opml", str(DEFAULT_OPML))
    assert " 0 added" in result.output
    assert config.read_bytes() == after_first


def test_import_into_a_file_without_sources_keeps_the_built_in_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "gazette.toml"
    config.write_text('[publication]\nname = "X"\n', "utf-8")
    built_in = [s.name for s in load_settings(config).sources]
    run_cli("sources", "import-opml", str(DEFAULT_OPML))
    names = [s.name for s in load_settings(config).sources]
    assert names[: len(built_in)] == built_in and len(names) > len(built_in)


def test_import_needs_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("sources", "import-opml", str(DEFAULT_OPML), expect=2)
    assert "gazette init" in result.output
    assert not (tmp_path / "gazette.toml").exists()


def test_import_refuses_a_file_it_cannot_extend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "gazette.toml"
    original = 'sources = [{name = "a", kind = "feed", url = "https://a.example/feed"}]\n'
    config.write_text(original, "utf-8")
    result = run_cli("sources", "import-opml", str(DEFAULT_OPML), expect=2)
    assert "add them by hand" in result.output
    assert config.read_text("utf-8") == original


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<opml version="2.0"><body><outline text="&c;" xmlUrl="https://x.example/feed"/></body></opml>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "file:///etc/passwd">
<opml version="2.0"><body/></opml>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL,
        # the same declaration in UTF-16 must not slip past
        BILLION_LAUGHS.decode()
        .replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?')
        .encode("utf-16"),
    ],
)
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(OpmlError, match="DOCTYPE and ENTITY"):
        parse_opml(data)


def test_hostile_opml_through_the_cli_is_one_line(config: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.opml"
    bomb.write_bytes(BILLION_LAUGHS)
    result = run_cli("sources", "import-opml", str(bomb), expect=2)
    assert result.output.count("\n") == 1 and "not allowed" in result.output
    assert config.read_text("utf-8") == CONFIG


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<opml><body><outline", "not well-formed"),
        (b"<html><body>hello</body></html>", "not an OPML file"),
        (b"", "not well-formed"),
    ],
)
def test_broken_opml(data: bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        parse_opml(data)


def test_export_lists_every_feed_source_and_round_trips(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds.opml"
    run_cli("sources", "export-opml", str(out))
    outlines = parse_opml(out.read_bytes())
    assert [(o.title, o.xml_url) for o in outlines] == [
        ("dashbit", "https://dashbit.co/feed"),
        ("blog", "https://example.org/blog.xml"),
    ]
    assert b'<opml version="2.0">' in out.read_bytes()
    refused = run_cli("sources", "export-opml", str(out), expect=2)
    assert "--force" in refused.output
    run_cli("sources", "export-opml", str(out), "--force")


def test_export_to_stdout_only_lists_feeds() -> None:
    settings = load_settings(ROOT / "data" / "sample" / "gazette.toml")
    text = export_opml(settings)
    urls = [o.xml_url for o in parse_opml(text.encode())]
    assert len(urls) == 2 and all("/feed" in u for u in urls)


def test_sources_list(config: Path) -> None:
    rows = json.loads(run_cli("sources", "list", "--json").output)
    assert [(r["name"], r["kind"], r["enabled"]) for r in rows] == [
        ("dashbit", "feed", True),
        ("blog", "feed", False),
    ]
    table = run_cli("sources", "list").output
    assert "dashbit" in table and "https://example.org/blog.xml" in table


@pytest.mark.parametrize(
    ("title", "slug"),
    [("Dashbit Blog", "dashbit-blog"), ("Élixir  Café!", "elixir-cafe"), ("日本語", "")],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_sources_commands_are_documented() -> None:
    group = run_cli("sources", "--help").output
    assert "gazette sources import-opml data/feeds.opml" in " ".join(group.split())
    for command in ("list", "import-opml", "export-opml"):
        assert command in group
        text = run_cli("sources", command, "--help").output
        assert "--config" in text and len(text.split("\n\n")[1]) > 30
