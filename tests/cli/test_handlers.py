"""Each command's handler is named by the parser and imported only when it runs (the window's start-up parses the
same arguments): every one must exist, and a frozen build, which finds modules by following import statements
from the entry point, must collect it."""

import inspect
import modulefinder
from importlib import import_module
from pathlib import Path

from connmgr.cli.commands import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _handlers(parser=None, prefix=""):
    """Each command's handler by its words ("workspace create"), a group's commands included."""
    (commands,) = (parser or build_parser())._subparsers._group_actions  # type: ignore[union-attr]
    handlers = {}
    for name, command in commands.choices.items():
        if command._subparsers is None:
            handlers[prefix + name] = command.get_default("handler")
        else:
            handlers |= _handlers(command, f"{prefix}{name} ")
    return handlers


def test_every_command_has_a_handler_that_takes_the_arguments_and_the_desktop():
    handlers = _handlers()
    assert set(handlers) == {
        "templates", "connect", "describe", "list", "token", "claims", "exec", "refresh", "revoke", "remove",
        "rename", "check", "export", "audit", "share", "unshare",
        "workspace create", "workspace join", "workspace approve", "workspace remove", "workspace status",
    }  # fmt: skip
    for name, handler in handlers.items():
        function = getattr(import_module(f"connmgr.cli.{handler.module}"), handler.function)
        assert list(inspect.signature(function).parameters)[:1] == ["args"], name
        assert len(inspect.signature(function).parameters) == 2, name


def test_a_frozen_build_finds_every_commands_module_from_the_entry_point():
    finder = modulefinder.ModuleFinder(path=[str(ROOT)])  # connmgr's own imports; libraries are not followed
    finder.run_script(str(ROOT / "connmgr" / "__main__.py"))
    for handler in _handlers().values():
        assert f"connmgr.cli.{handler.module}" in finder.modules
