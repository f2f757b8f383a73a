"""Two people on two machines in one workspace: alice, its admin, and bob, who joined with the fingerprints
compared both ways (the `team` fixture gives the two commands and the workspace's address)."""

import re

FINGERPRINT = re.compile(r"fingerprint[^:]*: ((?:[A-Z2-7]{4} ){5}[A-Z2-7]{4})")


def fingerprint_in(text: str) -> str:
    found = FINGERPRINT.findall(text)
    assert found, text
    return found[-1]


def ok(result):
    assert result.code == 0, result.err
    return result


def joined(team):
    """alice created the workspace, bob joined; both fingerprints as each side showed them."""
    alice, bob, uri = team
    created = ok(alice("workspace", "create", uri, "--name", "Support", "--member", "alice"))
    asked = ok(bob("workspace", "join", uri, "--member", "bob"))
    bob_print = fingerprint_in(asked.out)
    approved = ok(alice("workspace", "approve", "bob", "--fingerprint", bob_print.lower()))
    alice_print = fingerprint_in(approved.out)
    assert alice_print == fingerprint_in(created.out)
    ok(bob("workspace", "join", uri, "--member", "bob", "--admin-fingerprint", alice_print))
    return alice_print, bob_print
