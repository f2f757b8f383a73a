"""What the table's tests share: the catalog, a clock moved by hand, connections made in a line, the rows shown."""

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon

from connmgr.domain.connection import Connection
from connmgr.gui.connections_model import ConnectionsModel
from connmgr.gui.main_window import MainWindow
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
    return Connection(id=name, name=name, template_id="docbyte", flow="client_credentials", values={}, **kw)


def model_with(clock, *connections):
    model = ConnectionsModel(CATALOG, lambda _: QIcon(), now=clock)
    model.set_connections(connections)
    return model


def window_over(qtbot, tmp_path, model):
    """The main window over `model`, its settings in `tmp_path`, closed with the test."""
    window = MainWindow(model, CATALOG, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def names(window):
    """The names in the table, top to bottom, as the window shows them (after its search)."""
    return [window.proxy.index(r, 0).data() for r in range(window.proxy.rowCount())]
