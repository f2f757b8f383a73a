"""The "Connect an account" dialog: the vendors on the left, the chosen vendor's form on the right.

Every change is checked at once by the same `resolve_provider` that will build the connection, so the one
sentence under the form is exactly what would stop it, and the primary button is enabled only when nothing
would. Forms are built when a vendor is first chosen and kept, so values typed for one survive a look at another.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from connmgr.domain.errors import ConnmgrError
from connmgr.domain.names import name_problem
from connmgr.domain.provider import resolve_provider
from connmgr.domain.template import TemplateCatalog
from connmgr.gui.connect.editors import hint_label
from connmgr.gui.connect.form import TemplateForm
from connmgr.gui.connect.request import ConnectRequest
from connmgr.gui.connect.vendor_list import VendorList

_Tone = Literal["ready", "unfinished", "problem"]


@dataclass(frozen=True)
class _Verdict:
    sentence: str
    tone: _Tone  # "unfinished": something is still empty, said in grey; "problem": something typed is wrong, in red


def _problem_colour(palette: QPalette) -> QColor:
    dark_theme = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor("#ff8a80") if dark_theme else QColor("#b00020")


class ConnectDialog(QDialog):
    """Asks which vendor, which name and which values; `request()` hands them back once accepted.

    `preset` fills everything in for a reconnect: same template, flow and values, the name locked.
    """

    def __init__(
        self,
        catalog: TemplateCatalog,
        icon_for: Callable[[str], QIcon],
        existing_names: Collection[str],
        parent: QWidget | None = None,
        *,
        preset: ConnectRequest | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect an account")
        self.resize(880, 700)
        self._catalog = catalog
        self._icon_for = icon_for
        self._existing_names = frozenset(existing_names)
        self._reconnecting = preset is not None
        self._forms: dict[str, TemplateForm] = {}
        self._form: TemplateForm | None = None

        self._vendors = VendorList(catalog, icon_for)
        self._vendors.setFixedWidth(280)
        self._vendors.template_chosen.connect(self._on_template_chosen)
        self._vendors.itemActivated.connect(self._on_item_activated)
        self._icon = QLabel()
        self._icon.hide()  # until a vendor with an icon is chosen
        self._heading = QLabel("Choose a vendor")
        font = self._heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self._heading.setFont(font)
        self._name = QLineEdit()
        self._name.setObjectName("connection_name")
        self._name.textChanged.connect(self._on_changed)
        self._name_hint = hint_label("How the connection is listed; no two may share a name.")
        self._forms_layout = QVBoxLayout()
        self._message = QLabel()
        self._message.setObjectName("message")
        self._message.setWordWrap(True)
        self._message.setMinimumHeight(2 * self._message.fontMetrics().lineSpacing())  # the buttons do not jump
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self._primary = buttons.addButton("Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self._primary.setObjectName("primary")
        self._cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._lay_out(buttons)
        # Enter presses the primary button, and nothing while it is disabled. Set once the button is in the
        # dialog: set before, the dialog never learns it, and makes the first auto-default button (Cancel) its default.
        self._primary.setDefault(True)

        if preset is not None:
            self._fill(preset)
        self._on_changed()
        self._focus_first_empty()

    # -- building

    def _lay_out(self, buttons: QDialogButtonBox) -> None:
        heading = QHBoxLayout()
        heading.addWidget(self._icon)
        heading.addWidget(self._heading, stretch=1)
        heading.addWidget(hint_label("* required"))

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 12, 0)  # room between the fields and the scroll bar
        column.setSpacing(14)
        name_row = QVBoxLayout()
        name_row.setSpacing(4)
        name_label = QLabel("Connection name *")
        name_label.setBuddy(self._name)
        for widget in (name_label, self._name, self._name_hint):
            name_row.addWidget(widget)
        column.addLayout(name_row)
        column.addLayout(self._forms_layout)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        right = QVBoxLayout()
        right.setSpacing(12)
        right.addLayout(heading)
        right.addWidget(scroll, stretch=1)
        right.addWidget(self._message)
        right.addWidget(buttons)
        layout = QHBoxLayout(self)
        layout.setSpacing(16)
        layout.addWidget(self._vendors)
        layout.addLayout(right, stretch=1)

    def _fill(self, preset: ConnectRequest) -> None:
        template = self._catalog.get(preset.template_id)  # an unknown template raises, with its sentence
        self._vendors.choose(template.id)
        self._vendors.hide()  # a reconnect keeps its vendor
        self.resize(600, self.height())
        assert self._form is not None
        self._form.fill(preset.flow, preset.values, use_system_browser=preset.use_system_browser)
        self._name.setText(preset.name)
        self._name.setReadOnly(True)
        # A read-only line edit looks editable; unframed on the window's colour, it reads as settled text.
        self._name.setFrame(False)
        palette = self._name.palette()
        palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
        self._name.setPalette(palette)
        self._name_hint.setText("A reconnect keeps the connection's name.")
        self._heading.setText(f"Reconnect to {template.name}")

    def _show_form(self, template_id: str) -> TemplateForm:
        form = self._forms.get(template_id)
        if form is None:
            form = TemplateForm(self._catalog.get(template_id))
            form.changed.connect(self._on_changed)
            self._forms_layout.addWidget(form)
            self._forms[template_id] = form
        if self._form is not None:
            self._form.hide()
        form.show()
        return form

    def _chain_tab_order(self, form: TemplateForm) -> None:
        # Forms are built after the buttons; without this, Tab would reach the buttons before the fields.
        chain = [self._vendors, self._name, *form.focus_chain(), self._primary, self._cancel]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _focus_first_empty(self) -> None:
        if self._form is None:
            self._vendors.setFocus()
        elif not self._name.text().strip():
            self._name.setFocus()
        elif not self._form.focus_first_empty_required():
            self._primary.setFocus()

    # -- checking

    def _verdict(self) -> _Verdict:
        form = self._form
        if form is None:
            return _Verdict("Choose the vendor to connect to.", "unfinished")
        name = self._name.text().strip()
        if name and (problem := name_problem(name)) is not None:
            return _Verdict(problem.sentence, "problem")
        if name in self._existing_names and not self._reconnecting:
            return _Verdict(f"There is already a connection named “{name}”; choose another name.", "problem")
        try:
            resolve_provider(form.template, form.values(), form.flow)
        except ConnmgrError as exc:
            if not form.missing_required():
                return _Verdict(exc.sentence, "problem")
            # Top to bottom: the name comes first on the form, so it is asked for first.
            return _Verdict("Give the connection a name." if not name else exc.sentence, "unfinished")
        if not name:
            return _Verdict("Give the connection a name.", "unfinished")
        if form.flow == "authorization_code":
            return _Verdict(f"Ready: “Sign in…” opens {form.template.name}'s sign-in page.", "ready")
        return _Verdict(f"Ready to connect to {form.template.name}.", "ready")

    def _show_verdict(self, verdict: _Verdict) -> None:
        palette = self.palette()
        if verdict.tone == "problem":
            palette.setColor(QPalette.ColorRole.WindowText, _problem_colour(palette))
        self._message.setPalette(palette)
        grey = verdict.tone == "unfinished"
        self._message.setForegroundRole(QPalette.ColorRole.PlaceholderText if grey else QPalette.ColorRole.WindowText)
        self._message.setText(verdict.sentence)
        self._primary.setEnabled(verdict.tone == "ready")

    # -- the result

    def accept(self) -> None:
        """Only a complete form is accepted, however `accept` was reached."""
        if self._verdict().tone == "ready":
            super().accept()

    def request(self) -> ConnectRequest:
        """What the person asked for; valid once `exec()` has returned Accepted."""
        form = self._form
        if form is None or self._verdict().tone != "ready":
            raise RuntimeError("the Connect dialog is not complete")
        return ConnectRequest(
            name=self._name.text().strip(),
            template_id=form.template.id,
            flow=form.flow,
            values=form.values(),
            use_system_browser=form.use_system_browser,
        )

    # -- slots

    def _on_template_chosen(self, template_id: str) -> None:
        form = self._show_form(template_id)
        self._form = form
        template = form.template
        icon = self._icon_for(template_id)
        self._icon.setPixmap(icon.pixmap(32, 32))
        self._icon.setVisible(not icon.isNull())
        self._heading.setText(f"Connect to {template.name}")
        self._name.setPlaceholderText(f"For example: Acme – {template.name}")
        self._chain_tab_order(form)
        self._on_changed()

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        """Enter or a double click on a vendor: choose it and go on to its form.

        Tabbing into the list makes its first row current without choosing it; Enter there chooses it.
        """
        item.setSelected(True)
        self._focus_first_empty()

    def _on_changed(self) -> None:
        verdict = self._verdict()
        self._show_verdict(verdict)
        signs_in = self._form is not None and self._form.flow == "authorization_code"
        self._primary.setText("Sign in…" if signs_in else "Connect")
