"""The global options (--home, -v) come before the command, and are parsed once: for a command, and for the
window when there is none."""

import subprocess
import sys


def test_home_before_the_command_is_the_home_it_uses(connmgr, tmp_path):
    for chosen, arguments in (
        (tmp_path / "spaced", ("--home", str(tmp_path / "spaced"), "-v", "list")),
        (tmp_path / "joined", ("-v", f"--home={tmp_path / 'joined'}", "list")),
    ):
        listed = connmgr(*arguments)
        assert listed.code == 0, listed.err
        assert listed.out.startswith("No connections yet.")
        assert chosen.is_dir()
    assert not connmgr.home.exists()  # CONNMGR_HOME gives way to --home


def test_a_global_option_after_the_command_is_a_usage_error_in_one_line(connmgr, tmp_path):
    misplaced = connmgr("list", "--home", str(tmp_path / "elsewhere"))
    assert misplaced.code == 2
    assert misplaced.err == f"connmgr: unrecognized arguments: --home {tmp_path / 'elsewhere'}\n"
    assert not (tmp_path / "elsewhere").exists() and not connmgr.home.exists()


def test_global_options_alone_open_the_window_on_that_home(connmgr, tmp_path):
    home = tmp_path / "window-home"
    home.mkdir()
    (home / "connections.db").write_bytes(b"not a database, " * 512)  # the window says so, and quits
    opened = connmgr(f"--home={home}", "-v")
    assert opened.code == 1
    assert "is damaged or not a connmgr database" in opened.err
    assert "usage:" not in opened.out  # not the command line's help
    assert not connmgr.home.exists()


def test_an_unknown_global_option_without_a_command_is_a_usage_error_not_the_window(connmgr):
    refused = connmgr("--colour")
    assert refused.code == 2
    assert refused.err == "connmgr: unrecognized arguments: --colour\n"
    assert not connmgr.home.exists()


def test_help_without_a_command_names_every_command(connmgr):
    helped = connmgr("--help")
    assert helped.code == 0
    assert all(command in helped.out for command in ("connect", "token", "exec", "workspace", "audit"))


def test_the_windows_arguments_are_parsed_without_the_command_tree():
    """The window's start-up pays for the global options alone: the commands' parser (and what it imports for its
    choices and help) is built only when a command or help is asked for."""
    probe = (
        "import sys; from connmgr.cli.parser import parse_arguments; a = parse_arguments(['--home', 'h', '-v']); "
        "tree = ('connmgr.cli.commands', 'connmgr.domain.envfile'); print(a.command, a.verbose, a.home, "
        "*(m in sys.modules for m in tree))"
    )
    window = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert window.stdout.split() == ["None", "True", "h", "False", "False"]
