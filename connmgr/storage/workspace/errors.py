"""What a workspace's server refusing looks like to a person: `StoreRefused`s, one sentence each, never a password
(libpq's own messages are only matched, never shown whole)."""

from __future__ import annotations

from connmgr.domain.errors import clip
from connmgr.storage.errors import STORE, StorageError, StoreFailed, StoreRefused

WORKSPACE = "Workspace"
_UNKNOWN = "whether the last change was saved is not known until it is read again"


class AddressInvalid(StorageError):
    def __init__(self, reason: str) -> None:
        super().__init__(WORKSPACE, f"the workspace address cannot be used ({reason})", "check the address")


class WorkspaceUnreachable(StoreRefused):
    retryable = True

    def __init__(self, where: str) -> None:
        super().__init__(
            WORKSPACE, f"the server of {where} cannot be reached", "check the address and the network, and try again"
        )


class WrongPassword(StoreRefused):
    def __init__(self, where: str, *, given: bool = True) -> None:
        if given:
            what, todo = f"the server of {where} refused the password", "type it again, or ask your admin"
        else:
            what = f"the server of {where} asks for a password"
            todo = "set PGPASSWORD, put it in ~/.pgpass, or type it when connmgr asks"
        super().__init__(WORKSPACE, what, todo)


class CertificateRefused(StoreRefused):
    def __init__(self, where: str, host: str) -> None:
        super().__init__(
            WORKSPACE,
            f"the server of {where} presented a certificate that is not valid for {clip(host, 80)}",
            "check the address, or ask your admin for the server's certificate",
        )


class CertificateUntrusted(StoreRefused):
    def __init__(self, where: str) -> None:
        super().__init__(
            WORKSPACE,
            f"the certificate of the server of {where} is not signed by a trusted authority",
            "give its CA with sslrootcert= in the address",
        )


class WorkspaceBusy(StoreRefused):
    retryable = True

    def __init__(self, where: str) -> None:
        super().__init__(
            WORKSPACE,
            f"the server of {where} has no connection to spare",
            "close some other connmgr windows, or ask your admin to allow more connections, and try again",
        )


class ConnectionDropped(StoreRefused):
    retryable = True

    def __init__(self, where: str) -> None:
        super().__init__(WORKSPACE, f"the connection to {where} was lost", f"try again; {_UNKNOWN}")


class WorkspaceFailed(StoreFailed):
    """The server answered with an error connmgr does not expect (or the store was closed)."""

    def __init__(self, where: str, detail: str) -> None:
        StoreRefused.__init__(
            self,
            STORE,
            f"reading or writing {where} failed ({clip(detail, 120)})",
            "try again, and report it if it persists",
        )


def refused(error: Exception, where: str, host: str, *, connecting: bool = False) -> StoreRefused:
    """The typed error for a psycopg failure talking to `where` (`connecting`: while opening a connection)."""
    import psycopg

    text = str(error)
    if isinstance(error, psycopg.OperationalError):
        if "does not match host name" in text:
            return CertificateRefused(where, host)
        if "certificate verify failed" in text or "signature failure" in text:  # another CA (of the same name)
            return CertificateUntrusted(where)
        if "password authentication failed" in text:
            return WrongPassword(where)
        if "no password supplied" in text:
            return WrongPassword(where, given=False)
        if "too many" in text or "remaining connection slots" in text:  # of the server, a database, a role
            return WorkspaceBusy(where)
        if connecting or "Connection refused" in text or "timeout expired" in text:
            return WorkspaceUnreachable(where)
        if getattr(error, "sqlstate", None) is None:  # no answer from the server: the socket failed
            return ConnectionDropped(where)
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate in ("57P01", "57P02", "57P03"):  # the server shut down, crashed, or is starting
        return ConnectionDropped(where)
    return WorkspaceFailed(where, f"{type(error).__name__}{f' {sqlstate}' if sqlstate else ''}")
