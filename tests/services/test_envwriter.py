import os
import stat

import pytest

from connmgr.services.envwriter import ExportError, write_env


def test_a_symlinked_target_is_refused_and_neither_the_link_nor_its_target_changes(tmp_path):
    target = tmp_path / "elsewhere" / "settings"
    target.parent.mkdir()
    target.write_text("PRIVATE=1\n")
    link = tmp_path / ".env"
    link.symlink_to(target)

    with pytest.raises(ExportError) as caught:
        write_env(link, {"ACME_ACCESS_TOKEN": "t"}, header="acme")

    assert caught.value.sentence == (
        f"Export: {link} is a symbolic link (to {target}); export to the file it points to, or choose another file."
    )
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "PRIVATE=1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env", "elsewhere"]  # no temp file left


def test_a_dangling_symlink_is_refused_too(tmp_path):
    link = tmp_path / ".env"
    link.symlink_to(tmp_path / "missing")
    with pytest.raises(ExportError, match="is a symbolic link"):
        write_env(link, {"A": "1"}, header="acme")
    assert not (tmp_path / "missing").exists()


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / ".env"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match="is not a regular file"):
        write_env(fifo, {"A": "1"}, header="acme")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_crlf_file_keeps_its_line_endings(tmp_path):
    path = tmp_path / ".env"
    path.write_bytes(b"KEEP=1\r\nACME_ACCESS_TOKEN=old\r\n")
    write_env(path, {"ACME_ACCESS_TOKEN": "new"}, header="acme")
    assert path.read_bytes() == b"KEEP=1\r\nACME_ACCESS_TOKEN=new\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
