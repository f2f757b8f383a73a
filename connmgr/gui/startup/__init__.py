"""The one place the window app is put together, in two phases, each object given its collaborators when it is made.

1. `window`: Qt, the store and the window over its metadata, painted before asyncio, the OAuth engine, httpx or the
   services are even imported (start-up is measured to the first paint).
2. `assembly`: on the running event loop, what the window's actions need: the services, the clipboard, the tray,
   the controller and the refresh scheduler. Nothing is patched onto an object already made.

`launch.run` is the app as a person starts it, through `assembly.app_behind`, as the smoke check does too; the tests,
the screenshots and the benchmarks build the same objects with `assembly.build_app`, shown and started as they need.
"""
