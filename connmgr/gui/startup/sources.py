"""The source text start-up's imports left in linecache, dropped once each phase's imports are done.

PySide6 looks at every module imported after it for a `__feature__` import, reading the module's source through
`inspect`, and linecache keeps that text for the life of the process: megabytes of lines the window never shows.
linecache reads a file again when a traceback needs it.
"""

from __future__ import annotations

import linecache


def drop_imported_sources() -> None:
    linecache.clearcache()
