"""`make bench`'s editorial report: the sample week's drafts measured as an
editor reads them (bench/editorial_bench.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(180)
def test_the_editorial_report_measures_both_drafts(tmp_path: Path) -> None:
    out = tmp_path / "editorial.json"
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "editorial_bench.py"), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
    )
    results = {r["case"]: r for r in json.loads(out.read_text("utf-8"))}
    assert set(results) == {"sample", "forum"}
    sample = results["sample"]
    assert sample["writer"] == "offline"
    assert sample["repeat_share"] == 0 and sample["repeated"] == []
    assert sample["shape_present"] == sample["shape_total"] == 10
    assert 0 < sample["minutes"] <= 5
    assert results["forum"]["repeat_share"] == 0
    report = out.with_suffix(".md").read_text("utf-8")
    assert "| sample: summaries repeating the headline | 0% | 0% | ✅ |" in report
    assert '```markdown\n+++\nweek = "2026-W02"' in report
    # A missed target is reported, not a failure of `make bench`; --strict fails.
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "forum: parts of the sample issue's shape" in finished.stdout
