"""Local stand-ins for the OAuth vendors connmgr talks to, strict to each vendor's own documents.

vaultre.py, vcita.py and ioffice.py (iOFFICE and Eptura Workplace) hold one simulator class each; base.py is
what they share, on top of server.py (HTTP), wire.py (requests, responses), pages.py (HTML), clock.py,
faults.py, registry.py (clients, users, grants) and secret_store.py (codes and tokens). fixtures.py has the
pytest fixtures.
"""
