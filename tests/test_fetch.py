"""The fetch engine over real loopback HTTP: replayed payloads and injected faults."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gazette.config import Settings, load_settings
from gazette.fetch import fetch_all
from gazette.replay import Fault, ReplayServer
from gazette.store import open_store
from tests.conftest import REAL, run_cli

SINCE = datetime(2022, 3, 1, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ReplayServer]:
    """Real captured payloads laid out as the replay server expects."""
    root = tmp_path / "replay"
    (root / "elixirforum.com").mkdir(parents=True)
    shutil.copy(
        REAL / "discourse/elixirforum_latest_2026-01.json", root / "elixirforum.com/latest.json"
    )
    (root / "hex.pm/api").mkdir(parents=True)
    for sort in ("inserted_at", "updated_at"):
        shutil.copy(
            REAL / f"hexpm/packages_sort_{sort}_2022-03-24.json",
            root / f"hex.pm/api/packages@page=1&sort={sort}.json",
        )
        # Hex.pm answers a page past the end with an empty list.
        (root / f"hex.pm/api/packages@page=2&sort={sort}.json").write_text("[]")
    (root / "elixirforum.com/latest.json@page=1").write_text('{"topic_list": {"topics": []}}')
    with ReplayServer(root) as server:
        yield server


def settings_for(tmp_path: Path, server: ReplayServer, extra: str = "") -> Settings:
    config = tmp_path / "gazette.toml"
    config.write_text(
        f"""
[fetch]
backoff = 0.01
max_wait = 0.2
timeout = 2.0
{extra}

[[sources]]
name = "elixirforum"
kind = "discourse"
base_url = "{server.url}/elixirforum.com"
site_url = "https://elixirforum.com"
top = false

[[sources]]
name = "hexpm"
kind = "hexpm"
base_url = "{server.url}/hex.pm"
""",
        "utf-8",
    )
    return load_settings(config)


def by_source(results: list) -> dict:
    return {r.source: r for r in results}


def test_fetch_stores_every_item_and_a_rerun_is_304(tmp_path: Path, site: ReplayServer) -> None:
    settings = settings_for(tmp_path, site)
    with open_store(tmp_path / "g.db") as store:
        first = by_source(fetch_all(settings, store, SINCE))
        assert first["elixirforum"].status == "ok" and first["elixirforum"].new == 30
        assert first["hexpm"].status == "ok" and first["hexpm"].new > 100
        total = store.count_items()
        site.clear_requests()
        second = by_source(fetch_all(settings, store, SINCE))
        assert {r.status for r in second.values()} == {"not_modified"}
        assert store.count_items() == total
    conditional = [r for r in site.requests if "if-none-match" in r.headers]
    assert len(conditional) == len(site.requests) == 3
    assert all(r.headers["user-agent"].startswith("gazette/") for r in site.requests)


def test_a_failing_source_does_not_sink_the_others(tmp_path: Path, site: ReplayServer) -> None:
    site.add_fault(Fault("/hex.pm/*", status=500))
    settings = settings_for(tmp_path, site)
    with open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE))
        assert results["hexpm"].status == "failed"
        assert "HTTP 500" in results["hexpm"].error and "after 4 attempts" in results["hexpm"].error
        assert results["elixirforum"].new == 30
        assert store.count_items() == 30


def test_500_then_success_is_retried(tmp_path: Path, site: ReplayServer) -> None:
    site.add_fault(Fault("/elixirforum.com/latest.json", status=503, times=2))
    with open_store(tmp_path / "g.db") as store:
        results = by_source(
            fetch_all(settings_for(tmp_path, site), store, SINCE, only=("elixirforum",))
        )
    assert results["elixirforum"].new == 30
    assert sum(r.target == "/elixirforum.com/latest.json" for r in site.requests) == 3


def test_429_honours_retry_after_up_to_the_cap(tmp_path: Path, site: ReplayServer) -> None:
    site.add_fault(Fault("/elixirforum.com/*", status=429, retry_after="1", times=1))
    settings = settings_for(tmp_path, site, "")
    with open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE, only=("elixirforum",)))
    assert results["elixirforum"].status == "ok"
    times = [r.time for r in site.requests]
    assert times[1] - times[0] >= 0.15  # waited, but only up to max_wait (0.2 s), not 1 s


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault("/elixirforum.com/*", truncate_at=100), "connection closed mid-response"),
        (Fault("/elixirforum.com/*", reset=True), "connection"),
        (Fault("/elixirforum.com/*", delay=3.0), "timed out"),
        (Fault("/elixirforum.com/*", body=b"{not json"), "expected JSON"),
        (
            Fault("/elixirforum.com/*", body=b"<html><body>Cloudflare</body></html>"),
            "expected JSON",
        ),
    ],
)
def test_network_and_payload_faults_fail_the_source_cleanly(
    tmp_path: Path, site: ReplayServer, fault: Fault, reason: str
) -> None:
    site.add_fault(fault)
    settings = settings_for(tmp_path, site, "retries = 1\n" if fault.delay else "")
    with open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE, only=("elixirforum",)))
        assert results["elixirforum"].status == "failed"
        assert reason in results["elixirforum"].error
        assert store.count_items() == 0


def test_redirect_loop_and_oversized_body(tmp_path: Path, site: ReplayServer) -> None:
    site.add_fault(Fault("/elixirforum.com/latest.json", redirect_to="/elixirforum.com/other.json"))
    site.add_fault(Fault("/elixirforum.com/other.json", redirect_to="/elixirforum.com/latest.json"))
    settings = settings_for(tmp_path, site, "max_bytes = 50_000")
    with open_store(tmp_path / "g.db") as store:
        results = by_source(fetch_all(settings, store, SINCE))
    assert "too many redirects" in results["elixirforum"].error
    assert "byte cap" in results["hexpm"].error  # the Hex.pm pages are ~200 KB


def test_cli_fetch_exits_1_on_partial_failure_and_prints_json(
    tmp_path: Path, site: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_for(tmp_path, site)
    monkeypatch.chdir(tmp_path)
    site.add_fault(Fault("/hex.pm/*", status=404))
    result = run_cli("--db", "g.db", "fetch", "--json", "--since", "2022-03-01", expect=1)
    rows = {r["source"]: r for r in json.loads(result.output)}
    assert rows["elixirforum"]["status"] == "ok"
    assert rows["hexpm"]["status"] == "failed" and "HTTP 404" in rows["hexpm"]["error"]
