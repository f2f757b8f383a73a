"""Why an attempt to connect ended without a connection, as the Connect dialog shows it; no Qt."""

from __future__ import annotations

from dataclasses import dataclass

from connmgr.domain.errors import ConnmgrError


@dataclass(frozen=True)
class Failure:
    """One sentence, shown in the dialog until the person changes something.

    `field`: the template field it most likely concerns, beside which it is shown; None, or a field not on the
    form, puts it under the form. `by_person`: the person stopped it (cancel, deny), said plainly, not in red.
    """

    sentence: str
    field: str | None = None
    by_person: bool = False

    @classmethod
    def of(cls, error: ConnmgrError) -> Failure:
        return cls(error.sentence, error.field)
