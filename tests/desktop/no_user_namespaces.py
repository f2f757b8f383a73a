"""Run a command where no further user namespace may be made, as on a system that forbids them to users.

Usage: python no_user_namespaces.py COMMAND...

The command runs in a user namespace of its own whose `user.max_user_namespaces` is 0 (the per-namespace
limit the kernel keeps), as an ordinary user (uid 1000 when started by root, else the caller's own uid,
mapped to the caller), without capabilities. Creating a user namespace then fails for it, as it does where
the sysctl is 0 system-wide, AppArmor restricts them (Ubuntu 24.04) or a container's seccomp profile
refuses them. Nothing outside changes.
"""

from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000


def main(command: list[str]) -> None:
    outer_uid, outer_gid = os.geteuid(), os.getegid()
    inner_uid, inner_gid = (1000, 1000) if outer_uid == 0 else (outer_uid, outer_gid)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER)")
    for path, text in (
        ("/proc/self/setgroups", "deny"),
        ("/proc/self/uid_map", f"{inner_uid} {outer_uid} 1"),
        ("/proc/self/gid_map", f"{inner_gid} {outer_gid} 1"),
        ("/proc/sys/user/max_user_namespaces", "0"),  # with the namespace's full capabilities, before exec
    ):
        with open(path, "w") as file:
            file.write(text)
    os.execvp(command[0], command)  # as inner_uid, which drops every capability


if __name__ == "__main__":
    main(sys.argv[1:])
