"""The OAuth engine: the token requests, discovery, ID tokens and connmgr's HTTP pool, over httpx."""

import sys

# httpx imports its command line (`httpx._main`: rich, click, pygments) whenever those happen to be installed;
# connmgr never runs it, and in the window it would hold ~5 MiB for nothing. A None entry makes that import fail
# as if they were absent, which httpx expects (it then offers a `main` that says how to install them).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
