"""Drive a page in the real web view the way a person would: wait for it, fill in fields, press buttons.

The page is driven through its own DOM (`runJavaScript`), so the form is
submitted by the browser exactly as a click would submit it.
"""

from __future__ import annotations

import json

from PySide6.QtWebEngineCore import QWebEnginePage

TIMEOUT_MS = 10_000

_FILL = """(() => {{
  const field = document.querySelector({selector});
  if (!field) return false;
  field.value = {value};
  return true;
}})()"""

_CLICK = """(() => {{
  const label = {label};
  const buttons = [...document.querySelectorAll('button, input[type=submit]')];
  const button = buttons.find((b) => (b.innerText || b.value || '').trim() === label);
  if (!button) return buttons.map((b) => (b.innerText || b.value || '').trim());
  button.click();
  return true;
}})()"""


class PageDriver:
    """A person at one page; counts finished loads so that no wait can miss a page that was quicker."""

    def __init__(self, qtbot, page: QWebEnginePage) -> None:
        self._qtbot = qtbot
        self._page = page
        self._loaded = 0  # loads finished so far
        self._seen = 0  # of those, how many the test has waited for
        page.loadFinished.connect(self._on_loadFinished)

    def _on_loadFinished(self, _ok: bool) -> None:
        self._loaded += 1

    def wait_for_page(self) -> None:
        """Wait until a page the test has not waited for yet has finished loading."""
        self._qtbot.waitUntil(lambda: self._loaded > self._seen, timeout=TIMEOUT_MS)
        self._seen = self._loaded

    def run(self, script: str) -> object:
        """Run `script` in the page and return its value."""
        results: list[object] = []
        self._page.runJavaScript(script, 0, results.append)
        self._qtbot.waitUntil(lambda: bool(results), timeout=TIMEOUT_MS)
        return results[0]

    def text(self) -> str:
        return str(self.run("document.title + '\\n' + document.body.innerText"))

    def has_field(self, name: str) -> bool:
        return self.run(f"!!document.querySelector({json.dumps(f'input[name={name}]')})") is True

    def fill(self, name: str, value: str) -> None:
        script = _FILL.format(selector=json.dumps(f"input[name={name}]"), value=json.dumps(value))
        assert self.run(script) is True, f"no field {name!r} on {self._page.url().toString()}"

    def click(self, label: str) -> None:
        """Press the button labelled `label`; what it loads is for the caller to wait for."""
        outcome = self.run(_CLICK.format(label=json.dumps(label)))
        assert outcome is True, f"no button {label!r} on {self._page.url().toString()}; there are {outcome}"

    def sign_in(self, username: str, password: str) -> None:
        """Fill in the login form of the page that has just loaded and press "Sign in"."""
        self.fill("username", username)
        self.fill("password", password)
        self.click("Sign in")
