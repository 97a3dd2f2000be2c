"""Benchmark: rendering one issue's email, and the whole `gazette render` command.

Not a test: it prints a table and writes bench/results/email.json, and it
asserts nothing about speed.

The issue is the sample week's first draft (data/sample/ fetched through the
replay server into a temporary folder, then `gazette draft`). Measured:

1. MJML to HTML per issue, warm: the Python ``mjml`` port (what Gazette uses)
   against the reference npm ``mjml`` (bench/install_node_mjml.sh installs it
   into bench/node_modules) compiling the very same MJML, each in its own
   process after a warm-up, the mean of many compilations. Without node or the
   npm package this comparison is skipped, with the reason.
2. Gazette's whole email render per issue, warm (Jinja, Markdown, the MJML
   allow-list check and the compile): ``render_email``.
3. ``gazette render`` for one issue as a user runs it, interpreter start-up and
   imports included (email HTML, text, .eml and web page): hyperfine when it
   is installed, else a loop of subprocesses; target under 1 s. Beside it, the
   npm ``mjml`` command compiling the same MJML file, start-up included.

    python bench/email_bench.py            # 30 compilations a side, 10 whole runs
    python bench/email_bench.py --quick    # 10 and 3
    python bench/email_bench.py --smoke    # 2 and 2 (proves it runs)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    NODE_MJML_PACKAGE,
    RESULTS,
    SAMPLE,
    SAMPLE_WEEK,
    Memory,
    Result,
    Row,
    run_child,
    self_child,
)

TARGET_RENDER_S = 1.0
# Compiles the MJML file argv[2] argv[3] times with the npm package at argv[1],
# after a warm-up; prints the mean seconds per compilation as JSON.
NODE_SCRIPT = """
const mjml = require(process.argv[1]);
const src = require('fs').readFileSync(process.argv[2], 'utf8');
const runs = Number(process.argv[3]);
for (let i = 0; i < 3; i++) mjml(src, {validationLevel: 'soft'});
const start = process.hrtime.bigint();
let errors = 0;
for (let i = 0; i < runs; i++) errors += mjml(src, {validationLevel: 'soft'}).errors.length;
const seconds = Number(process.hrtime.bigint() - start) / 1e9 / runs;
console.log(JSON.stringify({seconds, runs, errors}));
"""


def prepare(work: Path) -> dict[str, Any]:
    """A newsletter folder with the sample week fetched and drafted."""
    from gazette.replay import ReplayServer

    shutil.copy(SAMPLE / "gazette.toml", work / "gazette.toml")
    with ReplayServer(SAMPLE) as server:
        env = {**os.environ, "REPLAY_URL": server.url}
        for args in (("fetch", "--since", "2026-01-01"), ("draft", "--week", SAMPLE_WEEK)):
            subprocess.run(
                gazette_command(work, *args), cwd=work, env=env, check=True, capture_output=True
            )
    draft = work / "out" / "issues" / f"{SAMPLE_WEEK}.md"
    return {"draft_bytes": draft.stat().st_size}


def gazette_command(work: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "gazette", "--config", str(work / "gazette.toml"),
        "--db", str(work / "gazette.db"), *args,
    ]  # fmt: skip


# -- in a child process: the Python side ------------------------------------------


def python_side(work: Path, runs: int) -> dict[str, Any]:
    """Mean seconds per render_email and per mjml_to_html, after a warm-up."""
    os.chdir(work)
    from mjml import mjml_to_html

    from gazette.config import load_settings
    from gazette.draft import draft_path, read_draft
    from gazette.render.email import render_email

    settings = load_settings(work / "gazette.toml")
    issue = read_draft(draft_path(settings.issues_dir, SAMPLE_WEEK)).issue
    for _ in range(2):
        email = render_email(issue, settings)
    (work / "issue.mjml").write_text(email.mjml, "utf-8")
    start = time.perf_counter()
    for _ in range(runs):
        render_email(issue, settings)
    render_s = (time.perf_counter() - start) / runs
    start = time.perf_counter()
    for _ in range(runs):
        mjml_to_html(email.mjml)
    compile_s = (time.perf_counter() - start) / runs
    return {
        "render_email_s": render_s,
        "mjml_compile_s": compile_s,
        "mjml_bytes": len(email.mjml.encode("utf-8")),
        "html_bytes": len(email.html.encode("utf-8")),
        "runs": runs,
    }


# -- whole processes ----------------------------------------------------------------


def whole_process(commands: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, Any]:
    """Mean and min seconds of each command, start-up included: hyperfine if installed."""
    hyperfine = shutil.which("hyperfine")
    found: dict[str, Any] = {}
    if hyperfine:
        export = cwd / "hyperfine.json"
        command = [hyperfine, "--warmup", "2", "--runs", str(max(runs, 2)), "-N"]
        command += ["--export-json", str(export)]
        for name, argv in commands.items():
            command += ["--command-name", name, " ".join(_quote(a) for a in argv)]
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        for entry in json.loads(export.read_text())["results"]:
            found[entry["command"]] = {
                "mean_s": entry["mean"],
                "min_s": entry["min"],
                "stddev_s": entry["stddev"] or 0.0,
                "tool": "hyperfine",
            }
        return found
    for name, argv in commands.items():
        times = []
        for attempt in range(runs + 2):
            start = time.perf_counter()
            subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
            if attempt >= 2:  # the first two warm the disk cache, as hyperfine's --warmup
                times.append(time.perf_counter() - start)
        found[name] = {
            "mean_s": statistics.mean(times),
            "min_s": min(times),
            "stddev_s": statistics.pstdev(times),
            "tool": "subprocess loop",
        }
    return found


def _quote(arg: str) -> str:
    return f"'{arg}'" if any(c in arg for c in " '\"") else arg


def node_skip_reason() -> str:
    if shutil.which("node") is None:
        return "skipped: node is not installed"
    if not (NODE_MJML_PACKAGE / "package.json").exists():
        return "skipped: npm mjml is not installed (run `sh bench/install_node_mjml.sh`)"
    return ""


# -- the report ----------------------------------------------------------------------


def build_result(
    py: dict[str, Any],
    py_peak: float,
    node: dict[str, Any] | None,
    node_peak: float | None,
    processes: dict[str, Any],
    skipped: str,
    facts: dict[str, Any],
    mode: str,
) -> Result:
    result = Result("email", mode, skipped=skipped)
    if node:
        ratio = py["mjml_compile_s"] / node["seconds"]
        result.rows.append(
            Row(
                benchmark="email",
                name="MJML to HTML, one issue (warm)",
                gazette=round(py["mjml_compile_s"], 4),
                baseline=round(node["seconds"], 4),
                baseline_name="npm mjml (node)",
                ratio=round(ratio, 3),
                note=f"{py['mjml_bytes'] / 1000:.0f} KB of MJML, the same for both; no target"
                " in the issue (a few ms per issue either way)",
            )
        )
    else:
        result.rows.append(
            Row(
                benchmark="email",
                name="MJML to HTML, one issue (warm)",
                gazette=round(py["mjml_compile_s"], 4),
                baseline_name="npm mjml (node)",
                note=skipped,
            )
        )
    result.rows.append(
        Row(
            benchmark="email",
            name="render_email, one issue (warm)",
            gazette=round(py["render_email_s"], 4),
            note="Jinja, Markdown, the MJML check and the compile",
        )
    )
    render = processes["gazette render"]
    cli = processes.get("mjml command")
    result.rows.append(
        Row(
            benchmark="email",
            name="`gazette render`, whole process",
            gazette=round(render["mean_s"], 4),
            baseline=round(cli["mean_s"], 4) if cli else None,
            baseline_name="npm `mjml` command (compile only)" if cli else "",
            ratio=round(render["mean_s"] / cli["mean_s"], 3) if cli else None,
            target=f"< {TARGET_RENDER_S:g} s",
            met=render["mean_s"] < TARGET_RENDER_S,
            note=f"{render['tool']}, mean of runs; start-up included; writes email.html,"
            " email.txt, email.eml and web.html",
        )
    )
    result.memory.append(
        Memory(
            benchmark="email (compile)",
            gazette_mb=round(py_peak, 1),
            baseline_mb=round(node_peak, 1) if node_peak else None,
            baseline_name="npm mjml (node)" if node_peak else "",
        )
    )
    result.details = {**facts, "python": py, "node": node, "processes": processes}
    return result


def table(result: Result) -> str:
    lines = [f"{'email':36}{'gazette':>10}{'baseline':>10}{'ratio':>8}   target"]
    for row in result.rows:
        base = f"{row.baseline * 1000:.0f} ms" if row.baseline is not None else "-"
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        lines.append(
            f"{row.name:36}{row.gazette * 1000:>7.0f} ms{base:>10}{ratio:>8}   {row.target}"
        )
    if result.skipped:
        lines.append(f"npm mjml: {result.skipped}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="compilations per side")
    parser.add_argument("--process-runs", type=int, default=10, help="whole-process runs")
    parser.add_argument("--quick", action="store_true", help="10 compilations, 3 whole runs")
    parser.add_argument("--smoke", action="store_true", help="2 of each")
    parser.add_argument("--out", type=Path, help="where to write the JSON results")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        work, runs = args.child
        print(json.dumps(python_side(Path(work), int(runs))))
        return 0

    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    runs, process_runs = {"smoke": (2, 2), "quick": (10, 3)}.get(
        mode, (args.runs, args.process_runs)
    )
    out = args.out or RESULTS / ("email.json" if mode == "full" else f"email-{mode}.json")
    work = Path(tempfile.mkdtemp(prefix="gazette-email-bench-"))
    try:
        print("fetching and drafting the sample week ...", flush=True)
        facts = prepare(work)
        print("python mjml ...", flush=True)
        py = self_child(__file__, str(work), str(runs))
        skipped = node_skip_reason()
        node = node_peak = None
        commands = {
            "gazette render": gazette_command(
                work, "render", "--week", SAMPLE_WEEK, "--out", str(work / "rendered")
            )
        }
        if not skipped:
            print("npm mjml ...", flush=True)
            ran = run_child(
                [
                    "node",
                    "-e",
                    NODE_SCRIPT,
                    str(NODE_MJML_PACKAGE),
                    str(work / "issue.mjml"),
                    str(runs),
                ]
            )
            node, node_peak = ran.output, ran.peak_mb
            commands["mjml command"] = [
                str(NODE_MJML_PACKAGE.parent / ".bin" / "mjml"),
                str(work / "issue.mjml"), "-o", str(work / "npm-email.html"),
            ]  # fmt: skip
        print("whole processes ...", flush=True)
        processes = whole_process(commands, process_runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = build_result(py.output, py.peak_mb, node, node_peak, processes, skipped, facts, mode)
    print()
    print(table(result))
    result.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
