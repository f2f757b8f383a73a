"""The command line: the same operations as the window, for scripts.

Exit status: 0 on success; 1 with one sentence on stderr when an operation
fails; 2 on a usage error (argparse's own convention).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from connmgr import __version__
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.template import ProviderTemplate
from connmgr.templates import load_catalog


def _template_json(t: ProviderTemplate) -> dict[str, object]:
    return {
        "id": t.id,
        "name": t.name,
        "description": t.description,
        "protocol": t.protocol,
        "flows": list(t.flows),
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "required": f.required,
                "default": f.default,
                "advanced": f.advanced,
                "flows": sorted(f.flows) if f.flows is not None else list(t.flows),
                "choices": [c.value for c in f.choices],
                "hint": f.hint,
            }
            for f in t.fields
            if f.flows is None or f.flows
        ],
        "endpoints": dict(t.endpoints),
    }


def cmd_templates(args: argparse.Namespace) -> int:
    loaded = load_catalog()
    if args.json:
        print(json.dumps([_template_json(t) for t in loaded.catalog], indent=2))
    else:
        width = max(len(t.id) for t in loaded.catalog)
        for t in loaded.catalog:
            print(f"{t.id:<{width}}  {t.name} — {', '.join(f.replace('_', ' ') for f in t.flows)}")
    for problem in loaded.problems:
        print(problem.sentence, file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connmgr", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"connmgr {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = commands.add_parser("templates", help="list the vendor templates")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_templates)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.run(args))
    except ConnmgrError as exc:
        print(exc.sentence, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; nothing was changed.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
