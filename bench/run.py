"""Every Gazette benchmark in one run, each as a ratio against a baseline
measured in the same run: `make bench` and `make bench-quick`.

    python bench/run.py            # full sizes (several minutes); rewrites BENCHMARKS.md
                                   # and bench/results/benchmarks.png
    python bench/run.py --quick    # small sizes (under a minute); bench/results/quick.json
    python bench/run.py --smoke    # the tiniest sizes, to prove every script still runs
    python bench/run.py --only cluster,email

Each benchmark is its own script, runnable alone (``python bench/X_bench.py
--help``), and runs here as a subprocess that writes its JSON results:

    fetch    bench/fetch_bench.py    `gazette fetch` vs a sequential feedparser.parse(url)
                                     loop over replayed feeds with latency; the 304 re-run
    ingest   bench/ingest_bench.py   feed source + Store.save_items vs bare feedparser.parse
    cluster  bench/cluster_bench.py  rank + cluster at 5k-50k items vs linear growth
    email    bench/email_bench.py    Python mjml vs the npm mjml on the same MJML;
                                     whole-process `gazette render`
    site     bench/site_bench.py     the archive vs Pelican: full, no change, one new issue
    draft    bench/draft_bench.py    parse, check and pick on 100 KB-1 MB drafts vs linear
                                     growth; a 1 MB draft checks in under 2 s

The ratio in every row is Gazette's number over the baseline's (lower is
better: 0.25 means Gazette took a quarter of the baseline's time). A
benchmark that fails is reported as failed and the others still run; the exit
status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    RESULTS,
    ROOT,
    Memory,
    Row,
    compile_gazette,
    format_value,
    machine,
    node_versions,
    package_versions,
)

BENCH = ROOT / "bench"
ORDER = ("fetch", "ingest", "cluster", "email", "site", "draft")
# Per mode, the arguments each script gets (besides --out).
ARGS: dict[str, dict[str, list[str]]] = {
    "full": {name: [] for name in ORDER},
    "quick": {name: ["--quick"] for name in ORDER},
    "smoke": {
        "fetch": ["--feeds", "3", "--hosts", "2"],
        "ingest": ["--smoke"],
        "cluster": ["--smoke"],
        "email": ["--smoke"],
        "site": ["--issues", "3", "--no-real"],
        "draft": ["--smoke"],
    },
}
# The code before the fixes recorded in BENCHMARKS.md, "Profiling": a full run
# measures it again beside today's, with the same harness.
BEFORE_COMMIT = "bb89753"
FETCH_TARGETS = {"vs_feedparser": 5.0, "first_vs_304": 5.0, "peak_mb": 200.0}
SITE_TARGETS = {"full_vs_pelican": 0.1, "no_change_s": 0.3, "one_new_s": 1.0}


# -- the scripts other issues own write their own shapes: rows from them ---------------


def fetch_rows(data: dict[str, Any]) -> tuple[list[Row], list[Memory]]:
    m = data["measured"]
    targets = {**FETCH_TARGETS, **data.get("targets", {})}
    speedup = targets["vs_feedparser"]
    first, loop, again = m["gazette_first_s"], m["feedparser_loop_s"], m["gazette_304_s"]
    setup = f"{data['feeds']:,} feeds, {data['hosts']} hosts, {data['latency'] * 1000:.0f} ms"
    rows = [
        Row(
            benchmark="fetch",
            name=f"`gazette fetch` ({setup})",
            gazette=round(first, 3),
            baseline=round(loop, 3),
            baseline_name="sequential feedparser.parse(url)",
            ratio=round(first / loop, 3),
            target=f"ratio <= {1 / speedup:g} ({speedup:g}x faster)",
            met=loop / first >= speedup,
            note=f"{data['entries']:,} entries, {data['megabytes']:.0f} MB;"
            f" {m.get('gazette_first_cpu_s', 0):.1f} s CPU",
        ),
        Row(
            benchmark="fetch",
            name="`gazette fetch` again, all 304",
            gazette=round(again, 3),
            baseline=round(first, 3),
            baseline_name="the first run",
            ratio=round(again / first, 3),
            target=f"ratio <= {1 / targets['first_vs_304']:g} ({targets['first_vs_304']:g}x faster)",
            met=first / again >= targets["first_vs_304"],
        ),
    ]
    memory = [
        Memory(
            benchmark="fetch (largest process)",
            gazette_mb=round(m["peak_mb"], 1),
            target=f"< {targets['peak_mb']:g} MB",
            met=m["peak_mb"] < targets["peak_mb"],
        )
    ]
    return rows, memory


def site_rows(data: dict[str, Any]) -> tuple[list[Row], list[Memory]]:
    g, p = data["gazette"], data.get("pelican")
    targets = {**SITE_TARGETS, **data.get("targets", {})}
    size = f"{data['issues']} issues, {data['markdown_bytes'] / 1e6:.0f} MB"
    steps = (
        ("full", f"archive full build ({size})", f"ratio <= {targets['full_vs_pelican']:g}"),
        ("no_change", "archive rebuild, nothing changed", f"< {targets['no_change_s']:g} s"),
        ("one_new", "archive rebuild, one new issue", f"< {targets['one_new_s']:g} s"),
    )
    rows = []
    for key, name, target in steps:
        ours = g[key]["seconds"]
        theirs = p[key]["seconds"] if p else None
        if key == "full":
            met = ours / theirs <= targets["full_vs_pelican"] if theirs else None
        else:
            met = ours < targets[f"{key}_s"]
        rows.append(
            Row(
                benchmark="site",
                name=name,
                gazette=round(ours, 3),
                baseline=round(theirs, 3) if theirs else None,
                baseline_name="Pelican" if p else "",
                ratio=round(ours / theirs, 3) if theirs else None,
                target=target,
                met=met,
                note="" if p else data.get("pelican_skipped", "Pelican not installed"),
            )
        )
    # With search on (one record per story, a segment a year).
    s = data.get("gazette_search")
    if s:
        rows.append(
            _against_pelican(
                f"archive full build with search ({size})",
                s["full"]["seconds"],
                p["full"]["seconds"] if p else None,
                targets.get("search_full_vs_pelican", 0.2),
                baseline_name="Pelican (no search)",
            )
        )
        one_new = s["one_new"]["seconds"]
        rows.append(
            Row(
                benchmark="site",
                name="archive rebuild with search, one new issue",
                gazette=round(one_new, 3),
                target=f"< {targets.get('search_one_new_s', 2.0):g} s",
                met=one_new < targets.get("search_one_new_s", 2.0),
            )
        )
    # The real archives (../shared/corpora/archives), each against Pelican.
    for name, entry in data.get("real", {}).items():
        theirs = entry["pelican"]["seconds"] if "pelican" in entry else None
        own = entry.get("own")
        runs = [("gazette", "", "real_full_vs_pelican", 0.1)]
        if "gazette_search" in entry:
            runs.append(("gazette_search", " with search", "real_search_full_vs_pelican", 0.2))
        for key, label, target_key, default in runs:
            rows.append(
                _against_pelican(
                    f"real archive {name} ({entry['posts']} posts), import + build{label}",
                    entry[key]["seconds"],
                    theirs,
                    targets.get(target_key, default),
                    note=f"{own['name']}: {own['seconds']:.2f} s" if own and not label else "",
                )
            )
    # The full build's, as site_bench.py judges it (the largest step for both).
    peak_p = p["full"]["peak_mb"] if p else None
    memory = []
    for label, runs_of in (("site (full build)", g), ("site (full build with search)", s)):
        if not runs_of:
            continue
        peak_g = runs_of["full"]["peak_mb"]
        memory.append(
            Memory(
                benchmark=label,
                gazette_mb=round(peak_g, 1),
                baseline_mb=round(peak_p, 1) if peak_p else None,
                baseline_name="Pelican" if p else "",
                target="below Pelican's",
                met=peak_g < peak_p if peak_p else None,
            )
        )
    return rows, memory


def _against_pelican(
    name: str,
    ours: float,
    theirs: float | None,
    limit: float,
    baseline_name: str = "Pelican",
    note: str = "",
) -> Row:
    """A site row whose target is a ratio to Pelican's time (None: not installed)."""
    return Row(
        benchmark="site",
        name=name,
        gazette=round(ours, 3),
        baseline=round(theirs, 3) if theirs else None,
        baseline_name=baseline_name if theirs else "",
        ratio=round(ours / theirs, 3) if theirs else None,
        target=f"ratio <= {limit:g}",
        met=ours / theirs <= limit if theirs else None,
        note=note,
    )


def own_rows(data: dict[str, Any]) -> tuple[list[Row], list[Memory]]:
    return [Row(**r) for r in data["rows"]], [Memory(**m) for m in data["memory"]]


ADAPTERS: dict[str, Callable[[dict[str, Any]], tuple[list[Row], list[Memory]]]] = {
    "fetch": fetch_rows,
    "site": site_rows,
    "ingest": own_rows,
    "cluster": own_rows,
    "email": own_rows,
    "draft": own_rows,
}


# -- running ------------------------------------------------------------------------


def result_file(results: Path, name: str, mode: str) -> Path:
    return results / (f"{name}.json" if mode == "full" else f"{name}-{mode}.json")


def run_one(name: str, mode: str, results: Path) -> dict[str, Any]:
    script = BENCH / f"{name}_bench.py"
    out = result_file(results, name, mode)
    command = [sys.executable, str(script), *ARGS[mode][name], "--out", str(out)]
    print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
    start = time.perf_counter()
    # Output streams through (these take minutes); rusage of the whole tree from wait4.
    process = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    entry: dict[str, Any] = {
        "script": str(script.relative_to(ROOT)),
        "command": " ".join(["python", str(script.relative_to(ROOT)), *ARGS[mode][name]]),
        "seconds": round(seconds, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
    }
    if code != 0:
        entry["error"] = f"exited {code}"
        return entry
    try:
        data = json.loads(out.read_text("utf-8"))
        rows, memory = ADAPTERS[name](data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        entry["error"] = f"unreadable results in {out}: {exc!r}"
        return entry
    entry["rows"] = [r.__dict__ for r in rows]
    entry["memory"] = [m.__dict__ for m in memory]
    entry["skipped"] = data.get("skipped") or data.get("pelican_skipped") or ""
    entry["results"] = data
    return entry


def profiling(results: Path) -> dict[str, Any]:
    """rank() on the code before the fixes (from git) and profiles of before and after."""
    entry: dict[str, Any] = {"before_commit": BEFORE_COMMIT}
    archive = subprocess.run(
        ["git", "archive", BEFORE_COMMIT, "gazette", "data"], cwd=ROOT, capture_output=True
    )
    if archive.returncode != 0:
        entry["skipped"] = f"`git archive {BEFORE_COMMIT}` failed: {archive.stderr.decode()[:200]}"
        return entry
    cluster = [sys.executable, str(BENCH / "cluster_bench.py")]
    before = results / "cluster-before.json"
    with tempfile.TemporaryDirectory(prefix="gazette-before-") as code:
        subprocess.run(["tar", "-x", "-C", code], input=archive.stdout, check=True)
        print(f"\n=== profiling: rank + cluster on the code of {BEFORE_COMMIT}", flush=True)
        steps = [
            [*cluster, "--code", code, "--repeats", "2", "--out", str(before)],
            [
                *cluster,
                "--code",
                code,
                "--profile",
                "50000",
                "--profile-out",
                str(results / "profile-rank-before"),
            ],
            [*cluster, "--profile", "50000", "--profile-out", str(results / "profile-rank")],
        ]
        for step in steps:
            if subprocess.run(step, cwd=ROOT, capture_output=step is not steps[0]).returncode:
                entry["skipped"] = f"failed: {' '.join(step[1:])}"
                return entry
    entry["before"] = json.loads(before.read_text("utf-8"))
    return entry


def tools() -> dict[str, str]:
    found = node_versions()
    hyperfine = shutil.which("hyperfine")
    if hyperfine:
        found["hyperfine"] = run_child_text([hyperfine, "--version"])
    return found


def run_child_text(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


# -- the table on the terminal ------------------------------------------------------------


def verdict(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[met]


def terminal_table(combined: dict[str, Any]) -> str:
    header = ("benchmark", "gazette", "baseline", "ratio", "target", "met?")
    lines: list[tuple[str, ...]] = [header]
    for name in combined["benchmarks"]:
        entry = combined["benchmarks"][name]
        if "error" in entry:
            lines.append((f"{name}: FAILED ({entry['error']})", "", "", "", "", "NO"))
            continue
        for r in entry["rows"]:
            ratio = f"{r['ratio']:.3g}" if r["ratio"] is not None else "-"
            lines.append(
                (
                    f"{name}: {r['name']}",
                    format_value(r["gazette"], r["unit"], plain=True),
                    format_value(r["baseline"], r["unit"], plain=True),
                    ratio,
                    r["target"],
                    verdict(r["met"]),
                )
            )
    memory: list[tuple[str, ...]] = [("peak memory", "gazette", "baseline", "", "target", "met?")]
    for entry in combined["benchmarks"].values():
        for m in entry.get("memory", []):
            base = f"{m['baseline_mb']:.0f} MB" if m["baseline_mb"] else "-"
            memory.append(
                (
                    m["benchmark"],
                    f"{m['gazette_mb']:.0f} MB",
                    base,
                    "",
                    m["target"],
                    verdict(m["met"]),
                )
            )
    widths = [max(len(row[i]) for row in lines + memory) for i in range(len(header))]

    def show(row: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(w) if i in (0, 4) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return "\n".join([*map(show, lines), "", *map(show, memory)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    modes.add_argument("--smoke", action="store_true", help="the tiniest sizes")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(ORDER)}")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="folder for each benchmark's JSON"
    )
    parser.add_argument("--out", type=Path, help="the combined JSON (default by mode)")
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="full mode: do not rewrite BENCHMARKS.md and the chart",
    )
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    names = [n.strip() for n in args.only.split(",")] if args.only else list(ORDER)
    unknown = sorted(set(names) - set(ORDER))
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r} (expected {', '.join(ORDER)})")
    out = (
        args.out
        or args.results / {"full": "bench.json", "quick": "quick.json", "smoke": "smoke.json"}[mode]
    )

    compile_gazette()
    started = datetime.now(UTC)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    benchmarks = {name: run_one(name, mode, args.results) for name in names}
    report_wanted = mode == "full" and not args.only and not args.no_report
    profile = profiling(args.results) if report_wanted else None
    combined: dict[str, Any] = {
        "mode": mode,
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(time.perf_counter() - start, 1),
        "machine": {**machine(), "load_before": round(load_before, 2)},
        "packages": package_versions(),
        "tools": tools(),
        "benchmarks": benchmarks,
    }
    if profile is not None:
        combined["profiling"] = profile
    args.results.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(combined, indent=2) + "\n", "utf-8")
    print(f"\n=== all benchmarks ({mode}, {combined['seconds']:.0f} s)\n")
    print(terminal_table(combined))
    if mode != "full":
        # Start-up costs and fixed overheads weigh more on the small sizes; the
        # issues set their targets for the full sizes (`make bench`).
        print(f"\n(the targets are for the full sizes; a {mode} run shows the trend only)")
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    if report_wanted:
        import report

        for path in report.write(combined):
            print(f"wrote {path.relative_to(ROOT)}")
    return 1 if any("error" in b for b in benchmarks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
