"""The "Connect an account" dialog: the vendors on the left, the chosen vendor's form on the right.

Every change is checked at once by the same `resolve_provider` that will build the connection, so the one
sentence under the form is exactly what would stop it, and the primary button is enabled only when nothing
would. Forms are built when a vendor is first chosen and kept, so values typed for one survive a look at another.

The dialog stays open while it connects and until it has: a sign-in that fails or is cancelled comes back to it
with every value as it was, and the reason beside the field it concerns.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import (
    QApplication,
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

from connmgr.domain.device import DeviceAuthorization
from connmgr.domain.dialect import Browser, Flow
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.names import name_problem
from connmgr.domain.provider import resolve_provider
from connmgr.domain.template import TemplateCatalog
from connmgr.gui.connect.device_code import DeviceCodePanel
from connmgr.gui.connect.editors import hint_label, problem_colour
from connmgr.gui.connect.failure import Failure
from connmgr.gui.connect.form import TemplateForm
from connmgr.gui.connect.request import ConnectRequest
from connmgr.gui.connect.vendor_list import VendorList
from connmgr.gui.screen_fit import resize_to_fit
from connmgr.gui.text_styles import heading

_Tone = Literal["ready", "unfinished", "problem", "plain"]
_PRIMARY = {Flow.AUTHORIZATION_CODE: "Sign in…", Flow.DEVICE_CODE: "Get a code"}  # the rest: "Connect"


@dataclass(frozen=True)
class _Verdict:
    sentence: str
    # "unfinished": something is still empty, or the dialog is busy, said in grey; "problem": something typed is
    # wrong, or the last attempt failed, in red; "plain": what the person did (cancelled), or where the reason is
    tone: _Tone


def _placeholders_fainter_when_disabled(palette: QPalette) -> QPalette:
    """While the form waits on a sign-in, a grey default must not look darker than the values typed: most styles
    dim disabled text but not placeholders. Halfway from the disabled text to the field's colour, in any theme."""
    disabled = QPalette.ColorGroup.Disabled
    text, base = palette.color(disabled, QPalette.ColorRole.Text), palette.color(disabled, QPalette.ColorRole.Base)
    halfway = QColor(
        (text.red() + base.red()) // 2, (text.green() + base.green()) // 2, (text.blue() + base.blue()) // 2
    )
    palette.setColor(disabled, QPalette.ColorRole.PlaceholderText, halfway)
    return palette


class ConnectDialog(QDialog):
    """Asks which vendor, which name and which values; `request()` hands them back once submitted.

    `preset` fills everything in for a reconnect: same template, flow and values, the name locked. `filled` fills
    in the vendor, flow and values only (a colleague's settings file), for a new connection.

    The primary button does not close it: it announces `submitted` and shows the dialog busy until `show_failure`
    (ready for another try) or `finish` (closed, Accepted). Cancel while busy asks to stop the attempt.
    """

    submitted = Signal()
    stop_requested = Signal()

    def __init__(
        self,
        catalog: TemplateCatalog,
        icon_for: Callable[[str], QIcon],
        existing_names: Collection[str],
        parent: QWidget | None = None,
        *,
        preset: ConnectRequest | None = None,
        filled: ConnectRequest | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect an account")
        resize_to_fit(self, 880, 780)
        self.setPalette(_placeholders_fainter_when_disabled(self.palette()))
        self._catalog = catalog
        self._icon_for = icon_for
        self._existing_names = frozenset(existing_names)
        self._reconnecting = preset is not None
        self._forms: dict[str, TemplateForm] = {}
        self._form: TemplateForm | None = None
        self._working = False
        self._failure: _Verdict | None = None  # what the last attempt came to, until the person changes something

        self._vendors = VendorList(catalog, icon_for)
        self._vendors.setFixedWidth(280)
        self._vendors.template_chosen.connect(self._on_template_chosen)
        self._vendors.itemActivated.connect(self._on_item_activated)
        self._icon = QLabel()
        self._icon.hide()  # until a vendor with an icon is chosen
        self._heading = heading(QLabel("Choose a vendor"), 1.3)
        self._name = QLineEdit()
        self._name.setObjectName("connection_name")
        self._name.textChanged.connect(self._on_changed)
        self._name_hint = hint_label("How the connection is listed; no two may share a name.")
        self._forms_layout = QVBoxLayout()
        self._message = QLabel()
        self._message.setObjectName("message")
        self._message.setWordWrap(True)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the vendor's words
        self._message.setMinimumHeight(2 * self._message.fontMetrics().lineSpacing())  # the buttons do not jump
        self._device_code = DeviceCodePanel()  # a device sign-in's code, while it waits for the person
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
        elif filled is not None:
            self._fill_form(filled)
        self._on_changed()
        self._focus_first_empty()

    # -- building

    def _lay_out(self, buttons: QDialogButtonBox) -> None:
        heading_row = QHBoxLayout()
        heading_row.addWidget(self._icon)
        heading_row.addWidget(self._heading, stretch=1)
        heading_row.addWidget(hint_label("* required"))

        self._content = content = QWidget()
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
        self._scroll = scroll = QScrollArea()  # Tab scrolls the field it moves to into view
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        right = QVBoxLayout()
        right.setSpacing(12)
        right.addLayout(heading_row)
        right.addWidget(scroll, stretch=1)
        right.addWidget(self._device_code)
        right.addWidget(self._message)
        right.addWidget(buttons)
        layout = QHBoxLayout(self)
        layout.setSpacing(16)
        layout.addWidget(self._vendors)
        layout.addLayout(right, stretch=1)

    def _fill_form(self, request: ConnectRequest) -> None:
        self._vendors.choose(self._catalog.get(request.template_id).id)  # an unknown one raises, with its sentence
        assert self._form is not None
        self._form.fill(request.flow, request.values, use_system_browser=request.use_system_browser)

    def _fill(self, preset: ConnectRequest) -> None:
        template = self._catalog.get(preset.template_id)
        self._fill_form(preset)
        self._vendors.hide()  # a reconnect keeps its vendor
        self.resize(600, self.height())
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
            form.advanced_opened.connect(self._on_advanced_opened)
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
        self._scroll_into_view(self.focusWidget())

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab into the form from outside it (the vendors, the buttons) shows the field it lands on; within the
        form, the scroll area does that itself."""
        moved = super().focusNextPrevChild(next)
        self._scroll_into_view(self.focusWidget())
        return moved

    def _scroll_into_view(self, widget: QWidget | None) -> None:
        if widget is not None and self._content.isAncestorOf(widget):
            # A section just unfolded has no place yet, nor has the scroll area its new height: lay out first.
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            self._scroll.ensureWidgetVisible(widget, 0, 12)

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
        if form.flow == Flow.AUTHORIZATION_CODE:
            return _Verdict(f"Ready: “Sign in…” opens {form.template.name}'s sign-in page.", "ready")
        if form.flow == Flow.DEVICE_CODE:
            return _Verdict(f"Ready: “Get a code” shows a code to enter at {form.template.name}'s page.", "ready")
        return _Verdict(f"Ready to connect to {form.template.name}.", "ready")

    def _show_message(self, verdict: _Verdict) -> None:
        palette = self.palette()
        if verdict.tone == "problem":
            palette.setColor(QPalette.ColorRole.WindowText, problem_colour(palette))
        self._message.setPalette(palette)
        grey = verdict.tone == "unfinished"
        self._message.setForegroundRole(QPalette.ColorRole.PlaceholderText if grey else QPalette.ColorRole.WindowText)
        self._message.setText(verdict.sentence)

    def _working_sentence(self) -> str:
        form = self._form
        assert form is not None
        vendor = form.template.name
        if form.flow == Flow.DEVICE_CODE and self._device_code.user_code:
            return f"Waiting for the code to be entered at {vendor}; Cancel stops waiting."
        if form.flow != Flow.AUTHORIZATION_CODE:
            return f"Connecting to {vendor}…"
        if form.use_system_browser or form.template.browser is Browser.SYSTEM:
            return f"Waiting for the sign-in at {vendor} in your web browser; Cancel stops waiting."
        return f"Signing in at {vendor} in the sign-in window…"

    def _refresh(self) -> None:
        verdict = self._verdict()
        if self._working:
            self._show_message(_Verdict(self._working_sentence(), "unfinished"))
        elif self._failure is not None:
            self._show_message(self._failure)
        else:
            self._show_message(verdict)
        self._primary.setEnabled(verdict.tone == "ready" and not self._working)
        self._primary.setText(_PRIMARY.get(self._form.flow, "Connect") if self._form is not None else "Connect")

    def _set_working(self, working: bool) -> None:
        self._working = working
        # Nothing changes under a sign-in in progress; the values stay readable.
        self._vendors.setEnabled(not working)
        self._content.setEnabled(not working)
        if not working:
            self._device_code.clear()
            # While busy, focus fell to Cancel, which made it the default; Enter must try again, not close.
            self._primary.setDefault(True)
        self._refresh()

    # -- the result

    def accept(self) -> None:
        """Only a complete form is submitted, however `accept` was reached (the button, Enter)."""
        if not self._working and self._verdict().tone == "ready":
            self._clear_failure()
            self._set_working(True)
            self.submitted.emit()

    def reject(self) -> None:
        """Cancel, Escape and closing the window: while connecting, they stop the attempt, not the dialog."""
        if self._working:
            self.stop_requested.emit()
        else:
            super().reject()

    def show_failure(self, failure: Failure) -> None:
        """Ready for another try, the values as they were and the reason beside the field it concerns."""
        self._set_working(False)
        self.raise_()  # back in front: a system browser, or the vendor's page, may have been
        self.activateWindow()
        form = self._form
        assert form is not None
        form.clear_problems()
        row = form.show_problem(failure.field, failure.sentence) if failure.field else None
        if row is not None and (spec := form.template.field(failure.field or "")) is not None:
            self._failure = _Verdict(f"Not connected: the reason is beside {spec.label}.", "plain")
        else:
            self._failure = _Verdict(failure.sentence, "plain" if failure.by_person else "problem")
        self._refresh()
        if row is None:
            self._primary.setFocus()  # Enter tries again
        self._scroll_into_view(row)

    def show_device_code(self, grant: DeviceAuthorization, open_url: Callable[[str], object]) -> None:
        """A device sign-in's code, until the attempt ends; `open_url` opens its page in the person's browser."""
        assert self._form is not None
        self._device_code.show_code(grant, self._form.template.name, open_url)
        self._refresh()

    def finish(self) -> None:
        """Connected: close, Accepted."""
        self._working = False
        super().accept()

    def _clear_failure(self) -> None:
        if self._form is not None:
            self._form.clear_problems()
        self._failure = None

    def request(self) -> ConnectRequest:
        """What the person asked for; valid once `submitted`."""
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

    def _on_advanced_opened(self, toggle: QWidget, section: QWidget) -> None:
        """Show as much of what just unfolded as fits, its toggle always."""
        self._scroll_into_view(section)
        self._scroll_into_view(toggle)

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        """Enter or a double click on a vendor: choose it and go on to its form.

        Tabbing into the list makes its first row current without choosing it; Enter there chooses it.
        """
        item.setSelected(True)
        self._focus_first_empty()

    def _on_changed(self) -> None:
        self._failure = None  # it was said about the values as they were
        self._refresh()
