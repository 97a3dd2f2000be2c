"""Benchmark: `gazette fetch` over many feeds against a sequential feedparser loop.

Not a test: it prints a table and writes bench/results/fetch.json, and it asserts
nothing about speed (it does check that both sides read every feed).

What it does, all on loopback:

1. Writes N feeds of realistic size (20-200 KB, Atom and RSS) into a temporary
   directory, built from real payloads in the repository (the Reddit r/elixir
   Atom capture, the sample Dashbit blog and Thinking Elixir podcast feeds):
   their entries repeated with new ids, links and titles.
2. Serves them with ReplayServer instances bound to H loopback addresses
   (127.0.0.2, 127.0.0.3, ...; the whole 127.0.0.0/8 answers locally) with
   ``--latency`` seconds (default 50 ms) before every response, in a separate
   process so that the servers do not compete with the measured client for the GIL.
3. Times, in this order:
   - a sequential ``feedparser.parse(url)`` loop over the same URLs (what a naive
     script does: feedparser's own HTTP client and its HTML sanitizer);
   - ``gazette fetch`` (the real command, in a subprocess) with a config listing
     every feed, on an empty database;
   - the same command again: every feed now answers 304 Not Modified.
   The config keeps the per-host limit (2) and raises the global one to 64
   (``--concurrency``): with the default 16, the 304 run could not take less
   than 1,000 x 50 ms / 16 = 3.1 s of pure waiting, whatever the engine does.
4. Reports the speed-up over the loop (target >= 5x), the first run over the
   304 run (target >= 5x), and the peak resident memory of the gazette run's
   largest process (target < 200 MB), from ``os.wait4``'s rusage; CPU seconds
   and the load average beside them, since other work on the machine slows the
   CPU-bound gazette run far more than the mostly waiting loop.

    python bench/fetch_bench.py            # 1,000 feeds over 50 addresses
    python bench/fetch_bench.py --quick    # 100 feeds over 10 addresses (< 1 minute)
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "fetch.json"
TEMPLATES = (
    # (file, entry element, feed kind); real captures and the sample week's feeds
    (ROOT / "tests/fixtures/real/reddit/r_elixir_rss_2024-06-14.extracted.atom", "entry", "atom"),
    (ROOT / "data/sample/dashbit.co/feed.atom", "entry", "atom"),
    (ROOT / "data/sample/thinkingelixir.com/feed/podcast.rss", "item", "rss"),
)
MIN_BYTES, MAX_BYTES = 20_000, 200_000
TARGETS = {"vs_feedparser": 5.0, "first_vs_304": 5.0, "peak_mb": 200.0}


# -- generating the feeds -----------------------------------------------------


@dataclass(frozen=True)
class Template:
    head: str
    entries: tuple[str, ...]
    tail: str
    tag: str
    extension: str


def load_templates() -> list[Template]:
    templates = []
    for path, tag, kind in TEMPLATES:
        text = path.read_text("utf-8")
        pattern = re.compile(rf"<{tag}[\s>].*?</{tag}>", re.S)
        found = pattern.findall(text)
        first = text.index(found[0])
        last = text.rindex(found[-1]) + len(found[-1])
        # Blog feeds carry whole articles: the long post comes round three times
        # as often as the short ones, as in a real full-content blog feed.
        entries = tuple(e for e in found for _ in range(3 if len(e) > 4000 else 1))
        templates.append(
            Template(text[:first], entries, text[last:], tag, ".atom" if kind == "atom" else ".rss")
        )
    return templates


def vary(entry: str, feed: int, number: int) -> str:
    """The same entry as a different post: new id, link and title, so nothing dedups."""
    suffix = f"f{feed}-n{number}"
    entry = re.sub(r"<(id|guid)([^>]*)>(.*?)</\1>", rf"<\1\2>\3-{suffix}</\1>", entry, flags=re.S)
    entry = re.sub(r'(<link[^>]*href=")https?://([^"]*)"', rf'\1https://\2/{suffix}"', entry)
    entry = re.sub(r"<link>(https?://[^<]*)</link>", rf"<link>\1/{suffix}</link>", entry)
    return re.sub(
        r"<title>(.*?)</title>", rf"<title>\1 ({suffix})</title>", entry, count=1, flags=re.S
    )


def write_feeds(root: Path, count: int, seed: int = 2026) -> tuple[list[str], int]:
    """``count`` feeds under root/<host>/feed.{atom,rss}; returns their paths and total bytes."""
    rng = random.Random(seed)
    templates = load_templates()
    paths, total = [], 0
    for feed in range(count):
        template = templates[feed % len(templates)]
        target = rng.randint(MIN_BYTES, MAX_BYTES)
        parts, size, number = [template.head], len(template.head) + len(template.tail), 0
        while size < target:
            entry = vary(template.entries[number % len(template.entries)], feed, number)
            parts.append(entry)
            size += len(entry)
            number += 1
        parts.append(template.tail)
        host = f"blog{feed}.example"
        (root / host).mkdir(parents=True, exist_ok=True)
        body = "".join(parts).encode("utf-8")
        (root / host / f"feed{template.extension}").write_bytes(body)
        paths.append(f"/{host}/feed")
        total += len(body)
    return paths, total


# -- serving them on many loopback addresses ----------------------------------


def serve(root: str, hosts: list[str], latency: float, pipe: Connection) -> None:
    """Child process: one ReplayServer per address until the parent says stop."""
    from gazette.replay import ReplayServer

    servers = [ReplayServer(root, host=host, latency=latency).start() for host in hosts]
    try:
        pipe.send([server.url for server in servers])
        pipe.recv()  # any message means stop
    finally:
        for server in servers:
            server.stop()


def loopback_hosts(count: int) -> list[str]:
    base = ipaddress.IPv4Address("127.0.0.2")
    hosts = [str(base + n) for n in range(count)]
    assert all(ipaddress.IPv4Address(h) in ipaddress.IPv4Network("127.0.0.0/8") for h in hosts)
    return hosts


# -- the three measurements ---------------------------------------------------


def feedparser_loop(urls: list[str]) -> tuple[float, float, int]:
    """The baseline: one feed after the other, feedparser fetching and sanitizing.
    Returns wall seconds, CPU seconds and the number of entries."""
    import feedparser

    start, cpu = time.perf_counter(), time.process_time()
    entries = 0
    for url in urls:
        parsed = feedparser.parse(url, agent="gazette-bench (feedparser loop)")
        if parsed.get("status") != 200 or not parsed.entries:
            raise SystemExit(f"feedparser could not read {url}: {parsed.get('bozo_exception')}")
        entries += len(parsed.entries)
    return time.perf_counter() - start, time.process_time() - cpu, entries


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # user + system, the process and its parser workers
    peak_mb: float
    statuses: dict[str, int]
    new: int


def gazette_fetch(config: Path, db: Path) -> Run:
    """`gazette fetch --json` in a subprocess; rusage from wait4 gives the largest
    resident set of the process and of the parser workers it waited for."""
    command = [sys.executable, "-m", "gazette", "--config", str(config), "--db", str(db)]
    command += ["fetch", "--json", "--since", "2000-01-01"]
    # Files, not pipes: nothing reads a pipe while wait4 blocks, and a full one would hang.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=config.parent)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read().decode("utf-8", "replace")
    try:
        results = json.loads(output)
    except ValueError:
        raise SystemExit(f"gazette fetch failed ({process.returncode}): {errors[-2000:]}") from None
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, statuses, sum(r["new"] for r in results))


def write_config(path: Path, urls: list[str], concurrency: int) -> None:
    tables = "".join(
        f'\n[[sources]]\nname = "feed{n}"\nkind = "feed"\nurl = "{url}"\n'
        for n, url in enumerate(urls)
    )
    # Only the global limit differs from the defaults: the per-host limit (2)
    # is what keeps a run polite to each site, and with feeds spread over many
    # hosts it is the limit that applies, as it would across the internet.
    fetch = f"[fetch]\nconcurrency = {concurrency}\n"
    path.write_text(f'[publication]\nname = "bench"\n\n{fetch}{tables}', "utf-8")


# -- reporting ----------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    m = results["measured"]
    rows = [
        (
            "feeds / hosts / latency",
            f"{results['feeds']} / {results['hosts']} / {results['latency'] * 1000:.0f} ms",
            "",
        ),
        ("connections (global / per host)", f"{results['concurrency']} / 2", ""),
        ("feed bytes, entries", f"{results['megabytes']:.1f} MB, {results['entries']} entries", ""),
        (
            "feedparser.parse(url) loop",
            f"{m['feedparser_loop_s']:.1f} s ({m['feedparser_loop_cpu_s']:.1f} s CPU)",
            "",
        ),
        (
            "gazette fetch, first run",
            f"{m['gazette_first_s']:.1f} s ({m['gazette_first_cpu_s']:.1f} s CPU)",
            "",
        ),
        ("gazette fetch, all 304", f"{m['gazette_304_s']:.2f} s", ""),
        (
            "speed-up over the loop",
            f"{m['vs_feedparser']:.1f}x",
            f">= {TARGETS['vs_feedparser']:g}x",
        ),
        (
            "  if the run had every core",
            f"{m['vs_feedparser_cpu_floor']:.1f}x",
            "(loop / (gazette CPU / cores))",
        ),
        ("first run / 304 run", f"{m['first_vs_304']:.1f}x", f">= {TARGETS['first_vs_304']:g}x"),
        ("peak memory (largest process)", f"{m['peak_mb']:.0f} MB", f"< {TARGETS['peak_mb']:g} MB"),
    ]
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    load = results["machine"]["load_before"]
    rows.append(
        (
            "load average before / after",
            f"{load:.1f} / {results['machine']['load_after']:.1f}",
            f"<= {results['machine']['cpus']} (else CPU-bound numbers suffer)",
        )
    )
    lines = [f"{'fetch benchmark':<{width}}  {'result':<{value_width}}  target"]
    lines += [f"{name:<{width}}  {value:<{value_width}}  {target}" for name, value, target in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=1000, help="how many feeds (default 1000)")
    parser.add_argument("--hosts", type=int, default=50, help="loopback addresses (default 50)")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds per response (default 0.05)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=64,
        help="[fetch] concurrency for gazette (default 64; per_host stays 2)",
    )
    parser.add_argument("--quick", action="store_true", help="100 feeds on 10 addresses")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args(argv)
    if args.quick:
        args.feeds, args.hosts = 100, 10
    if not 1 <= args.hosts <= 250 or args.feeds < 1:
        parser.error("--hosts must be 1..250 and --feeds at least 1")

    load_before = os.getloadavg()[0]  # other work on the machine skews CPU-bound numbers
    work = Path(tempfile.mkdtemp(prefix="gazette-bench-"))
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = None
    try:
        print(f"writing {args.feeds} feeds into {work} ...", flush=True)
        paths, total = write_feeds(work / "feeds", args.feeds)
        hosts = loopback_hosts(args.hosts)
        server = context.Process(
            target=serve, args=(str(work / "feeds"), hosts, args.latency, theirs), daemon=True
        )
        server.start()
        bases = ours.recv()
        urls = [bases[n % len(bases)] + path for n, path in enumerate(paths)]
        write_config(work / "gazette.toml", urls, args.concurrency)

        print("sequential feedparser.parse(url) loop ...", flush=True)
        loop_s, loop_cpu, entries = feedparser_loop(urls)
        print("gazette fetch, first run ...", flush=True)
        first = gazette_fetch(work / "gazette.toml", work / "gazette.db")
        print("gazette fetch, second run (304s) ...", flush=True)
        second = gazette_fetch(work / "gazette.toml", work / "gazette.db")
    finally:
        if server is not None:
            ours.send("stop")
            server.join(10)
        shutil.rmtree(work, ignore_errors=True)

    if first.statuses != {"ok": args.feeds} or first.new != entries:
        raise SystemExit(f"first run did not read every feed: {first}, feedparser saw {entries}")
    if second.statuses != {"not_modified": args.feeds}:
        raise SystemExit(f"second run was not all 304s: {second.statuses}")
    results = {
        "feeds": args.feeds,
        "hosts": args.hosts,
        "latency": args.latency,
        "concurrency": args.concurrency,
        "megabytes": total / 1e6,
        "entries": entries,
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": round(load_before, 1),
            "load_after": round(os.getloadavg()[0], 1),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "measured": {
            "feedparser_loop_s": round(loop_s, 3),
            "feedparser_loop_cpu_s": round(loop_cpu, 3),
            "gazette_first_cpu_s": round(first.cpu_seconds, 3),
            "gazette_first_s": round(first.seconds, 3),
            "gazette_304_s": round(second.seconds, 3),
            "vs_feedparser": round(loop_s / first.seconds, 2),
            # What an idle machine could reach: the first run is CPU-bound and its
            # processes share the cores, while the loop mostly waits on the network.
            "vs_feedparser_cpu_floor": round(
                loop_s / (first.cpu_seconds / (os.cpu_count() or 1)), 2
            ),
            "first_vs_304": round(first.seconds / second.seconds, 2),
            "peak_mb": round(max(first.peak_mb, second.peak_mb), 1),
        },
        "runs": {"first": asdict(first), "second": asdict(second)},
        "targets": TARGETS,
    }
    print()
    print(report(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
