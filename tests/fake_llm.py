"""The parts of a fake OpenAI-compatible server that the LLM tests share: a
handler base that writes replies, a completion in the endpoint's shape, and a
server on loopback (``gazette.loopback``, as the replay server runs)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

from gazette.loopback import LoopbackHTTPServer, LoopbackServer


class ReplyingHandler(BaseHTTPRequestHandler):
    def _send(self, status: int, payload: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (the timeout tests)
            self.wfile.write(payload)

    def _json_body(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
        )
        return body

    def log_message(self, format: str, *args: object) -> None:
        pass


def completion(model: str, content: str) -> bytes:
    """A chat.completion answer holding ``content``."""
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
    ).encode()


class _FakeServer(LoopbackServer):
    name = "fake llm"
    poll_interval = 0.05

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__("127.0.0.1", 0)
        self._handler = handler

    def _bind(self) -> LoopbackHTTPServer:
        return LoopbackHTTPServer((self.host, self._requested_port), self._handler)


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve ``handler`` on a free loopback port for the block; yields the port."""
    with _FakeServer(handler) as server:
        yield server.port
