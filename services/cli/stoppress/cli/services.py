"""``stoppress ingest|ticker|push``: run one service in the foreground.

Each service reads its own settings from the environment (see its
``settings.py``); these subcommands only pick which one runs, so that a
container or a process manager needs nothing but the ``stoppress`` command.
The editor's desk service runs with ``stoppress desk serve`` (``stoppress
desk`` is also the editors' command line, :mod:`stoppress.cli.desk`).
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

SERVICES = {
    "ingest": "HTTP API and feed polling → headlines.raw (port 8081)",
    "ticker": "faust worker: dedupe, cluster, rank → ticker.events / ticker.stories (web 6066)",
    "push": "WebSocket/SSE/REST gateway, demo page, widget and dashboard (port 8080)",
}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    for name, summary in SERVICES.items():
        parser = subparsers.add_parser(name, help=f"run the {name} service: {summary}", description=summary)
        parser.set_defaults(func=_runner(name))


def _runner(name: str) -> Any:
    def run(_args: argparse.Namespace) -> int:
        importlib.import_module(f"stoppress.{name}.__main__").main()
        return 0

    return run
