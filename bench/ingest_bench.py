"""Benchmark: ingesting feeds (parse and store) against bare ``feedparser.parse``.

Not a test: it prints a table and writes bench/results/ingest.json, and it
asserts nothing about speed (it does check both sides read every entry).

The documents are the fetch benchmark's (bench/fetch_bench.py: real Atom and
RSS payloads repeated to 20-200 KB each), read from memory, so no network is
involved. Both sides run on one core, one document after the other, each in a
fresh process (peak memory is the side's own); the best of a few runs counts:

- baseline: ``feedparser.parse(document)`` with its defaults (its own HTML
  sanitizer on), what a script reading feeds would do;
- Gazette: the feed source (``FeedSource.collect``: feedparser without its
  sanitizer, then nh3 on the fields kept, links checked and resolved, Items
  built) and ``Store.save_items`` into a new SQLite database, one transaction
  per feed, as ``gazette fetch`` does.

Target: Gazette's overhead over the bare parse at most 30 % (ratio <= 1.3).

    python bench/ingest_bench.py            # 100 feeds, best of 2
    python bench/ingest_bench.py --quick    # 12 feeds, one run
    python bench/ingest_bench.py --smoke    # 2 feeds (proves it runs)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, Memory, Result, Row, self_child

TARGET_OVERHEAD = 1.3
SIDES = ("feedparser", "gazette")


def documents(folder: Path) -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of every feed under ``folder``, in a fixed order."""
    from gazette.replay import content_type_for

    found = []
    for path in sorted(folder.glob("*/feed.*"), key=lambda p: int(p.parent.name[4:].split(".")[0])):
        url = f"https://{path.parent.name}/feed"
        body = path.read_bytes()
        found.append((url, body, content_type_for(path, body)))
    return found


def run_feedparser(docs: list[tuple[str, bytes, str]]) -> dict[str, Any]:
    import feedparser

    start, cpu = time.perf_counter(), time.process_time()
    entries = 0
    for _, body, _ in docs:
        entries += len(feedparser.parse(body).entries)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_s": time.process_time() - cpu,
        "entries": entries,
    }


def run_gazette(docs: list[tuple[str, bytes, str]], db: Path) -> dict[str, Any]:
    from gazette.config import SourceConfig
    from gazette.fetch import one_per_page
    from gazette.http import Page
    from gazette.sources.feeds import FeedSource
    from gazette.store import open_store

    since = datetime(2000, 1, 1, tzinfo=UTC)
    pages = {url: Page(url, 200, body, {"content-type": kind}) for url, body, kind in docs}

    async def fetch(url: str, conditional: bool = True, headers: Any = None) -> Page:
        return pages[url]

    async def ingest(store: Any) -> tuple[int, int]:
        entries = stored = 0
        for n, (url, _, _) in enumerate(docs):
            source = FeedSource(SourceConfig(name=f"feed{n}", kind="feed", url=url))
            items = await source.collect(fetch, since)
            entries += len(items)
            stored += store.save_items(one_per_page(items)).new
        return entries, stored

    start, cpu = time.perf_counter(), time.process_time()
    # What `gazette fetch` does around its writes.
    with open_store(db) as store, store.fewer_fsyncs():
        entries, stored = asyncio.run(ingest(store))
    return {
        "seconds": time.perf_counter() - start,
        "cpu_s": time.process_time() - cpu,
        "entries": entries,
        "stored": stored,
    }


def child(side: str, folder: Path, db: Path) -> dict[str, Any]:
    docs = documents(folder)
    if side == "feedparser":
        return run_feedparser(docs)
    db.unlink(missing_ok=True)
    return run_gazette(docs, db)


def build_result(runs: dict[str, list[dict[str, Any]]], facts: dict[str, Any], mode: str) -> Result:
    best = {side: min(runs[side], key=lambda r: r["seconds"]) for side in SIDES}
    gazette, baseline = best["gazette"]["seconds"], best["feedparser"]["seconds"]
    ratio = gazette / baseline
    result = Result("ingest", mode)
    result.rows.append(
        Row(
            benchmark="ingest",
            name=f"parse + store {facts['feeds']} feeds ({facts['entries']:,} entries)",
            gazette=round(gazette, 3),
            baseline=round(baseline, 3),
            baseline_name="feedparser.parse (defaults)",
            ratio=round(ratio, 3),
            target=f"ratio <= {TARGET_OVERHEAD:g}",
            met=ratio <= TARGET_OVERHEAD,
            note=f"{facts['entries'] / gazette:,.0f} entries/s parsed and stored vs"
            f" {facts['entries'] / baseline:,.0f} entries/s parsed",
        )
    )
    peak = {side: max(r["peak_mb"] for r in runs[side]) for side in SIDES}
    result.memory.append(
        Memory(
            benchmark="ingest",
            gazette_mb=round(peak["gazette"], 1),
            baseline_mb=round(peak["feedparser"], 1),
            baseline_name="feedparser.parse",
        )
    )
    result.details = {**facts, "runs": runs}
    return result


def table(result: Result) -> str:
    row = result.rows[0]
    memory = result.memory[0]
    return "\n".join(
        [
            f"ingest: {row.name}",
            f"  gazette (feed source + save_items)  {row.gazette:8.2f} s   peak {memory.gazette_mb:.0f} MB",
            f"  feedparser.parse (defaults)         {row.baseline or 0:8.2f} s   peak {memory.baseline_mb or 0:.0f} MB",
            f"  ratio                               {row.ratio or 0:8.2f}     target {row.target}",
            f"  {row.note}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=100, help="how many feeds (default 100)")
    parser.add_argument("--repeats", type=int, default=2, help="runs per side; the best counts")
    parser.add_argument("--quick", action="store_true", help="12 feeds, one run")
    parser.add_argument("--smoke", action="store_true", help="2 feeds, one run")
    parser.add_argument("--out", type=Path, help="where to write the JSON results")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        side, folder, db = args.child
        print(json.dumps(child(side, Path(folder), Path(db))))
        return 0

    import fetch_bench  # the same documents as the fetch benchmark

    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    feeds = {"smoke": 2, "quick": 12, "full": args.feeds}[mode]
    repeats = 1 if mode != "full" else args.repeats
    out = args.out or RESULTS / ("ingest.json" if mode == "full" else f"ingest-{mode}.json")
    work = Path(tempfile.mkdtemp(prefix="gazette-ingest-bench-"))
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    try:
        print(f"writing {feeds} feeds ...", flush=True)
        _, total = fetch_bench.write_feeds(work / "feeds", feeds)
        for attempt in range(repeats):
            for side in SIDES:  # alternated, so drifting load hits both alike
                print(f"{side}, run {attempt + 1} of {repeats} ...", flush=True)
                run = self_child(__file__, side, str(work / "feeds"), str(work / "ingest.db"))
                runs[side].append({**run.output, "peak_mb": run.peak_mb})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    entries = runs["feedparser"][0]["entries"]
    for measured in runs["gazette"]:
        if measured["entries"] != entries or measured["stored"] != entries:
            raise SystemExit(f"gazette read {measured} but feedparser saw {entries} entries")
    facts = {"feeds": feeds, "megabytes": round(total / 1e6, 2), "entries": entries}
    result = build_result(runs, facts, mode)
    print()
    print(table(result))
    result.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
