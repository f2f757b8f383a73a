"""Registered clients and users, and what a code or token stands for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Option = str | bool
Access = Literal["user", "account"]


@dataclass(frozen=True)
class Client:
    client_id: str
    redirect_uris: tuple[str, ...]
    client_secret: str | None = None
    options: Mapping[str, Option] = field(default_factory=dict)  # vendor-specific, e.g. vcita's "trusted"

    @property
    def redirect_uri(self) -> str:
        """The first registered redirect URI."""
        return self.redirect_uris[0]

    def allows_redirect(self, uri: str) -> bool:
        # Plain string equality, query string included: no normalising, no prefix matching.
        return uri in self.redirect_uris


@dataclass(frozen=True)
class User:
    id: int
    username: str
    password: str
    email: str
    name: str
    admin: bool = False
    options: Mapping[str, Option] = field(default_factory=dict)

    @property
    def first_name(self) -> str:
        return self.name.partition(" ")[0]

    @property
    def last_name(self) -> str:
        return self.name.partition(" ")[2]


@dataclass(frozen=True)
class Grant:
    """Who authorised which client, and how they asked: what every code and token stands for."""

    client: Client
    user: User
    redirect_uri: str | None = None
    scope: str | None = None
    access: Access = "user"  # VaultRE tells account ("third party") tokens from user tokens
