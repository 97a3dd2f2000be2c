"""Benchmark: the draft's own work (parse, check, an edit) from 100 KB to 1 MB.

Not a test: it prints a table and writes bench/results/draft.json, and it
asserts nothing about speed.

The drafts are made of stories like the ones Elixir sources send: summaries
with Elixir identifiers (``__MODULE__``, ``handle_call/3``), names, versions,
numbers, links with parentheses, and HTML quoted as text; quick links with
notes; a long Candidates shortlist. Each size is timed, best of three:

- parse: ``parse_draft`` (the one pass every command starts with);
- check: ``check_draft`` plus the image lint plus the faithfulness pass's claim
  extraction over every summary (all of ``gazette check`` that grows with the
  draft; the email render and the store's source texts are left out);
- pick: adding a story and dropping its shortlist line (``add_story``), which
  parses the result once to verify it.

The baseline is linear growth from the smallest size; the target is a 1 MB
draft checked in under 2 s.

    python bench/draft_bench.py            # 100 KB, 320 KB, 1 MB
    python bench/draft_bench.py --quick    # 100 KB, 320 KB
    python bench/draft_bench.py --smoke    # 10 KB, 20 KB (proves it runs)
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import RESULTS, Memory, Result, Row

from gazette.draft import parse_draft, write_draft
from gazette.draft.check import check_draft, image_findings
from gazette.draft.document import Draft, candidate_line
from gazette.draft.surgery import add_story
from gazette.faithfulness import extract_claims, pick_text
from gazette.markdown import markdown_escape
from gazette.models import Issue, Pick

KB = 1024
FULL = (100 * KB, 320 * KB, 1024 * KB)
QUICK = (100 * KB, 320 * KB)
SMOKE = (10 * KB, 20 * KB)
TARGET_1MB_S = 2.0
SENTENCES = (
    "Kevin Schweikert shipped Homex 0.4.1 with `Phoenix.Component.form/1` support.",
    "The __MODULE__ and __struct__ tricks in GenServer.handle_call/3 confuse José Valim's readers.",
    'A post quoting <IMG SRC="javascript:alert(1)"> as text, and &lt;b&gt; too.',
    "See https://en.wikipedia.org/wiki/Elixir_(programming_language) for 150,000 words.",
    "Three approaches emerged; Oban Pro v1.5 handles twelve queues at 2.0x the speed.",
)


def make_draft(size: int) -> str:
    picks: list[Pick] = []
    quick: list[Pick] = []
    shortlist: list[str] = []
    n = 0
    while n * 1090 < size:  # about 1.1 KB of draft per story (measured)
        n += 1
        body = " ".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(8))
        url = f"https://en.wikipedia.org/wiki/Elixir_(part_{n})?a=1&copy=2"
        picks.append(
            Pick(
                headline=f"Release {n} of Some Library",
                emoji="🔥",
                body=markdown_escape(body),
                url=url,
                link_text="Read more",
                item_id=n,
                tags=("otp",),
            )
        )
        quick.append(
            Pick(headline=f"A [quick] link {n}", url=url + "&q", body="A note.", item_id=10**6 + n)
        )
        shortlist.append(candidate_line(2 * 10**6 + n, "🔥", f"Candidate -- {n} | x", url))
    issue = Issue(week="2026-W02", title="A big week", picks=tuple(picks), quick_links=tuple(quick))
    return write_draft(issue) + "\n## Candidates\n\n" + "\n".join(shortlist) + "\n"


def check(draft: Draft) -> None:
    check_draft(draft)
    image_findings(draft)
    for block in draft.blocks:
        extract_claims(pick_text(block.pick))


def pick(draft: Draft) -> None:
    story = Pick(headline="New", url="https://example.org/new", body="Words.", item_id=3 * 10**6)
    add_story(draft, story, "picks", drop_ids=[2 * 10**6 + 1])


def best(work: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "draft.json")
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    sizes = SMOKE if args.smoke else QUICK if args.quick else FULL
    result = Result("draft", mode)
    measured: list[dict[str, float]] = []
    for size in sizes:
        text = make_draft(size)
        draft = parse_draft(text)
        measured.append(
            {
                "bytes": len(text.encode("utf-8")),
                "parse_s": best(lambda text=text: parse_draft(text)),
                "check_s": best(lambda draft=draft: check(draft)),
                "pick_s": best(lambda draft=draft: pick(draft)),
            }
        )
        print(f"{measured[-1]}", flush=True)
    first = measured[0]
    for entry in measured:
        factor = entry["bytes"] / first["bytes"]
        label = (
            f"{entry['bytes'] / KB / KB:.2f} MB"
            if entry["bytes"] >= KB * KB
            else f"{entry['bytes'] // KB} KB"
        )
        for step in ("parse", "check", "pick"):
            seconds = entry[f"{step}_s"]
            linear = first[f"{step}_s"] * factor
            is_check_1mb = step == "check" and entry["bytes"] >= KB * KB
            result.rows.append(
                Row(
                    benchmark="draft",
                    name=f"{step}, {label} draft",
                    gazette=round(seconds, 4),
                    baseline=round(linear, 4),
                    baseline_name=f"linear from {first['bytes'] // KB} KB",
                    ratio=round(seconds / linear, 2) if linear else None,
                    target=f"< {TARGET_1MB_S:g} s" if is_check_1mb else "",
                    met=seconds < TARGET_1MB_S if is_check_1mb else None,
                )
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.memory.append(Memory(benchmark="draft", gazette_mb=round(peak, 1)))
    result.details["sizes"] = measured
    result.write(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
