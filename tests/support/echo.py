"""A vendor that quotes back what it was sent: every request is refused with an OAuth error whose description holds
the request's header values (bare, without their names) and its body. Verbose servers do this, hostile ones too."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.simulators.server import LocalServer
from tests.simulators.wire import Request, Response

_PLAIN = {"host", "accept", "accept-encoding", "connection", "user-agent", "content-length", "content-type"}


def _refuse(request: Request) -> Response:
    sent = [value for name, value in request.headers.items() if name not in _PLAIN]
    sent.append(request.body.decode("utf-8", "replace"))
    described = "unknown credentials " + " ".join(sent)
    body = json.dumps({"error": "invalid_request", "error_description": described, "message": described})
    return Response(400, body.encode(), "application/json")


@pytest.fixture
def echo_server() -> Iterator[str]:
    """The base URL of a server refusing every request with what it was sent."""
    server = LocalServer(_refuse)
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()
