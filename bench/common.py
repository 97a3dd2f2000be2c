"""What the benchmark scripts share: child processes with their peak memory,
the machine's facts, and the row every benchmark reports.

Each script runs its measured work in child processes (``--child``) so that the
peak resident memory ``os.wait4`` reports is that work's own, and so that the
Gazette side and its baseline start from the same clean interpreter.

A row is one line of the table in BENCHMARKS.md: what Gazette measured, what
the baseline measured in the same run, their ratio, the target and whether it
was met. Absolute times drift on shared machines; ratios measured side by side
in one run do not (much), which is why every target that can be a ratio is one.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SAMPLE = ROOT / "data" / "sample"
SAMPLE_WEEK = "2026-W02"
NODE_MJML_PACKAGE = ROOT / "bench" / "node_modules" / "mjml"


def compile_gazette() -> None:
    """Compile Gazette's modules to bytecode before anything is measured.

    pip compiles a package when it installs it, so the baselines (Pelican,
    jinja2, feedparser) load from bytecode. Gazette, installed in editable mode,
    is compiled on first import, unless PYTHONDONTWRITEBYTECODE is set, as it
    is on some CI machines: then every measured process would compile all of
    Gazette from source (0.15 s of each), which no installed Gazette does.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "gazette")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


# Packages whose versions the report lists (what was measured, and against what).
PACKAGES = (
    "gazette", "feedparser", "nh3", "rapidfuzz", "sqlite-utils", "httpx", "mjml", "pyromark",
    "markdown-it-py", "jinja2", "pelican", "markdown", "matplotlib", "pyinstrument",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One measurement against its baseline. ``ratio`` is gazette / baseline
    (below 1 means Gazette is faster) unless ``higher_is_better``, where it is
    baseline / gazette (a speed-up, above 1 is better)."""

    benchmark: str  # the group: fetch, ingest, cluster, email, site
    name: str
    gazette: float
    unit: str = "s"
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class Memory:
    """Peak resident memory of one side of a benchmark, in MB."""

    benchmark: str
    gazette_mb: float
    baseline_mb: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None


@dataclass
class Result:
    """What one benchmark script writes as JSON."""

    benchmark: str
    mode: str  # full, quick or smoke
    rows: list[Row] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    skipped: str = ""  # why the comparison could not run, when it could not

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "mode": self.mode,
            "rows": [asdict(r) for r in self.rows],
            "memory": [asdict(m) for m in self.memory],
            "details": self.details,
            "skipped": self.skipped,
            "machine": machine(),
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", "utf-8")
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"wrote {shown}")


@dataclass(frozen=True)
class ChildRun:
    output: Any  # the JSON the child printed last
    seconds: float  # the whole process, start-up included
    peak_mb: float


def run_child(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> ChildRun:
    """Run ``command``, which prints JSON as its last line; its peak RSS from wait4.

    Output goes to files, not pipes: nothing reads a pipe while wait4 blocks.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(command[:4])} ... exited {code}:\n{stderr[-3000:]}")
    lines = stdout.strip().splitlines()
    try:
        output = json.loads(lines[-1]) if lines else None
    except ValueError:
        raise SystemExit(
            f"{' '.join(command[:4])} ... printed no JSON:\n{stdout[-2000:]}"
        ) from None
    return ChildRun(output, seconds, usage.ru_maxrss / 1024)


def self_child(script: str, *args: str) -> ChildRun:
    """The running benchmark script again, as ``script --child ARGS``."""
    return run_child([sys.executable, script, "--child", *args])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def node_versions() -> dict[str, str]:
    """node and the reference npm mjml, when installed (bench/install_node_mjml.sh)."""
    found: dict[str, str] = {}
    try:
        found["node"] = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return found
    package = NODE_MJML_PACKAGE / "package.json"
    if package.exists():
        found["npm mjml"] = json.loads(package.read_text("utf-8")).get("version", "?")
    return found


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": ram_gb(),
        "load_average": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def best_of(times: list[float]) -> float:
    """The fastest of repeated runs: the one least disturbed by other work."""
    return min(times)


def fmt_seconds(value: float) -> str:
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.0f} ms"


def format_value(value: float | None, unit: str = "s", *, plain: bool = False) -> str:
    """A measured time (seconds) or factor ("x") for a table; ``plain`` keeps
    to ASCII for the terminal, the default suits Markdown."""
    if value is None:
        return "-" if plain else "—"
    if unit == "x":
        times = "x" if plain else "×"
        return f"{value:.1f}{times}"
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 0.01 or plain:
        return f"{value * 1000:.0f} ms"
    return f"{value * 1000:.1f} ms"
