"""The form one template asks for: its fields for the chosen flow, the advanced ones folded away."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QToolButton, QVBoxLayout, QWidget

from connmgr.domain.errors import ConnmgrError
from connmgr.domain.provider import resolve_provider
from connmgr.domain.template import Choice, FieldSpec, ProviderTemplate
from connmgr.gui.connect.editors import ChoiceEditor, FieldEditor, TextEditor

# A redirect URI that differs from the registered one by a single character fails at the vendor, on a page
# that rarely says why; its hint is the one worth reading before signing in.
_PROMINENT_HINTS = frozenset({"redirect_uri"})


def _flow_choices(template: ProviderTemplate) -> tuple[Choice, ...]:
    vendor = template.name
    # Beside a username-and-password flow, which signs a user in too, the browser is what sets sign-in apart.
    browser_sets_apart = "password" in template.flows
    texts = {
        "authorization_code": (
            "Sign in in the browser" if browser_sets_apart else "Sign in as a user",
            f"{vendor}'s sign-in page opens; the connection acts as the person who signs in.",
        ),
        "client_credentials": (
            "Client credentials",
            "The app connects as itself with its client ID and secret; no one signs in.",
        ),
        "password": (
            "Username and password (no browser)",
            f"No browser: connmgr asks {vendor} for a code with a username and password.",
        ),
    }
    return tuple(Choice(flow, *texts[flow], overlay={}) for flow in template.flows)


def _editor(spec: FieldSpec, flow: str) -> FieldEditor:
    if spec.kind == "choice":
        return ChoiceEditor(spec.name, spec.choices, spec.default_for(flow), spec.hint)
    prominent = spec.name in _PROMINENT_HINTS
    editor = TextEditor(spec.name, spec.hint, spec.placeholder, secret=spec.secret, prominent_hint=prominent)
    editor.set_value(spec.default_for(flow) or "")
    return editor


def _labelled(text: str, editor: FieldEditor) -> QWidget:
    """A label above its editor, in one widget so that hiding the row hides both."""
    row = QWidget()
    label = QLabel(text)
    label.setBuddy(editor.focus_widgets()[0])
    layout = QVBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    layout.addWidget(label)
    layout.addWidget(editor)
    return row


@dataclass(frozen=True)
class _Row:
    spec: FieldSpec
    widget: QWidget
    editor: FieldEditor

    def value(self) -> str:
        raw = self.editor.value()
        return raw if self.spec.secret else raw.strip()  # a pasted client id often brings a space or newline


class TemplateForm(QWidget):
    """Every field a template may ask for; the flow chosen on it shows the ones that apply, and typed values
    survive switching flows."""

    changed = Signal()

    def __init__(self, template: ProviderTemplate) -> None:
        super().__init__()
        self.template = template
        self._flow = template.flows[0]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self._flow_editor: ChoiceEditor | None = None
        if len(template.flows) > 1:
            self._flow_editor = ChoiceEditor("flow", _flow_choices(template), self._flow)
            self._flow_editor.changed.connect(self._on_flow_editor_changed)
            layout.addWidget(_labelled("How to connect", self._flow_editor))
        offered = [s for s in template.fields if any(s.applies_to(f) for f in template.flows)]
        self._rows = [self._row(spec) for spec in offered]
        for row in self._rows:
            if not row.spec.advanced:
                layout.addWidget(row.widget)
        self._system_browser = QCheckBox("Use the system browser instead of the built-in one")
        self._system_browser.setObjectName("system_browser")
        self._system_browser.setChecked(template.browser == "system")
        layout.addWidget(self._system_browser)
        self._advanced_toggle, self._advanced_body = self._advanced_section()
        layout.addWidget(self._advanced_toggle)
        layout.addWidget(self._advanced_body)
        self._show_for_flow()

    def _row(self, spec: FieldSpec) -> _Row:
        editor = _editor(spec, self._flow)
        editor.changed.connect(self.changed)
        return _Row(spec, _labelled(spec.label + (" *" if spec.required else ""), editor), editor)

    def _advanced_section(self) -> tuple[QToolButton, QWidget]:
        toggle = QToolButton()
        toggle.setObjectName("advanced")
        toggle.setText("Advanced")
        toggle.setAutoRaise(True)  # not checkable: a checked tool button is drawn pressed in; the arrow tells
        toggle.setArrowType(Qt.ArrowType.RightArrow)
        toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toggle.clicked.connect(self._on_advanced_clicked)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 0, 0, 0)  # indented under the toggle: these belong to it
        layout.setSpacing(14)
        for row in self._rows:
            if row.spec.advanced:
                layout.addWidget(row.widget)
        return toggle, body

    @property
    def flow(self) -> str:
        return self._flow

    @property
    def use_system_browser(self) -> bool:
        return self._offers_system_browser() and self._system_browser.isChecked()

    def _offers_system_browser(self) -> bool:
        # A vendor answering in the #fragment cannot use it: browsers never send a fragment to a server.
        return self._flow == "authorization_code" and not self.template.callback.in_fragment

    @property
    def advanced_unfolded(self) -> bool:
        return self._advanced_toggle.arrowType() == Qt.ArrowType.DownArrow

    def values(self) -> dict[str, str]:
        """The non-empty values of the fields that apply to the chosen flow."""
        return {row.spec.name: value for row in self._applying() if (value := row.value())}

    def fill(self, flow: str, values: Mapping[str, str], *, use_system_browser: bool) -> None:
        """Put back what was filled in before (a reconnect); advanced overrides unfold so they are seen."""
        if self._flow_editor is not None:
            self._flow_editor.set_value(flow)
        for row in self._rows:
            if row.spec.name in values:
                row.editor.set_value(values[row.spec.name])
        self._system_browser.setChecked(use_system_browser)
        self._unfold_advanced(self._overridden())

    def missing_required(self) -> bool:
        return any(row.spec.required and not row.value() for row in self._applying())

    def focus_first_empty_required(self) -> bool:
        for row in self._applying():
            if row.spec.required and not row.value():
                if row.spec.advanced:
                    self._unfold_advanced(True)
                row.editor.focus_widgets()[0].setFocus()
                return True
        return False

    def focus_chain(self) -> list[QWidget]:
        """Every focusable widget in the order they are shown; Tab skips the hidden ones by itself."""
        chain = self._flow_editor.focus_widgets() if self._flow_editor is not None else []
        for row in self._rows:
            if not row.spec.advanced:
                chain += row.editor.focus_widgets()
        chain += [self._system_browser, self._advanced_toggle]
        for row in self._advanced_rows():
            chain += row.editor.focus_widgets()
        return chain

    def _overridden(self) -> bool:
        """Whether an advanced field holds other than its default. Compared as resolved: a stored connection
        holds its values normalised (`https://login.vaultre.com.au` for the default `login.vaultre.com.au`)."""
        advanced = [row for row in self._applying() if row.spec.advanced]
        values = self.values()
        defaults = {name: value for name, value in values.items() if name not in {r.spec.name for r in advanced}}
        try:
            chosen = resolve_provider(self.template, values, self._flow, saved=True).values
            default = resolve_provider(self.template, defaults, self._flow, saved=True).values
        except ConnmgrError:  # cannot tell: compare as typed
            return any(row.value() != (row.spec.default_for(self._flow) or "") for row in advanced)
        return any(chosen.get(row.spec.name) != default.get(row.spec.name) for row in advanced)

    def _applying(self) -> list[_Row]:
        return [row for row in self._rows if row.spec.applies_to(self._flow)]

    def _advanced_rows(self) -> list[_Row]:
        return [row for row in self._rows if row.spec.advanced]

    def _show_for_flow(self) -> None:
        for row in self._rows:
            row.widget.setVisible(row.spec.applies_to(self._flow))
        self._system_browser.setVisible(self._offers_system_browser())
        self._advanced_toggle.setVisible(any(r.spec.applies_to(self._flow) for r in self._advanced_rows()))
        self._unfold_advanced(self.advanced_unfolded)

    def _on_flow_editor_changed(self) -> None:
        assert self._flow_editor is not None
        old, self._flow = self._flow, self._flow_editor.value()
        for row in self._rows:
            # A value still at the old flow's default follows the new one (Docbyte's scopes); a typed one stays.
            if row.editor.value() == (row.spec.default_for(old) or ""):
                row.editor.set_value(row.spec.default_for(self._flow) or "")
        self._show_for_flow()
        self.changed.emit()

    def _unfold_advanced(self, unfolded: bool) -> None:
        self._advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if unfolded else Qt.ArrowType.RightArrow)
        self._advanced_body.setVisible(unfolded and not self._advanced_toggle.isHidden())

    def _on_advanced_clicked(self) -> None:
        self._unfold_advanced(not self.advanced_unfolded)
