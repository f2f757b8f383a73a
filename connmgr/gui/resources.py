"""Icons, compiled from resources/ into a Qt resource module (scripts/build-resources)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from connmgr.gui import resources_rc  # noqa: F401  (registers the ":/" resources on import)


@cache
def vendor_icon(template_id: str) -> QIcon:
    """The vendor's badge; templates of a person's own get the generic OAuth one."""
    icon = QIcon(f":/icons/vendors/{template_id}.svg")
    return icon if not icon.isNull() else QIcon(":/icons/vendors/oauth2.svg")


@cache
def action_icon(name: str) -> QIcon:
    return QIcon(f":/icons/actions/{name}.svg")


def app_icon() -> QIcon:
    return QIcon(":/icons/connmgr.svg")
