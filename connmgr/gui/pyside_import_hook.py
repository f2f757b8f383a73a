"""PySide6's import hook, spared from reading the source of every module imported after it.

Once PySide6 is loaded, its hook on `__import__` asks of each new module whether its source names PySide6 (such a
module could select a `__feature__`, e.g. snake_case), by reading that source with `inspect.getsource`. The text
then stays in linecache for the life of the process: about 14 MiB for the window's imports, never shown. connmgr
selects no feature anywhere, so "uses no feature" is the true answer for every module, given without the read.
"""

from __future__ import annotations

from types import ModuleType

import PySide6  # noqa: F401  (loads shiboken6, whose support package holds the hook)


def skip_source_scan() -> None:
    """From now on, modules are imported without their source being read and kept (a no-op on a PySide6 whose
    hook works otherwise)."""
    try:
        from shibokensupport import feature  # type: ignore[import-not-found]  # shiboken6's embedded package
    except ImportError:
        return
    if callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _selects_no_feature


def _selects_no_feature(module: ModuleType) -> bool:
    return False
