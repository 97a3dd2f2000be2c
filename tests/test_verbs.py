"""The editor's verbs through the CLI, on a real database file and a real draft."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gazette.draft import outline, parse_draft, write_draft
from gazette.draft.surgery import (
    add_candidates,
    add_story,
    move_story,
    remove_story,
    retag_story,
    set_summary,
)
from gazette.models import Issue, Pick
from tests.conftest import run_cli
from tests.editing import WEEK, draft_file, gz, make_desk


@pytest.fixture
def desk(workspace: Path, sample_db: Path) -> Path:
    return make_desk(workspace, sample_db)


def ranked(limit: int = 40) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(gz("candidates", "--json", "--limit", str(limit)))
    return found


def unpicked_candidate(path: Path, kind: str | None = None) -> dict[str, object]:
    """The best-ranked story the draft does not hold (optionally from one source)."""
    draft = parse_draft(path.read_text("utf-8"))
    held = {p.item_id for p in draft.issue.all_picks}
    for candidate in ranked():
        if candidate["id"] not in held and (kind is None or candidate["source"] == kind):
            return candidate
    raise AssertionError("no candidate left")


def story_ids(path: Path, section: str = "picks") -> list[int | None]:
    issue = parse_draft(path.read_text("utf-8")).issue
    picks = {
        "picks": issue.picks,
        "feature": (issue.feature,) if issue.feature else (),
        "quick-links": issue.quick_links,
    }[section]
    return [p.item_id for p in picks]


# -- pick ---------------------------------------------------------------------


def test_pick_adds_the_story_with_summary_link_tags_and_emoji(desk: Path) -> None:
    path = draft_file(desk)
    candidate = unpicked_candidate(path, kind="elixirforum")
    item_id = int(str(candidate["id"]))
    before = story_ids(path)
    out = gz("pick", str(item_id))
    assert f"picked {item_id} into Weekly picks" in out
    issue = parse_draft(path.read_text("utf-8")).issue
    assert story_ids(path) == [*before, item_id]
    story = issue.picks[-1]
    assert story.headline == candidate["title"]
    assert story.emoji == candidate["emoji"]
    assert story.tags == tuple(candidate["tags"])  # type: ignore[arg-type]
    assert story.url == candidate["url"]
    assert story.link_text == "Read the thread on Elixir Forum"
    assert len(story.body.split()) >= 5


def test_picking_from_the_candidates_list_removes_its_line(desk: Path) -> None:
    path = draft_file(desk)
    gz("draft", "--refresh", "--limit", "15")
    listed = parse_draft(path.read_text("utf-8")).candidates
    assert listed
    target = listed[1].item_id
    gz("pick", str(target))
    after = parse_draft(path.read_text("utf-8"))
    assert target in story_ids(path)
    assert [c.item_id for c in after.candidates] == [
        c.item_id for c in listed if c.item_id != target
    ]


def test_picking_twice_is_a_clear_error_and_changes_nothing(desk: Path) -> None:
    path = draft_file(desk)
    first = story_ids(path)[0]
    before = path.read_bytes()
    out = gz("pick", str(first), expect=2)
    assert f"item {first} is already picked (Weekly picks, line " in out
    assert out.count("\n") == 1  # one line, no traceback
    assert path.read_bytes() == before


def test_pick_with_headline_emoji_and_section(desk: Path) -> None:
    path = draft_file(desk)
    candidate = unpicked_candidate(path)
    item_id = str(candidate["id"])
    gz("pick", item_id, "--section", "quick-links", "--headline", "A [bracketed] title")
    link = parse_draft(path.read_text("utf-8")).issue.quick_links[-1]
    assert link.item_id == int(item_id)
    assert link.headline == "A [bracketed] title"  # escaped in the link text, read back as is
    other = unpicked_candidate(path)
    gz("pick", str(other["id"]), "--emoji", "🧪", "--headline", "  My   own words ")
    story = parse_draft(path.read_text("utf-8")).issue.picks[-1]
    assert (story.emoji, story.headline) == ("🧪", "My own words")
    assert "--emoji takes emoji only" in gz(
        "pick", str(unpicked_candidate(path)["id"]), "--emoji", "hot", expect=2
    )


def test_the_feature_slot_holds_one_story(desk: Path) -> None:
    path = draft_file(desk)
    feature = story_ids(path, "feature")
    assert feature and feature[0] is not None
    out = gz("pick", str(unpicked_candidate(path)["id"]), "--section", "feature", expect=2)
    assert "the feature slot already holds" in out and "unpick it first" in out
    gz("unpick", str(feature[0]))
    assert story_ids(path, "feature") == []
    gz("pick", str(feature[0]), "--section", "feature")
    issue = parse_draft(path.read_text("utf-8")).issue
    assert issue.feature is not None and issue.feature.item_id == feature[0]
    assert len(issue.feature.remember) >= 2  # a long read comes with its "Remember:" list


def test_pick_of_an_unknown_id_names_the_way_out(desk: Path) -> None:
    out = gz("pick", "999999", expect=2)
    assert "no item 999999 in the database" in out and "gazette candidates" in out


def test_verbs_need_a_draft(workspace: Path, sample_db: Path) -> None:
    import shutil

    shutil.copy(sample_db, workspace / "g.db")
    out = gz("pick", "3", expect=2)
    assert f"no draft for {WEEK} yet; create it with `gazette draft --week {WEEK}`" in out


# -- unpick, move, tag ----------------------------------------------------------


def test_unpick_returns_the_story_to_the_candidates_and_keeps_its_text(desk: Path) -> None:
    path = draft_file(desk)
    victim = story_ids(path)[1]
    assert victim is not None
    text = path.read_text("utf-8")
    story = parse_draft(text).issue.picks[1]
    edited = text.replace(story.body, story.body + "\n\nMy own paragraph, not to be lost.")
    path.write_text(edited, "utf-8")
    out = gz("unpick", str(victim))
    assert f"unpicked {victim}" in out
    result = path.read_text("utf-8")
    after = parse_draft(result)
    assert victim not in story_ids(path)
    assert [c.item_id for c in after.candidates] == [victim]
    assert after.candidates[0].title == story.headline
    kept = path.with_name(path.name + ".unpicked").read_text("utf-8")
    assert "My own paragraph, not to be lost." in kept
    # Everything else is byte for byte what it was: the result is the edited
    # text without the story's lines, plus the Candidates section.
    gone = next(b for b in outline(edited).blocks if b.item_id == victim)
    expected = edited.split("\n")
    del expected[gone.start : gone.stop]
    shown = result.split("\n")
    section = next(s for s in outline(result).sections if s.key == "candidates")
    del shown[section.heading : section.stop]
    assert shown == expected


def test_move_reorders_within_the_section(desk: Path) -> None:
    path = draft_file(desk)
    order = story_ids(path)
    last = order[-1]
    gz("move", str(last), "top")
    assert story_ids(path) == [last, *order[:-1]]
    gz("move", str(last), "down")
    assert story_ids(path) == [order[0], last, *order[1:-1]]
    gz("move", str(last), "--to", str(len(order)))
    assert story_ids(path) == order
    assert "stays at position" in gz("move", str(last), "down")
    assert f"--to must be between 1 and {len(order)}" in gz(
        "move", str(last), "--to", "99", expect=2
    )
    assert "not both" in gz("move", str(last), "up", "--to", "1", expect=2)


def test_tag_adds_and_removes_in_the_meta_line_only(desk: Path) -> None:
    path = draft_file(desk)
    target = story_ids(path)[0]
    before = path.read_text("utf-8").split("\n")
    tags = parse_draft("\n".join(before)).issue.picks[0].tags
    out = gz("tag", str(target), "+nerves", f"-{tags[0]}")
    after = path.read_text("utf-8").split("\n")
    new_tags = parse_draft("\n".join(after)).issue.picks[0].tags
    assert new_tags == (*tags[1:], "nerves")
    assert ", ".join(new_tags) in out
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1 and after[changed[0]].startswith(f"<!-- item: {target}; tags: ")
    assert "not a tag change" in gz("tag", str(target), "+Bad Tag", expect=2)
    assert "keeps" in gz("tag", str(target), "+nerves")
    # The taxonomy's tags only, as `candidates --tag` takes them.
    assert "unknown tag 'nosuchtag'" in gz("tag", str(target), "+nosuchtag", expect=2)
    # A tag spelled like one of the command's own options (-q, -v) goes after "--".
    # (a tag the taxonomy lacks, as an older taxonomy or a hand edit leaves it)
    text = path.read_text("utf-8")
    marker = f"<!-- item: {target}; tags: "
    path.write_text(text.replace(marker, marker + "q, ", 1), "utf-8")
    assert "q" in parse_draft(path.read_text("utf-8")).issue.picks[0].tags
    run_cli("--db", "g.db", "tag", "--week", WEEK, str(target), "--", "-q")
    assert "q" not in parse_draft(path.read_text("utf-8")).issue.picks[0].tags


def test_verbs_keep_crlf_line_endings(desk: Path) -> None:
    path = draft_file(desk)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    order = story_ids(path)
    gz("move", str(order[0]), "bottom")
    gz("tag", str(order[0]), "+nerves")
    gz("pick", str(unpicked_candidate(path)["id"]))
    gz("unpick", str(order[1]))
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert story_ids(path)[: len(order) - 2] == order[2:]


def test_an_unknown_item_id_in_the_draft_does_not_break_the_verbs(desk: Path) -> None:
    path = draft_file(desk)
    own = Pick(headline="Typo", body="Words.", url="https://example.org/typo", item_id=999999)
    path.write_text(add_story(parse_draft(path.read_text("utf-8")), own, "picks").text, "utf-8")
    first = story_ids(path)[0]
    gz("tag", str(first), "+nerves")
    assert 999999 in story_ids(path)
    assert "nerves" in parse_draft(path.read_text("utf-8")).issue.picks[0].tags


# -- refresh ------------------------------------------------------------------------


def test_refresh_lists_new_stories_as_comments_and_touches_nothing_else(desk: Path) -> None:
    path = draft_file(desk)
    original = path.read_text("utf-8")
    edited = original.replace("\n## Weekly picks\n", "\n## Weekly picks\n\n\n   \n", 1)
    edited = edited.replace("Welcome to", "Hello  and welcome to", 1)
    path.write_text(edited, "utf-8")
    out = gz("draft", "--refresh", "--limit", "15")
    assert "added" in out
    refreshed = path.read_text("utf-8")
    draft = parse_draft(refreshed)
    held = {p.item_id for p in draft.issue.all_picks}
    listed = [c.item_id for c in draft.candidates]
    assert listed and not held & set(listed)
    assert draft.issue == parse_draft(edited).issue  # nothing published changed
    # The editor's text is a prefix-and-suffix of the result: only lines were added.
    candidates_at = refreshed.index("## Candidates")
    assert edited.startswith(refreshed[:candidates_at])
    assert refreshed.endswith(edited[candidates_at:])
    assert "<!-- candidate: " in refreshed
    # Nothing new arrived: a second refresh changes nothing.
    assert "no new stories" in gz("draft", "--refresh", "--limit", "15")
    assert path.read_text("utf-8") == refreshed


def test_a_story_the_editor_deleted_is_not_offered_again(desk: Path) -> None:
    """The weekly job refreshes the draft at every run: a candidate line the
    editor deleted, or a story they cut from the picks, stays deleted; the
    stories that are new since still arrive."""
    path = draft_file(desk)
    gz("draft", "--refresh", "--limit", "20")
    text = path.read_text("utf-8")
    dropped = parse_draft(text).candidates[0].item_id
    lines = text.split("\n")
    cut = next(b for b in outline(text).blocks if b.section == "picks")
    del lines[cut.start : cut.stop]
    lines = [line for line in lines if not line.startswith(f"<!-- candidate: {dropped} |")]
    path.write_text("\n".join(lines), "utf-8")
    edited = path.read_text("utf-8")
    assert "no new stories" in gz("draft", "--refresh", "--limit", "20")
    assert path.read_text("utf-8") == edited
    # A larger window brings stories never offered, and still not those two.
    gz("draft", "--refresh", "--limit", "40")
    listed = {c.item_id for c in parse_draft(path.read_text("utf-8")).candidates}
    assert listed and dropped not in listed and cut.item_id not in listed
    # Picking by id still brings a deleted story back, on purpose.
    gz("pick", str(dropped))
    assert dropped in {p.item_id for p in parse_draft(path.read_text("utf-8")).issue.picks}


def test_refresh_skips_stories_already_linked_under_another_id(desk: Path) -> None:
    path = draft_file(desk)
    candidate = unpicked_candidate(path)
    # The editor wrote a story of their own (no item id) linking the same page,
    # with tracking parameters and www: still the same page.
    url = (
        str(candidate["url"])
        .replace("https://www.", "https://")
        .replace("https://", "https://www.")
    )
    url += "?utm_source=x"
    own = Pick(headline="My take", body="Words.", url=url)
    path.write_text(add_story(parse_draft(path.read_text("utf-8")), own, "picks").text, "utf-8")
    gz("draft", "--refresh", "--limit", "40")
    listed = [c.item_id for c in parse_draft(path.read_text("utf-8")).candidates]
    assert candidate["id"] not in listed and listed


def test_a_draft_is_never_overwritten(desk: Path) -> None:
    path = draft_file(desk)
    path.write_text(path.read_text("utf-8") + "\nMy words.\n", "utf-8")
    before = path.read_bytes()
    assert "already exists" in gz("draft", expect=2)
    assert path.read_bytes() == before


# -- edit and status --------------------------------------------------------------


EDITOR_SCRIPT = """
import pathlib, sys
path = pathlib.Path(sys.argv[-1])
text = path.read_text("utf-8")
mode = {mode!r}
if mode == "drop-first":
    head, first, rest = text.partition("\\n### ")
    rest = rest[rest.index("\\n### ") + 1:]
    text = head + "\\n" + rest
elif mode == "break":
    text = text.replace("## Feature", "## Featured things")
path.write_text(text, "utf-8")
"""


def editor(tmp_path: Path, mode: str) -> str:
    script = tmp_path / f"editor-{mode}.py"
    script.write_text(EDITOR_SCRIPT.format(mode=mode), "utf-8")
    return f"{sys.executable} {script}"


def test_edit_runs_the_editor_and_keeps_what_it_saved(
    desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = draft_file(desk)
    order = story_ids(path)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor(desk, "drop-first"))
    out = gz("edit")
    assert "saved out/issues/2026-W02.md: " in out
    assert story_ids(path) == order[1:]


def test_edit_reports_a_broken_draft_with_its_line(
    desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = draft_file(desk)
    monkeypatch.setenv("VISUAL", editor(desk, "break"))
    monkeypatch.setenv("EDITOR", "false")  # VISUAL wins
    out = gz("edit", expect=1)
    line = path.read_text("utf-8").split("\n").index("## Featured things") + 1
    assert f"out/issues/{WEEK}.md:{line}: unknown section '## Featured things'" in out
    assert "## Featured things" in path.read_text("utf-8")  # kept as saved


def test_edit_without_an_editor_says_what_to_set(
    desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    out = gz("edit", expect=2)
    assert out.strip() == (
        "Error: neither $VISUAL nor $EDITOR is set; set one to your editor"
        " (e.g. `export EDITOR=nano`)"
    )


def test_status_shows_sections_words_and_reading_time(desk: Path) -> None:
    path = draft_file(desk)
    issue = parse_draft(path.read_text("utf-8")).issue
    out = gz("status")
    assert f"Weekly picks ({len(issue.picks)}):" in out
    assert f"1. [{issue.picks[0].item_id}] {issue.picks[0].emoji} {issue.picks[0].headline}" in out
    assert "Feature (1):" in out and "Quick links (5):" in out
    words = int(out.split(" words, about ")[0].rsplit("\n", 1)[-1])
    assert 300 < words < 2000
    assert "min to read (within the 5-minute promise)" in out


def test_status_flags_an_issue_over_five_minutes(desk: Path) -> None:
    path = draft_file(desk)
    text = path.read_text("utf-8")
    story = parse_draft(text).issue.picks[0]
    path.write_text(text.replace(story.body, " ".join(["word"] * 1300)), "utf-8")
    assert "min over the 5-minute promise" in gz("status")


# -- summaries into the draft -------------------------------------------------------


def test_set_summary_fills_only_an_empty_body() -> None:
    text = write_draft(
        Issue(
            week=WEEK,
            title="T",
            picks=(
                Pick(headline="Empty", url="https://x.org/1", item_id=1),
                Pick(headline="Full", body="Mine.", url="https://x.org/2", item_id=2),
            ),
        )
    )
    filled, changed = set_summary(parse_draft(text), 1, "A fresh summary.")
    assert changed and filled.issue.picks[0].body == "A fresh summary."
    assert filled.issue.picks[0].url == "https://x.org/1"
    kept, changed = set_summary(filled, 2, "Other words.")
    assert not changed and kept == filled
    replaced, changed = set_summary(filled, 2, "Other words.", replace_body=True)
    assert changed and replaced.issue.picks[1].body == "Other words."


def test_summarize_write_fills_an_empty_story_body_only(desk: Path) -> None:
    path = draft_file(desk)
    text = path.read_text("utf-8")
    story = parse_draft(text).issue.picks[0]
    assert story.item_id is not None
    path.write_text(text.replace(story.body, "", 1), "utf-8")
    out = gz("summarize", str(story.item_id), "--no-llm", "--write")
    assert f"wrote the summary of {story.item_id}" in out
    filled = parse_draft(path.read_text("utf-8")).issue.picks[0]
    assert filled.body.strip() and filled.body.split()[0] in out
    assert (filled.url, filled.headline) == (story.url, story.headline)
    mine = path.read_text("utf-8").replace(filled.body, "My own words.", 1)
    path.write_text(mine, "utf-8")
    assert "left as is" in gz("summarize", str(story.item_id), "--no-llm", "--write")
    assert path.read_text("utf-8") == mine
    gz("summarize", str(story.item_id), "--no-llm", "--write", "--replace")
    assert parse_draft(path.read_text("utf-8")).issue.picks[0].body == filled.body


# -- byte preservation: a property ---------------------------------------------------

BASE = Issue(
    week=WEEK,
    title="Base",
    welcome="Hello.",
    picks=tuple(
        Pick(
            headline=f"Story {n}",
            emoji="🔥",
            body=f"Summary {n}.",
            url=f"https://example.org/{n}",
            link_text="Read",
            item_id=n,
            tags=("otp",),
        )
        for n in range(1, 5)
    ),
    feature=Pick(
        headline="Feature",
        body="Long.",
        url="https://example.org/f",
        item_id=5,
        remember=("a", "b"),
    ),
    quick_links=(
        Pick(headline="Q6", url="https://example.org/6", item_id=6),
        Pick(headline="Q7", url="https://example.org/7", body="note", item_id=7),
    ),
)

editor_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
    max_size=50,
).filter(lambda s: not s.lstrip().startswith(("#", "```", "~~~")))
editor_body = st.lists(editor_line, min_size=1, max_size=8).map("\n".join)
verbs = st.sampled_from(["pick", "pick-quick", "unpick", "move", "tag", "candidates", "summary"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edited=st.integers(1, 4),
    body=editor_body,
    headline=editor_line.filter(lambda s: s.strip()),
    other=st.integers(1, 7),
    verb=verbs,
    position=st.integers(1, 4),
    crlf=st.booleans(),
)
def test_verbs_never_touch_the_editors_bytes_elsewhere(
    edited: int, body: str, headline: str, other: int, verb: str, position: int, crlf: bool
) -> None:
    assume(other != edited)
    text = write_draft(BASE)
    story = BASE.picks[edited - 1]
    text = text.replace(f"### 🔥 {story.headline}\n", f"### 🔥 {headline}\n", 1)
    text = text.replace(f"\n{story.body}\n", f"\n{body}\n", 1)
    if crlf:
        text = text.replace("\n", "\r\n")
    try:
        draft = parse_draft(text)
    except Exception:
        assume(False)
        raise
    assert draft.text == text
    shape = outline(text)
    lines = text.split("\n")
    mine = next(b for b in shape.blocks if b.item_id == edited)
    written = "\n".join(lines[mine.start : mine.end])  # the edited story, as the editor left it
    others = {
        b.item_id: "\n".join(lines[b.start : b.end]) for b in shape.blocks if b.item_id != other
    }

    new = Pick(headline="New", url="https://example.org/new", item_id=99)
    if verb == "pick":
        result = add_story(draft, new, "picks").text
    elif verb == "pick-quick":
        result = add_story(draft, new, "quick-links").text
    elif verb == "unpick":
        result = remove_story(draft, other)[0].text
    elif verb == "move":
        section = next(b for b in shape.blocks if b.item_id == other).section
        size = sum(1 for b in shape.blocks if b.section == section)
        result = move_story(draft, other, to=min(position, size))[0].text
    elif verb == "tag":
        result = retag_story(draft, other, ["nerves"], ["otp"])[0].text
    elif verb == "summary":
        result = (
            set_summary(draft, other, "Fresh words.", replace_body=True)[0].text
            if other < 6
            else text
        )
    else:
        line = "<!-- candidate: 77 | 🔥 Seventy-seven | https://x.org/77 -->"
        result = add_candidates(draft, [line]).text

    assert parse_draft(result).text == result
    assert written in result
    for item_id, block_text in others.items():
        if verb != "unpick" or item_id != other:
            assert block_text in result, (verb, item_id)
    assert (
        parse_draft(result).issue.picks[
            [p.item_id for p in parse_draft(result).issue.picks].index(edited)
        ]
        == draft.issue.picks[edited - 1]
    )
    if crlf:
        data = result.encode("utf-8")
        assert data.count(b"\n") == data.count(b"\r\n")
    if verb in ("pick", "pick-quick", "candidates"):
        assert _is_subsequence(text.split("\n"), result.split("\n"))
    if verb == "unpick":
        assert _is_subsequence(result.split("\n"), text.split("\n"))


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(any(line == candidate for candidate in remaining) for line in short)


def test_a_pick_parses_the_draft_once_to_load_and_once_to_verify(
    desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gazette.draft.document as document
    import gazette.draft.surgery as surgery

    path = draft_file(desk)
    candidate = unpicked_candidate(path)
    calls: list[str] = []
    real = document.parse_draft

    def counted(text: str, where: str | None = None) -> object:
        calls.append(where or "")
        return real(text, where)

    monkeypatch.setattr(document, "parse_draft", counted)
    monkeypatch.setattr(surgery, "parse_draft", counted)
    gz("pick", str(candidate["id"]))
    assert len(calls) == 2  # it used to be six
    assert candidate["id"] in story_ids(path)
