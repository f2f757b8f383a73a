"""PySide6's look at each imported module for `__feature__` reads the module's file as it is, with the same answers
as its own look through `inspect`."""

from __future__ import annotations

import inspect
import sys

import connmgr.gui.main_window  # a module that uses PySide6
import connmgr.gui.startup  # noqa: F401  (what replaces the look, as the window's start does)


def test_every_loaded_module_gets_the_answer_pysides_own_look_gives() -> None:
    feature = sys.modules["shibokensupport.feature"]
    look = feature._mod_uses_pyside
    assert look.__module__ == "connmgr.gui.module_scan"  # this PySide6 has the shape it replaces

    def through_inspect(module: object) -> bool:
        try:
            return "PySide6" in inspect.getsource(module)  # type: ignore[arg-type]
        except (TypeError, OSError, SyntaxError):
            return False

    modules = [module for name, module in sorted(sys.modules.items()) if name.startswith(("connmgr", "json", "sys"))]
    answers = {module.__name__: look(module) for module in modules}
    assert answers == {module.__name__: through_inspect(module) for module in modules}
    assert answers["connmgr.gui.main_window"] and not answers["connmgr.domain.health"] and not answers["sys"]
