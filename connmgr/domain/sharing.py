"""A connection kept in a team's workspace rather than in this home, as the window marks it, and what the window
last saw of the workspace's connections."""

from __future__ import annotations

from dataclasses import dataclass

from connmgr.domain.connection import Connection


class Shared:
    """Which workspace keeps the connection, the member who connected it (None: not known), and whether the
    workspace answers now (offline: what is shown of it is what was last known). A plain class, not a dataclass:
    the list imports it before the window's first paint."""

    __slots__ = ("connected_by", "offline", "workspace")

    def __init__(self, workspace: str, connected_by: str | None = None, *, offline: bool = False) -> None:
        self.workspace = workspace
        self.connected_by = connected_by
        self.offline = offline

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shared) and (self.workspace, self.connected_by, self.offline) == (
            other.workspace,
            other.connected_by,
            other.offline,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Shared({self.workspace!r}, {self.connected_by!r}, offline={self.offline})"

    @property
    def description(self) -> str:
        """ "Shared in workspace Support, connected by alice", and that it is offline when it is."""
        by = f", connected by {self.connected_by}" if self.connected_by else ""
        offline = " (offline: as last known)" if self.offline else ""
        return f"Shared in workspace {self.workspace}{by}{offline}"


@dataclass(frozen=True)
class LastKnown:
    """The workspace's connections as last listed: metadata only, with who connected each."""

    workspace: str  # its name, as its database said
    connections: tuple[Connection, ...]
    connected_by: dict[str, str]  # connection id -> member
