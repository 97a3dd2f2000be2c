"""The studio served by uvicorn: in the foreground (``gazette studio``) or in a
background thread (the tests), on a socket bound before serving starts, so the
URL is known (and printed) at once, even for port 0."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Self

import uvicorn

from gazette.config import Settings
from gazette.errors import BadArgument, PortUnavailable
from gazette.loopback import Background
from gazette.studio.guard import Rules, allowed_hosts, is_loopback, new_token
from gazette.studio.session import Session

PASSWORD_ENV = "GAZETTE_STUDIO_PASSWORD"


class StudioServer(Background):
    """``with StudioServer(settings, week, db) as server: server.url``."""

    def __init__(
        self,
        settings: Settings,
        week: str,
        db_path: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        password: str | None = None,
    ) -> None:
        if not is_loopback(host) and not password:
            raise BadArgument(
                "host",
                f"{host} is not a loopback address: serving beyond this machine needs a"
                f" password (set {PASSWORD_ENV})",
            )
        self.host = host
        self.token = new_token()
        self.password = password or None
        self.session = Session(settings, week, db_path)
        self._socket = _bind(host, port)
        self.port = int(self._socket.getsockname()[1])
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    def _uvicorn(self) -> uvicorn.Server:
        from gazette.studio.app import Studio, create_app

        wildcard = self.host in ("0.0.0.0", "::")
        rules = Rules(
            frozenset() if wildcard else allowed_hosts(self.host, self.port),
            self.port,
            self.token,
            self.password,
        )
        app = create_app(Studio(self.session, self.token), rules)
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        return uvicorn.Server(config)

    def run(self) -> None:
        """Serve in this thread until Ctrl-C."""
        server = self._uvicorn()
        server.run(sockets=[self._socket])

    def start(self) -> Self:
        """Serve from a daemon thread; returns once the server answers."""
        server = self._uvicorn()
        self._server = server
        self._thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [self._socket]},
            name=f"gazette-studio-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(10)
        self._socket.close()

    @property
    def running(self) -> bool:
        return self._thread is not None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortUnavailable(
            f"cannot serve the studio on {host}:{port}: {exc.strerror or exc}"
        ) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock
