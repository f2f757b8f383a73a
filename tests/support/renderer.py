"""What confines a running Chromium renderer process, read from /proc: the two layers of its sandbox."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Confinement:
    own_user_namespace: bool  # the namespace layer: a user (and PID, network) namespace of its own
    seccomp_filtered: bool  # the seccomp-bpf layer: a filter on its system calls
    uid: int


def confinement(pid: int) -> Confinement:
    with open(f"/proc/{pid}/status") as file:
        status = dict(line.split(":\t", 1) for line in file.read().splitlines() if ":\t" in line)
    return Confinement(
        own_user_namespace=os.readlink(f"/proc/{pid}/ns/user") != os.readlink("/proc/self/ns/user"),
        seccomp_filtered=status["Seccomp"].strip() == "2",
        uid=int(status["Uid"].split()[1]),  # the effective one
    )
