"""The sentences with which a sign-in window reports why it stopped: vendor, what failed, what to do."""

from __future__ import annotations

from connmgr.domain.durations import in_words
from connmgr.domain.errors import clip


def _net_error_words(error: str) -> str:
    """Chromium's "net::ERR_CONNECTION_REFUSED" as "connection refused"."""
    prefix = "net::ERR_"
    if error.startswith(prefix):
        return error.removeprefix(prefix).replace("_", " ").lower()
    return clip(error, 100)


def timed_out(vendor: str, seconds: float) -> str:
    return f"{vendor}: the sign-in page did not finish within {in_words(seconds)}; try again."


def navigation_refused(vendor: str, reason: str) -> str:
    return (
        f"{vendor}: the sign-in window refused to open {reason}, since it shows only web pages; "
        "check the connection settings and try again."
    )


def redirect_missed(vendor: str, where: str, redirect_uri: str) -> str:
    return (
        f"{vendor}: the sign-in went to {where} instead of the Redirect URI {redirect_uri} and was stopped "
        f"before anything was sent; check that the Redirect URI is the one registered with {vendor}."
    )


def certificate_refused(vendor: str, host: str, description: str) -> str:
    return (
        f"{vendor}: the certificate of {host} could not be verified ({clip(description, 100)}), "
        "so the sign-in page was not shown; check the address, or ask your network administrator."
    )


def page_unreachable(vendor: str, host: str, error: str) -> str:
    return (
        f"{vendor}: the sign-in page at {host} could not be loaded ({_net_error_words(error)}); "
        "check the address and your network connection, then try again."
    )


def embedded_browser_refused(vendor: str) -> str:
    return f"{vendor}: the sign-in page does not allow signing in inside this window; use the system browser instead."


def page_error(vendor: str, status: int, said: str) -> str:
    quoted = f"said “{said}”" if said else "reported an error"
    return f"{vendor}: the sign-in page {quoted} (HTTP {status}); check the settings and sign in again."


def renderer_ended(vendor: str, how: str) -> str:
    return f"{vendor}: the sign-in page's web process {how}, so this sign-in ended; try again."
