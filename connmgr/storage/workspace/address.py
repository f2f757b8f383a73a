"""Where a workspace is: a libpq URI (`postgresql://user@host:port/database?sslmode=verify-full`), checked.

The address never holds the password: an address is typed on command lines, kept in settings and shown in
sentences, so a password in it would end up in shell histories and logs. The password comes from
`PGPASSWORD`, `~/.pgpass` or a prompt (`password`).
"""

from __future__ import annotations

from dataclasses import dataclass

from connmgr.storage.workspace.errors import AddressInvalid

SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class WorkspaceAddress:
    uri: str
    parameters: dict[str, str]

    @classmethod
    def parse(cls, uri: str) -> WorkspaceAddress:
        """The address in `uri`; `AddressInvalid` with one sentence (never echoing the text: it may hold a
        password) for anything that is not a libpq URI without a password."""
        from psycopg.conninfo import conninfo_to_dict

        if not uri.startswith(SCHEMES):
            raise AddressInvalid("it does not start with postgresql://")
        try:
            parameters = {key: str(value) for key, value in conninfo_to_dict(uri).items() if value is not None}
        except Exception:  # psycopg's message quotes the whole URI
            raise AddressInvalid("it is not a valid PostgreSQL URI") from None
        if "password" in parameters:
            raise AddressInvalid(
                "it holds a password, which must not be typed where others can read it; remove it: connmgr takes the"
                " password from PGPASSWORD, ~/.pgpass, or asks for it"
            )
        return cls(uri, parameters)

    @property
    def shown(self) -> str:
        """How the workspace is named to a person and in the keyring: user, host, port and database."""
        host = self.parameters.get("host", "localhost")
        port = self.parameters.get("port", "5432")
        user = self.parameters.get("user", "")
        database = self.parameters.get("dbname", user)
        return f"{user + '@' if user else ''}{host}:{port}/{database}"
