"""``python -m stoppress.bot``: the posting bot, configured from ``STOPPRESS_BOT_*`` variables."""

from __future__ import annotations

import asyncio
import sys

from pydantic import ValidationError

from stoppress.bot.app import run_bot
from stoppress.bot.settings import BotSettings
from stoppress.shared.codec import describe_validation_error
from stoppress.shared.logs import configure_logging


def main() -> None:
    """Build the settings, configure logging and run until SIGTERM/SIGINT."""
    try:
        settings = BotSettings()
    except ValidationError as exc:
        sys.exit(f"stoppress bot: {describe_validation_error(exc)}")
    configure_logging(settings.log_format, settings.log_level)
    sys.exit(asyncio.run(run_bot(settings)))


if __name__ == "__main__":
    main()
