"""The small HTML pages a person (or SignInDriver, or the embedded web view) goes through."""

from __future__ import annotations

import json
from html import escape

SIGN_IN_BUTTON = "Sign in"


def _document(vendor: str, title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)} - {escape(vendor)}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def login_page(vendor: str, action: str, flow_id: str, error: str | None = None) -> str:
    notice = f'<p role="alert">{escape(error)}</p>\n' if error else ""
    return _document(
        vendor,
        "Sign in",
        f"<h1>Sign in to {escape(vendor)}</h1>\n{notice}"
        f'<form method="post" action="{escape(action)}">\n'
        f'<input type="hidden" name="flow" value="{escape(flow_id)}">\n'
        '<label>Username <input type="text" name="username" autocomplete="username" required></label>\n'
        '<label>Password <input type="password" name="password" autocomplete="current-password" required>'
        "</label>\n"
        f'<button type="submit">{SIGN_IN_BUTTON}</button>\n</form>',
    )


def consent_page(vendor: str, action: str, flow_id: str, *, heading: str, message: str, approve: str, deny: str) -> str:
    return _document(
        vendor,
        heading,
        f"<h1>{escape(heading)}</h1>\n<p>{escape(message)}</p>\n"
        f'<form method="post" action="{escape(action)}">\n'
        f'<input type="hidden" name="flow" value="{escape(flow_id)}">\n'
        f'<button type="submit" name="decision" value="approve">{escape(approve)}</button>\n'
        f'<button type="submit" name="decision" value="deny">{escape(deny)}</button>\n</form>',
    )


def error_page(vendor: str, message: str) -> str:
    return _document(vendor, "Error", f"<h1>Something went wrong</h1>\n<p>{escape(message)}</p>")


def script_redirect_page(vendor: str, url: str) -> str:
    # JSON is valid JavaScript; escaping <, > and & keeps a hostile URL from closing the script element.
    literal = json.dumps(url).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _document(
        vendor,
        "Redirecting",
        f"<p>Returning to the application...</p>\n<script>location.replace({literal});</script>",
    )
