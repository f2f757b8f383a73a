"""What the Connect dialog hands back: everything needed to start one connection, no Qt."""

from __future__ import annotations

from dataclasses import dataclass, field

from connmgr.domain.dialect import Flow


@dataclass(frozen=True)
class ConnectRequest:
    """A connection to start, as the person filled it in.

    `values` holds only non-empty values of the fields that apply to `flow`, transient ones (a password)
    included: the caller uses those once and never stores them.
    """

    name: str
    template_id: str
    flow: Flow
    values: dict[str, str] = field(repr=False)  # may hold secrets
    use_system_browser: bool
