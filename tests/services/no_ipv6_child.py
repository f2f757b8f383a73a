"""Run in a network namespace whose loopback has no ::1: the localhost listener check, IPv4 alone.

    python -m tests.services.no_ipv6_child   (test_loopback_neighbours.py starts it with unshare)

Prints what `prove_localhost_is_ours` proved; exits non-zero if a check failed.
"""

from __future__ import annotations

import asyncio

from tests.services.test_loopback_neighbours import prove_localhost_is_ours

print(asyncio.run(prove_localhost_is_ours()))
