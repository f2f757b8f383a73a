from connmgr.domain.connection import Connection, Status
from connmgr.domain.summary import needs_a_person, summary

NOW = 1_000_000.0


def conn(**kw):
    return Connection(id="x", name="x", template_id="t", flow="authorization_code", values={}, **kw)


def test_summary_names_what_needs_a_person_first():
    rows = [conn(), conn(), conn(status=Status.NEEDS_SIGN_IN), conn(issued_at=NOW - 250, expires_at=NOW + 50),
            conn(status=Status.REVOKED)]  # fmt: skip
    assert summary(rows, NOW) == "1 needs sign-in, 1 expiring soon, 2 connected, 1 revoked"
    assert summary([], NOW) == "No connections yet"


def test_needs_a_person():
    assert needs_a_person(conn(status=Status.NEEDS_SIGN_IN), NOW)
    assert not needs_a_person(conn(issued_at=NOW, expires_at=NOW + 10), NOW)
