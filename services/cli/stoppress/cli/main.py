"""The ``stoppress`` command: one entry point, one subcommand per job.

Each subcommand lives in its own module, which exposes ``register(subparsers)``;
this module only assembles them, so ``stoppress --help`` lists everything.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

SUBCOMMAND_MODULES = (
    "stoppress.cli.up",
    "stoppress.cli.services",
    "stoppress.cli.post",
    "stoppress.cli.replay",
    "stoppress.cli.tail",
    "stoppress.cli.bot",
    "stoppress.cli.evaluate",
    "stoppress.cli.kafka",
    "stoppress.cli.topics",
    "stoppress.cli.dlq",
    "stoppress.cli.desk",
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="stoppress",
        description="Stop Press: breaking news, live. Run the stack, publish headlines, watch the stream.",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Parse ``argv`` and run the chosen subcommand; exit with its status."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        sys.exit(func(args))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
