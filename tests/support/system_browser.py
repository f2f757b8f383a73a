"""The person's own browser, for sign-ins in the system browser: signs in, consents, follows every redirect.

`browse_as` is the browser for tests that pass connmgr an `open_url`. For `connmgr connect --system-browser` run as
a process, `BROWSER` names this module (see `browser_command`): Python's `webbrowser` starts it with the authorize
URL, and it signs in as `SIGN_IN_AS` says. It prints nothing: the terminal it was started from is connmgr's, which
tests read for leaks. What it has to say goes to the file `SIGN_IN_REPORT` names: the URL it came back to, or why
it failed (then it also sends connmgr an error, so the sign-in ends now rather than at its timeout).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.support.signin import Page, SignInDriver

NOWHERE = "http://nowhere.invalid/"  # the system browser stops at no redirect URI: it loads the loopback one
REPO = Path(__file__).resolve().parents[2]


async def browse_as(url: str, username: str, password: str, button: str) -> Page | str:
    """Open `url`, sign in, press `button` on the consent page: the page it ended at (connmgr's loopback one)."""
    async with SignInDriver(stop_at=NOWHERE) as driver:
        page = await driver.open(url)
        page = await driver.submit(page, {"username": username, "password": password}, button="Sign in")
        return await driver.submit(page, button=button)


def browser_command(report: Path, username: str, password: str, button: str) -> dict[str, str]:
    """The environment under which connmgr's `webbrowser.open` starts this module in the background."""
    return {
        "BROWSER": f"{sys.executable} -m tests.support.system_browser %s &",
        "PYTHONPATH": str(REPO),
        "SIGN_IN_AS": json.dumps({"username": username, "password": password, "button": button}),
        "SIGN_IN_REPORT": str(report),
    }


async def _give_up(url: str, why: str) -> None:
    query = parse_qs(urlsplit(url).query)
    back = {"error": "server_error", "error_description": why, "state": query.get("state", [""])[0]}
    async with httpx.AsyncClient() as http:
        await http.get(f"{query['redirect_uri'][0]}?{urlencode(back)}")


def main(url: str) -> None:
    report = Path(os.environ["SIGN_IN_REPORT"])
    person = json.loads(os.environ["SIGN_IN_AS"])
    with report.open("w") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        try:
            page = asyncio.run(browse_as(url, person["username"], person["password"], person["button"]))
            assert isinstance(page, Page), f"the sign-in stopped at {page}"
            print(json.dumps({"reached": page.url, "status": page.status}), flush=True)
        except Exception:
            traceback.print_exc()
            asyncio.run(_give_up(url, "the test's browser failed"))


if __name__ == "__main__":
    main(sys.argv[1])
