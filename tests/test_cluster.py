"""Clustering on the recorded sample week: one story per thing, whatever the source."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from gazette.cluster import cluster_items, normalize_title, normalize_version, story_of
from gazette.models import Item, StoredItem
from gazette.store import Store
from gazette.timeutil import week_bounds
from tests.conftest import SAMPLE_WEEK

VIBE = "150,000 Lines of Vibe Coded Elixir"
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture
def everything(store: Store) -> list[StoredItem]:
    return store.items_between(*EVER)


def story_with(stories: Sequence[Sequence[StoredItem]], title_part: str, source: str) -> set[str]:
    """The sources of the story holding ``source``'s item whose title has ``title_part``."""
    for story in stories:
        if any(title_part in s.item.title and s.item.source == source for s in story):
            return {s.item.source for s in story}
    raise AssertionError(f"no {source} item titled like {title_part!r}")


def without_links(items: Sequence[StoredItem]) -> list[StoredItem]:
    """The same items as if Reddit and HN had not told us what they link to."""
    return [replace(s, item=replace(s.item, link_url="")) for s in items]


def test_vibe_coded_story_is_one_story_across_forum_reddit_and_hn(
    everything: list[StoredItem],
) -> None:
    stories = cluster_items(everything)
    assert story_with(stories, VIBE, "elixirforum") == {"elixirforum", "reddit", "hackernews"}
    # HN spells it "The Good, the Bad, and the Ugly": without the links, title
    # similarity alone still finds it.
    unlinked = cluster_items(without_links(everything))
    hn = next(s for s in everything if s.item.source == "hackernews" and VIBE in s.item.title)
    assert "the Bad, and the Ugly" in hn.item.title
    assert story_with(unlinked, VIBE, "elixirforum") == {"elixirforum", "reddit", "hackernews"}


def test_elixir_release_is_one_story_across_forum_github_reddit_and_hn(
    everything: list[StoredItem],
) -> None:
    expected = {"elixirforum", "github", "reddit", "hackernews"}
    assert story_with(cluster_items(everything), "Elixir v1.19.5", "elixirforum") == expected
    # Without links the release key ("elixir" + "1.19.5") still ties them together.
    assert story_with(cluster_items(without_links(everything)), "v1.19.5", "github") == expected


def test_different_versions_never_merge(everything: list[StoredItem]) -> None:
    stories = cluster_items(without_links(everything))
    old = next(s for s in stories if any(i.item.title == "Elixir v1.17.0 released" for i in s))
    assert [i.item.title for i in old] == ["Elixir v1.17.0 released"]
    # The GitHub releases v1.19.0 ... v1.19.4 share a repository but stay apart.
    github = [s for s in stories if any(i.item.source == "github" for i in s)]
    for story in github:
        assert len({i.item.title for i in story if i.item.source == "github"}) == 1


def test_numbered_titles_with_different_numbers_stay_apart(everything: list[StoredItem]) -> None:
    stories = cluster_items(everything)
    episode = next(s for s in stories if any("Thinking Elixir 285" in i.item.title for i in s))
    assert {i.item.source for i in episode} == {"elixirforum", "thinkingelixir"}
    assert all("286" not in i.item.title for i in episode)
    # A podcast episode that mentions "LiveVue 1.0" is not LiveVue's release.
    liveview = next(s for s in stories if any("LiveVue - v1.0" in i.item.title for i in s))
    assert [i.item.source for i in liveview] == ["elixirforum"]


def test_sample_week_stories(store: Store) -> None:
    """The whole week: only the stories that really are one story merge."""
    multi = sorted(
        sorted(s.item.source for s in story)
        for story in cluster_items(store.items_between(*week_bounds(SAMPLE_WEEK)))
        if len(story) > 1
    )
    assert multi == [
        ["dashbit", "hackernews"],
        ["elixirforum", "github", "hackernews", "reddit"],
        ["elixirforum", "hackernews", "reddit"],
    ]


def item(
    id: int,
    title: str,
    source: str = "elixirforum",
    kind: str = "discourse",
    fields: dict[str, Any] | None = None,
    url: str = "",
) -> StoredItem:
    """An item; ``fields`` are its other Item fields (link_url, package...)."""
    moment = datetime(2026, 1, 6, 12, tzinfo=UTC)
    return StoredItem(
        id,
        Item(
            source=source,
            kind=kind,
            external_id=str(id),
            url=url or f"https://{source}.example/{id}",
            title=title,
            published_at=moment,
            **(fields or {}),
        ),
        moment,
    )


def hex_release(id: int, package: str, version: str, github: str = "") -> StoredItem:
    fields = {"package": package, "version": version, "github_url": github}
    url = f"https://hex.pm/packages/{package}/{version}"
    return item(id, f"{package} {version}", "hexpm", "hexpm", fields, url)


def groups(items: Sequence[StoredItem]) -> list[list[int]]:
    return sorted(sorted(s.id for s in story) for story in cluster_items(items))


def test_hex_package_named_in_an_announcement_joins_its_release() -> None:
    forum = item(1, "LiveVue - v1.0 released with igniter installer, forms support and more!")
    reddit = item(2, "Oban: a new Web dashboard for your jobs", "reddit", "reddit")
    hn = item(
        3, "Show HN: Igniter - a code generation and project patching framework", "hn", "hackernews"
    )
    items = [
        forum,
        reddit,
        hn,
        hex_release(10, "live_vue", "1.0.0"),
        hex_release(11, "oban", "2.11.3"),
        hex_release(12, "igniter", "0.1.0"),
    ]
    assert groups(items) == [[1, 10], [2, 11], [3, 12]]


def test_package_matching_respects_versions_and_common_words() -> None:
    items = [
        item(1, "LiveVue - v1.0 released with forms support"),
        hex_release(10, "live_vue", "0.9.0"),  # another version: not this story
        item(2, "Still no luck with releases on Fly: any ideas", "reddit", "reddit"),
        hex_release(11, "still", "0.7.0"),  # an everyday word is not a name
        item(3, "How do I use Oban with Ecto multi?", "reddit", "reddit"),
        hex_release(12, "oban", "2.11.3"),  # a question is not an announcement
        item(4, "Phoenix: the routing guide I wanted", "blog", "feed"),
        hex_release(13, "phoenix", "1.8.1"),  # the framework's name is everyone's topic
    ]
    assert all(len(group) == 1 for group in groups(items))


def test_same_repository_joins_a_post_and_a_release() -> None:
    post = item(
        1,
        "I made a tiny ULID library",
        "reddit",
        "reddit",
        {"link_url": "https://github.com/girishramnani/elixir-ksuid"},
    )
    release = hex_release(
        10, "ksuid", "1.0.0", github="https://github.com/girishramnani/elixir-ksuid"
    )
    unrelated = item(
        2,
        "A pull request I am proud of",
        "reddit",
        "reddit",
        {"link_url": "https://github.com/girishramnani/elixir-ksuid/pull/12"},
    )
    assert groups([post, release, unrelated]) == [[1, 10], [2]]


def test_generic_and_short_titles_do_not_merge() -> None:
    items = [
        item(1, "Pattern matching", "reddit", "reddit"),
        item(2, "Pattern matching"),
        item(3, "How to deploy Elixir", "reddit", "reddit"),
        item(4, "How to test Elixir"),
        item(5, "Ask HN: Who is running Elixir in production?", "hn", "hackernews"),
        item(6, "Who is hiring Elixir developers in production?"),
    ]
    assert all(len(group) == 1 for group in groups(items))


def test_front_pages_and_linkless_feed_entries_are_not_shared_urls() -> None:
    a = item(
        1,
        "Win a free sticker pack",
        "dashbit",
        "feed",
        {"has_link": False},
        "https://dashbit.co/blog",
    )
    b = item(
        2, "Our year in review", "dashbit", "feed", {"has_link": False}, "https://dashbit.co/blog"
    )
    c = item(3, "Look at this", "reddit", "reddit", {"link_url": "https://elixir-lang.org/"})
    d = item(4, "And this", "hn", "hackernews", {"link_url": "https://elixir-lang.org"})
    assert groups([a, b, c, d]) == [[1], [2], [3], [4]]


def test_clustering_is_deterministic(everything: list[StoredItem]) -> None:
    forward = groups(everything)
    assert groups(list(reversed(everything))) == forward
    assert groups(everything[1::2] + everything[::2]) == forward


def test_story_of_finds_the_story_of_an_item(store: Store) -> None:
    week = store.items_between(*week_bounds(SAMPLE_WEEK))
    reddit = next(s for s in week if s.item.source == "reddit" and VIBE in s.item.title)
    story = story_of(store, reddit.id)
    assert story[0].id == reddit.id
    assert {s.item.source for s in story} == {"elixirforum", "reddit", "hackernews"}


def test_normalization() -> None:
    assert normalize_version("v1.0") == normalize_version("1.0.0") == "1.0.0"
    assert normalize_version("1.0.0-rc.4") == "1.0.0-rc.4"
    assert normalize_title("[ANN] Elixir v1.19.5 released!") == "elixir"
    assert normalize_title("150,000 Lines: The Good") == "150000 lines the good"
    assert normalize_title("Show HN: LiveVue") == "livevue"


def github_release(id: int, repo: str, tag: str) -> StoredItem:
    name = repo.split("/")[1]
    return item(
        id,
        f"{name} {tag}",
        "github",
        "github",
        {"package": name, "version": tag, "github_url": f"https://github.com/{repo}"},
        f"https://github.com/{repo}/releases/tag/{tag}",
    )


def test_a_story_never_holds_two_versions_of_one_package() -> None:
    repo = "https://github.com/sorentwo/oban"
    post = item(1, "Oban's new dashboard, a tour", "reddit", "reddit", {"link_url": repo})
    older = hex_release(10, "oban", "2.11.2", github=repo)
    newer = hex_release(11, "oban", "2.11.3", github=repo)
    merged = groups([post, older, newer])
    assert sorted(len(g) for g in merged) == [1, 2]  # the post joins one release, not both


def test_a_repository_release_and_a_package_of_another_version_stay_apart() -> None:
    repo = "https://github.com/girishramnani/elixir-ksuid"
    tagged = github_release(1, "girishramnani/elixir-ksuid", "v0.9.0")
    package = hex_release(10, "ksuid", "1.0.0", github=repo)
    same = hex_release(11, "ksuid", "0.9.0", github=repo)
    assert groups([tagged, package]) == [[1], [10]]
    assert groups([tagged, same]) == [[1, 11]]


def test_titles_that_differ_only_in_their_number_stay_apart() -> None:
    a = item(1, "Thinking Elixir 285 - News from the week", "thinkingelixir", "feed")
    b = item(2, "Thinking Elixir 286 - News from the week")
    c = item(3, "Thinking Elixir 286 - News from the week", "reddit", "reddit")
    assert groups([a, b, c]) == [[1], [2, 3]]


def test_an_item_between_two_conflicting_releases_joins_the_same_one_in_every_process() -> None:
    """A post linking to two releases of one package can join only one of them;
    which one must not depend on the process's string hashing (PYTHONHASHSEED),
    or the same week clusters differently from one run to the next."""
    older = hex_release(10, "oban", "2.11.2")
    newer = hex_release(11, "oban", "2.11.3")
    post = item(
        20, "Two Oban releases", "reddit", "reddit", {"link_url": newer.item.url}, older.item.url
    )
    program = (
        "import json, sys; from tests.test_cluster import groups, hex_release, item; "
        "older = hex_release(10, 'oban', '2.11.2'); newer = hex_release(11, 'oban', '2.11.3'); "
        "post = item(20, 'Two Oban releases', 'reddit', 'reddit', {'link_url': newer.item.url}, older.item.url); "
        "print(json.dumps(groups([older, newer, post])))"
    )
    seen = set()
    for seed in range(8):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        out = subprocess.run(
            [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
        )
        seen.add(out.stdout.strip())
    assert len(seen) == 1, seen
    assert json.loads(seen.pop()) == groups([older, newer, post]) == [[10, 20], [11]]
