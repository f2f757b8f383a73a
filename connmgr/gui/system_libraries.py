"""The system libraries Qt needs on Linux, named with their Debian packages where Qt would fail without saying.

Where they are missing, Qt fails in ways that do not help: importing PySide6 raises "libglib-2.0.so.0: cannot
open shared object file" (the first of a dozen, on a fresh Debian 12), and when no window-system plugin loads,
Qt aborts the process with advice naming libxcb-cursor0 whatever is missing (there it was libxcb-icccm4 and
libxcb-keysyms1). So:
- the app loads the platform plugin Qt will choose before Qt does (`check_before_qt`), and turns a failed
  import of Qt into a sentence (`after_failed_import`); only then does `ldd` list everything missing;
- `python -m connmgr.gui.system_libraries [PLATFORM...]` (scripts/setup, the build) lists with `ldd` what
  the window, the sign-in window (QtWebEngine) and the platform plugins need, without importing Qt: exit 0
  when nothing is missing, else the sentence on stderr, the Debian packages to install on stdout, exit 1.

Qt picks its platform plugin as the QApplication starts: QT_QPA_PLATFORM if set, else Wayland in a Wayland
session (WAYLAND_DISPLAY or XDG_SESSION_TYPE=wayland), then X11 (xcb).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from connmgr.domain.errors import ConfigError, clip

# The plugin files of the platforms checked (Qt 6.10 merged Wayland's into libqwayland.so). Other platforms
# (offscreen, vnc, eglfs, ...) are left to Qt: they are chosen on purpose, by people who know them.
_PLUGIN_FILES = {
    "xcb": ("libqxcb.so",),
    "wayland": ("libqwayland.so", "libqwayland-generic.so"),
}
_PLATFORM_NAMES = {"xcb": "X11 (xcb)", "wayland": "Wayland"}
# In the PySide6 folder: the binding modules connmgr imports, and the web engine's helper process.
_QT_FILES = (
    "QtCore.abi3.so",
    "QtGui.abi3.so",
    "QtWidgets.abi3.so",
    "QtWebEngineCore.abi3.so",
    "QtWebEngineWidgets.abi3.so",
    "Qt/libexec/QtWebEngineProcess",
)

# Debian names a library's package after its soname (Policy 8.1: libfoo.so.N is in libfooN, libfoo2.so.N in
# libfoo2-N; lower case, "_" as "-"); these are the exceptions among what Qt, QtWebEngine and their platform
# plugins link.
_DEBIAN_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libGLdispatch.so.0": "libglvnd0",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libz.so.1": "zlib1g",
    **dict.fromkeys(("libnss3.so", "libnssutil3.so", "libsmime3.so"), "libnss3"),  # no version in these sonames
    **dict.fromkeys(("libnspr4.so", "libplc4.so", "libplds4.so"), "libnspr4"),
    **dict.fromkeys(("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "libresolv.so.2"), "libc6"),
}
_SONAME = re.compile(r"(lib.+?)\.so\.(\d+)")
_NOT_FOUND = re.compile(r"^\s*(\S+) => not found$", re.MULTILINE)
_WHO = "connmgr's window"
_NAMED = 4  # libraries named in a sentence; beyond, a count


def platforms_qt_tries(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The platforms Qt tries, in its order (measured with Qt 6.11: Wayland first in a Wayland session)."""
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return tuple(name.split(":")[0] for name in chosen.split(";") if name)
    if environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        return ("wayland", "xcb")
    return ("xcb",)


def _pyside_folder() -> Path | None:
    spec = importlib.util.find_spec("PySide6")  # found, not imported: importing it may be what fails
    locations = spec.submodule_search_locations if spec else None
    return Path(next(iter(locations))) if locations else None


def plugin_file(platform: str, environ: Mapping[str, str]) -> Path | None:
    pyside = _pyside_folder()
    folder = environ.get("QT_QPA_PLATFORM_PLUGIN_PATH") or (pyside and str(pyside / "Qt" / "plugins" / "platforms"))
    paths = [Path(folder, name) for name in _PLUGIN_FILES.get(platform, ())] if folder else []
    return next((path for path in paths if path.is_file()), None)


def missing_libraries(files: Iterable[Path]) -> list[str]:
    """Every library `files` need that the loader cannot find, their dependencies' dependencies included."""
    import shutil  # only once something failed to load, or for the scripts: a healthy start skips these imports
    import subprocess

    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    missing: dict[str, None] = {}
    for file in files:
        listed = subprocess.run([ldd, str(file)], capture_output=True, text=True, timeout=30, check=False)
        missing.update(dict.fromkeys(_NOT_FOUND.findall(listed.stdout)))
    return list(missing)


def debian_package(soname: str) -> str:
    if soname in _DEBIAN_EXCEPTIONS:
        return _DEBIAN_EXCEPTIONS[soname]
    match = _SONAME.fullmatch(soname)
    if match is None:
        return soname
    name, version = match.group(1).lower().replace("_", "-"), match.group(2)
    return f"{name}{'-' if name[-1].isdigit() else ''}{version}"


def packages_for(missing: Sequence[str]) -> list[str]:
    """The Debian packages that bring `missing` (none off Debian, where the names would be guesses)."""
    if not Path("/etc/debian_version").is_file():
        return []
    return list(dict.fromkeys(debian_package(name) for name in missing))


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def failure(missing: Sequence[str], platforms: Sequence[str] = ()) -> ConfigError:
    """One sentence: the libraries Qt lacks (for which platform plugins), and how to install them."""
    where = f" for {_listed([_PLATFORM_NAMES.get(p, p) for p in platforms])}" if platforms else ""
    # A fresh system can lack two dozen: the first few name the problem, the packages are all listed below.
    named = [*missing[:3], f"{len(missing) - 3} more libraries"] if len(missing) > _NAMED else missing
    what = f"Qt needs {_listed(named)}{where}, which {'are' if len(missing) > 1 else 'is'} not installed"
    if packages := packages_for(missing):
        sudo = "" if os.geteuid() == 0 else "sudo "
        todo = f"install {'them' if len(packages) > 1 else 'it'} with {sudo}apt-get install {' '.join(packages)}"
    else:
        todo = "install the packages that provide them with your system's package manager"
    return ConfigError(_WHO, what, todo)


def _qt_files() -> list[Path]:
    pyside = _pyside_folder()
    return [file for name in _QT_FILES if pyside and (file := pyside / name).is_file()]


def after_failed_import(error: ImportError, environ: Mapping[str, str] = os.environ) -> ConfigError | None:
    """The sentence for an import of Qt that failed for want of system libraries; None for any other failure."""
    if sys.platform != "linux" or "cannot open shared object file" not in str(error):
        return None
    missing = _missing_for_window(platforms_qt_tries(environ), environ, any_platform=True)
    return failure(missing) if missing else None


def check_before_qt(environ: Mapping[str, str] = os.environ) -> None:
    """Raise the sentence when no platform plugin Qt would try can load, or there is no X display to show it on.

    The first plugin that loads stays loaded, for Qt: QLibrary's load is the dlopen Qt's own then finds done, so
    QApplication's start is shorter by about what the check takes, and the window starts as fast as without it.
    """
    if sys.platform != "linux":
        return
    from PySide6.QtCore import QLibrary  # imported already by whoever starts Qt

    tried = platforms_qt_tries(environ)
    plugins = [plugin_file(platform, environ) for platform in tried]
    errors = []
    for plugin in plugins:
        if plugin is None:  # not one of ours to check, or not there: Qt's to report
            break
        library = QLibrary(str(plugin))
        if library.load():
            break
        errors.append(library.errorString())
    else:
        missing = missing_libraries(plugin for plugin in plugins if plugin)
        if missing:
            raise failure(missing, tried)
        raise ConfigError(_WHO, f"Qt's platform plugin does not load ({clip(errors[0], 160)})", "reinstall connmgr")
    if tried == ("xcb",) and not environ.get("DISPLAY"):
        raise ConfigError(
            _WHO, "there is no display to show it on (DISPLAY is not set)",
            "start it from a desktop session, or use the command line (connmgr --help)",
        )  # fmt: skip


def _missing_for_window(platforms: Sequence[str], environ: Mapping[str, str], *, any_platform: bool) -> list[str]:
    """What Qt, QtWebEngine and the plugins of `platforms` lack: of each plugin, or of the most complete one."""
    common = missing_libraries(_qt_files())
    plugins = [missing_libraries([plugin]) for p in platforms if (plugin := plugin_file(p, environ))]
    if any_platform:
        plugins = [min(plugins, key=len)] if plugins else []
    return list(dict.fromkeys([*common, *(name for lacking in plugins for name in lacking)]))


def main(argv: Sequence[str]) -> int:
    """Each platform named must be complete (a build bundles them all); with none, one of those Qt tries."""
    missing = _missing_for_window(argv or platforms_qt_tries(os.environ), os.environ, any_platform=not argv)
    if not missing:
        return 0
    print(" ".join(packages_for(missing)))
    print(failure(missing).sentence, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
