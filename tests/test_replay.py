"""The replay server over real loopback sockets: mapping, HTTP caching, faults."""

from __future__ import annotations

import email.utils
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from gazette.replay import NOT_FOUND_BODY, Fault, ReplayServer, locate

FIXED_MTIME = 1_700_000_000  # Tue, 14 Nov 2023 22:13:20 GMT
ATOM = b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>'
RSS = b'<?xml version="1.0"?>\n<rss version="2.0"><channel></channel></rss>'

FILES: dict[str, bytes] = {
    "hex.pm/api/packages.json": b'{"which":"bare"}',
    "hex.pm/api/packages@sort=inserted_at.json": b'{"which":"sort"}',
    "hex.pm/api/packages@page=2&sort=inserted_at.json": b'{"which":"page+sort"}',
    "hex.pm/api/packages@sort=updated_at": b'[{"which":"updated, sniffed"}]',
    "hex.pm/api/packages/phoenix.json": b'{"name":"phoenix"}',
    "hn.algolia.com/api/v1/search_by_date@query=elixir lang&tags=story.json": b'{"hits":[]}',
    "elixirforum.com/latest.json": b'{"topic_list":{}}',
    "github.com/elixir-lang/elixir/releases.atom": ATOM,
    "www.reddit.com/r/elixir.rss": RSS,
    "dashbit.co/feed": ATOM,
    "example.com/rss-feed": RSS,
    "example.com/sitemap": b'<?xml version="1.0"?><urlset></urlset>',
    "example.com/page.html": b"<!doctype html><title>x</title>",
    "example.com/robots.txt": b"User-agent: *",
    "example.com/data.xml": b"<data/>",
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_bytes(b"TOP SECRET")
    base = tmp_path / "root"
    for name, body in FILES.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return base


@pytest.fixture
def server(root: Path) -> Iterator[ReplayServer]:
    with ReplayServer(root) as srv:
        yield srv


@pytest.fixture
def client(server: ReplayServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5, trust_env=False) as c:
        yield c


def raw_get(server: ReplayServer, target: str) -> tuple[int, bytes]:
    """http.client sends the target verbatim; httpx would normalize ``..`` away."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- mapping -----------------------------------------------------------------


def test_bare_path_serves_the_file_with_extension_appended(client: httpx.Client) -> None:
    response = client.get("/hex.pm/api/packages")
    assert response.status_code == 200
    assert response.json() == {"which": "bare"}
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_path_with_its_own_extension_is_served_literally(client: httpx.Client) -> None:
    assert client.get("/elixirforum.com/latest.json").json() == {"topic_list": {}}


def test_directory_beside_file_of_the_same_name(client: httpx.Client) -> None:
    assert client.get("/hex.pm/api/packages/phoenix").json() == {"name": "phoenix"}
    assert client.get("/hex.pm/api/packages").json() == {"which": "bare"}


def test_query_matches_exact_file_with_params_sorted_by_key(client: httpx.Client) -> None:
    response = client.get("/hex.pm/api/packages?sort=inserted_at&page=2")
    assert response.json() == {"which": "page+sort"}


def test_query_values_are_matched_decoded(client: httpx.Client) -> None:
    response = client.get(
        "/hn.algolia.com/api/v1/search_by_date", params={"tags": "story", "query": "elixir lang"}
    )
    assert response.status_code == 200
    assert response.json() == {"hits": []}


def test_query_subset_match_prefers_the_most_params(client: httpx.Client) -> None:
    extra = client.get(
        "/hex.pm/api/packages", params={"sort": "inserted_at", "page": "2", "x": "1"}
    )
    assert extra.json() == {"which": "page+sort"}
    other_page = client.get("/hex.pm/api/packages", params={"sort": "inserted_at", "page": "3"})
    assert other_page.json() == {"which": "sort"}


def test_subset_needs_equal_values(client: httpx.Client) -> None:
    response = client.get("/hex.pm/api/packages", params={"sort": "name"})
    assert response.json() == {"which": "bare"}


def test_unmatched_query_falls_back_to_bare_file(client: httpx.Client) -> None:
    assert client.get("/hex.pm/api/packages?page=9").json() == {"which": "bare"}


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/elixirforum.com/latest.json", "application/json; charset=utf-8"),
        ("/github.com/elixir-lang/elixir/releases.atom", "application/atom+xml; charset=utf-8"),
        ("/www.reddit.com/r/elixir.rss", "application/rss+xml"),
        ("/example.com/data.xml", "application/xml"),
        ("/example.com/page.html", "text/html; charset=utf-8"),
        ("/example.com/robots.txt", "text/plain; charset=utf-8"),
    ],
)
def test_extension_decides_content_type(client: httpx.Client, path: str, content_type: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/hex.pm/api/packages?sort=updated_at", "application/json; charset=utf-8"),
        ("/dashbit.co/feed", "application/atom+xml; charset=utf-8"),
        ("/example.com/rss-feed", "application/rss+xml"),
        ("/example.com/sitemap", "application/xml"),
    ],
)
def test_content_type_sniffed_without_extension(
    client: httpx.Client, path: str, content_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize(
    "target",
    [
        "/hex.pm/../../secret.txt",
        "/hex.pm/%2e%2e/%2e%2e/secret.txt",
        "/hex.pm/..%2f..%2fsecret.txt",
        "/..%2fsecret.txt",
        "/hex.pm/api/packages/../../../../secret.txt",
    ],
)
def test_traversal_is_refused(server: ReplayServer, target: str) -> None:
    status, body = raw_get(server, target)
    assert status == 404
    assert body == NOT_FOUND_BODY


def test_symlink_out_of_root_is_refused(root: Path, server: ReplayServer) -> None:
    (root / "hex.pm" / "leak.txt").symlink_to(root.parent / "secret.txt")
    assert raw_get(server, "/hex.pm/leak.txt") == (404, NOT_FOUND_BODY)


def test_slash_in_query_value_cannot_pick_another_file(root: Path) -> None:
    found = locate(root, "/hex.pm/api/packages", "x=/../../../secret.txt")
    assert found == root / "hex.pm/api/packages.json"


def test_missing_file_is_a_discourse_style_404(client: httpx.Client) -> None:
    response = client.get("/elixirforum.com/nope.json")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "errors": ["The requested URL or resource could not be found."],
        "error_type": "not_found",
    }


@pytest.mark.parametrize("path", ["/", "/hex.pm", "/hex.pm/", "/hex.pm/api/"])
def test_directories_are_not_served(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


# --- HTTP semantics ----------------------------------------------------------


def test_200_carries_strong_etag_last_modified_and_length(client: httpx.Client) -> None:
    response = client.get("/elixirforum.com/latest.json")
    etag = response.headers["etag"]
    assert not etag.startswith("W/")  # strong
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert response.headers["last-modified"] == email.utils.formatdate(FIXED_MTIME, usegmt=True)
    assert response.headers["content-length"] == str(len(FILES["elixirforum.com/latest.json"]))
    assert client.get("/elixirforum.com/latest.json").headers["etag"] == etag


def test_etag_follows_the_bytes(root: Path, client: httpx.Client) -> None:
    before = client.get("/elixirforum.com/latest.json").headers["etag"]
    (root / "elixirforum.com/latest.json").write_bytes(b'{"changed":true}')
    assert client.get("/elixirforum.com/latest.json").headers["etag"] != before


def test_if_none_match_gives_304_without_body(client: httpx.Client) -> None:
    etag = client.get("/hex.pm/api/packages").headers["etag"]
    response = client.get("/hex.pm/api/packages", headers={"If-None-Match": f'"other", {etag}'})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    stale = client.get("/hex.pm/api/packages", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_if_modified_since_not_older_than_mtime_gives_304(client: httpx.Client) -> None:
    same = email.utils.formatdate(FIXED_MTIME, usegmt=True)
    later = email.utils.formatdate(FIXED_MTIME + 3600, usegmt=True)
    older = email.utils.formatdate(FIXED_MTIME - 1, usegmt=True)
    path = "/hex.pm/api/packages"
    assert client.get(path, headers={"If-Modified-Since": same}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": later}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": older}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": "garbage"}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(client: httpx.Client) -> None:
    fresh = email.utils.formatdate(FIXED_MTIME, usegmt=True)
    headers = {"If-None-Match": '"other"', "If-Modified-Since": fresh}
    assert client.get("/hex.pm/api/packages", headers=headers).status_code == 200


def test_head_has_headers_but_no_body(client: httpx.Client) -> None:
    response = client.head("/github.com/elixir-lang/elixir/releases.atom")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(ATOM))
    assert "etag" in response.headers


def test_other_methods_are_refused(client: httpx.Client) -> None:
    response = client.post("/elixirforum.com/latest.json", content=b"{}")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


# --- faults ------------------------------------------------------------------


def test_status_fault_with_retry_after(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("/hex.pm/api/packages*", status=429, retry_after=7))
    response = client.get("/hex.pm/api/packages?sort=inserted_at")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert "etag" not in response.headers
    assert response.json()["errors"]


def test_fault_times_one_then_success(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("/hex.pm/api/packages", status=500, times=1))
    assert client.get("/hex.pm/api/packages").status_code == 500
    assert client.get("/hex.pm/api/packages").json() == {"which": "bare"}


def test_faults_apply_in_order_and_skip_used_up_ones(
    server: ReplayServer, client: httpx.Client
) -> None:
    server.add_fault(Fault("/hex.pm/*", status=503, times=1))
    server.add_fault(Fault("/hex.pm/*", status=502, times=1))
    statuses = [client.get("/hex.pm/api/packages").status_code for _ in range(3)]
    assert statuses == [503, 502, 200]


def test_fault_pattern_covers_the_query(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("/hex.pm/api/packages?sort=updated_at*", status=500))
    assert client.get("/hex.pm/api/packages?sort=updated_at&page=2").status_code == 500
    assert client.get("/hex.pm/api/packages?sort=inserted_at").status_code == 200


def test_clear_faults(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("*", status=500))
    server.clear_faults()
    assert client.get("/hex.pm/api/packages").status_code == 200


def test_delay_fault(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("/elixirforum.com/*", delay=0.2))
    started = time.monotonic()
    response = client.get("/elixirforum.com/latest.json")
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 200


def test_body_and_header_override(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("/x.com/*", status=200, body=b"<rss></rss>", headers={"X-Test": "1"}))
    response = client.get("/x.com/anything")
    assert response.status_code == 200
    assert response.content == b"<rss></rss>"
    assert response.headers["content-type"] == "application/rss+xml"
    assert response.headers["x-test"] == "1"
    etag = response.headers["etag"]
    assert client.get("/x.com/anything", headers={"If-None-Match": etag}).status_code == 304


def test_truncated_body_raises_on_read(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("/github.com/*", truncate_at=10, times=1))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get("/github.com/elixir-lang/elixir/releases.atom")
    assert client.get("/github.com/elixir-lang/elixir/releases.atom").content == ATOM


def test_reset_raises_transport_error(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("/hex.pm/*", reset=True, times=1))
    with pytest.raises(httpx.TransportError):
        client.get("/hex.pm/api/packages")
    assert client.get("/hex.pm/api/packages").status_code == 200


def test_redirect_is_followed_to_the_recording(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(
        Fault(
            "/www.reddit.com/r/elixir/.rss", redirect_to="/www.reddit.com/r/elixir.rss", status=301
        )
    )
    response = client.get("/www.reddit.com/r/elixir/.rss", follow_redirects=True)
    assert [r.status_code for r in response.history] == [301]
    assert response.content == RSS


def test_redirect_loop(server: ReplayServer, client: httpx.Client) -> None:
    server.add_fault(Fault("/a.com/one", redirect_to="/a.com/two"))
    server.add_fault(Fault("/a.com/two", redirect_to="/a.com/one"))
    assert client.get("/a.com/one").status_code == 302
    with pytest.raises(httpx.TooManyRedirects):
        client.get("/a.com/one", follow_redirects=True)


def test_redirect_to_another_scheme_is_sent_verbatim(
    server: ReplayServer, client: httpx.Client
) -> None:
    for target in ("file:///etc/passwd", "ftp://files.example/feed.atom"):
        server.add_fault(Fault("/a.com/away", redirect_to=target, times=1))
        response = client.get("/a.com/away")
        assert (response.status_code, response.headers["location"]) == (302, target)


def test_drip_sends_a_byte_at_a_time_under_the_read_timeout(
    server: ReplayServer, client: httpx.Client
) -> None:
    server.add_fault(Fault("/x.com/slow", status=200, body=b"0123456789", drip=0.1))
    started = time.monotonic()
    response = client.get("/x.com/slow", timeout=httpx.Timeout(5, read=0.5))
    took = time.monotonic() - started
    assert response.content == b"0123456789"
    assert took >= 0.9  # ten pauses of 0.1 s, each shorter than the read timeout


def test_encodings_are_applied_in_order_after_the_declared_one(
    server: ReplayServer, client: httpx.Client
) -> None:
    import gzip
    import zlib

    server.add_fault(Fault("/x.com/one", status=200, body=b"plain", encodings=("gzip",)))
    server.add_fault(Fault("/x.com/two", status=200, body=b"plain", encodings=("deflate", "gzip")))
    inner = gzip.compress(b"plain")
    declared = Fault(
        "/x.com/three",
        status=200,
        body=inner,
        headers={"content-encoding": "gzip"},
        encodings=("gzip",),
    )
    server.add_fault(declared)
    one = client.get("/x.com/one")
    assert one.headers["content-encoding"] == "gzip" and one.content == b"plain"
    two = client.get("/x.com/two")
    assert two.headers["content-encoding"] == "deflate, gzip"
    assert zlib.decompress(gzip.decompress(_raw(client, "/x.com/two"))) == b"plain"
    assert two.content == b"plain"  # httpx undoes both layers
    three = client.get("/x.com/three")
    assert three.headers["content-encoding"] == "gzip, gzip" and three.content == b"plain"


def _raw(client: httpx.Client, path: str) -> bytes:
    with client.stream("GET", path) as response:
        return b"".join(response.iter_raw())


def test_fault_rejects_negative_values() -> None:
    with pytest.raises(ValueError, match="delay"):
        Fault("*", delay=-1)
    with pytest.raises(ValueError, match="times"):
        Fault("*", times=-1)
    with pytest.raises(ValueError, match="drip"):
        Fault("*", drip=-0.1)
    with pytest.raises(ValueError, match="encodings"):
        Fault("*", encodings=("br",))


# --- request log, latency, concurrency, lifecycle ----------------------------


def test_request_log(server: ReplayServer, client: httpx.Client) -> None:
    before = time.time()
    client.get("/hex.pm/api/packages?sort=inserted_at", headers={"User-Agent": "gazette/test"})
    client.head("/elixirforum.com/latest.json")
    first, second = server.requests
    assert (first.method, first.path, first.query) == (
        "GET",
        "/hex.pm/api/packages",
        "sort=inserted_at",
    )
    assert first.headers["user-agent"] == "gazette/test"
    assert first.target == "/hex.pm/api/packages?sort=inserted_at"
    assert before <= first.time <= second.time <= time.time()
    assert (second.method, second.path, second.query) == (
        "HEAD",
        "/elixirforum.com/latest.json",
        "",
    )
    server.clear_requests()
    assert server.requests == []


def test_global_latency(root: Path) -> None:
    with ReplayServer(root, latency=0.15) as srv:
        started = time.monotonic()
        response = httpx.get(f"{srv.url}/hex.pm/api/packages", trust_env=False)
        assert time.monotonic() - started >= 0.15
        assert response.status_code == 200


def test_concurrent_connections_are_served_in_parallel(root: Path) -> None:
    count, latency = 60, 0.2
    limits = httpx.Limits(max_connections=count)
    with (
        ReplayServer(root, latency=latency) as srv,
        httpx.Client(base_url=srv.url, limits=limits, trust_env=False, timeout=10) as c,
        ThreadPoolExecutor(count) as pool,
    ):
        started = time.monotonic()
        statuses = list(pool.map(lambda _: c.get("/hex.pm/api/packages").status_code, range(count)))
        elapsed = time.monotonic() - started
    assert statuses == [200] * count
    assert elapsed < count * latency / 4  # serial would take count * latency
    assert len(srv.requests) == count


def test_binds_other_loopback_addresses(root: Path) -> None:
    try:
        srv = ReplayServer(root, host="127.0.0.2").start()
    except OSError as exc:  # pragma: no cover - platforms with only 127.0.0.1
        pytest.skip(f"127.0.0.2 not bindable: {exc}")
    with srv:
        assert srv.url == f"http://127.0.0.2:{srv.port}"
        assert httpx.get(f"{srv.url}/hex.pm/api/packages", trust_env=False).status_code == 200


def test_lifecycle_errors(root: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ReplayServer(root / "missing")
    srv = ReplayServer(root)
    with pytest.raises(RuntimeError):
        _ = srv.url
    srv.start()
    with pytest.raises(RuntimeError):
        srv.start()
    srv.stop()
    srv.stop()  # idempotent


def test_serve_forever_prints_one_line_and_stops_on_ctrl_c(root: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    code = f"from gazette.replay import serve_forever; serve_forever({str(root)!r}, port=0)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        prefix = f"Replaying {root} on http://127.0.0.1:"
        assert line.startswith(prefix)
        url = line.removeprefix("Replaying ").split(" on ", 1)[1]
        assert httpx.get(f"{url}/hex.pm/api/packages", trust_env=False).status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=5)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out == ""
    assert err == ""  # quiet: no per-request logging
