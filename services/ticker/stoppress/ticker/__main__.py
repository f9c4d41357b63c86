"""``python -m stoppress.ticker``: run one ticker worker until SIGTERM/SIGINT."""

from __future__ import annotations

import sys

from stoppress.shared.logs import configure_logging
from stoppress.ticker.authority import SourcesFileError
from stoppress.ticker.provision import ProvisioningError
from stoppress.ticker.settings import TickerSettings
from stoppress.ticker.worker import run_worker


def main() -> None:
    """Build the settings, configure logging and run the worker; bad configuration exits with status 2."""
    settings = TickerSettings()
    configure_logging(settings.log_format, settings.log_level)
    try:
        run_worker(settings)
    except SourcesFileError as exc:
        print(f"stoppress ticker: bad sources file: {exc}", file=sys.stderr)
        sys.exit(2)
    except ProvisioningError as exc:
        print(f"stoppress ticker: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
