"""An HTTP server on a loopback address, serving from a background thread.

``gazette preview`` and the replay server (``gazette replay``, the tests, the
benchmarks) both run one; this is the part they share: bind, serve in a daemon
thread, stop and release the port, wait for Ctrl-C, and the context manager.
Each subclass says only how its server is made (``_bind``). ``Background``,
the context manager alone, is also the studio's (uvicorn runs its own loop).
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose handler threads never keep the process alive,
    on an IPv4 or IPv6 (``::1``) address."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)


class Background:
    """Something started in a background thread and stopped again (a server):
    the context manager both kinds of server share. Subclasses give ``start``,
    ``stop`` and ``running``."""

    @property
    def running(self) -> bool:
        raise NotImplementedError

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        # Accept an already started one: `with Server(...).start() as server`.
        return self if self.running else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class LoopbackServer(Background):
    """A server running in a background thread.

    Use as a context manager (``with Server(...) as server: server.url``) or call
    :meth:`start` and :meth:`stop`. ``port=0`` picks a free port.
    """

    name = "server"  # in messages and the thread's name
    poll_interval = 0.5  # how long stop() may wait for the serving loop to notice

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self._requested_port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _bind(self) -> ThreadingHTTPServer:
        """The bound server (not yet serving); OSError when the port is taken."""
        raise NotImplementedError

    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns self for chaining."""
        if self._httpd is not None:
            raise RuntimeError(f"{self.name} already started")
        self._httpd = self._bind()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            name=f"gazette-{self.name}-{self.port}".replace(" ", "-"),
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join()

    def wait(self) -> None:
        """Block until the server stops (or Ctrl-C in the main thread)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)  # a timed join keeps Ctrl-C responsive

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        return int(self._bound().server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _bound(self) -> ThreadingHTTPServer:
        if self._httpd is None:
            raise RuntimeError(
                f"{self.name} is not running; call start() or use it as a context manager"
            )
        return self._httpd
