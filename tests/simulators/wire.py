"""Requests and responses as the simulators see them, independent of the HTTP server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Request:
    """One request as received; `Simulator.requests` keeps these so tests can check the wire format."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    raw_query: str = ""

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased ("" when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def query_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.raw_query, keep_blank_values=True)

    def form_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def form(self) -> dict[str, str]:
        return dict(self.form_items())

    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(payload: object, status: int = 200) -> Response:
    return Response(status, json.dumps(payload).encode(), "application/json")


def html_response(html: str, status: int = 200) -> Response:
    return Response(status, html.encode(), "text/html; charset=utf-8")


def redirect_response(location: str) -> Response:
    return Response(302, b"", headers={"Location": location})


def unique_items(items: list[tuple[str, str]]) -> dict[str, str] | None:
    """The items as a dict, or None when a name repeats: an ambiguous request is refused, not guessed."""
    result = dict(items)
    return result if len(result) == len(items) else None


class Rejected(Exception):
    """Raised by a handler to answer with `response`; keeps validation code a straight line of checks."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response
