"""`connmgr templates`: the vendor templates, as a table or JSON with each one's fields."""

from __future__ import annotations

import argparse
import sys

from connmgr.cli.desktop import Desktop
from connmgr.cli.output import print_json
from connmgr.domain.names import for_terminal
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


def cmd_templates(args: argparse.Namespace, _: Desktop) -> int:
    loaded = load_catalog(args.home / "templates")
    if args.json:
        print_json([_template_json(t) for t in loaded.catalog])
    else:
        width = max(len(t.id) for t in loaded.catalog)
        for t in loaded.catalog:
            flows = ", ".join(f.phrase for f in t.flows)
            print(for_terminal(f"{t.id:<{width}}  {t.name} — {flows}"))
    for problem in loaded.problems:
        print(for_terminal(problem.sentence), file=sys.stderr)
    return 0
