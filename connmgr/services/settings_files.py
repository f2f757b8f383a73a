"""A connection's settings in a file of their own, without secrets, and back: what `connmgr describe` prints and
`connect --from` reads, and the window's "Save settings as…" and "Connect from file…"."""

from __future__ import annotations

from pathlib import Path

from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConfigError
from connmgr.domain.settings_file import MAX_SETTINGS_BYTES, Settings, read_settings, settings_text
from connmgr.domain.template import TemplateCatalog
from connmgr.services.envwriter import write_atomically


def read_settings_file(path: Path, catalog: TemplateCatalog) -> Settings:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SETTINGS_BYTES + 1)  # a huge file is not read whole
    except OSError as exc:
        raise ConfigError(f"Settings file {path}", f"it cannot be read ({exc.strerror})", "check the path") from None
    return read_settings(data, str(path), catalog)


def describe(connection: Connection, catalog: TemplateCatalog) -> str:
    return settings_text(catalog.get(connection.template_id), connection.flow, connection.values)


def write_settings_file(path: Path, connection: Connection, catalog: TemplateCatalog) -> None:
    """Written whole or not at all, private to the person (0600) like every file connmgr writes."""
    try:
        write_atomically(path, describe(connection, catalog))
    except OSError as exc:
        raise ConfigError(f"Settings file {path}", f"it cannot be written ({exc.strerror})", "choose another") from None
