"""What the table's tests share: the list's helpers (re-exported), the model over them, the window, the rows shown."""

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon

from connmgr.gui.connections_model import ConnectionsModel
from connmgr.gui.main_window import MainWindow
from connmgr.listing import ConnectionRows
from tests.support.listed import CATALOG, T0, Clock, conn

__all__ = ["CATALOG", "T0", "Clock", "conn", "model_with", "names", "window_over"]


def model_with(clock, *connections):
    rows = ConnectionRows(CATALOG, now=clock)
    rows.reset(connections)
    return ConnectionsModel(rows, lambda _: QIcon())


def window_over(qtbot, tmp_path, model):
    """The main window over `model`, its settings in `tmp_path`, closed with the test."""
    window = MainWindow(model, CATALOG, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def names(window):
    """The names in the table, top to bottom, as the window shows them (after its search)."""
    return [window.proxy.index(r, 0).data() for r in range(window.proxy.rowCount())]
