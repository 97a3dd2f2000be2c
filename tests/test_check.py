"""`gazette check`: one test per kind of problem, each finding naming its draft line.

Every test runs the real command on a real database file and a real draft; the
draft starts as `gazette draft` wrote it and gets one problem added.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gazette.draft import parse_draft, write_draft
from gazette.models import Issue, Pick
from gazette.replay import Fault, ReplayServer
from tests.editing import WEEK, draft_file, gz, make_desk

FINDING = re.compile(r"^out/issues/2026-W02\.md:(\d+): (error|warning): (.*)$", re.M)


@pytest.fixture
def desk(workspace: Path, sample_db: Path) -> Path:
    return make_desk(workspace, sample_db)


def findings(output: str) -> list[tuple[int, str, str]]:
    return [(int(n), level, message) for n, level, message in FINDING.findall(output)]


def line_of(path: Path, needle: str, start: int = 0) -> int:
    lines = path.read_text("utf-8").split("\n")
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def replace_in_draft(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def first_pick(path: Path) -> Pick:
    return parse_draft(path.read_text("utf-8")).issue.picks[0]


def test_a_fresh_draft_passes(desk: Path) -> None:
    out = gz("check")
    # The one warning is by design: the sample's Igniter post on Reddit is a bare
    # link, so the draft leaves the editor a note rather than the headline again.
    assert out.strip().endswith("0 errors, 1 warnings")
    path = draft_file(desk)
    assert findings(out) == [
        (
            line_of(path, "### 🛠️ Igniter"),
            "warning",
            "'Igniter - a code generation and project patching framework'"
            " has no summary yet, only a note for the editor",
        )
    ]


def test_a_summary_that_repeats_its_headline_warns(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    replace_in_draft(path, pick.body, pick.headline)
    found = findings(gz("check"))
    assert (
        line_of(path, f"### {pick.emoji} {pick.headline}"),
        "warning",
        f"'{pick.headline}': the summary repeats the headline",
    ) in found


def test_a_missing_feature_or_remember_list_warns(desk: Path) -> None:
    path = draft_file(desk)
    text = path.read_text("utf-8")
    remember = text[text.index("Remember:") : text.index("[Read the full post]")]
    replace_in_draft(path, remember, "")
    assert any("has no Remember: list" in m for _, _, m in findings(gz("check")))
    text = path.read_text("utf-8")
    path.write_text(text[: text.index("## Feature")] + text[text.index("## Quick links") :])
    assert any(m.startswith("no feature") for _, _, m in findings(gz("check")))


def test_broken_structure_names_the_line(desk: Path) -> None:
    path = draft_file(desk)
    replace_in_draft(path, "## Feature", "## Featured stories")
    out = gz("check", expect=1)
    at = line_of(path, "## Featured stories")
    assert findings(out) == [
        (
            at,
            "error",
            "unknown section '## Featured stories' (expected one of: Weekly picks, Feature,"
            " Quick links, Sponsor, Sign-off, Candidates)",
        )
    ]


def test_empty_summary(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    replace_in_draft(path, pick.body, "")
    out = gz("check", expect=1)
    heading = line_of(path, f"### {pick.emoji} {pick.headline}")
    assert (heading, "error", f"'{pick.headline}' has no summary") in findings(out)


def test_links_that_are_not_http(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    replace_in_draft(path, f"]({pick.url})", "](javascript:alert(1))")
    replace_in_draft(path, pick.body, pick.body + " See [the docs](ftp://example.org/docs).")
    out = gz("check", expect=1)
    found = findings(out)
    assert (
        line_of(path, "javascript:"),
        "error",
        "link is not http(s), the renderers drop it: javascript:alert(1)",
    ) in found
    assert (
        line_of(path, "ftp://"),
        "error",
        "link is not http(s), the renderers drop it: ftp://example.org/docs",
    ) in found


def test_tracking_parameters(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    tracked = f"{pick.url}?utm_source=newsletter&fbclid=abc"
    replace_in_draft(path, f"]({pick.url})", f"]({tracked})")
    out = gz("check")  # a warning: exit 0
    assert (
        line_of(path, tracked),
        "warning",
        f"tracking parameters (utm_source, fbclid) in {tracked}",
    ) in findings(out)


def test_duplicate_links_inside_the_issue(desk: Path) -> None:
    path = draft_file(desk)
    issue = parse_draft(path.read_text("utf-8")).issue
    first, second = issue.picks[0], issue.picks[1]
    replace_in_draft(path, f"]({second.url})", f"]({first.url.replace('https://', 'http://')}/)")
    out = gz("check", expect=1)
    heading = line_of(path, f"### {first.emoji} {first.headline}")
    second_link = line_of(
        path, second.link_text, line_of(path, f"### {second.emoji} {second.headline}")
    )
    assert any(
        n == second_link
        and level == "error"
        and f"also under '{first.headline}', line {heading}" in m
        for n, level, m in findings(out)
    ), out


def test_duplicate_links_against_published_issues(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    earlier = Issue(
        week="2026-W01",
        title="Last week",
        picks=(Pick(headline="Old news", body="Seen it.", url=pick.url + "?utm_source=x"),),
    )
    (path.parent / "2026-W01.md").write_text(write_draft(earlier), "utf-8")
    gz_week("publish", "2026-W01", "--date", "2026-01-05")
    out = gz("check")
    assert (
        line_of(path, f"]({pick.url})"),
        "warning",
        f"already featured in issue #1 (2026-W01): {pick.url}",
    ) in findings(out)


def gz_week(command: str, week: str, *args: str) -> str:
    from tests.conftest import run_cli

    return run_cli("--db", "g.db", command, "--week", week, *args).output


def test_headline_over_90_characters(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    long = "A headline that goes on " + "and on " * 12 + "forever"
    replace_in_draft(path, f"### {pick.emoji} {pick.headline}", f"### {pick.emoji} {long}")
    out = gz("check")
    assert (
        line_of(path, long),
        "warning",
        f"headline is {len(long)} characters (max 90)",
    ) in findings(out)


def test_reading_time_over_the_five_minute_budget(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    replace_in_draft(path, pick.body, " ".join(["words"] * 1200))
    out = gz("check")
    assert re.search(
        r"^out/issues/2026-W02\.md: warning: \d+ words take about \d+\.\d minutes to read"
        r" \(the promise is 5\); cut something$",
        out,
        re.M,
    ), out


def test_unsupported_claims(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    replace_in_draft(path, pick.body, pick.body + " It runs 42 times faster, says Larry Ellison.")
    out = gz("check")
    heading = line_of(path, f"### {pick.emoji} {pick.headline}")
    claims = [m for n, level, m in findings(out) if n == heading and level == "warning"]
    assert any("unsupported" in m and "42" in m for m in claims), out
    assert any("unsupported" in m and "Larry Ellison" in m for m in claims), out


def test_email_over_80_kb_warns_and_over_100_kb_fails(desk: Path) -> None:
    path = draft_file(desk)
    text = path.read_text("utf-8")
    filler = " ".join(["Padding words for size."] * 40)

    def with_stories(count: int) -> str:
        stories = "".join(
            f"### 📦 Extra story {n}\n\n{filler}\n\n[Read](https://example.org/{n})\n\n"
            for n in range(count)
        )
        return text.replace("## Feature\n", stories + "## Feature\n", 1)

    path.write_text(with_stories(28), "utf-8")
    out = gz("check")
    size = re.search(r"^out/issues/2026-W02\.md: warning: email HTML is (\d+) KB", out, re.M)
    assert size and 80 <= int(size.group(1)) < 100, out
    path.write_text(with_stories(40), "utf-8")
    out = gz("check", expect=1)
    assert re.search(
        r"^out/issues/2026-W02\.md: error: email HTML is \d+ KB: Gmail clips over ~102 KB$",
        out,
        re.M,
    ), out


def test_images_without_alt_text(desk: Path) -> None:
    path = draft_file(desk)
    pick = first_pick(path)
    replace_in_draft(
        path,
        pick.body,
        pick.body
        + "\n\n![](https://example.org/chart.png)\n\n"
        + '<img src="https://example.org/b.png">\n\n'
        + '![A chart](https://example.org/ok.png) <img alt="fine" src="https://example.org/c.png">',
    )
    out = gz("check")
    found = findings(out)
    assert (
        line_of(path, "chart.png"),
        "warning",
        "image without alt text: https://example.org/chart.png",
    ) in found
    assert (
        line_of(path, "b.png"),
        "warning",
        'image without alt text: <img src="https://example.org/b.png">',
    ) in found
    assert len([f for f in found if "alt text" in f[2]]) == 2


def test_links_are_checked_politely_through_the_fetch_engine(
    desk: Path, replay: ReplayServer
) -> None:
    path = draft_file(desk)
    issue = parse_draft(path.read_text("utf-8")).issue
    good = f"{replay.url}/elixirforum.com/latest.json"
    missing = f"{replay.url}/elixirforum.com/t/gone/1.json"
    failing = f"{replay.url}/broken/page"
    closed = "http://127.0.0.1:9/"  # the discard port: nothing listens
    replay.add_fault(Fault("/broken/*", status=500))
    for pick, url in zip(issue.picks, (good, missing, failing, closed), strict=False):
        replace_in_draft(path, f"]({pick.url})", f"]({url})")
    replay.clear_requests()
    out = gz("check", "--links", expect=1)
    found = findings(out)
    assert (line_of(path, missing), "error", f"broken link (HTTP 404): {missing}") in found
    assert (line_of(path, failing), "error", f"broken link (HTTP 500): {failing}") in found
    assert any(n == line_of(path, closed) and "could not connect" in m for n, _, m in found)
    assert not [f for f in found if good in f[2]]
    requests = replay.requests
    assert all(r.headers.get("user-agent", "").startswith("gazette") for r in requests)
    heads = [r.path for r in requests if r.method == "HEAD"]
    assert sorted(heads) == sorted(
        ["/elixirforum.com/latest.json", "/elixirforum.com/t/gone/1.json", "/broken/page"]
    )
    # A GET only where HEAD did not answer 2xx/3xx; the good link is not fetched twice.
    assert "/elixirforum.com/latest.json" not in [r.path for r in requests if r.method == "GET"]


def test_check_without_a_draft_says_how_to_make_one(workspace: Path, sample_db: Path) -> None:
    shutil.copy(sample_db, workspace / "g.db")
    out = gz("check", expect=2)
    assert f"no draft for {WEEK} yet" in out
