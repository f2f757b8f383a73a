"""How a connection's secrets are sealed: what the seal binds them to, and how that is encoded. No database here:
every store (the local SQLite one, a team workspace's) seals the same way.

The seal binds the secrets (tokens, client secret, API key) to the connection's id, so an envelope moved into
another row does not open, and to the settings that decide where they are sent: the template, the flow, and the
non-secret field values, which hold every endpoint override, the client id, and the site or tenant that endpoints
are rendered from. Whoever can edit the stored settings but not read the data key (another program, a database
administrator) cannot point a refresh at an endpoint of their own: the secrets no longer open, and nothing is
sent. The name, the account and the status are not bound: renaming or marking a connection needs no data key.

Format 2: the associated data is the envelope's header and the canonical encoding (`canonical`) of the binding:
id, template, flow, the number of values, then each key and value, sorted by key; so no two bindings encode
alike. Format 1, before settings were bound, bound the id alone; a store opens such envelopes only to seal them
again in format 2 (`open_format_1`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

from connmgr.domain.connection import Connection, Secrets
from connmgr.storage.canonical import canonical
from connmgr.storage.envelope import EnvelopeUnreadable, open_envelope, seal, version_of

FORMAT = 2
SETTINGS_CHANGED = "its settings or its secrets were changed outside connmgr"


@dataclass(frozen=True)
class Binding:
    """What a connection's sealed secrets are bound to."""

    connection_id: str
    template_id: str
    flow: str
    values: Mapping[str, str]

    @classmethod
    def of(cls, connection: Connection) -> Binding:
        return cls(connection.id, connection.template_id, connection.flow, connection.values)

    def encoded(self) -> bytes:
        """The canonical encoding; ValueError for a value that is not text (only a row edited by hand has one)."""
        items = sorted(self.values.items())
        texts = (self.connection_id, self.template_id, self.flow, str(len(items)), *chain.from_iterable(items))
        return canonical("connmgr secrets", texts)


class SecretCodec(Protocol):
    """Seals a connection's secrets under a key, bound to a `Binding`, and opens them again: the one thing a store
    does with a key. Today's is the data key of one home (`DataKeyCodec`); a team workspace's key is another.
    Neither call blocks (no keyring, no disk): a store fetches its key first, off the event loop."""

    def seal(self, binding: Binding, secrets: Secrets) -> bytes:
        """An envelope that opens only under this key, for this binding."""

    def open(self, binding: Binding, envelope: bytes) -> Secrets:
        """The secrets sealed in `envelope` for `binding`; `EnvelopeUnreadable`, saying why in words fit to show,
        when it was sealed under another key or for another binding, or changed since."""


class DataKeyCodec:
    """Format 2 under one home's data key. (A plain class: the window makes its store before its first paint, and
    a dataclass costs that a few tenths of a millisecond to define.)"""

    __slots__ = ("key",)

    def __init__(self, key: bytes) -> None:
        self.key = key

    def seal(self, binding: Binding, secrets: Secrets) -> bytes:
        return seal(self.key, json.dumps(secrets.to_json()).encode(), binding.encoded(), version=FORMAT)

    def open(self, binding: Binding, envelope: bytes) -> Secrets:
        if version_of(envelope) == 1:
            # Only a store's upgrade opens these (see `open_format_1`); one met later was put back from before it,
            # perhaps to slip in settings it never bound.
            raise EnvelopeUnreadable(f"{SETTINGS_CHANGED} (an envelope of an older connmgr was put in its place)")
        try:
            context = binding.encoded()
        except ValueError:
            raise EnvelopeUnreadable(SETTINGS_CHANGED) from None
        return _secrets(open_envelope(self.key, envelope, context, version=FORMAT, changed=SETTINGS_CHANGED))


def open_format_1(key: bytes, connection_id: str, envelope: bytes) -> Secrets:
    """An envelope of connmgr before format 2, which bound the connection's id alone."""
    return _secrets(open_envelope(key, envelope, b"secrets:" + connection_id.encode(), version=1))


def _secrets(plaintext: bytes) -> Secrets:
    return Secrets.from_json(json.loads(plaintext))
