"""``python -m stoppress.ingest``: run one ingest replica until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import sys

from stoppress.ingest.service import run_until_signalled
from stoppress.ingest.settings import IngestSettings
from stoppress.ingest.sources import SourcesConfigError
from stoppress.shared import collector, eventloop
from stoppress.shared.logs import configure_logging


def main() -> None:
    """Build the settings, configure logging and serve; a bad sources configuration exits with status 2."""
    settings = IngestSettings()
    configure_logging(settings.log_format, settings.log_level)
    collector.tune()
    eventloop.install(settings.event_loop)
    try:
        asyncio.run(run_until_signalled(settings))
    except SourcesConfigError as exc:
        print(f"stoppress ingest: bad sources configuration: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
