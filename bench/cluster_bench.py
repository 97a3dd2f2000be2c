"""Benchmark: ranking (clustering, tagging, scoring) from 5,000 to 50,000 items.

Not a test: it prints a table and writes bench/results/cluster.json, and it
asserts nothing about speed.

The items are the sample week's (data/sample/, fetched through the replay
server into a temporary database: real titles, texts, URLs and raw fields of
every source kind), copied over and over with variations that keep the
sample's structure: in copy k, words are renamed by one mapping shared by every
field (so the forum post, the HN link and the GitHub release of one story still
share their release, repository and title), numbers and versions are bumped by
k, ids, publication times and engagement numbers differ.

Every size runs in its own process (peak memory is the size's own). ``rank()``
is timed as the pipeline calls it (``gazette candidates``), and
``cluster_items()`` alone beside it; the best of a few runs counts. The
baseline is linear growth from the smallest size: the 50,000-item time over ten
times the 5,000-item time says how far from linear the growth is.

    python bench/cluster_bench.py                  # 5k, 10k, 25k, 50k
    python bench/cluster_bench.py --quick          # 5k, 10k, 25k
    python bench/cluster_bench.py --smoke          # 200, 400 (proves it runs)
    python bench/cluster_bench.py --profile 50000  # pyinstrument profile of rank()

    # the same measurement on another version of the code, e.g. before a fix:
    git archive COMMIT gazette data | tar -x -C /tmp/before
    python bench/cluster_bench.py --code /tmp/before --out /tmp/before.json
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, SAMPLE, SAMPLE_WEEK, Memory, Result, Row, self_child

FULL_SIZES = (5_000, 10_000, 25_000, 50_000)
QUICK_SIZES = (5_000, 10_000, 25_000)
SMOKE_SIZES = (200, 400)
TARGET_50K_S = 5.0  # rank + cluster of 50,000 items, "well under" this
TARGET_GROWTH = 1.5  # at most this far above linear from the smallest size
_TOKEN = re.compile(r"[A-Za-z]+|\d+")


# -- the items ------------------------------------------------------------------


def sample_items(work: Path) -> list[Any]:
    """The sample week's items, fetched like `make demo` does, oldest first."""
    from gazette.config import load_settings
    from gazette.fetch import fetch_all
    from gazette.replay import ReplayServer
    from gazette.store import open_store

    with ReplayServer(SAMPLE) as server:
        os.environ["REPLAY_URL"] = server.url
        settings = load_settings(SAMPLE / "gazette.toml")
        with open_store(work / "sample.db") as store:
            results = fetch_all(settings, store, datetime(2026, 1, 1, tzinfo=UTC))
            failed = [r.source for r in results if r.status == "failed"]
            if failed:
                raise SystemExit(f"could not fetch the sample week: {failed}")
            return store.items_between(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))


class Variation:
    """Copy ``k`` of the sample: one word mapping and one number shift for all fields."""

    def __init__(self, k: int, pool: list[str]) -> None:
        self.k = k
        self.pool = pool
        self.words: dict[str, str] = {}

    def word(self, word: str) -> str:
        lower = word.lower()
        new = self.words.get(lower)
        if new is None:
            rng = random.Random(zlib.crc32(f"{self.k}:{lower}".encode()))
            roll = rng.random()
            if self.k == 0 or roll < 0.5 or len(lower) < 3:
                new = lower
            elif roll < 0.8:
                new = rng.choice(self.pool)
            else:  # a made-up name, as new packages have
                new = rng.choice(self.pool)[:4] + rng.choice(self.pool)[-4:]
            self.words[lower] = new
        if word[:1].isupper():
            return new[:1].upper() + new[1:]
        return new

    def text(self, text: str) -> str:
        if self.k == 0:
            return text
        return _TOKEN.sub(
            lambda m: str(int(m.group()) + self.k) if m.group().isdigit() else self.word(m.group()),
            text,
        )

    def url(self, url: str) -> str:
        scheme, sep, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        return f"{scheme}{sep}{host}{slash}{self.text(path)}" if sep else url


def synthetic(base: list[Any], count: int, week: str = SAMPLE_WEEK) -> list[Any]:
    """``count`` StoredItems made from ``base``, with ids 1..count, all in ``week``."""
    from gazette.timeutil import week_bounds

    start, end = week_bounds(week)
    span = (end - start).total_seconds() - 1
    pool = sorted({w.lower() for s in base for w in re.findall(r"[A-Za-z]{3,}", s.item.title)})
    variations: dict[int, Variation] = {}
    items = []
    for n in range(count):
        stored = base[n % len(base)]
        k = n // len(base)
        v = variations.setdefault(k, Variation(k, pool))
        rng = random.Random(n)
        item = stored.item
        raw = dict(item.raw)
        for key in ("package", "repo", "tag", "version", "link_url"):
            value = raw.get(key)
            if isinstance(value, str) and value:
                raw[key] = v.url(value) if key == "link_url" else v.text(value)
        links = raw.get("links")
        if isinstance(links, dict):
            raw["links"] = {name: v.url(str(link)) for name, link in links.items()}
        item = replace(
            item,
            external_id=f"{item.external_id}#{k}",
            url=v.url(item.url),
            title=v.text(item.title),
            published_at=start + timedelta(seconds=rng.uniform(0, span)),
            metrics={m: value * rng.uniform(0.2, 3.0) for m, value in item.metrics.items()},
            raw=raw,
        )
        items.append(replace(stored, id=n + 1, item=item))
    return items


# -- one size, in a child process ------------------------------------------------


def use_code(folder: Path) -> None:
    """Import ``gazette`` from ``folder`` rather than the installed (editable) one,
    whose finder would otherwise win over sys.path."""
    from importlib.machinery import PathFinder

    sys.path.insert(0, str(folder))
    sys.meta_path.insert(0, PathFinder)
    import gazette

    if not Path(gazette.__file__ or "").is_relative_to(folder):
        raise SystemExit(f"could not import gazette from {folder}: got {gazette.__file__}")


def measure(base_file: Path, count: int, repeats: int) -> dict[str, Any]:
    """Best-of-``repeats`` seconds (wall and CPU) of rank() and cluster_items()."""
    from gazette.cluster import cluster_items
    from gazette.rank import rank
    from gazette.tags import load_taxonomy
    from gazette.timeutil import week_bounds

    base = pickle.loads(base_file.read_bytes())
    items = synthetic(base, count)
    start, end = week_bounds(SAMPLE_WEEK)
    taxonomy = load_taxonomy()
    weights = {s: 1.0 for s in {i.item.source for i in items}}
    ranked: list[Any] = []
    rank_s, rank_cpu, cluster_s = [], [], []
    for _ in range(repeats):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        ranked = rank(items, start, end, taxonomy, weights)
        rank_s.append(time.perf_counter() - wall)
        rank_cpu.append(time.process_time() - cpu)
        gc.collect()
        wall = time.perf_counter()
        stories = cluster_items(items)
        cluster_s.append(time.perf_counter() - wall)
    return {
        "items": count,
        "stories": len(ranked),
        "merged_items": count - len(stories),
        "rank_s": min(rank_s),
        "rank_cpu_s": min(rank_cpu),
        "cluster_s": min(cluster_s),
        "runs": rank_s,
    }


def profile(base_file: Path, count: int, out: Path) -> None:
    """pyinstrument over one rank() call; text and HTML next to the results."""
    from pyinstrument import Profiler

    from gazette.rank import rank
    from gazette.tags import load_taxonomy
    from gazette.timeutil import week_bounds

    items = synthetic(pickle.loads(base_file.read_bytes()), count)
    start, end = week_bounds(SAMPLE_WEEK)
    taxonomy = load_taxonomy()
    weights = {s: 1.0 for s in {i.item.source for i in items}}
    gc.collect()
    with Profiler(interval=0.001) as profiler:
        rank(items, start, end, taxonomy, weights)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
    out.with_suffix(".html").write_text(profiler.output_html())
    print(profiler.output_text(unicode=True, color=False))
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"wrote {shown}.txt and .html")


# -- the report ------------------------------------------------------------------


def build_result(sizes: list[dict[str, Any]], peaks: dict[int, float], mode: str) -> Result:
    result = Result("cluster", mode)
    first = sizes[0]
    for size in sizes:
        n = size["items"]
        factor = n / first["items"]
        linear = first["rank_s"] * factor
        is_last = size is sizes[-1]
        result.rows.append(
            Row(
                benchmark="cluster",
                name=f"rank + cluster, {n:,} items",
                gazette=round(size["rank_s"], 4),
                baseline=round(linear, 4) if size is not first else None,
                baseline_name=f"linear from {first['items']:,}" if size is not first else "",
                ratio=round(size["rank_s"] / linear, 3) if size is not first else None,
                target=(
                    f"< {TARGET_50K_S:g} s"
                    if n == 50_000
                    else (f"ratio <= {TARGET_GROWTH:g}" if is_last and size is not first else "")
                ),
                met=(
                    size["rank_s"] < TARGET_50K_S
                    if n == 50_000
                    else (
                        size["rank_s"] / linear <= TARGET_GROWTH
                        if is_last and size is not first
                        else None
                    )
                ),
                note=f"{size['stories']:,} stories; cluster_items alone {size['cluster_s']:.2f} s",
            )
        )
    last = sizes[-1]
    if last is not first:
        growth = (last["rank_s"] / first["rank_s"]) / (last["items"] / first["items"])
        result.rows.append(
            Row(
                benchmark="cluster",
                name=f"growth {first['items']:,} -> {last['items']:,} vs linear",
                gazette=round(last["rank_s"] / first["rank_s"], 2),
                unit="x",
                baseline=round(last["items"] / first["items"], 2),
                baseline_name="linear",
                ratio=round(growth, 3),
                target=f"ratio <= {TARGET_GROWTH:g}",
                met=growth <= TARGET_GROWTH,
            )
        )
    result.memory.append(
        Memory(
            benchmark=f"cluster ({last['items']:,} items, held in memory)",
            gazette_mb=round(peaks[last["items"]], 1),
        )
    )
    result.details = {"sizes": sizes, "peak_mb": {str(k): round(v, 1) for k, v in peaks.items()}}
    return result


def table(result: Result) -> str:
    lines = [f"{'ranking and clustering':34}{'time':>10}{'linear':>10}{'ratio':>8}   target"]
    for row in result.rows:
        if row.unit == "x":
            lines.append(
                f"{row.name:34}{row.gazette:>9.1f}x{row.baseline or 0:>9.1f}x"
                f"{row.ratio or 0:>8.2f}   {row.target}"
            )
            continue
        baseline = f"{row.baseline:.2f} s" if row.baseline is not None else "-"
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        lines.append(f"{row.name:34}{row.gazette:>8.2f} s{baseline:>10}{ratio:>8}   {row.target}")
    for size in result.details["sizes"]:
        peak = result.details["peak_mb"][str(size["items"])]
        lines.append(
            f"  {size['items']:>6,} items: rank {size['rank_s']:.2f} s ({size['rank_cpu_s']:.2f} s CPU),"
            f" cluster_items {size['cluster_s']:.2f} s, {size['stories']:,} stories, peak {peak:.0f} MB"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", help="comma-separated item counts (default 5k,10k,25k,50k)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size; the best counts")
    parser.add_argument("--quick", action="store_true", help="5k, 10k, 25k; best of 2")
    parser.add_argument("--smoke", action="store_true", help="200 and 400 items, one run")
    parser.add_argument("--profile", type=int, metavar="N", help="profile rank() on N items")
    parser.add_argument(
        "--code",
        type=Path,
        help="measure the gazette package in this folder (holding gazette/ and data/)",
    )
    parser.add_argument(
        "--profile-out",
        type=Path,
        default=RESULTS / "profile-rank",
        help="--profile writes PATH.txt and PATH.html (default bench/results/profile-rank)",
    )
    parser.add_argument("--out", type=Path, help="where to write the JSON results")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child or args.profile_child:
        import json

        if args.code:
            use_code(args.code)
        if args.profile_child:
            base_file, count = args.profile_child
            profile(Path(base_file), int(count), args.profile_out)
            return 0
        base_file, count, repeats = args.child
        print(json.dumps(measure(Path(base_file), int(count), int(repeats))))
        return 0

    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else list({"smoke": SMOKE_SIZES, "quick": QUICK_SIZES, "full": FULL_SIZES}[mode])
    )
    repeats = 1 if args.smoke else min(args.repeats, 2) if args.quick else args.repeats
    out = args.out or RESULTS / ("cluster.json" if mode == "full" else f"cluster-{mode}.json")
    work = Path(tempfile.mkdtemp(prefix="gazette-cluster-bench-"))
    try:
        print("fetching the sample week from the replay server ...", flush=True)
        base = sample_items(work)
        base_file = work / "base.pickle"
        base_file.write_bytes(pickle.dumps(base))
        print(f"{len(base)} sample items", flush=True)
        extra = ["--code", str(args.code.resolve())] if args.code else []
        if args.profile:
            command = [sys.executable, __file__, "--profile-child", str(base_file)]
            command += [str(args.profile), "--profile-out", str(args.profile_out), *extra]
            subprocess.run(command, check=True)
            return 0
        measured: list[dict[str, Any]] = []
        peaks: dict[int, float] = {}
        for count in sorted(sizes):
            print(f"rank + cluster on {count:,} items ...", flush=True)
            run = self_child(__file__, str(base_file), str(count), str(repeats), *extra)
            measured.append(run.output)
            peaks[count] = run.peak_mb
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = build_result(measured, peaks, mode)
    print()
    print(table(result))
    result.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
