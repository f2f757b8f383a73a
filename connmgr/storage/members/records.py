"""What a workspace's database says of the workspace and its members: public facts only (ids, names, public
keys), as the store read them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkspaceInfo:
    id: str
    name: str
    generation: int  # of the key in use


@dataclass(frozen=True)
class MemberRecord:
    name: str
    public_key: bytes
    admin: bool
    approved_by: bytes | None  # the approving admin's public key; None while the request waits
    requested_at: float
    approved_at: float | None

    @property
    def approved(self) -> bool:
        return self.approved_by is not None
