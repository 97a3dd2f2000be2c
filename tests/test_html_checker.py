"""The Nu HTML Checker (vnu-jar, run with Debian's Java; `make test` installs
both) over every page the site builds and over web.html: zero errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gazette.config import load_settings
from gazette.render.outputs import render_issue
from tests.test_email import WEB_URL, sample_issue
from tests.test_site import BASE_URL, build

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / ".venv" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.mark.slow
def test_every_page_and_web_html_pass_the_nu_html_checker(tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.skip("the Nu HTML Checker is not installed: `make vnu` installs it")
    config = tmp_path / "gazette.toml"
    config.write_text(f'[publication]\nbase_url = "{BASE_URL}/"\n', "utf-8")
    settings = load_settings(config)
    site = tmp_path / "site"
    build(site, settings)
    web = tmp_path / "web.html"
    web.write_text(render_issue(sample_issue(), settings, web_url=WEB_URL).web_page, "utf-8")
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 10  # every kind: index, issues, tags, search, 404
    done = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", web, *pages],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(done.stderr or done.stdout)["messages"]
    errors = [
        f"{m.get('url', '').rsplit('/', 2)[-2:]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert errors == []
