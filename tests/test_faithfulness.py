"""The faithfulness check on real sample text: faithful summaries pass, invented facts do not."""

from __future__ import annotations

import re
from pathlib import Path

from gazette.cluster import story_of
from gazette.faithfulness import (
    Claim,
    check_pick_faithfulness,
    extract_claims,
    story_source_text,
    unsupported_claims,
)
from gazette.models import Pick
from gazette.store import Store
from gazette.summarize import extractive_summary, summary_source
from gazette.timeutil import week_bounds
from tests.conftest import SAMPLE_WEEK, run_cli

# A paraphrase in the newsletter's voice of the forum post, using only its facts.
VIBE_PARAPHRASE = (
    "What happens when AI coding agents write most of a 150000-line Elixir codebase? "
    "The author, who leaned on Claude, found the good parts very good: boilerplate, tests, "
    "LiveView screens and Ecto queries that follow an existing pattern. OTP process design "
    "and supervision trees still need a firm hand. The ugly part is a team that stops reading "
    "the diff. Read the diff."
)


def story_text(store: Store, title_part: str) -> tuple[int, str]:
    week = store.items_between(*week_bounds(SAMPLE_WEEK))
    lead = next(s for s in week if title_part in s.item.title and s.item.source == "elixirforum")
    return lead.id, story_source_text(story_of(store, lead.id))


def test_extractive_summaries_of_the_sample_week_are_faithful(store: Store) -> None:
    for stored in store.items_between(*week_bounds(SAMPLE_WEEK)):
        story = story_of(store, stored.id)
        summary = extractive_summary(summary_source(story, stored.id).item)
        assert unsupported_claims(summary, story_source_text(story)) == [], stored.item.title


def test_a_faithful_paraphrase_passes(store: Store) -> None:
    _, source = story_text(store, "Vibe Coded")
    assert unsupported_claims(VIBE_PARAPHRASE, source) == []
    assert unsupported_claims(VIBE_PARAPHRASE.replace("150000", "150k"), source) == []


def test_an_invented_version_and_a_wrong_number_are_flagged(store: Store) -> None:
    _, source = story_text(store, "LiveVue")
    faithful = "LiveVue v1.0 is out, with an Igniter installer and forms support."
    assert unsupported_claims(faithful, source) == []
    assert unsupported_claims(faithful.replace("v1.0", "v2.0"), source) == [
        Claim("version", "v2.0")
    ]
    _, vibe = story_text(store, "Vibe Coded")
    wrong = VIBE_PARAPHRASE.replace("150000-line", "250,000-line")
    assert unsupported_claims(wrong, vibe) == [Claim("number", "250000")]


def test_an_invented_name_is_flagged(store: Store) -> None:
    _, source = story_text(store, "Vibe Coded")
    edited = VIBE_PARAPHRASE.replace("The author, who", "José Valim, who")
    assert unsupported_claims(edited, source) == [Claim("name", "José Valim")]
    # A lone name inside a sentence counts too; a capitalized first word does not.
    assert unsupported_claims("Thanks go to Alice for the tests.", source) == [
        Claim("name", "Alice")
    ]
    assert unsupported_claims("Curious? Read the diff.", source) == []


def test_identifiers_urls_and_numbers() -> None:
    source = (
        "ExUnitJSON prints test results as JSON. Use Phoenix.Component.form/1 instead. "
        "Docs at https://hexdocs.pm/ex_unit_json/readme.html. Twelve lines, 150,000 users, "
        "released as v1.0."
    )
    claims = [
        "The ex_unit_json package",  # the same name, spelled as the Hex package
        "Use Phoenix.Component.form/1 now",
        "See https://hexdocs.pm/ex_unit_json/readme.html?utm_source=x.",
        "It takes 12 lines for 150000 users",
        "Version 1.0.0 is here",
    ]
    for summary in claims:
        assert unsupported_claims(summary, source) == [], summary
    assert unsupported_claims("Use Phoenix.HTML.form_for/4 and ex_unit_xml.", source) == [
        Claim("identifier", "Phoenix.HTML.form_for/4"),
        Claim("identifier", "ex_unit_xml"),
    ]
    assert unsupported_claims("Read https://example.com/other first.", source) == [
        Claim("url", "https://example.com/other")
    ]
    assert unsupported_claims("It needs thirteen lines.", source) == [Claim("number", "13")]


def test_claims_come_once_each_in_order() -> None:
    claims = extract_claims("Elixir v1.19.5 fixes 2 bugs in `mix format`; see https://x.org/a.")
    assert claims == [
        Claim("version", "v1.19.5"),
        Claim("number", "2"),
        Claim("identifier", "mix format"),
        Claim("url", "https://x.org/a"),
    ]


def test_check_pick_faithfulness_reads_the_picks_story(store: Store) -> None:
    item_id, _ = story_text(store, "Vibe Coded")
    pick = Pick(headline="Vibe coding", body=VIBE_PARAPHRASE, item_id=item_id)
    assert check_pick_faithfulness(store, pick) == []
    invented = Pick(
        headline="Vibe coding",
        body=VIBE_PARAPHRASE.replace("150000", "\\[250,000\\]") + " Out now as v2.0.",
        item_id=item_id,
    )
    assert check_pick_faithfulness(store, invented) == [
        "unsupported number '250000': not in the source",
        "unsupported version 'v2.0': not in the source",
    ]
    assert check_pick_faithfulness(store, Pick(headline="Mine", body="By Alice.")) == []
    missing = Pick(headline="Gone", body="Text.", item_id=99999)
    assert check_pick_faithfulness(store, missing) == [
        "item 99999 is not in the database; its summary cannot be checked"
    ]


def test_gazette_check_lists_unsupported_claims_per_pick(workspace: Path) -> None:
    run_cli("--db", "g.db", "fetch", "--since", "2026-01-01")
    run_cli("--db", "g.db", "draft", "--week", SAMPLE_WEEK)
    path = workspace / "out" / "issues" / f"{SAMPLE_WEEK}.md"
    text = path.read_text("utf-8")
    headline = "150,000 Lines of Vibe Coded Elixir: The Good, The Bad, and The Ugly"
    assert f"### 🤖 {headline}" in text
    # The editor adds a sentence the thread does not support.
    marker = "Claude in particular."
    assert marker in text
    path.write_text(text.replace(marker, marker + " Chris McCord called it v2.0 of coding.", 1))
    output = run_cli("--db", "g.db", "check", "--week", SAMPLE_WEEK, expect=None).output
    lines = [line for line in output.splitlines() if "unsupported" in line]
    assert len(lines) == 2, output
    assert all(re.search(rf":\d+: warning: '{re.escape(headline)}': unsupported", x) for x in lines)
    assert "version 'v2.0'" in lines[0] + lines[1] and "name 'Chris McCord'" in lines[0] + lines[1]
