"""One editor per template field: a line edit (masked for secrets) or a set of radio buttons, each with its hints."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from connmgr.domain.template import Choice


def hint_label(text: str, *, prominent: bool = False) -> QLabel:
    """Small grey text under a field; `prominent`: normal size and colour in a framed note, for a hint
    whose neglect makes the sign-in fail in a way the vendor does not explain."""
    label = QLabel(text)
    label.setWordWrap(True)
    if prominent:
        label.setFrameShape(QFrame.Shape.StyledPanel)
        label.setMargin(6)
        label.setAutoFillBackground(True)
        label.setBackgroundRole(QPalette.ColorRole.AlternateBase)
    else:
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        label.setFont(font)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # grey that follows a dark theme too
    if not text:
        label.hide()  # hidden, not shown: showing a label not yet in a layout would open it as a window
    return label


_LINE_EDIT_PADDING = 6  # each side, between a line edit's frame and its text, in the common styles


def problem_colour(palette: QPalette) -> QColor:
    """Red that keeps its contrast on the window's colour, light or dark."""
    dark_theme = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor("#ff8a80") if dark_theme else QColor("#b00020")


def problem_label() -> QLabel:
    """Where a failure that concerns one field is said, right under it; hidden while there is none."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy the vendor's words
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, problem_colour(palette))
    label.setPalette(palette)
    label.hide()
    return label


class FieldEditor(QWidget):
    """What the form needs of an editor: its value as text, and a signal on every change.

    Editors name their widgets after the field (`client_id`, `client_id:show`, `token_kind:user`): a handle for
    tests and for anyone scripting the window.
    """

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.problem = problem_label()  # placed by each editor right under what is typed or chosen

    def show_problem(self, sentence: str) -> None:
        """Say beside the field what went wrong; an empty sentence takes it away."""
        self.problem.setText(sentence)
        self.problem.setVisible(bool(sentence))
        for widget in self.focus_widgets():
            widget.setAccessibleDescription(sentence)  # read out with the field by screen readers

    def value(self) -> str:
        raise NotImplementedError

    def set_value(self, value: str) -> None:
        raise NotImplementedError

    def focus_widgets(self) -> list[QWidget]:
        """The widgets Tab visits, in order; the first is the one a row's label and the initial focus go to."""
        raise NotImplementedError


class TextEditor(FieldEditor):
    """A line edit with its placeholder and hint; a secret is masked, with a Show toggle beside it."""

    def __init__(self, name: str, hint: str, placeholder: str, *, secret: bool, prominent_hint: bool = False) -> None:
        super().__init__()
        self._line_edit = QLineEdit()
        self._line_edit.setObjectName(name)
        self._placeholder = placeholder
        self._line_edit.setPlaceholderText(placeholder)
        self._line_edit.installEventFilter(self)  # its width decides how much of a long placeholder fits
        self._line_edit.textChanged.connect(self.changed)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._line_edit)
        self._toggle: QToolButton | None = None
        if secret:
            self._line_edit.setEchoMode(QLineEdit.EchoMode.Password)
            self._toggle = QToolButton()
            self._toggle.setObjectName(f"{name}:show")
            self._toggle.setText("Show")
            self._toggle.setCheckable(True)
            self._toggle.setToolTip("Show or hide what is typed")
            self._toggle.toggled.connect(self._on_toggled)
            row.addWidget(self._toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(hint_label(hint, prominent=prominent_hint))

    def value(self) -> str:
        return self._line_edit.text()

    def set_value(self, value: str) -> None:
        self._line_edit.setText(value)

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self._fit_placeholder()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._line_edit and event.type() == QEvent.Type.Resize:
            self._fit_placeholder()
        return False

    def _fit_placeholder(self) -> None:
        """Elided in the middle, where a long URL repeats itself: its end tells one endpoint from another."""
        room = self._line_edit.contentsRect().width() - 2 * _LINE_EDIT_PADDING
        shown = self._line_edit.fontMetrics().elidedText(self._placeholder, Qt.TextElideMode.ElideMiddle, room)
        self._line_edit.setPlaceholderText(shown)
        self._line_edit.setToolTip(self._placeholder if shown != self._placeholder else "")

    def focus_widgets(self) -> list[QWidget]:
        return [self._line_edit] if self._toggle is None else [self._line_edit, self._toggle]

    def _on_toggled(self, shown: bool) -> None:
        self._line_edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        assert self._toggle is not None
        self._toggle.setText("Hide" if shown else "Show")


class ChoiceEditor(FieldEditor):
    """Radio buttons, one per choice; the chosen one's hint is shown beneath them."""

    def __init__(self, name: str, choices: Sequence[Choice], default: str | None, hint: str = "") -> None:
        super().__init__()
        self._choices = tuple(choices)
        self._group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(hint_label(hint))
        for index, choice in enumerate(self._choices):
            button = QRadioButton(choice.label)
            button.setObjectName(f"{name}:{choice.value}")
            self._group.addButton(button, index)
            layout.addWidget(button)
        self._choice_hint = hint_label("")
        layout.addWidget(self._choice_hint)
        layout.addWidget(self.problem)
        self._group.idToggled.connect(self._on_id_toggled)
        self.set_value(default or "")

    def value(self) -> str:
        index = self._group.checkedId()
        return self._choices[index].value if index >= 0 else ""

    def set_value(self, value: str) -> None:
        index = next((i for i, c in enumerate(self._choices) if c.value == value), -1)
        if index >= 0:
            self._group.button(index).setChecked(True)

    def focus_widgets(self) -> list[QWidget]:
        return list(self._group.buttons())

    def _on_id_toggled(self, index: int, checked: bool) -> None:
        if checked:
            hint = self._choices[index].hint
            self._choice_hint.setText(hint)
            self._choice_hint.setVisible(bool(hint))
            self.changed.emit()
