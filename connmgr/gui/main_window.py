"""The connections window: the table, the details beside it, the actions above it.

The window only shows and asks; what the actions do lives in the controller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QToolButton,
    QWidget,
)

from connmgr.domain.connection import Connection
from connmgr.domain.template import TemplateCatalog
from connmgr.gui.busy_spinner import BusySpinnerDelegate
from connmgr.gui.connections_model import CONNECTION_ROLE, SEARCH_ROLE, ConnectionsModel
from connmgr.gui.countdown_delegate import CountdownDelegate
from connmgr.gui.details_pane import DetailsPane
from connmgr.gui.empty_state import EmptyState
from connmgr.gui.resources import app_icon
from connmgr.gui.row_actions import RowActions
from connmgr.gui.workspace_actions import WorkspaceActions
from connmgr.listing import Column, ConnectionRows

MESSAGE_MS = 8000


class SearchProxy(QSortFilterProxyModel):
    """The search box's filter, over each row's searched text (the model's SEARCH_ROLE: name, vendor, account and
    status, one call into Python a row). Sorting it hands to the model, which sorts with one key per row (see
    connections_model); sorted here, every comparison and every tick would call into Python.

    Qt's own re-checking of changed rows (dynamic filtering) is off: it checks again every row a change names, and
    each tick names every row's countdown, which with thousands of rows and a search typed takes far longer than a
    tick may.
    Instead, while there is a search, the rows a change may touch the searched text of (a status turning, a
    connection saved) are checked a moment later, those rows only, since such changes come in bursts (many
    refreshes ending together); only if one of them now goes the other way is the whole filter run again.
    """

    RECHECK_MS = 200

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(False)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterKeyColumn(Column.NAME)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._searching = False
        self._changed: list[QPersistentModelIndex] = []  # rows to check again; persistent, as rows move meanwhile
        self._recheck = QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.setInterval(self.RECHECK_MS)
        self._recheck.timeout.connect(self.flush)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        super().setSourceModel(model)
        model.dataChanged.connect(self._on_source_changed)

    def search(self, text: str) -> None:
        self._searching = bool(text)
        self._recheck.stop()
        self._changed.clear()  # the filter runs on every row now
        self.setFilterFixedString(text)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)

    def flush(self) -> None:
        """Check the changed rows against the search now (before acting on what the table shows)."""
        self._recheck.stop()
        changed, self._changed = self._changed, []
        root = QModelIndex()
        source = self.sourceModel()
        if any(
            self.filterAcceptsRow(index.row(), root) != self.mapFromSource(source.index(index.row(), 0)).isValid()
            for index in changed
            if index.isValid()
        ):
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _on_source_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Sequence[int] = ()) -> None:
        if not self._searching or (roles and SEARCH_ROLE not in roles):
            return
        source = self.sourceModel()
        self._changed.extend(
            QPersistentModelIndex(source.index(row, 0)) for row in range(top_left.row(), bottom_right.row() + 1)
        )
        if not self._recheck.isActive():
            self._recheck.start()


class ConnectionsTable(QTableView):
    """A table view that repaints, of a change, only the rows on screen.

    Each tick announces a change to every row's countdown; for so tall a range Qt repaints the whole viewport
    (every cell of every visible row, each one asking the model in Python), where only the visible countdowns
    changed. Narrowed to the rows on screen, the range is small enough for Qt to repaint just its cells.
    """

    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        first_shown = self.rowAt(0)
        last_shown = self.rowAt(self.viewport().height() - 1)
        if last_shown < 0:  # the rows end above the viewport's bottom
            last_shown = self.model().rowCount() - 1
        top, bottom = max(topLeft.row(), first_shown), min(bottomRight.row(), last_shown)
        if first_shown < 0 or top > bottom or topLeft.parent().isValid():
            # Nothing of it on screen, or not a plain table row range: Qt's way.
            super().dataChanged(topLeft, bottomRight, roles)
            return
        model = self.model()
        super().dataChanged(model.index(top, topLeft.column()), model.index(bottom, bottomRight.column()), roles)


class MainWindow(QMainWindow):
    selection_changed = Signal()
    closing = Signal()  # not where a tray turns closing into hiding (see tray.Tray)
    quit_requested = Signal()  # File > Quit: the app ends, tray or not

    def __init__(self, model: ConnectionsModel, catalog: TemplateCatalog, settings: QSettings) -> None:
        super().__init__()
        self.setWindowTitle("connmgr")
        self.setWindowIcon(app_icon())
        self.model = model
        self.catalog = catalog
        self._settings = settings
        self.actions_ = RowActions(self)
        self.workspace_actions = WorkspaceActions(self)

        self.proxy = SearchProxy(self)
        self.proxy.setSourceModel(model)

        self.table = ConnectionsTable()
        # Hidden before it meets the model: a shown row header asks for its labels, three calls into Python for
        # each of the first 800 rows, 2,400 calls at start-up for a header nobody sees.
        self.table.verticalHeader().hide()
        self.table.setModel(self.proxy)
        # The indicator first: enabling sorting sorts once, by it (Qt's default indicator would sort descending).
        self.table.horizontalHeader().setSortIndicator(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in ((Column.NAME, 170), (Column.VENDOR, 145), (Column.ACCOUNT, 200), (Column.STATUS, 125)):
            self.table.setColumnWidth(column, width)
        self.spinner = BusySpinnerDelegate(self.table, Column.STATUS, model, self)
        self.table.setItemDelegateForColumn(Column.STATUS, self.spinner)
        self.countdown = CountdownDelegate(self._expires_text, self)
        self.table.setItemDelegateForColumn(Column.EXPIRES, self.countdown)
        self._one_selected = False  # kept by _on_selection_changed
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)

        self.details = DetailsPane(catalog, model.rows.now)
        model.ticked.connect(self.details.tick)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.empty = EmptyState(self.actions_["connect"])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.splitter)
        self.setCentralWidget(self.pages)
        self.statusBar()  # made now, so the first paint has it: the window does not grow one at its first message

        self.search = QLineEdit()
        self.search.setMinimumWidth(220)
        self.search.setPlaceholderText("Search connections (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.search)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.search.setFocus)

        toolbar = QToolBar("Actions")
        toolbar.setObjectName("actions")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.actions_["connect"])
        toolbar.addSeparator()
        toolbar.addActions(self.actions_.for_rows())
        copy_button = toolbar.widgetForAction(self.actions_["copy"])
        if isinstance(copy_button, QToolButton):  # the button copies the token; its arrow, the token as used
            copy_button.setMenu(self.actions_.copy_as)
            copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.search)
        self.addToolBar(toolbar)
        self._add_menus()
        self.actions_["quit"].triggered.connect(self.quit_requested)

        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._on_rows_changed)
        model.dataChanged.connect(self._on_data_changed)
        self._follow_palette()
        self._restore()
        self._on_rows_changed()

    # -- what the controller asks of the window

    def selected_connections(self) -> list[Connection]:
        rows = self.table.selectionModel().selectedRows()
        return [index.data(CONNECTION_ROLE) for index in sorted(rows, key=lambda i: i.row())]

    def select(self, name: str) -> None:
        """Select and show a connection's row (a new one is highlighted this way)."""
        row = self.model.rows.position_of(name)
        if row is None:
            return
        self.proxy.flush()  # the row may have just changed: whether the search shows it is settled first
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # hidden by the search: show everything again
            self.search.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    @property
    def settings(self) -> QSettings:
        """The window's own settings file (kept in the data directory, see startup.window.build_window)."""
        return self._settings

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, MESSAGE_MS)

    # -- internals

    def _add_menus(self) -> None:
        actions = self.actions_
        menus: list[tuple[str, list[QAction | None]]] = [
            ("&File", [actions["connect"], actions["connect_from_file"], actions["export"], None, actions["quit"]]),
            ("&Edit", [actions["copy"], actions.copy_as.menuAction()]),
            ("&Connection", actions.for_connection_menu()),
            ("&View", [actions["events"]]),
        ]
        bar = self.menuBar()
        for title, entries in menus:
            menu = bar.addMenu(title)
            for action in entries:
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)
                    # Shortcuts act on the table's selection, wherever the focus is in the window.
                    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                    self.addAction(action)  # and work with the menu bar hidden (a desktop's global menu)
        self.workspace_actions.fill(bar.addMenu("&Workspace"))
        bar.addMenu("&Help").addAction("&About connmgr", self._on_about)

    def _on_rows_changed(self, *_: object) -> None:
        self.pages.setCurrentWidget(self.splitter if self.model.rowCount() else self.empty)
        self._on_selection_changed()

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: object = ()) -> None:
        # The actions and the details show the selected rows' stored connections and, for one selected row, its
        # health and whether it is busy (the Status column). Each tick changes every row's Expires column and the
        # Status cell of rows whose health turned: neither changes what they show of several rows (with thousands
        # selected, reading them all again on each turn took seconds a tick).
        columns = (top_left.column(), bottom_right.column())
        if columns == (Column.EXPIRES, Column.EXPIRES) or (
            columns == (Column.STATUS, Column.STATUS) and not self._one_selected
        ):
            return
        selection = self.table.selectionModel()
        changed = range(top_left.row(), bottom_right.row() + 1)
        if any(selection.isSelected(self.proxy.mapFromSource(self.model.index(row, 0))) for row in changed):
            self._on_selection_changed()

    def _on_selection_changed(self, *_: object) -> None:
        selected = self.selected_connections()
        self._one_selected = len(selected) == 1
        rows = self.model.rows
        busy = {c.name for c in selected if rows.is_busy(c.name)}
        self.actions_.update_for(selected, busy, {c.name for c in selected if _offline(rows, c)})
        self.selection_changed.emit()

    def _expires_text(self, index: QModelIndex | QPersistentModelIndex) -> str:
        return self.model.expires_text(self.proxy.mapToSource(index).row())

    def _on_context_menu(self, position: QPoint) -> None:
        if not self.table.indexAt(position).isValid():
            return
        menu = QMenu(self)
        menu.addActions(self.actions_.for_menu())
        menu.popup(self.table.viewport().mapToGlobal(position))

    def _on_about(self) -> None:
        from connmgr.gui.about import AboutDialog  # not needed for the first paint

        # The window's settings file is kept in the data directory (startup.window.build_window).
        about = AboutDialog(Path(self._settings.fileName()).parent, self)
        about.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        about.open()  # not exec(): no nested event loop under the qasync loop

    def _restore(self) -> None:
        """The size, the split, the columns' widths and the sort order the window had when it last closed."""
        self.resize(1280, 640)
        self.splitter.setSizes([840, 440])  # the table first: every column, the countdown included, in view
        for key, _, restore in self._kept():
            value = self._settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)

    def save_state(self) -> None:
        """Keep what `_restore` restores: on closing, and on quitting, which may never close the window (from the
        tray, Ctrl+Q, a signal)."""
        for key, save, _ in self._kept():
            self._settings.setValue(key, save())
        self._settings.sync()

    def _kept(self) -> list[tuple[str, Callable[[], QByteArray], Callable[[QByteArray], object]]]:
        header = self.table.horizontalHeader()
        return [
            ("window/geometry", self.saveGeometry, self.restoreGeometry),
            ("window/splitter", self.splitter.saveState, self.splitter.restoreState),
            ("window/columns", header.saveState, header.restoreState),  # widths, order and the sort indicator
        ]

    def changeEvent(self, event: QEvent) -> None:
        # The desktop's colour scheme changed (Qt follows it with a new palette, QStyleHints.colorScheme), or the
        # palette did on its own: the colours connmgr chose itself follow.
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()
        super().changeEvent(event)

    def _follow_palette(self) -> None:
        palette = self.palette()  # the window's is new when it hears of the change; its children's not yet
        self.model.set_palette(palette)
        self.actions_.follow_palette(palette)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.closing.emit()
        super().closeEvent(event)


def _offline(rows: ConnectionRows, connection: Connection) -> bool:
    """Whether the connection is a shared one whose workspace is offline."""
    position = rows.position_of_id(connection.id)
    shared = rows.shared(position) if position is not None else None
    return shared is not None and shared.offline
