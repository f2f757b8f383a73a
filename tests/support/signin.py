"""Drive HTML sign-in pages the way a person would, without a browser.

The driver follows redirects, reads the forms on each page, fills in the
fields it is given, presses a button, and stops as soon as the server sends it
to the redirect URI, which it never loads: that URL is what the app would
intercept. The GUI tests drive the same pages through the real web view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (name, value)


@dataclass
class Page:
    url: str
    status: int
    text: str
    forms: list[Form]

    def form(self, index: int = 0) -> Form:
        if not self.forms:
            raise AssertionError(f"no form on {self.url} (status {self.status})")
        return self.forms[index]


class _FormParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.forms: list[Form] = []
        self._form: Form | None = None  # the form being read; controls outside any form belong to none
        self._button: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.base_url, a.get("action") or self.base_url)
            self._form = Form(action=action, method=(a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "submit":
                label = a.get("value", "")
                self._form.buttons[label] = (a.get("name", ""), a.get("value", ""))
            elif a.get("name") and (kind not in ("checkbox", "radio") or "checked" in a):
                self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button = (a.get("name", ""), a.get("value", ""), [])
        elif tag == "select" and a.get("name"):
            self._form.fields.setdefault(a["name"], "")

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "button" and self._button is not None and self._form is not None:
            name, value, text = self._button
            self._form.buttons["".join(text).strip()] = (name, value)
            self._button = None


def _parse(url: str, response: httpx.Response) -> Page:
    parser = _FormParser(url)
    parser.feed(response.text)
    return Page(url=url, status=response.status_code, text=response.text, forms=parser.forms)


class RedirectReached(Exception):
    """Raised internally when the server sends the browser to the redirect URI."""


class SignInDriver:
    """A person at a browser that stops at the app's redirect URI.

    `stop_at` is the registered redirect URI; any navigation whose scheme,
    host, port and path match it is captured in `callback_url` and not loaded.
    """

    def __init__(self, stop_at: str, *, verify: bool | str = True) -> None:
        self._stop = urlsplit(stop_at)
        self._client = httpx.AsyncClient(follow_redirects=False, verify=verify, timeout=10)
        self.callback_url: str | None = None

    async def __aenter__(self) -> SignInDriver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    def _is_redirect_uri(self, url: str) -> bool:
        u = urlsplit(url)
        s = self._stop
        return (u.scheme, u.hostname, u.port, u.path) == (s.scheme, s.hostname, s.port, s.path)

    async def _navigate(self, method: str, url: str, **kwargs: object) -> Page | str:
        for _ in range(20):
            if self._is_redirect_uri(url):
                self.callback_url = url
                return url
            response = await self._client.request(method, url, **kwargs)  # type: ignore[arg-type]
            if response.is_redirect:
                # Location may carry a #fragment; httpx keeps it in the header.
                url = urljoin(url, response.headers["location"])
                method, kwargs = "GET", {}
                continue
            return _parse(url, response)
        raise AssertionError(f"too many redirects ending at {url}")

    async def open(self, url: str) -> Page | str:
        """Load a page; returns the page, or the callback URL if it redirected straight back."""
        return await self._navigate("GET", url)

    async def submit(
        self, page: Page | str, values: dict[str, str] | None = None, *, button: str | None = None, form: int = 0
    ) -> Page | str:
        """Fill in `values` on the page's form and press `button` (by its label)."""
        if isinstance(page, str):
            raise AssertionError(f"expected a page, got the callback {page}")
        f = page.form(form)
        data = dict(f.fields)
        for name, value in (values or {}).items():
            if name not in data:
                raise AssertionError(f"the form on {page.url} has no field {name!r}: {sorted(data)}")
            data[name] = value
        if button is not None:
            if button not in f.buttons:
                raise AssertionError(f"the form on {page.url} has no button {button!r}: {sorted(f.buttons)}")
            name, value = f.buttons[button]
            if name:
                data[name] = value
        if f.method == "post":
            return await self._navigate("POST", f.action, data=data)
        return await self._navigate("GET", f.action, params=data)
