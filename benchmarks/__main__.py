"""Run the benchmarks, print one table, write benchmarks/results.json.

    .venv/bin/python -m benchmarks [NAME...]      NAME: startup memory ticking refresh signin_latency
                                                  signin_window export workspace

It first re-runs itself inside a private D-Bus session with a throw-away, unlocked gnome-keyring (as scripts/test
does), so the export is measured against a real Secret Service and never touches yours. Each benchmark runs in
a process of its own; its figures come back as one JSON line.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import RESULT_PREFIX, SECRET_SERVICE_ENV

ORDER = ("startup", "memory", "ticking", "refresh", "signin_latency", "signin_window", "export", "workspace")
RESULTS = Path(__file__).with_name("results.json")


def _in_keyring_session() -> None:
    """Re-run this command inside `dbus-run-session` with gnome-keyring unlocked; returns only if already inside."""
    if os.environ.get(SECRET_SERVICE_ENV) == "1":
        return
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"the benchmarks need {' and '.join(missing)} (apt-get install dbus gnome-keyring)")
    keyring_home = tempfile.mkdtemp(prefix="connmgr-bench-keyring-")
    env = os.environ | {"HOME": keyring_home, "XDG_DATA_HOME": f"{keyring_home}/data", SECRET_SERVICE_ENV: "1"}
    script = 'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"'
    command = ["dbus-run-session", "--", "sh", "-c", script, "sh", sys.executable, "-m", "benchmarks", *sys.argv[1:]]
    try:
        code = subprocess.call(command, env=env)
    finally:
        shutil.rmtree(keyring_home, ignore_errors=True)
    sys.exit(code)


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")  # figures without a display; a real one may be slower or faster
    # Installed programs run from cached bytecode; a start-up figure that compiles every module each time is not
    # connmgr's. (Some environments set this to keep the work tree clean; __pycache__ is git-ignored.)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(name: str, env: dict[str, str]) -> dict[str, object]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        print(f"{name}: failed (exit {done.returncode})\n{tail}", file=sys.stderr)
        return {"figures": [], "details": {}, "error": tail}
    result: dict[str, object] = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(f"{name}: done in {result['seconds']} s", file=sys.stderr)
    return result


def _machine() -> dict[str, object]:
    import PySide6

    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    memory_kib = (
        next(
            (
                int(line.split()[1])
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            ),
            0,
        )
        if Path("/proc/meminfo").exists()
        else 0
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory_kib / (1 << 20), 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyside6": PySide6.__version__,
        "qt_platform": _child_environment().get("QT_QPA_PLATFORM"),
    }


def _format(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} {unit}".strip()


def _table(results: dict[str, dict[str, object]]) -> str:
    rows = [("Figure", "Median", "Reference (same run)", "Ratio", "Budget", "Met")]
    for result in results.values():
        for figure in result["figures"]:  # type: ignore[attr-defined]
            met = {True: "yes", False: "NO", None: ""}[figure["met"]]
            reference = f"{_format(figure['reference'], figure['unit'])} {figure['reference_label']}".strip()
            ratio = "" if figure["ratio"] is None else f"{figure['ratio']:.2f}"
            rows.append(
                (figure["label"], _format(figure["value"], figure["unit"]), reference, ratio, figure["budget"], met)
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def _recorded() -> dict[str, dict[str, object]]:
    """The results recorded so far, by benchmark; none if there are none or they are of an older shape."""
    try:
        recorded = json.loads(RESULTS.read_text())["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {name: result for name, result in recorded.items() if name in ORDER and "machine" in result}


def main() -> None:
    wanted = sys.argv[1:] or list(ORDER)
    unknown = sorted(set(wanted) - set(ORDER))
    if unknown:
        sys.exit(f"no benchmark named {', '.join(unknown)}; there are: {' '.join(ORDER)}")
    _in_keyring_session()
    env = _child_environment()
    machine = _machine()
    results = {name: _run(name, env) for name in ORDER if name in wanted}
    print()
    print(_table(results))
    when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    # A run of some benchmarks replaces their records and keeps the others'; each says when and where it ran.
    recorded = _recorded() | {name: {"when": when, "machine": machine, **result} for name, result in results.items()}
    report = {"results": {name: recorded[name] for name in ORDER if name in recorded}}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{json.dumps(machine)}\nAll figures and samples: {RESULTS}")


if __name__ == "__main__":
    main()
