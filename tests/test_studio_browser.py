"""`gazette studio` in a real browser: a whole editing session by clicks and
keys, compared with what the CLI verbs write for the same steps; a save from
$EDITOR while the page is open; the preview following an edit; hostile text
inert. GAZETTE_STUDIO_SCREENSHOTS=DIR also writes the README's screenshots."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gazette.config import load_settings
from gazette.draft import outline, read_draft
from gazette.models import Item
from gazette.store import open_store
from gazette.studio.server import StudioServer
from tests.conftest import launch_chromium
from tests.editing import WEEK, draft_file, gz, make_desk
from tests.test_studio import summary_line

pytestmark = [pytest.mark.slow, pytest.mark.browser]

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
SUMMARY = "Igniter patches projects for you: generators that edit code safely."


@pytest.fixture
def desk(workspace: Path, sample_db: Path) -> Path:
    """The sample week's draft, its feature slot emptied, with listed candidates."""
    make_desk(workspace, sample_db)
    feature = read_draft(draft_file(workspace)).issue.feature
    if feature is not None:
        gz("unpick", str(feature.item_id))
    gz("draft", "--refresh")
    return workspace


def picked(desk: Path, position: int) -> int:
    """The item id of the weekly pick at ``position`` (0-based; -1 the last)."""
    item_id = read_draft(draft_file(desk)).issue.picks[position].item_id
    assert item_id is not None
    return item_id


@pytest.fixture
def server(desk: Path) -> Iterator[StudioServer]:
    with StudioServer(load_settings(desk / "gazette.toml"), WEEK, desk / "g.db") as running:
        yield running


@pytest.fixture
def page(server: StudioServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        opened = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        opened.on("pageerror", lambda exc: errors.append(str(exc)))
        opened.goto(server.url + "/")
        opened.wait_for_selector("#desk")
        yield opened
        assert not errors, errors
        browser.close()


def settled(page: Any, server: StudioServer) -> None:
    """Wait until the page shows the draft as it is on disk."""
    page.wait_for_function(
        "v => document.getElementById('desk').dataset.version === v",
        arg=server.session.version(),
    )


def act(page: Any, server: StudioServer, do: Any) -> None:
    """Do something that changes the draft and wait for the page to show it."""
    before = server.session.version()
    do()
    page.wait_for_function(
        "v => { const d = document.getElementById('desk');"
        " return d && d.dataset.version !== v && !document.querySelector('.htmx-request'); }",
        arg=before,
    )
    settled(page, server)


def select(page: Any, key: str) -> None:
    """Move the cursor with j/k until row ``key`` is the current one."""
    page.locator("body").click(position={"x": 5, "y": 5})
    rows = page.eval_on_selector_all(
        "#desk .row:not([hidden])", "rows => rows.map(r => r.dataset.key)"
    )
    current = page.eval_on_selector(
        "body", "() => document.querySelector('.row.current')?.dataset.key"
    )
    start = rows.index(current) if current in rows else -1
    target = rows.index(key)
    if start < 0:
        page.keyboard.press("j")
        start = 0
    for _ in range(abs(target - start)):
        page.keyboard.press("j" if target > start else "k")
    assert page.eval_on_selector(".row.current", "r => r.dataset.key") == key


def drag(page: Any, source: str, target: str) -> None:
    """Drag row ``source`` onto row ``target`` with the mouse, in a window tall
    enough that nothing scrolls during the drag."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 4000})
    page.evaluate("() => window.scrollTo(0, 0)")
    start = page.locator(f'#desk .story[data-key="{source}"]').bounding_box()
    end = page.locator(f'#desk .story[data-key="{target}"]').bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 30, steps=3)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 10, steps=10)
    page.mouse.up()
    page.set_viewport_size(size)


def test_an_editing_session_writes_what_the_verbs_write(
    page: Any, server: StudioServer, desk: Path
) -> None:
    path = draft_file(desk)
    start = path.read_bytes()
    listed = [c.item_id for c in read_draft(path).candidates]
    first, second, third = listed[0], listed[1], listed[2]
    title = next(c.title for c in read_draft(path).candidates if c.item_id == first)

    # Filter by text, then pick the one story left with `p`.
    page.fill("#filter-text", title[:20])
    page.keyboard.press("Enter")
    assert page.locator("#desk .cand:not([hidden])").count() >= 1
    act(page, server, lambda: (select(page, f"c{first}"), page.keyboard.press("p")))
    page.fill("#filter-text", "")
    page.dispatch_event("#filter-text", "input")
    # Filter by tag: every row left carries it.
    tag = page.eval_on_selector("#filter-tag option:nth-child(2)", "o => o.value")
    page.select_option("#filter-tag", tag)
    shown = page.eval_on_selector_all(
        "#desk .cand:not([hidden])", "rows => rows.map(r => r.dataset.tags)"
    )
    assert shown and all(tag in tags.split() for tags in shown)
    page.select_option("#filter-tag", "")
    # And by source.
    page.select_option("#filter-source", "hexpm")
    shown = page.eval_on_selector_all(
        "#desk .cand:not([hidden])", "rows => rows.map(r => r.dataset.sources)"
    )
    assert shown and all("hexpm" in sources.split() for sources in shown)
    assert int(page.inner_text("#shown")) == len(shown)
    page.select_option("#filter-source", "")
    # The second by its button, the third as the feature with `f`.
    act(
        page, server, lambda: page.click(f'#desk .cand[data-key="c{second}"] [data-key-action="p"]')
    )
    act(page, server, lambda: (select(page, f"c{third}"), page.keyboard.press("f")))
    # Reorder: the first pick up by a key, then the second to the top by drag.
    act(page, server, lambda: (select(page, f"s{first}"), page.keyboard.press("K")))
    top = page.eval_on_selector('#desk .stories[data-section="picks"] .story', "r => r.dataset.key")
    act(page, server, lambda: drag(page, f"s{second}", top))
    picks = [p.item_id for p in read_draft(path).issue.picks]
    assert (
        picks[0] == second and picks[-2] == first
    )  # first went up past the last of the original picks
    # Edit a summary with `e`, then the tags by the Edit button.
    select(page, f"s{first}")
    page.keyboard.press("e")
    page.wait_for_selector("form.edit textarea[name=summary]")
    page.fill("form.edit textarea[name=summary]", SUMMARY)
    act(page, server, lambda: page.click("form.edit .save"))
    page.click(f'#desk .story[data-key="s{second}"] [data-key-action="e"]')
    page.wait_for_selector("form.edit input[name=tags]")
    old_tags = page.input_value("form.edit input[name=tags]")
    act(
        page,
        server,
        lambda: (
            page.fill("form.edit input[name=tags]", "otp, testing"),
            page.click("form.edit .save"),
        ),
    )
    # Unpick with `u`, then undo it with `z`.
    before_unpick = path.read_bytes()
    act(page, server, lambda: (select(page, f"s{third}"), page.keyboard.press("u")))
    assert path.read_bytes() != before_unpick
    act(page, server, lambda: page.keyboard.press("z"))
    assert path.read_bytes() == before_unpick
    assert "Undone" in page.inner_text("#desk .notice")
    by_page = path.read_bytes()

    # The same steps through the CLI verbs, from the same starting bytes.
    from gazette.draft.verbs import write_summary

    path.write_bytes(start)
    gz("pick", str(first))
    gz("pick", str(second))
    gz("pick", str(third), "--section", "feature")
    gz("move", str(first), "up")
    gz("move", str(second), "--to", "1")
    write_summary(load_settings(desk / "gazette.toml"), WEEK, first, SUMMARY, replace_body=True)
    old = [t.strip() for t in old_tags.split(",") if t.strip()]
    changes = [f"-{t}" for t in old if t not in ("otp", "testing")]
    changes += [f"+{t}" for t in ("otp", "testing") if t not in old]
    gz("tag", str(second), *changes)
    by_cli = path.read_bytes()
    assert by_cli == by_page, "".join(
        difflib.unified_diff(
            by_cli.decode().splitlines(True), by_page.decode().splitlines(True), "cli", "page"
        )
    )

    # Untouched lines are unchanged byte for byte: the front matter, welcome,
    # sponsor and sign-off, and the stories nobody touched, in order.
    start_text, end_text = start.decode(), by_page.decode()
    for part in ("+++", "## Sponsor", "## Sign-off"):
        assert (
            start_text[start_text.index(part) :].split("## ")[0 if part == "+++" else 1] in end_text
        )
    for block in start_text.split("\n### ")[1:]:  # the stories of the first draft
        assert block.split("\n## ")[0].rstrip("\n") in end_text


def test_a_save_from_the_editor_reloads_the_page_and_is_never_overwritten(
    page: Any, server: StudioServer, desk: Path
) -> None:
    path = draft_file(desk)
    row = f'#desk .story[data-key="s{picked(desk, 0)}"]'
    # An edit open in the page while the editor saves the file in $EDITOR: the
    # page keeps the form (and says the draft moved); saving it is refused.
    page.click(f'{row} [data-key-action="e"]')
    page.wait_for_selector("form.edit input[name=headline]")
    text = path.read_text("utf-8")
    first = summary_line(text, picked(desk, 0))
    saved = text.replace(first, f"Saved in the editor: {first}", 1)
    path.write_text(saved, "utf-8")
    page.wait_for_function("() => document.body.classList.contains('stale')")
    page.fill("form.edit input[name=headline]", "Written over the editor's save")
    page.click("form.edit .save")
    page.wait_for_selector("#desk .notice.warning")
    assert "changed on disk" in page.inner_text("#desk .notice")
    assert path.read_text("utf-8") == saved
    settled(page, server)
    assert "Saved in the editor:" in page.inner_text(row)
    # Without an edit open, the page notices a save by itself and says so.
    again = saved.replace("Saved in the editor", "Saved twice", 1)
    path.write_text(again, "utf-8")
    page.wait_for_function(
        "row => document.querySelector(row)?.innerText.includes('Saved twice')", arg=row
    )
    assert "changed on disk" in page.inner_text("#desk .notice")
    assert path.read_text("utf-8") == again


def test_the_preview_follows_an_edit(page: Any, server: StudioServer, desk: Path) -> None:
    path = draft_file(desk)
    issue = read_draft(path).issue
    frame = page.frame_locator("#email-600")
    frame.get_by_text(issue.picks[0].headline).first.wait_for()
    page.click(f'#desk .story[data-key="s{picked(desk, 0)}"] [data-key-action="e"]')
    page.wait_for_selector("form.edit input[name=headline]")
    page.fill("form.edit input[name=headline]", "Edited in the studio")
    act(page, server, lambda: page.click("form.edit .save"))
    frame.get_by_text("Edited in the studio").first.wait_for(timeout=15000)
    # The dark email and the phone width show the same draft.
    page.click('#preview [data-frame="email-375-dark"]')
    dark = page.frame_locator("#email-375-dark")
    dark.get_by_text("Edited in the studio").first.wait_for(timeout=15000)
    # An edit made in $EDITOR reaches the preview too.
    last = issue.picks[-1].headline
    path.write_text(path.read_text("utf-8").replace(f" {last}\n", f" {last} lands\n", 1), "utf-8")
    dark.get_by_text(f"{last} lands").first.wait_for(timeout=15000)


def test_keys_help_and_hostile_text_stay_inert(desk: Path) -> None:
    from playwright.sync_api import sync_playwright

    with open_store(desk / "g.db") as store:
        store.save_items(
            [
                Item(
                    source="elixirforum",
                    kind="discourse",
                    external_id="hostile-1",
                    url="https://elixirforum.com/t/hostile/1",
                    title=f"Hostile {HOSTILE}",
                    published_at=datetime(2026, 1, 8, 12, tzinfo=UTC),
                    text=f"Body {HOSTILE}",
                    metrics={"likes": 900.0, "posts": 80.0, "views": 90000.0},
                )
            ]
        )
        hostile_id = max(s.id for s in store.search("Hostile", limit=5))
    # The last pick's heading and summary, as if a source had sent them.
    path = draft_file(desk)
    last = picked(desk, -1)
    text = path.read_text("utf-8")
    first = summary_line(text, last)
    lines = text.replace(first, f"{first} {HOSTILE}", 1).split("\n")
    block = outline(text).find(last)
    assert block is not None
    lines[block.start] = f"### 📦 Story {HOSTILE}"
    path.write_text("\n".join(lines), "utf-8")
    with (
        StudioServer(load_settings(desk / "gazette.toml"), WEEK, desk / "g.db") as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url + "/")
        page.wait_for_selector(f'#desk .cand[data-key="c{hostile_id}"]')
        assert HOSTILE in page.inner_text(f'#desk .cand[data-key="c{hostile_id}"]')
        assert HOSTILE in page.inner_text(f'#desk .story[data-key="s{last}"]')
        assert f"{first} {HOSTILE}" in page.inner_text(f'#desk .story[data-key="s{last}"]')
        act(
            page,
            server,
            lambda: page.click(f'#desk .cand[data-key="c{hostile_id}"] [data-key-action="p"]'),
        )
        assert HOSTILE in page.inner_text(f'#desk .story[data-key="s{hostile_id}"]')
        page.frame_locator("#email-600").get_by_text("Hostile").first.wait_for()
        assert page.locator("img[src=x]").count() == 0
        assert page.evaluate("() => window.pwned") is None
        # ? lists the keys; Escape closes the list.
        page.keyboard.press("?")
        assert page.is_visible("#keys") and "pick as the feature" in page.inner_text("#keys")
        page.keyboard.press("Escape")
        assert not page.is_visible("#keys")
        browser.close()


def test_screenshots_of_the_desk(page: Any, server: StudioServer, desk: Path) -> None:
    """The desk at 1280 px and at 375 px lays out without overflow; with
    GAZETTE_STUDIO_SCREENSHOTS set, the pictures go there (docs/ in the repo)."""
    folder = os.environ.get("GAZETTE_STUDIO_SCREENSHOTS")
    second = picked(desk, 1)
    select(page, f"s{second}")
    page.click(f'#desk .story[data-key="s{second}"] [data-key-action="e"]')
    page.wait_for_selector("form.edit")
    page.click("form.edit .suggest button")
    page.wait_for_selector(".suggestion")
    for width, height in ((1280, 900), (375, 812)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow} px wider than the {width} px window"
        if folder:
            # The desk from the top on a desktop; on a phone, the story being edited.
            where = (
                "window.scrollTo(0, 0)"
                if width > 700
                else "document.querySelector('form.edit').scrollIntoView()"
            )
            page.evaluate(f"() => {where}")
            page.wait_for_timeout(200)
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"studio-{width}.png"))
    assert re.search(r"\d+ words", page.inner_text("#issue"))
