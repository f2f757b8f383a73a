"""The Connect dialog's Device choice end to end: the real window on the qasync loop, oidc-provider's device flow.

The dialog shows the code and a button that opens the provider's page in the person's browser (recorded here); a
person enters the code there while the window polls at the provider's interval."""

from __future__ import annotations

import asyncio

import segno
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton, QRadioButton

from connmgr.gui.connect.device_code import QR_MODULE_PX, DeviceCodePanel
from connmgr.listing.rows import Column
from tests.gui.connect_driver import Driver
from tests.support.flows import enter_device_code
from tests.support.oidc_fixtures import ALICE, DEVICE_APP, DEVICES

TIMEOUT_MS = 30_000


def device_choice(desktop, device_server, name: str) -> tuple[Driver, list[str]]:
    opened: list[str] = []
    desktop.app.controller.open_url = opened.append  # the person's browser
    d = desktop.start_connect()
    d.choose_vendor("OpenID Connect (generic)")
    d.click(QRadioButton, "flow:device_code")
    d.fill(name, {"issuer": device_server.issuer(DEVICES).issuer, "client_id": DEVICE_APP.client_id})
    assert d.primary.text() == "Get a code"
    assert d.message == "Ready: “Get a code” shows a code to enter at OpenID Connect (generic)'s page."
    d.qtbot.mouseClick(d.primary, Qt.MouseButton.LeftButton)
    return d, opened


def qr_modules(pixmap: QPixmap) -> tuple[bytearray, ...]:
    """The QR code shown, read back square by square (dark 1, light 0), its quiet zone of 4 left out."""
    image = pixmap.toImage()
    size = image.width() // QR_MODULE_PX - 8
    centre = QR_MODULE_PX // 2

    def dark(row: int, col: int) -> int:
        pixel = image.pixelColor((col + 4) * QR_MODULE_PX + centre, (row + 4) * QR_MODULE_PX + centre)
        return int(pixel.lightness() < 128)

    return tuple(bytearray(dark(r, c) for c in range(size)) for r in range(size))


def shown_code(d: Driver) -> DeviceCodePanel:
    panel = d.dialog.findChild(DeviceCodePanel)
    d.qtbot.waitUntil(lambda: bool(panel.isVisible() and panel.user_code), timeout=TIMEOUT_MS)
    return panel


def test_the_device_choice_shows_the_code_opens_the_page_and_connects(desktop, device_server):
    d, opened = device_choice(desktop, device_server, "Alice's device")
    panel = shown_code(d)
    assert d.message == "Waiting for the code to be entered at OpenID Connect (generic); Cancel stops waiting."
    assert any(text.startswith("The code expires in ") for text in d.shown_texts())

    d.qtbot.mouseClick(panel.findChild(QPushButton, "open_device_page"), Qt.MouseButton.LeftButton)
    (page,) = opened
    assert panel.user_code in page  # the page with the code filled in
    assert qr_modules(panel.findChild(QLabel, "device_page_qr").pixmap()) == segno.make(page, error="m").matrix
    person = asyncio.ensure_future(enter_device_code(page, ALICE.username, ALICE.password))
    desktop.qtbot.waitUntil(person.done, timeout=TIMEOUT_MS)
    person.result()

    desktop.wait_for_row("Alice's device")
    assert desktop.cell("Alice's device", Column.ACCOUNT) == ALICE.email
    desktop.wait_idle()


def test_cancel_while_waiting_for_the_code_stops_and_keeps_the_dialog(desktop, device_server):
    d, _ = device_choice(desktop, device_server, "Never entered")
    panel = shown_code(d)

    cancel = d.dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
    d.qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    d.ready_again()

    assert d.dialog.isVisible()
    assert not panel.isVisible()
    assert d.message == "Stopped before connecting; nothing was saved."
    assert desktop.model.rowCount() == 0
