from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazette.draft import parse_draft, read_draft, write_draft
from gazette.errors import DraftError
from gazette.models import Issue, Pick, Sponsor

SAMPLE = Issue(
    week="2026-W02",
    title="Drain Your Queue, Save Your Week",
    emoji="🔄",
    subtitle="GenServer migration reality check",
    welcome="Welcome to GigaElixir Gazette, your 5-minute digest 👋.",
    picks=(
        Pick(
            headline="Migrating GenServers Between Nodes? Drain and Restart",
            emoji="🔄",
            body="Alex66 asked how to move running GenServers.\n\nThe pragmatic truth: drain the queue.",
            url="https://elixirforum.com/t/x/1",
            link_text="Read the thread on Elixir Forum",
            item_id=12,
            tags=("otp", "deployment"),
        ),
        Pick(
            headline="Homex Brings Home Assistant to Nerves",
            emoji="🏠",
            body="Twelve lines.",
            url="https://hex.pm/packages/homex",
        ),
        Pick(headline="Oban scopes", body="Choose tedious.", url="https://example.org/oban"),
    ),
    feature=Pick(
        headline="Framework Migrations Are Toil",
        body="Ricardo's blog sat dormant.\n\nHere's the mistake.",
        url="https://example.org/post",
        link_text="Read the full post",
        item_id=3,
        remember=("usage_rules = docs for agents", "Delegate the toil"),
    ),
    quick_links=(
        Pick(
            headline="ExUnitJSON",
            url="https://hex.pm/packages/ex_unit_json",
            body="AI-friendly test output",
            item_id=9,
        ),
    ),
    sponsor=Sponsor(
        "TIRED OF DEVOPS HEADACHES?",
        "Deploy hassle-free.",
        "Try Gigalixir",
        "https://www.gigalixir.com",
    ),
    sign_off="See you next week,",
    editor="Michael",
    ps="Forward this to a friend 💜",
)


def test_round_trip_of_a_full_issue() -> None:
    text = write_draft(SAMPLE)
    assert parse_draft(text).issue == SAMPLE
    assert write_draft(parse_draft(text).issue) == text


def test_draft_reads_like_the_newsletter() -> None:
    text = write_draft(SAMPLE)
    assert "### 🔄 Migrating GenServers Between Nodes? Drain and Restart" in text
    assert "<!-- item: 12; tags: otp, deployment -->" in text
    assert "Remember:\n- usage_rules = docs for agents\n- Delegate the toil" in text
    assert "## Sponsor: TIRED OF DEVOPS HEADACHES?" in text
    assert text.rstrip().endswith("P.S. Forward this to a friend 💜")


def test_editor_text_is_kept_byte_for_byte(tmp_path: Path) -> None:
    edited = write_draft(SAMPLE).replace("Choose tedious.", "Choose  tedious.   \n\n\nReally.\t")
    path = tmp_path / "2026-W02.md"
    path.write_text(edited, "utf-8")
    draft = read_draft(path)
    assert draft.text == edited
    assert draft.issue.picks[2].body == "Choose  tedious.\n\nReally."


def test_errors_name_the_line() -> None:
    text = write_draft(SAMPLE).replace("## Feature", "## Featured stuff")
    with pytest.raises(DraftError, match=r"draft:\d+: unknown section '## Featured stuff'"):
        parse_draft(text)
    with pytest.raises(DraftError, match="draft:1: must start with"):
        parse_draft("# hello\n")
    with pytest.raises(DraftError, match="front matter is not valid TOML"):
        parse_draft('+++\nweek = "2026-W02\n+++\n')


def test_headings_inside_code_fences_are_text() -> None:
    body = "Try this:\n\n```\n## not a section\n### not a story\n```"
    issue = Issue(
        week="2026-W02", title="T", picks=(Pick(headline="Code", body=body, url="https://x.org/"),)
    )
    assert parse_draft(write_draft(issue)).issue == issue


line = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\r\n[]()<>`#"
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda s: s and not s.startswith(("-", "*", "+", "P.S.", "Remember:")))
)
paragraphs = st.lists(line, min_size=1, max_size=3).map("\n\n".join)
url = st.sampled_from(
    ["https://elixirforum.com/t/a/1", "https://hex.pm/packages/oban", "http://x.org/?a=1"]
)
pick = st.builds(
    Pick,
    headline=line,
    emoji=st.sampled_from(["", "🔄", "🏠", "⚖️", "👩‍💻"]),
    body=paragraphs,
    url=url,
    link_text=line,
    item_id=st.none() | st.integers(1, 10_000),
    tags=st.lists(st.sampled_from(["otp", "ecto", "ai", "nerves"]), unique=True, max_size=3).map(
        tuple
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    title=line,
    subtitle=line,
    welcome=paragraphs,
    picks=st.lists(pick, max_size=5).map(tuple),
    feature=st.none() | pick.map(lambda p: p),
    remember=st.lists(line, max_size=4).map(tuple),
)
def test_any_issue_survives_write_then_parse(
    title: str,
    subtitle: str,
    welcome: str,
    picks: tuple[Pick, ...],
    feature: Pick | None,
    remember: tuple[str, ...],
) -> None:
    if feature is not None:
        from dataclasses import replace

        feature = replace(feature, remember=remember)
    issue = Issue(
        week="2026-W02",
        title=title,
        subtitle=subtitle,
        welcome=welcome,
        picks=picks,
        feature=feature,
    )
    text = write_draft(issue)
    assert parse_draft(text).issue == issue
    assert parse_draft(text).text == text


def test_plain_text_from_a_source_stays_plain_in_markdown() -> None:
    from gazette.markdown import markdown_escape, to_html

    for text in (
        "1. Enhancements [Protocol] fixed",
        "# not a heading",
        "- not a list",
        "<b>x</b> *y* `z`",
    ):
        html = to_html(markdown_escape(text))
        assert html.startswith("<p>") and html.count("<") == 2, html


def test_the_candidates_section_is_a_shortlist_that_is_never_published() -> None:
    from gazette.draft import candidate_line

    line = candidate_line(7, "🔥", "A | piped --> title\nwith a break", "https://x.org/a b")
    # Escaped, not rewritten: no "|" splits a field, no "--" ends the comment.
    assert (
        line == r"<!-- candidate: 7 | 🔥 A \| piped -\-> title with a break | https://x.org/a b -->"
    )
    text = write_draft(SAMPLE) + f"\n## Candidates\n\n<!-- a note -->\n{line}\n"
    draft = parse_draft(text)
    assert draft.issue == SAMPLE  # nothing from the shortlist reaches the issue
    assert [(c.item_id, c.emoji, c.title, c.url) for c in draft.candidates] == [
        (7, "🔥", "A | piped --> title with a break", "https://x.org/a b")
    ]
    assert draft.candidates[0].line == text.split("\n").index(line) + 1
    story = text + "\n### A story written in the wrong place\n"
    with pytest.raises(DraftError, match=r"draft:\d+: the Candidates section is never published"):
        parse_draft(story)


def test_crlf_drafts_are_read_byte_for_byte(tmp_path: Path) -> None:
    text = write_draft(SAMPLE).replace("\n", "\r\n")
    path = tmp_path / "2026-W02.md"
    path.write_bytes(text.encode("utf-8"))
    draft = read_draft(path)
    assert draft.text == text
    assert draft.issue == SAMPLE


def test_the_outline_finds_every_story_and_its_lines() -> None:
    from gazette.draft import outline

    text = write_draft(SAMPLE)
    lines = text.split("\n")
    shape = outline(text)
    assert [s.key for s in shape.sections] == [
        "picks", "feature", "quick-links", "sponsor", "sign-off"
    ]  # fmt: skip
    blocks = shape.blocks
    assert [b.item_id for b in blocks] == [12, None, None, 3, 9]
    for block, pick in zip(blocks, SAMPLE.all_picks, strict=True):
        assert pick.headline in lines[block.start]
        assert lines[block.end - 1].strip() and not any(
            line.strip() for line in lines[block.end : block.stop]
        )
    first = shape.find(12)
    assert first is not None and first.meta == first.start + 1
    assert lines[first.meta] == "<!-- item: 12; tags: otp, deployment -->"


def test_quick_link_titles_with_brackets_round_trip() -> None:
    link = Pick(headline="[ANN] Oban 3 \\o/ [beta]", url="https://x.org/a", body="Jobs.", item_id=4)
    issue = Issue(week="2026-W02", title="T", quick_links=(link,))
    text = write_draft(issue)
    assert "- [\\[ANN\\] Oban 3 \\\\o/ \\[beta\\]](https://x.org/a) Jobs." in text
    assert parse_draft(text).issue == issue


def test_the_preheader_round_trips_and_is_optional() -> None:
    issue = Issue(week="2026-W02", title="T", subtitle="S", preheader='Three "quoted" picks')
    text = write_draft(issue)
    assert 'preheader = "Three \\"quoted\\" picks"' in text
    assert parse_draft(text).issue.preheader == 'Three "quoted" picks'
    assert "preheader" not in write_draft(Issue(week="2026-W02", title="T"))
