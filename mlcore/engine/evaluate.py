"""Evaluation command: ``python -m mlcore.engine.evaluate {scoring,kt} ...`` writes a JSON report.

    python -m mlcore.engine.evaluate kt --data PATH --format dkvmn|akt|csv \\
        --model dkt|sakt|pfa|auto --out REPORT.json
    python -m mlcore.engine.evaluate scoring --data PATH --format asap|semeval|csv \\
        --model NAME|auto --out REPORT.json

Each protocol module owns its flags (``add_arguments(parser)``) and its ``run(args) -> dict``;
the modules are imported only for the subcommand that runs, so ``kt`` works without the
scoring stack and the reverse. The report is printed to stdout; progress bars go to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
from collections.abc import Sequence
from types import ModuleType

SUBCOMMANDS = {
    "kt": ("mlcore.engine.eval_kt", "knowledge tracing: next-response AUC"),
    "scoring": ("mlcore.engine.eval_scoring", "answer and essay scoring: QWK, F1"),
}


def _add_common_scoring_flags(parser: argparse.ArgumentParser) -> None:
    """Flags the issue names for ``scoring``, used when eval_scoring adds none of its own."""
    parser.add_argument("--data", required=True)
    parser.add_argument("--format", required=True, choices=("asap", "semeval", "csv"))
    parser.add_argument("--model", default="auto")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None)
    parser.add_argument("--out", default=None)


def _module(name: str) -> ModuleType:
    return importlib.import_module(SUBCOMMANDS[name][0])


def build_parser(subcommand: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``subcommand``'s module is imported to add its flags."""
    parser = argparse.ArgumentParser(prog="python -m mlcore.engine.evaluate", description=__doc__)
    subs = parser.add_subparsers(dest="subcommand", required=True)
    for name, (_, help_text) in SUBCOMMANDS.items():
        sub = subs.add_parser(name, help=help_text)
        if name != subcommand:
            continue
        add_arguments = getattr(_module(name), "add_arguments", None)
        if add_arguments is not None:
            add_arguments(sub)
        else:
            _add_common_scoring_flags(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run the subcommand's protocol, print its report as JSON."""
    argv = list(sys.argv[1:] if argv is None else argv)
    subcommand = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    args = build_parser(subcommand).parse_args(argv)
    args.command = shlex.join(["python", "-m", "mlcore.engine.evaluate", *argv])
    report = _module(args.subcommand).run(args)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
