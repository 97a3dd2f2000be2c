"""The benchmarks keep working: every script in its tiniest mode, through the
one harness (bench/run.py --smoke), and the report drawn from what it wrote.

Nothing here asserts speed (that is what `make bench` reports); only that each
benchmark ran both sides, measured something, and wrote the shape the report
reads. The whole file takes about 15 s: one smoke run shared by every test.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gazette.batch import collector_paused

# One smoke run of every benchmark: tens of seconds (`pytest -m "not slow"` skips it).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
ROW_KEYS = {
    "benchmark", "name", "gazette", "unit", "baseline", "baseline_name", "ratio", "target",
    "met", "note",
}  # fmt: skip
MEMORY_KEYS = {"benchmark", "gazette_mb", "baseline_mb", "baseline_name", "target", "met"}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `bench/run.py --smoke` into a temporary folder (never bench/results/)."""
    results = tmp_path_factory.mktemp("bench-results")
    finished = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--smoke", "--results", str(results)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    combined: dict[str, Any] = json.loads((results / "smoke.json").read_text("utf-8"))
    combined["_stdout"] = finished.stdout
    combined["_folder"] = str(results)
    return combined


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", ["fetch", "ingest", "cluster", "email", "site"])
def test_every_benchmark_runs_and_reports_rows_and_memory(smoke: dict[str, Any], name: str) -> None:
    entry = smoke["benchmarks"][name]
    assert "error" not in entry, entry.get("error")
    # Its own JSON exists where the harness said, next to the combined results.
    assert (Path(smoke["_folder"]) / f"{name}-smoke.json").exists()
    assert entry["rows"], f"{name} reported no rows"
    for row in entry["rows"]:
        assert set(row) == ROW_KEYS
        assert row["gazette"] > 0
        if row["baseline"] is not None:
            assert row["baseline"] > 0
            assert row["ratio"] is not None and row["ratio"] > 0
    for memory in entry["memory"]:
        assert set(memory) == MEMORY_KEYS
        assert memory["gazette_mb"] > 0
    assert entry["memory"], f"{name} reported no peak memory"
    # The table on the terminal names every row.
    for row in entry["rows"]:
        assert row["name"] in smoke["_stdout"]


@pytest.mark.timeout(120)
def test_each_side_really_did_the_work(smoke: dict[str, Any]) -> None:
    benchmarks = smoke["benchmarks"]
    fetch = benchmarks["fetch"]["results"]
    assert fetch["runs"]["first"]["statuses"] == {"ok": 3}
    assert fetch["runs"]["second"]["statuses"] == {"not_modified": 3}
    ingest = benchmarks["ingest"]["results"]["details"]
    assert ingest["entries"] > 0
    assert all(r["stored"] == ingest["entries"] for r in ingest["runs"]["gazette"])
    # The synthetic items keep the sample's structure: stories still merge.
    sizes = benchmarks["cluster"]["results"]["details"]["sizes"]
    assert [s["items"] for s in sizes] == [200, 400]
    assert all(0 < s["stories"] < s["items"] for s in sizes)
    email = benchmarks["email"]["results"]["details"]
    assert email["python"]["html_bytes"] > 10_000
    assert "gazette render" in email["processes"]
    # Without node or the npm package, the comparison says why it was skipped.
    assert (email["node"] is not None) != bool(benchmarks["email"]["skipped"])
    site = benchmarks["site"]["results"]
    assert site["issues"] == 3 and site["links"] > 0


@pytest.mark.timeout(120)
def test_report_renders_the_table_the_chart_and_the_machine(
    smoke: dict[str, Any], tmp_path: Path
) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import report
    finally:
        sys.path.remove(str(BENCH))
    text = report.markdown(smoke)
    assert "| benchmark | Gazette | baseline | ratio | target | met? |" in text
    for entry in smoke["benchmarks"].values():
        for row in entry["rows"]:
            assert row["name"].replace("|", "\\|") in text
    assert "## Machine" in text and smoke["machine"]["cpu"] in text
    assert "make bench" in text and "## Profiling" in text
    png = report.chart(smoke, tmp_path / "chart.png")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_collector_paused_nests_and_restores() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # only the outermost block turns it back on
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_real_archive_rows_are_judged_against_pelican() -> None:
    """The real archives' rows (search off and on) are computed from the site
    benchmark's measurements; the smoke run has no real archive, so a small
    measurement stands in."""
    sys.path.insert(0, str(BENCH))
    try:
        import run
    finally:
        sys.path.remove(str(BENCH))

    def step(seconds: float) -> dict[str, Any]:
        return {"seconds": seconds, "peak_mb": 50.0}

    real = {
        "posts": 10,
        "gazette": step(0.2),
        "gazette_search": step(0.9),
        "pelican": step(2.0),
    }
    data = {
        "issues": 3,
        "markdown_bytes": 3e6,
        "gazette": {key: step(0.1) for key in ("full", "no_change", "one_new")},
        "pelican": {key: step(1.0) for key in ("full", "no_change", "one_new")},
        "real": {"blog": real, "fast": {**real, "gazette_search": step(0.3)}},
    }
    rows = {row.name: row for row in run.site_rows(data)[0]}
    search = rows["real archive blog (10 posts), import + build with search"]
    assert (search.ratio, search.met) == (0.45, False)  # 0.9 s of Pelican's 2 s
    fast = rows["real archive fast (10 posts), import + build with search"]
    assert (fast.ratio, fast.met) == (0.15, True)
    off = rows["real archive blog (10 posts), import + build"]
    assert (off.ratio, off.met) == (0.1, True)
