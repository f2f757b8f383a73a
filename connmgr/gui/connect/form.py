"""The form one template asks for: its fields for the chosen flow, the advanced ones folded away."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QToolButton, QVBoxLayout, QWidget

from connmgr.domain.dialect import Browser, Flow
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.provider import default_endpoints, resolve_provider
from connmgr.domain.template import ENDPOINTS, Choice, FieldSpec, ProviderTemplate
from connmgr.gui.connect.editors import ChoiceEditor, FieldEditor, TextEditor, hint_label

# A redirect URI that differs from the registered one by a single character fails at the vendor, on a page
# that rarely says why; its hint is the one worth reading before signing in.
_PROMINENT_HINTS = frozenset({"redirect_uri"})


def _flow_choices(template: ProviderTemplate) -> tuple[Choice, ...]:
    flows = template.flows
    return tuple(Choice(flow, flow.offer(flows), flow.hint(template.name), overlay={}) for flow in flows)


def _offered(template: ProviderTemplate, spec: FieldSpec) -> bool:
    """Whether the form asks for the field at all: it applies to one of the flows, and it is not an endpoint
    the template declares the vendor lacks (`revoke_url = ""`: VaultRE has no revocation endpoint)."""
    lacking = spec.name in ENDPOINTS and template.endpoints.get(spec.name) == ""
    return not lacking and any(spec.applies_to(flow) for flow in template.flows)


def _endpoint_parts(template: ProviderTemplate) -> frozenset[str]:
    """The fields the template builds its endpoints from (`login_host`, `issuer`), its choices' endpoints too."""
    patterns = [*template.endpoints.values()]
    for spec in template.fields:
        for choice in spec.choices:
            patterns += [p for p in dict(choice.overlay.get("endpoints", {})).values() if isinstance(p, str)]
    return frozenset(name for p in patterns for _, name, _, _ in string.Formatter().parse(p) if name)


def _editor(spec: FieldSpec, flow: Flow) -> FieldEditor:
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
    advanced_opened = Signal(QWidget, QWidget)  # by the person: the toggle, and the section to bring into view

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
        self._rows = [self._row(spec) for spec in template.fields if _offered(template, spec)]
        # Under Advanced, what the endpoints are built from (a region's host) comes before the endpoints themselves.
        parts = _endpoint_parts(template)
        self._advanced = sorted((r for r in self._rows if r.spec.advanced), key=lambda r: r.spec.name not in parts)
        for row in self._rows:
            if not row.spec.advanced:
                layout.addWidget(row.widget)
        self._system_browser = QCheckBox("Use the system browser instead of the built-in one")
        self._system_browser.setObjectName("system_browser")
        self._system_browser.setChecked(template.browser is Browser.SYSTEM)
        layout.addWidget(self._system_browser)
        self._advanced_toggle, self._advanced_body = self._advanced_section()
        layout.addWidget(self._advanced_toggle)
        layout.addWidget(self._advanced_body)
        self._show_for_flow()
        self.changed.connect(self._show_default_endpoints)
        self._show_default_endpoints()

    def _row(self, spec: FieldSpec) -> _Row:
        editor = _editor(spec, self._flow)
        editor.changed.connect(self.changed)
        editor.changed.connect(lambda: editor.show_problem(""))  # said about what was there before
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
        layout.addWidget(hint_label("An endpoint left empty is the one shown in grey; type one in to use another."))
        for row in self._advanced:
            layout.addWidget(row.widget)
        return toggle, body

    @property
    def flow(self) -> Flow:
        return self._flow

    @property
    def use_system_browser(self) -> bool:
        return self._offers_system_browser() and self._system_browser.isChecked()

    def _offers_system_browser(self) -> bool:
        # A vendor answering in the #fragment cannot use it: browsers never send a fragment to a server.
        return self._flow == Flow.AUTHORIZATION_CODE and not self.template.callback.in_fragment

    @property
    def advanced_unfolded(self) -> bool:
        return self._advanced_toggle.arrowType() == Qt.ArrowType.DownArrow

    def values(self) -> dict[str, str]:
        """The non-empty values of the fields that apply to the chosen flow."""
        return {row.spec.name: value for row in self._applying() if (value := row.value())}

    def fill(self, flow: Flow, values: Mapping[str, str], *, use_system_browser: bool) -> None:
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
        for row in self._advanced:
            chain += row.editor.focus_widgets()
        return chain

    def show_problem(self, field: str, sentence: str) -> QWidget | None:
        """Say `sentence` beside `field`, unfolding Advanced if it is there; the row it is in, or None when the
        field is not on the form for this flow (the caller says it elsewhere)."""
        row = next((r for r in self._applying() if r.spec.name == field), None)
        if row is None:
            return None
        if row.spec.advanced:
            self._unfold_advanced(True)
        row.editor.show_problem(sentence)
        row.editor.focus_widgets()[0].setFocus()
        return row.widget

    def clear_problems(self) -> None:
        for row in self._rows:
            row.editor.show_problem("")

    def _show_default_endpoints(self) -> None:
        """Endpoint fields show, greyed, the endpoint used while they are left empty: the template's, built from
        the values typed so far, or the discovery document's."""
        defaults = default_endpoints(self.template, self.values(), self._flow)
        for row in self._rows:
            if row.spec.name in ENDPOINTS and isinstance(row.editor, TextEditor):
                discovered = self.template.discovery and row.spec.name != "issuer"
                fallback = "From the issuer's discovery document" if discovered else row.spec.placeholder
                row.editor.set_placeholder(defaults.get(row.spec.name) or fallback)

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

    def _show_for_flow(self) -> None:
        for row in self._rows:
            row.widget.setVisible(row.spec.applies_to(self._flow))
        self._system_browser.setVisible(self._offers_system_browser())
        self._advanced_toggle.setVisible(any(r.spec.applies_to(self._flow) for r in self._advanced))
        self._unfold_advanced(self.advanced_unfolded)

    def _on_flow_editor_changed(self) -> None:
        assert self._flow_editor is not None
        old, self._flow = self._flow, Flow(self._flow_editor.value())
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
        if self.advanced_unfolded:
            self.advanced_opened.emit(self._advanced_toggle, self._advanced_body)
