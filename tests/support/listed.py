"""What the list's and the table's tests share, without Qt: the catalog, a clock moved by hand, connections made in
a line."""

from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.templates import load_catalog

CATALOG = load_catalog().catalog
T0 = 1_800_000_000.0


class Clock:
    def __init__(self):
        self.t = T0

    def __call__(self):
        return self.t


def conn(name, **kw):
    """A connection named `name`, issued at T0 unless told otherwise."""
    kw.setdefault("issued_at", T0)
    return Connection(id=name, name=name, template_id="docbyte", flow=Flow.CLIENT_CREDENTIALS, values={}, **kw)
