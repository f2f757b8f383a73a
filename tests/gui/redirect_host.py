"""A stand-in for every host that is not this machine: a local HTTP proxy that QtWebEngine sends them to.

QtWebEngine follows Qt's application proxy and, as Chromium does, goes to
loopback addresses directly; so the test's own pages load as usual, while a
request for any other host, however its name is spelled (`bücher.test`,
`APP.test:80`), arrives here, where it is counted and answered with a page.
A `CONNECT` (HTTPS, or a WebSocket) is counted and refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from PySide6.QtNetwork import QNetworkProxy


@dataclass(frozen=True)
class ProxiedRequest:
    method: str
    host: str  # as the browser named it: punycode, lowercase, with a port other than the default
    target: str  # the absolute URL of a GET, host:port of a CONNECT


class _Handler(BaseHTTPRequestHandler):
    server: OtherHosts

    def do_GET(self) -> None:
        self._answer(200, b"<p>the stand-in for every other host</p>")

    def do_POST(self) -> None:
        self._answer(200, b"")

    def do_CONNECT(self) -> None:
        self._answer(502, b"")

    def _answer(self, status: int, body: bytes) -> None:
        host = self.headers.get("Host") or urlsplit(self.path).netloc
        self.server.record(ProxiedRequest(self.command, host, self.path))
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Access-Control-Allow-Origin", "*")  # a test page's fetch may read it, without a warning
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: `requests` is the log."""


class OtherHosts(ThreadingHTTPServer):
    """The stand-in's server, which keeps what reached it."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._requests: list[ProxiedRequest] = []
        self._lock = threading.Lock()

    def record(self, request: ProxiedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def requests_for(self, host: str) -> list[ProxiedRequest]:
        """Every request for `host` (lowercase, punycode), on whatever port."""
        with self._lock:
            return [r for r in self._requests if urlsplit(f"//{r.host}").hostname == host]


@contextmanager
def other_hosts_stand_in() -> Iterator[OtherHosts]:
    server = OtherHosts()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    previous = QNetworkProxy.applicationProxy()
    QNetworkProxy.setApplicationProxy(QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, "127.0.0.1", server.server_port))
    try:
        yield server
    finally:
        QNetworkProxy.setApplicationProxy(previous)
        server.shutdown()
        server.server_close()
        thread.join()
