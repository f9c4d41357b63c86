"""Feed polling: RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents into headlines.

- :mod:`.parsing` — a fetched document as plain entries (pure).
- :mod:`.mapping` — an entry as a ``Headline``, or the reason it cannot be one (pure).
- :mod:`.schedule` — what a poller remembers, version decisions and backoff (pure).
- :mod:`.state_store` — that memory on disk, across restarts.
- :mod:`.poller` — the fetch-parse-publish loop, one task per feed.
"""
