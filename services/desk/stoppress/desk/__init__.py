"""Stop Press editor's desk: editors overrule the machine, and every action is audited.

Modules (pure core first, I/O edges last):

- :mod:`~stoppress.desk.commands` — a request body checked and turned into a ``DeskCommand``.
- :mod:`~stoppress.desk.board` — every live story as editors see it, and the audit log.
- :mod:`~stoppress.desk.editors` — editors and their keys (hashed; a role apart from sources).
- :mod:`~stoppress.desk.problems` — refusals as RFC 9457 problems.
- :mod:`~stoppress.desk.answers`, :mod:`~stoppress.desk.live` — waiting requests, the consoles' streams.
- :mod:`~stoppress.desk.feed` — the ``desk.*`` topics in, commands out.
- :mod:`~stoppress.desk.api` — the aiohttp handlers; :mod:`~stoppress.desk.service` assembles it all.

The rules themselves (what a command does, what wins over the machine) live
in the ticker's pure core: ``stoppress.ticker.editing``, ``overrides`` and
``regrouping``. See ``docs/desk.md``.
"""
