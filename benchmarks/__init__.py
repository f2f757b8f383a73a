"""connmgr's benchmarks: scripts that print figures, each beside a reference measured in the same run.

    .venv/bin/python -m benchmarks            # all of them (about 4 minutes), table + benchmarks/results.json
    .venv/bin/python -m benchmarks ticking    # some of them, by name

Each benchmark is a module run in its own process (`python -m benchmarks.NAME`), so that one's imports, threads
and heap never colour another's figures; it prints one JSON line that `__main__` gathers. Nothing here asserts
on time: a missed budget is reported, and explained in the README's Performance section.
"""
