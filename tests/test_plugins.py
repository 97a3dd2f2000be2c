"""A source kind from outside Gazette is a first-class kind.

tests/plugins/gazette_testkind is a separate package (its own pyproject.toml)
that registers the made-up kind ``meetup`` through the ``gazette.sources``
entry point group. The test makes it installed the light way Python itself
reads installed packages: a ``*.dist-info`` folder with its entry_points.txt
on sys.path. Its events are then fetched from the loopback replay server,
ranked on their own engagement, clustered with the blog post they link to and
drafted with their own link text, all without Gazette naming the kind anywhere.
"""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from gazette.replay import ReplayServer
from gazette.sources import BUILTIN, ENTRY_POINT_GROUP, refresh_registry, registry, traits_of
from tests.conftest import SAMPLE, SAMPLE_WEEK, run_cli

PLUGIN = Path(__file__).resolve().parent / "plugins" / "gazette_testkind"
# A sample-week Reddit post: the event's talk is about what it links to.
POST = "https://www.reddit.com/r/elixir/comments/1demwqi/igniter_a_code_generation_and_project_patching/"
EVENTS = [
    {
        "id": 301,
        "title": "Live in Lisbon: patching projects with code generators",
        "url": "https://meetups.example/events/301",
        "announced_at": "2026-01-09T18:00:00Z",
        "description": "Zach walks through Igniter on a real application.",
        "rsvps": 120,
        "talk_url": POST,
    },
    {
        "id": 302,
        "title": "Berlin Elixir social evening",
        "url": "https://meetups.example/events/302",
        "announced_at": "2026-01-07T18:00:00Z",
        "description": "Drinks and lightning talks.",
        "rsvps": 15,
    },
    {
        "id": 303,
        "title": "Remote study group on OTP behaviours",
        "url": "https://meetups.example/events/303",
        "announced_at": "2026-01-06T18:00:00Z",
        "description": "Chapter three of the book.",
        "rsvps": 4,
    },
]


def install_plugin(site: Path) -> None:
    """What pip would leave for the plug-in: its metadata, entry points from its
    own pyproject.toml, in a folder on sys.path (and its code importable)."""
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text("utf-8"))["project"]
    dist = site / f"gazette_testkind-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = []
    for group, points in project["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in points.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    install_plugin(tmp_path / "site-packages")
    monkeypatch.syspath_prepend(str(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path / "site-packages"))
    refresh_registry()
    yield
    refresh_registry()
    sys.modules.pop("gazette_testkind", None)


@pytest.fixture
def meetup_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The sample week plus a meetup listing, served on loopback; the sample
    config with one more source of the plug-in's kind."""
    root = tmp_path / "replay"
    shutil.copytree(SAMPLE, root)
    (root / "meetups.example").mkdir()
    (root / "meetups.example" / "events.json").write_text(json.dumps({"events": EVENTS}))
    folder = tmp_path / "news"
    folder.mkdir()
    config = (SAMPLE / "gazette.toml").read_text("utf-8")
    config += '\n[[sources]]\nname = "meetups"\nkind = "meetup"\nbase_url = "${REPLAY_URL}/meetups.example"\n'
    (folder / "gazette.toml").write_text(config, "utf-8")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GAZETTE_DB", raising=False)
    with ReplayServer(root) as server:
        monkeypatch.setenv("REPLAY_URL", server.url)
        yield folder


def test_built_in_kinds_register_through_the_entry_point_group() -> None:
    declared = {point.name: point.load() for point in entry_points(group=ENTRY_POINT_GROUP)}
    assert {kind: declared.get(kind) for kind in BUILTIN} == dict(BUILTIN)
    assert registry() == BUILTIN


def test_a_plugin_kind_is_found_with_its_traits(plugin: None) -> None:
    from gazette_testkind import MeetupSource  # type: ignore[import-not-found]

    assert registry()["meetup"] is MeetupSource
    traits = traits_of("meetup")
    assert traits.link_text == "RSVP on Elixir Meetups" and traits.announces
    assert traits.engagement({"rsvps": 7}) == 7
    # A kind no longer installed keeps working with the defaults.
    assert traits_of("gone").link_text == "Read more" and traits_of("gone").engagement({}) == 0


def test_a_plugin_kind_is_fetched_ranked_clustered_and_drafted(
    plugin: None, meetup_workspace: Path
) -> None:
    run_cli("--db", "g.db", "weekly", "--week", SAMPLE_WEEK, "--since", "2026-01-01")
    report: dict[str, Any] = json.loads((Path("out") / SAMPLE_WEEK / "report.json").read_text())
    [meetups] = [s for s in report["sources"] if s["source"] == "meetups"]
    assert meetups["status"] == "ok" and meetups["new"] == len(EVENTS)

    found = json.loads(
        run_cli(
            "--db", "g.db", "candidates", "--week", SAMPLE_WEEK, "--json", "--limit", "100"
        ).output
    )
    [story] = [c for c in found if c["url"] == EVENTS[0]["url"]]
    # Clustered with the post it links to, and leading the story (Reddit is an
    # aggregator, the event is the thing itself).
    assert [r["url"] for r in story["related"]] == [POST]
    # Ranked on its own engagement: the middle of three events by RSVPs has the
    # mid-rank percentile 1/2 (a kind without engagement gets 0.3 for all).
    [middle] = [c for c in found if c["url"] == EVENTS[1]["url"]]
    engagement = {p["name"]: p["value"] for p in middle["components"]}["engagement"]
    assert engagement == 40 * 0.5

    draft = (Path("out") / "issues" / f"{SAMPLE_WEEK}.md").read_text("utf-8")
    assert f"[RSVP on Elixir Meetups]({EVENTS[0]['url']})" in draft
    assert EVENTS[0]["title"] in draft
