"""Heading ids of imported bodies, named as each generator names them. The
real archives' own links and generators are the yardstick in
tests/test_import_archives.py; these pin the rules on the cases they differ."""

from __future__ import annotations

import pytest

from gazette.heading_ids import with_heading_ids
from gazette.importer import render_body
from gazette.render.web import PAGE_IDS


@pytest.mark.parametrize(
    ("dialect", "heading", "expected"),
    [
        ("goldmark", "So... What's next?", "so-whats-next"),  # Hugo's GitHub ids
        ("pulldown-cmark", "What's next?", "what-s-next"),  # Zola's slug crate
        ("pulldown-cmark", "Contributors to 1.31.0", "contributors-to-1-31-0"),
        ("kramdown", "Elixir v1.15 `mix` & friends", "elixir-v115-mix--friends"),
        ("python-markdown", "Café: a_b c", "cafe-a_b-c"),  # Python-Markdown's toc
        (
            "goldmark",
            "[Scheduler](https://en.wikipedia.org/wiki/X)",
            "schedulerhttpsenwikipediaorgwikix",
        ),
    ],
)
def test_each_generator_names_a_heading_its_own_way(
    dialect: str, heading: str, expected: str
) -> None:
    assert f'<h2 id="{expected}">' in render_body(f"## {heading}\n", dialect)


def test_a_hugo_post_whose_links_name_blackfriday_ids_gets_them() -> None:
    """Posts written before Hugo 0.60 link to Blackfriday's ids."""
    body = render_body("[next](#so-what-s-next)\n\n# So... What's next?\n", "goldmark")
    assert '<h1 id="so-what-s-next">' in body


def test_ids_are_never_given_twice_nor_taken_from_the_page() -> None:
    body = render_body(
        "## Content\n\n## Changes\n\n## Changes\n\n<p id='changes-2'>x</p>\n", "goldmark"
    )
    assert "content" in PAGE_IDS and '<h2 id="content-1">' in body
    assert '<h2 id="changes">' in body and '<h2 id="changes-1">' in body
    assert body.count('id="changes-2"') == 1


def test_a_heading_with_an_id_keeps_it_and_a_named_anchor_becomes_an_id() -> None:
    assert with_heading_ids('<h2 id="mine">Title</h2>', "goldmark") == '<h2 id="mine">Title</h2>'
    body = render_body('[see](#tool)\n\n- <a name="tool"></a> The tool\n', "pulldown-cmark")
    assert '<a id="tool" ' in body and "name=" not in body


def test_every_id_the_site_templates_write_is_reserved() -> None:
    """An imported heading must never take an id the page around it uses."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[1] / "templates" / "site"
    written = {
        found
        for template in templates.glob("*.j2")
        for found in re.findall(r' id="([^"{]+)"', template.read_text("utf-8"))
    }
    assert written and written <= PAGE_IDS
