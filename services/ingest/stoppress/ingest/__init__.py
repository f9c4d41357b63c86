"""Stop Press ingest: every newsroom input, validated, sanitised and durable in ``headlines.raw``.

Modules (pure core first, I/O edges last):

- :mod:`~stoppress.ingest.sanitize` — every validation and cleaning rule, as pure functions.
- :mod:`~stoppress.ingest.ninjs` — IPTC ninjs 1.x-3.x items onto the canonical fields.
- :mod:`~stoppress.ingest.submission` — a request body as items, each a ``Headline`` or a reason.
- :mod:`~stoppress.ingest.sources` — sources, API keys (hashed), relays, feeds configuration.
- :mod:`~stoppress.shared.ratelimit` — requests per key (shared with the editor's desk).
- :mod:`~stoppress.ingest.problems` — RFC 9457 problem details and the exception tree.
- :mod:`~stoppress.ingest.feeds` — RSS/Atom/JSON Feed polling.
- :mod:`~stoppress.ingest.publisher` — the producer: 202 only after the broker's ack.
- :mod:`~stoppress.ingest.api` — the aiohttp handlers; :mod:`~stoppress.ingest.service` assembles it all.
"""

from stoppress.ingest.problems import BrokerUnavailableError, IngestError, Problem, RefusalError
from stoppress.ingest.sanitize import Attribution, build_headline, clean_text
from stoppress.ingest.service import IngestService
from stoppress.ingest.settings import IngestSettings
from stoppress.ingest.sources import Source, SourceRegistry, build_registry, load_sources_file
from stoppress.shared.keys import hash_key, new_key

__all__ = [
    "Attribution",
    "BrokerUnavailableError",
    "IngestError",
    "IngestService",
    "IngestSettings",
    "Problem",
    "RefusalError",
    "Source",
    "SourceRegistry",
    "build_headline",
    "build_registry",
    "clean_text",
    "hash_key",
    "load_sources_file",
    "new_key",
]
