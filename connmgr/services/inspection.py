"""Looking at saved connections without changing them: what the details pane and the identity check need."""

from __future__ import annotations

from collections.abc import Mapping

from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.provider import saved_provider
from connmgr.domain.template import TemplateCatalog
from connmgr.storage.interface import ConnectionStore

SECRET_STAND_IN = "•"  # lets endpoints render without reading a secret


def endpoints_of(catalog: TemplateCatalog, connection: Connection) -> Mapping[str, str]:
    """The endpoints a connection uses, from metadata alone (no keyring); empty if its template is gone."""
    try:
        template = catalog.get(connection.template_id)
        stand_ins = {f.name: SECRET_STAND_IN for f in template.fields_for(connection.flow) if f.secret}
        provider = saved_provider(catalog, connection, stand_ins)
    except ConnmgrError:
        return {}
    return provider.endpoints


async def same_identity(store: ConnectionStore, template_id: str, account: str | None) -> list[Connection]:
    """Saved connections to the same vendor account: connecting it twice is the likeliest mistake."""
    if not account:
        return []
    return [c for c in await store.list_connections() if c.template_id == template_id and c.account == account]
