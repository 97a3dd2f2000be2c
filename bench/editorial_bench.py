"""Editorial report: does the first draft read like the sample issue?

Not a speed benchmark: it drafts the sample week twice, from every source of
the demo config and from the real Elixir Forum capture alone (the forum source
of the same config), and measures what an editor would look at first:

- words and reading time, against the newsletter's five-minute promise;
- the share of pick summaries that repeat their headline (target 0), and how
  many picks carry a note asking the editor for a summary instead;
- which parts of the sample issue's shape (shared/reference/sample-issue.txt)
  are present: emoji title, subtitle, welcome, picks, feature, its "Remember:"
  list of three or four points, quick links, sponsor, sign-off, P.S. (target all);
- the faithfulness findings per summary (claims the story's sources do not
  support).

    python bench/editorial_bench.py                      # offline drafts
    python bench/editorial_bench.py --llm-endpoint URL --llm-model M   # the model writes

It writes bench/results/editorial.json and bench/results/editorial.md (with
both drafts in full, for reading), and prints the table; with ``--strict`` it
exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, SAMPLE, SAMPLE_WEEK

from gazette.config import load_settings
from gazette.draft.check import READING_BUDGET_MINUTES, reading_stats
from gazette.draft.create import create_draft
from gazette.faithfulness import check_pick_faithfulness
from gazette.models import Issue
from gazette.prose import repeats_headline
from gazette.replay import ReplayServer
from gazette.store import open_store

_COMMENT = re.compile(r"<!--.*?-->", re.S)
CASES = {
    "sample": "the sample week, every source of the demo config",
    "forum": "the real Elixir Forum capture alone",
}


def config_for(case: str, folder: Path, llm: tuple[str, str] | None) -> Path:
    text = (SAMPLE / "gazette.toml").read_text("utf-8")
    if case == "forum":
        text = text[: text.index('[[sources]]\nname = "hexpm"')]
    text = text.replace('issues_dir = "out/issues"', f'issues_dir = "{folder / "issues"}"')
    if llm:
        text += f'\n[llm]\nenabled = true\nendpoint = "{llm[0]}"\nmodel = "{llm[1]}"\n'
    path = folder / "gazette.toml"
    path.write_text(text, "utf-8")
    return path


def shape(issue: Issue) -> dict[str, bool]:
    feature = issue.feature
    return {
        "emoji title": bool(issue.emoji and issue.title),
        "subtitle": bool(issue.subtitle),
        "welcome": bool(issue.welcome),
        "weekly picks": bool(issue.picks),
        "feature": feature is not None and bool(_said(feature.body)),
        "remember (3-4)": feature is not None and 3 <= len(feature.remember) <= 4,
        "quick links": bool(issue.quick_links),
        "sponsor": issue.sponsor is not None,
        "sign-off": bool(issue.sign_off and issue.editor),
        "p.s.": bool(issue.ps),
    }


def _said(body: str) -> str:
    return _COMMENT.sub(" ", body).strip()


def measure(case: str, server_url: str, llm: tuple[str, str] | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"editorial-{case}-") as tmp:
        folder = Path(tmp)
        config = config_for(case, folder, llm)
        db = folder / "g.db"
        env = {**os.environ, "REPLAY_URL": server_url}
        subprocess.run(
            [sys.executable, "-m", "gazette", "--config", str(config), "--db", str(db), "fetch",
             "--since", "2026-01-01"],
            env=env, cwd=folder, check=True, capture_output=True,
        )  # fmt: skip
        os.environ["REPLAY_URL"] = server_url
        settings = load_settings(config)
        with open_store(db) as store:
            outcome = create_draft(store, settings, SAMPLE_WEEK)
            issue = outcome.draft.issue
            text = outcome.path.read_text("utf-8")
            findings = {
                p.headline: check_pick_faithfulness(store, p)
                for p in (*issue.picks, *([issue.feature] if issue.feature else []))
            }
    words, minutes = reading_stats(issue)
    repeated = [
        p.headline
        for p in issue.picks
        if _said(p.body) and repeats_headline(_said(p.body), p.headline)
    ]
    notes = [p.headline for p in issue.picks if not _said(p.body)]
    parts = shape(issue)
    return {
        "case": case,
        "what": CASES[case],
        "writer": "llm" if "writer = " in text else "offline",
        "words": words,
        "minutes": round(minutes, 2),
        "picks": len(issue.picks),
        "repeat_share": round(len(repeated) / len(issue.picks), 3) if issue.picks else 0.0,
        "repeated": repeated,
        "summary_notes": notes,
        "shape": parts,
        "shape_present": sum(parts.values()),
        "shape_total": len(parts),
        "unsupported": {k: v for k, v in findings.items()},
        "unsupported_total": sum(len(v) for v in findings.values()),
        "draft": text,
    }


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    case = result["case"]
    return [
        (f"{case}: words", str(result["words"]), "", True),
        (
            f"{case}: reading time",
            f"{result['minutes']:.1f} min",
            f"<= {READING_BUDGET_MINUTES:g} min",
            result["minutes"] <= READING_BUDGET_MINUTES,
        ),
        (
            f"{case}: summaries repeating the headline",
            f"{result['repeat_share']:.0%}",
            "0%",
            result["repeat_share"] == 0,
        ),
        (
            f"{case}: picks with a note instead of a summary",
            str(len(result["summary_notes"])),
            "",
            True,
        ),
        (
            f"{case}: parts of the sample issue's shape",
            f"{result['shape_present']}/{result['shape_total']}",
            "all",
            result["shape_present"] == result["shape_total"],
        ),
        (f"{case}: unsupported claims (all summaries)", str(result["unsupported_total"]), "", True),
    ]


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["# Editorial report", "", __doc__.split("\n\n")[1], ""]
    lines += ["| measure | draft | target | met? |", "|---|---:|---|---|"]
    for result in results:
        for name, value, target, met in rows(result):
            lines.append(f"| {name} | {value} | {target or '—'} | {'✅' if met else '❌'} |")
    for result in results:
        lines += ["", f"## {result['case']}: {result['what']} ({result['writer']})", ""]
        missing = [k for k, v in result["shape"].items() if not v]
        lines.append(f"Missing parts: {', '.join(missing) or 'none'}.")
        lines.append(f"Notes instead of a summary: {'; '.join(result['summary_notes']) or 'none'}.")
        for headline, claims in result["unsupported"].items():
            if claims:
                lines.append(f"- {headline}: {'; '.join(claims)}")
        lines += ["", "```markdown", result["draft"].rstrip(), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "editorial.json")
    parser.add_argument("--llm-endpoint", help="an OpenAI-compatible chat-completions URL")
    parser.add_argument("--llm-model", default="llama3.1")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    llm = (args.llm_endpoint, args.llm_model) if args.llm_endpoint else None
    with ReplayServer(SAMPLE) as server:
        results = [measure(case, server.url, llm) for case in CASES]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    report = args.out.with_suffix(".md")
    report.write_text(markdown(results), "utf-8")
    table = [row for result in results for row in rows(result)]
    width = max(len(r[0]) for r in table)
    for name, value, target, met in table:
        print(f"{name.ljust(width)}  {value:>8}  {target:>10}  {'yes' if met else 'NO'}")
    shown = report.relative_to(ROOT) if report.is_relative_to(ROOT) else report
    print(f"\nwrote {shown}")
    return 1 if args.strict and not all(met for *_, met in table) else 0


if __name__ == "__main__":
    sys.exit(main())
