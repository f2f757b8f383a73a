"""Whether Qt's window-system plugin can load, decided before Qt would abort without saying why.

Qt picks its platform plugin as the QApplication starts: QT_QPA_PLATFORM if set, else Wayland when the
session is one (WAYLAND_DISPLAY or XDG_SESSION_TYPE=wayland), then X11 (xcb). When none of them loads, Qt
aborts the process, and its advice names libxcb-cursor0 whatever is missing (on a fresh Debian 12 it was
libxcb-icccm4 and libxcb-keysyms1). So the plugin is loaded here first, as Qt loads it (QLibrary: the same
dlopen, whose handle Qt's own load then reuses, so a healthy start pays nothing measurable: see
`check_before_qt`). Only when that fails does `ldd` list every library missing, each with its Debian package.

`python -m connmgr.gui.platform_libraries [PLATFORM...]` runs the same check for scripts/setup and the build:
exit 0 when it loads; else the sentence on stderr, the Debian packages to install on stdout, exit 1.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLibrary, QLibraryInfo

from connmgr.domain.errors import ConfigError, clip

# The plugin files of the platforms checked (Qt 6.10 merged Wayland's into libqwayland.so). Other platforms
# (offscreen, vnc, eglfs, ...) are left to Qt: they are chosen on purpose, by people who know them.
_PLUGIN_FILES = {
    "xcb": ("libqxcb.so",),
    "wayland": ("libqwayland.so", "libqwayland-generic.so"),
}
_DISPLAY_NAMES = {"xcb": "X11 (xcb)", "wayland": "Wayland"}

# Debian names a library's package after its soname (Policy 8.1: libfoo.so.N is in libfooN, libfoo2.so.N in
# libfoo2-N); these are the exceptions among what the xcb and Wayland plugins link.
_DEBIAN_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libGLdispatch.so.0": "libglvnd0",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libgcc_s.so.1": "libgcc-s1",
    "libz.so.1": "zlib1g",
    **dict.fromkeys(("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0"), "libc6"),  # glibc: never missing
}
_SONAME = re.compile(r"(lib.+?)\.so\.(\d+)")
_NOT_FOUND = re.compile(r"^\s*(\S+) => not found$", re.MULTILINE)


@dataclass(frozen=True)
class PluginProblem:
    platform: str
    missing: tuple[str, ...]  # sonames, as ldd names them
    error: str  # the loader's own words, for when nothing is missing (a symbol, a broken file)


def platforms_qt_tries(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The platforms Qt tries, in its order (measured with Qt 6.11: Wayland first in a Wayland session)."""
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return tuple(name.split(":")[0] for name in chosen.split(";") if name)
    if environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        return ("wayland", "xcb")
    return ("xcb",)


def plugin_file(platform: str, environ: Mapping[str, str]) -> Path | None:
    folder = environ.get("QT_QPA_PLATFORM_PLUGIN_PATH") or (
        f"{QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)}/platforms"
    )
    for name in _PLUGIN_FILES.get(platform, ()):
        if (path := Path(folder, name)).is_file():
            return path
    return None


def problem_loading(platform: str, plugin: Path) -> PluginProblem | None:
    """None when `plugin` loads; it stays loaded, for Qt."""
    library = QLibrary(str(plugin))
    if library.load():
        return None
    return PluginProblem(platform, missing_libraries(plugin), library.errorString())


def missing_libraries(plugin: Path) -> tuple[str, ...]:
    """Every library `plugin` needs that the loader cannot find, its dependencies' dependencies included."""
    import shutil  # only once the plugin failed to load: a healthy start-up skips these imports
    import subprocess

    ldd = shutil.which("ldd")
    if ldd is None:
        return ()
    listed = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False)
    return tuple(dict.fromkeys(_NOT_FOUND.findall(listed.stdout)))


def debian_package(soname: str) -> str:
    if soname in _DEBIAN_EXCEPTIONS:
        return _DEBIAN_EXCEPTIONS[soname]
    match = _SONAME.fullmatch(soname)
    if match is None:
        return soname
    name, version = match.group(1).lower(), match.group(2)
    return f"{name}{'-' if name[-1].isdigit() else ''}{version}"


def _is_debian() -> bool:
    return Path("/etc/debian_version").is_file()


def packages_for(problems: Sequence[PluginProblem]) -> list[str]:
    """The Debian packages that bring what is missing (none off Debian, where the names would be guesses)."""
    if not _is_debian():
        return []
    return list(dict.fromkeys(debian_package(name) for problem in problems for name in problem.missing))


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def failure(problems: Sequence[PluginProblem]) -> ConfigError:
    """One sentence: which platform cannot load, which libraries it lacks and how to install them."""
    plugins = f"Qt's {_listed([_DISPLAY_NAMES[p.platform] for p in problems])} platform plugin"
    plugins += "s" if len(problems) > 1 else ""
    missing = list(dict.fromkeys(name for p in problems for name in p.missing))
    if not missing:
        what = f"{plugins} {'do' if len(problems) > 1 else 'does'} not load ({clip(problems[0].error, 160)})"
        return ConfigError("connmgr's window", what, "reinstall connmgr")
    needs = "need" if len(problems) > 1 else "needs"
    are = "are" if len(missing) > 1 else "is"
    what = f"{plugins} {needs} {_listed(missing)}, which {are} not installed"
    packages = packages_for(problems)
    if packages:
        sudo = "" if os.geteuid() == 0 else "sudo "
        todo = f"install {'them' if len(packages) > 1 else 'it'} with {sudo}apt-get install {' '.join(packages)}"
    else:
        todo = "install the packages that provide them with your system's package manager"
    return ConfigError("connmgr's window", what, todo)


def first_to_load(platforms: Sequence[str], environ: Mapping[str, str]) -> list[PluginProblem]:
    """Load the first of `platforms` that loads, as Qt will; what stopped each of them when none does.

    A platform whose plugin is not one of ours to check (or not there) ends the search: Qt reports it.
    """
    stopped = []
    for platform in platforms:
        plugin = plugin_file(platform, environ)
        if plugin is None or (problem := problem_loading(platform, plugin)) is None:
            return []
        stopped.append(problem)
    return stopped


def check_before_qt(environ: Mapping[str, str] = os.environ) -> None:
    """Raise the sentence when no platform Qt would try can load, or there is no X display to show it on.

    Measured under Xvfb: the check takes about 2 ms, and QApplication's own start about as much less (its
    dlopen of the plugin finds it loaded), so the window starts as fast as without it.
    """
    if sys.platform != "linux":
        return
    tried = platforms_qt_tries(environ)
    stopped = first_to_load(tried, environ)
    if stopped:
        raise failure(stopped)
    if tried == ("xcb",) and not environ.get("DISPLAY"):
        raise ConfigError(
            "connmgr's window", "there is no display to show it on (DISPLAY is not set)",
            "start it from a desktop session, or use the command line (connmgr --help)",
        )  # fmt: skip


def main(argv: Sequence[str]) -> int:
    """Each platform named must load (a build bundles them all); with none named, one of those Qt tries."""
    if argv:
        stopped = [problem for platform in argv for problem in first_to_load([platform], os.environ)]
    else:
        stopped = first_to_load(platforms_qt_tries(os.environ), os.environ)
    if not stopped:
        return 0
    print(" ".join(packages_for(stopped)))
    print(failure(stopped).sentence, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
