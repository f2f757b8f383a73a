"""What QtWebEngine's Chromium starts with: its sandbox wherever it can work, and quiet unless asked.

Chromium reads its flags once, when the first web profile is made, so `prepare()` runs before that
(`PrivateProfile` calls it) and its answer is kept for the process.

The sandbox has two layers: each page's renderer process runs in user, PID and network namespaces of its
own, under a seccomp filter of the system calls it may make.
- As root, Chromium refuses it ("Running as root without --no-sandbox is not supported") and ends the
  whole process, the typed form with it. So for root it is turned off, and the sign-in window and the log
  say so.
- As anyone else, the namespaces need unprivileged user namespaces. Where the system forbids them (the
  `user.max_user_namespaces` sysctl at 0, AppArmor's restriction on Ubuntu 24.04, a container's seccomp
  profile) QtWebEngine logs "No usable sandbox!" and carries on with the seccomp filter alone (measured
  with 6.11). That is kept, not turned off; whether the namespaces can be made is tried first, as Chromium
  will try, by `unshare` in a child process, so the window and the log can say the sandbox is partly off.
- Where it works it stays whole; a person who turned it off themselves (QTWEBENGINE_DISABLE_SANDBOX,
  --no-sandbox) is told so too.

Quiet: unless logging is verbose (`-v`), Chromium's own log keeps to fatal errors (its D-Bus and GPU
complaints); the messages Qt prints about the GPU and Vulkan a machine lacks are dropped by
`qt_start.log_qt_message`.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_log = logging.getLogger(__name__)

FLAGS_ENV = "QTWEBENGINE_CHROMIUM_FLAGS"
DISABLE_ENV = "QTWEBENGINE_DISABLE_SANDBOX"
_QUIET_FLAG = "--log-level=3"  # Chromium's LOG(FATAL) only


@dataclass(frozen=True)
class Sandbox:
    turned_off: bool = False  # Chromium starts with --no-sandbox
    weakened_because: str = ""  # why it is off or partial, as a clause; empty while it is whole

    @property
    def notice(self) -> str:
        """What the sign-in window says while the sandbox is not whole; empty while it is."""
        if not self.weakened_because:
            return ""
        return f"Sandbox {'off' if self.turned_off else 'partly off'}: {self.weakened_because}"


def decide_sandbox(environ: Mapping[str, str], *, root: bool, namespaces_work: Callable[[], bool]) -> Sandbox:
    if environ.get(DISABLE_ENV) or "--no-sandbox" in environ.get(FLAGS_ENV, "").split():
        return Sandbox(True, f"turned off by {DISABLE_ENV if environ.get(DISABLE_ENV) else FLAGS_ENV}")
    if root:
        return Sandbox(True, "connmgr runs as root")
    if not namespaces_work():
        return Sandbox(False, "this system allows no user namespaces")
    return Sandbox()


def user_namespaces_work() -> bool:
    """Whether an unprivileged process may make what Chromium's sandbox makes: its own user (with an ID map),
    PID and network namespaces."""
    unshare = shutil.which("unshare")
    if unshare is None:  # cannot tell: left on, for Chromium to decide
        _log.info("unshare (util-linux) is not installed, so whether Chromium's sandbox can work was not checked")
        return True
    made = subprocess.run(
        [unshare, "--user", "--map-root-user", "--pid", "--net", "--fork", "true"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    if made.returncode != 0:
        _log.info("no user namespaces for Chromium's sandbox: %s", made.stderr.strip())
    return made.returncode == 0


def _flags(current: str, sandbox: Sandbox, *, verbose: bool) -> str:
    flags = current.split()
    if sandbox.turned_off and "--no-sandbox" not in flags:
        flags.append("--no-sandbox")
    if not verbose and not any(flag.startswith(("--log-level", "--enable-logging")) for flag in flags):
        flags.append(_QUIET_FLAG)
    return " ".join(flags)


@functools.cache
def prepare() -> Sandbox:
    """Decide the sandbox and quieten Chromium, once, before the first web profile; the sandbox's state."""
    verbose = logging.getLogger().isEnabledFor(logging.DEBUG)
    linux = sys.platform == "linux"  # elsewhere Chromium's sandbox needs nothing of the system
    sandbox = decide_sandbox(
        os.environ, root=linux and os.geteuid() == 0, namespaces_work=user_namespaces_work if linux else lambda: True
    )
    os.environ[FLAGS_ENV] = _flags(os.environ.get(FLAGS_ENV, ""), sandbox, verbose=verbose)
    if sandbox.turned_off:
        _log.warning("Chromium's sandbox is off for sign-in pages: %s", sandbox.weakened_because)
    elif sandbox.weakened_because:
        _log.warning(
            "Chromium's sandbox is partly off for sign-in pages: %s; its seccomp filter stays, without its namespaces",
            sandbox.weakened_because,
        )
    return sandbox
