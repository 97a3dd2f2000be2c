"""Talks to ``pagefind --service``: custom records in, an index folder out.

Pagefind's own Python client (``pagefind.index``) reads one reply per tenth of
a second, so an archive of thousands of stories would take minutes. The
protocol is small (base64 JSON messages, each followed by a comma), so this
module speaks it directly: a thread writes every request while the caller reads
the replies as fast as pagefind sends them. Pagefind then reads no HTML at all:
it indexes only the records it is given.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from gazette.errors import RenderError
from gazette.search_records import StoryRecord


class SearchError(RenderError):
    """Pagefind is missing, failed or took too long."""


def run_service(
    binary: Path,
    bundles: Mapping[str, Sequence[StoryRecord]],
    language: str,
    output: Path,
    timeout: float,
    site_dir: Path,
) -> None:
    """Index each bundle's records and write it into ``output/<name>/``, all in
    one pagefind process; a SearchError (one line) when pagefind fails or does
    not finish within ``timeout``."""
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                [str(binary), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        except OSError as exc:
            raise SearchError(f"cannot run pagefind ({binary}): {exc.strerror or exc}") from None
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            process.kill()

        watchdog = threading.Timer(timeout, stop)
        watchdog.start()
        try:
            _converse(process, bundles, language, output)
        except (_Failed, OSError) as failure:  # OSError: a broken pipe to a pagefind that quit
            process.kill()
            process.wait()
            if timed_out.is_set():
                raise SearchError(
                    f"pagefind did not finish within {timeout:g} s; stopped it"
                ) from None
            errors.seek(0)
            lines = [line for line in errors.read().decode("utf-8", "replace").splitlines()]
            lines = [line.strip() for line in lines if line.strip()]
            detail = lines[-1] if lines else str(failure)
            raise SearchError(f"pagefind failed on {site_dir}: {detail}") from None
        finally:
            watchdog.cancel()
        _close(process)


class _Failed(Exception):
    pass


def _converse(
    process: subprocess.Popen[bytes],
    bundles: Mapping[str, Sequence[StoryRecord]],
    language: str,
    output: Path,
) -> None:
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None and stdout is not None
    replies = _Replies(stdout)
    ids = itertools.count()
    for name, records in bundles.items():
        _index_one(stdin, replies, ids, records, language, output / name)
    _settle(output)


def _settle(output: Path, limit: float = 5.0) -> None:
    """Wait until pagefind's files stop changing. It answers WriteFiles while
    some of its writes (the wasm, the highlight script) are still under way,
    and it drops them when its input closes: copied then, a file can be empty."""
    deadline = time.monotonic() + limit
    before: dict[str, int] | None = None
    while time.monotonic() < deadline:
        sizes = {p.as_posix(): p.stat().st_size for p in output.rglob("*") if p.is_file()}
        if sizes == before and all(sizes.values()):
            return
        before = sizes
        time.sleep(0.05)


def _index_one(
    stdin: IO[bytes],
    replies: _Replies,
    ids: Iterator[int],
    records: Sequence[StoryRecord],
    language: str,
    output: Path,
) -> None:
    # Pagefind does not detect a language from custom records; every record
    # carries the site's, and the bundle has one index for it.
    _send(stdin, next(ids), {"type": "NewIndex", "config": {"force_language": language}})
    created = replies.next()
    index_id = created.get("index_id")
    if created.get("type") != "NewIndex" or not isinstance(index_id, int):
        raise _Failed(f"pagefind did not create an index: {created}")

    def requests() -> Iterator[dict[str, Any]]:
        for record in records:
            yield {
                "type": "AddRecord",
                "index_id": index_id,
                "url": record.url,
                "content": record.content,
                "language": language,
                "meta": record.meta(),
                "filters": record.filters(),
            }
        yield {"type": "WriteFiles", "index_id": index_id, "output_path": str(output)}

    failed: list[BaseException] = []

    def write_all() -> None:
        try:
            for request in requests():
                _send(stdin, next(ids), request)
        except (OSError, ValueError) as exc:  # pagefind went away; the reader says why
            failed.append(exc)

    writer = threading.Thread(target=write_all, daemon=True)
    writer.start()
    try:
        for _ in range(len(records) + 1):
            reply = replies.next()
            if reply.get("type") == "Error":
                raise _Failed(str(reply.get("message") or reply))
    finally:
        writer.join()
    if reply.get("type") != "WriteFiles":
        raise _Failed(f"pagefind did not write the index: {reply.get('type')}")


def _send(stdin: IO[bytes], message_id: int, payload: dict[str, Any]) -> None:
    message = json.dumps({"message_id": message_id, "payload": payload}).encode("utf-8")
    stdin.write(base64.b64encode(message) + b",")
    stdin.flush()


class _Replies:
    """Pagefind's replies, each a base64 message ending in a comma (which base64
    never contains), read in large chunks."""

    def __init__(self, stdout: IO[bytes]) -> None:
        self._stdout = stdout
        self._buffer = bytearray()

    def next(self) -> dict[str, Any]:
        while (end := self._buffer.find(b",")) < 0:
            chunk = self._stdout.read1(1 << 16)  # type: ignore[attr-defined]
            if not chunk:
                raise _Failed("pagefind stopped before it answered")
            self._buffer += chunk
        raw = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            reply = json.loads(base64.b64decode(raw))
        except ValueError:
            raise _Failed("pagefind sent a reply that cannot be read") from None
        payload = reply.get("payload") if isinstance(reply, dict) else None
        if not isinstance(payload, dict):
            raise _Failed("pagefind sent a reply without a payload")
        return payload


def _close(process: subprocess.Popen[bytes]) -> None:
    """End the service: it waits for more requests until its input closes."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
