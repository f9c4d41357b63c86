"""Stop Press common library: the contracts every service and client shares.

Modules:

- :mod:`stoppress.shared.models` — ``Headline``, ``StoryView``, ``TickerEvent``.
- :mod:`stoppress.shared.codec` — the orjson codec used on both sides of every topic.
- :mod:`stoppress.shared.topics` — topic names and their specs, in one place.
- :mod:`stoppress.shared.settings` — the settings base every service extends.
- :mod:`stoppress.shared.kafka` — producer/consumer factories with the house defaults.
- :mod:`stoppress.shared.logs` — structured logging set-up.
- :mod:`stoppress.shared.client` — the Python client SDK: ``async for message in Stream(url, filters)``.
- :mod:`stoppress.shared.protocol` — push protocol v1 messages as a client sees them.
- :mod:`stoppress.shared.reconnect` — when and how soon a client reconnects (close codes, jittered backoff).
"""
