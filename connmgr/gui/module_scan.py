"""PySide6 looks at every module imported after it for `from __feature__ import ...` (connmgr uses none) by reading
its source through `inspect`, which splits and tokenizes the whole file: 0.09 ms a module, 11 ms of the window's
start-up and more behind it. The same question, whether the file says "PySide6", is answered here from its bytes.

PySide6 keeps that look in a module of its own making (`shibokensupport.feature`); where it has another shape, as a
later PySide6 may, it is left as it is.
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (makes PySide6's look at imported modules; it is replaced right after)


def look_at_files_plainly() -> None:
    feature = sys.modules.get("shibokensupport.feature")
    through_inspect = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or through_inspect is None or getattr(through_inspect, "__module__", "") == __name__:
        return

    def _mod_uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return bool(through_inspect(module))  # no source file of its own (built in, compiled): as PySide6 does

    feature._mod_uses_pyside = _mod_uses_pyside  # type: ignore[attr-defined]
