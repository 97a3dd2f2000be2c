"""Talks to ``pagefind --service``: custom records in, the index's files out.

Pagefind's own Python client (``pagefind.index``) reads one reply per tenth of
a second, so an archive of thousands of stories would take minutes. The
protocol is small (base64 JSON messages, each followed by a comma), so this
module speaks it directly: a thread writes every request while the caller reads
the replies as fast as pagefind sends them. Pagefind then reads no HTML at all:
it indexes only the records it is given.

The index comes back in pagefind's reply (GetFiles), not written by pagefind
into a folder: the caller writes only the files the site serves, where they
belong, and nothing is left behind when a run is killed. (Pagefind's own
WriteFiles also answers before some of its writes are done, and writes 420 KB
of search widgets a bundle that the site does not use.)
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from gazette.errors import RenderError
from gazette.search_records import StoryRecord


class SearchError(RenderError):
    """Pagefind is missing, failed or took too long."""


# Called with a bundle's name and its files (path in the bundle -> bytes).
Deliver = Callable[[str, dict[str, bytes]], None]


def run_service(
    binary: Path,
    bundles: Mapping[str, Sequence[StoryRecord]],
    language: str,
    deliver: Deliver,
    timeout: float,
    site_dir: Path,
) -> None:
    """Index each bundle's records, all in one pagefind process, and hand each
    bundle's files to ``deliver`` as soon as pagefind sends them; a SearchError
    (one line) when pagefind fails or does not finish within ``timeout``."""
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
            _converse(process, bundles, language, deliver)
        except _Failed as failure:
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
        except BaseException:  # ``deliver`` failed (a full disk): it says why
            process.kill()
            process.wait()
            raise
        finally:
            watchdog.cancel()
        _close(process)


class _Failed(Exception):
    """Pagefind failed, went away or sent what it should not."""


def _converse(
    process: subprocess.Popen[bytes],
    bundles: Mapping[str, Sequence[StoryRecord]],
    language: str,
    deliver: Deliver,
) -> None:
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None and stdout is not None
    replies = _Replies(stdout)
    ids = itertools.count()
    for name, records in bundles.items():
        index_id = _index_one(stdin, replies, ids, records, language)
        _send(stdin, next(ids), {"type": "GetFiles", "index_id": index_id})
        reply = replies.next()
        # Each bundle's index is dropped once its files are out: a process that
        # indexes several bundles holds one at a time.
        _send(stdin, next(ids), {"type": "DeleteIndex", "index_id": index_id})
        deliver(name, _files(reply))
        if (deleted := replies.next()).get("type") != "DeleteIndex":
            raise _Failed(f"pagefind did not drop the index: {deleted.get('type')}")


def _files(reply: dict[str, Any]) -> dict[str, bytes]:
    """The files of a GetFiles reply (path in the bundle -> bytes)."""
    listed = reply.get("files") if reply.get("type") == "GetFiles" else None
    if not isinstance(listed, list):
        raise _Failed(f"pagefind did not send the index: {reply.get('type')}")
    files: dict[str, bytes] = {}
    for file in listed:
        path = file.get("path") if isinstance(file, dict) else None
        content = file.get("content") if isinstance(file, dict) else None
        if not isinstance(path, str) or not isinstance(content, str):
            raise _Failed("pagefind sent a file without a path or content")
        path = path.lstrip("/")
        if not path or ".." in path.split("/"):
            raise _Failed(f"pagefind sent a file outside its bundle: {path!r}")
        files[path] = base64.b64decode(content)
    return files


def _index_one(
    stdin: IO[bytes],
    replies: _Replies,
    ids: Iterator[int],
    records: Sequence[StoryRecord],
    language: str,
) -> int:
    """A new index of ``records``; returns its id."""
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

    def write_all() -> None:
        # When pagefind goes away, the reader below says why.
        with contextlib.suppress(_Failed):
            for request in requests():
                _send(stdin, next(ids), request)

    writer = threading.Thread(target=write_all, daemon=True)
    writer.start()
    try:
        for _ in records:
            reply = replies.next()
            if reply.get("type") != "IndexedFile":
                raise _Failed(str(reply.get("message") or reply))
    finally:
        writer.join()
    return index_id


def _send(stdin: IO[bytes], message_id: int, payload: dict[str, Any]) -> None:
    message = json.dumps({"message_id": message_id, "payload": payload}).encode("utf-8")
    try:
        stdin.write(base64.b64encode(message) + b",")
        stdin.flush()
    except (OSError, ValueError) as exc:  # a broken pipe, or closed when it was stopped
        raise _Failed(f"pagefind stopped reading: {exc}") from None


class _Replies:
    """Pagefind's replies, each a base64 message ending in a comma (which base64
    never contains), read in large chunks."""

    def __init__(self, stdout: IO[bytes]) -> None:
        self._stdout = stdout
        self._buffer = bytearray()

    def next(self) -> dict[str, Any]:
        # A bundle's files are one reply of megabytes: each chunk is searched
        # for the comma, not the whole buffer again.
        searched = 0
        while (end := self._buffer.find(b",", searched)) < 0:
            searched = len(self._buffer)
            try:
                chunk = self._stdout.read1(1 << 20)  # type: ignore[attr-defined]
            except (OSError, ValueError) as exc:
                raise _Failed(f"pagefind's answer cannot be read: {exc}") from None
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
