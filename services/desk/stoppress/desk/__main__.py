"""``python -m stoppress.desk``: run one editor's desk replica until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import sys

from stoppress.desk.editors import EditorsConfigError
from stoppress.desk.service import run_until_signalled
from stoppress.desk.settings import DeskSettings
from stoppress.shared import collector, eventloop
from stoppress.shared.logs import configure_logging


def main() -> None:
    """Build the settings, configure logging and serve; a bad editors configuration exits with status 2."""
    settings = DeskSettings()
    configure_logging(settings.log_format, settings.log_level)
    collector.tune()
    eventloop.install(settings.event_loop)
    try:
        asyncio.run(run_until_signalled(settings))
    except EditorsConfigError as exc:
        print(f"stoppress desk: bad editors configuration: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
