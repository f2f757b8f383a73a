"""A real X server (Xvfb) started by the test, and xdotool to use it as a person would: click, type, press keys."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TIMEOUT_S = 30


class XDisplay:
    def __init__(self, name: str) -> None:
        self.name = name  # ":7"

    def _xdotool(self, *args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args],
            env={**os.environ, "DISPLAY": self.name},
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=True,
        )
        return done.stdout

    def wait_for_window(self, title: str) -> str:
        """The id of the first window titled `title`, once it is mapped (xdotool waits for it)."""
        return self._xdotool("search", "--sync", "--onlyvisible", "--name", f"^{title}$").split()[0]

    def click(self, window: str, x: int, y: int) -> None:
        """A left click at (x, y) inside `window`."""
        self._xdotool("mousemove", "--window", window, str(x), str(y), "click", "1")

    def type(self, text: str) -> None:
        self._xdotool("type", "--delay", "20", text)

    def key(self, *keys: str) -> None:
        self._xdotool("key", "--delay", "50", *keys)

    def pixels(self, window: str, x: int, y: int, width: int, height: int) -> bytes:
        """What the screen shows in that rectangle of `window`, as a PPM image."""
        crop = f"{width}x{height}+{x}+{y}"
        return subprocess.run(
            ["import", "-display", self.name, "-window", window, "-crop", crop, "ppm:-"],
            capture_output=True,
            timeout=TIMEOUT_S,
            check=True,
        ).stdout

    def wait_until_shown(self, window: str, rectangle: tuple[int, int, int, int], *, unlike: bytes = b"") -> bytes:
        """Until that rectangle of `window` shows something: not one colour alone, and not `unlike`."""
        deadline = time.monotonic() + TIMEOUT_S
        while (shown := self.pixels(window, *rectangle)) == unlike or _one_colour(shown):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the window did not change within {TIMEOUT_S} s")
            time.sleep(0.1)  # between two looks at the screen; X tells no one when a page has painted
        return shown

    def screenshot(self, window: str, path: Path) -> None:
        subprocess.run(["import", "-display", self.name, "-window", window, str(path)], timeout=TIMEOUT_S, check=True)


def _one_colour(ppm: bytes) -> bool:
    """Whether a binary PPM ("P6\nW H\nMAX\n" then RGB, 1 or 2 bytes a channel) is all one colour."""
    _magic, _size, maximum, pixels = ppm.split(b"\n", 3)
    width = 3 if int(maximum) < 256 else 6
    return pixels == pixels[:width] * (len(pixels) // width)


@contextmanager
def xvfb(size: str = "1400x900x24") -> Iterator[XDisplay]:
    """An X server of its own, on a display number it chooses itself (-displayfd), TCP off."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()  # written once the server accepts connections
        assert number, f"Xvfb did not start (exit {server.poll()})"
        yield XDisplay(f":{number}")
    finally:
        server.terminate()
        server.wait(timeout=TIMEOUT_S)
