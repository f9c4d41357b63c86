"""Stop Press social posting bot: announces breaking stories on webhooks, Mastodon and stdout.

Built on the client SDK (:mod:`stoppress.shared.client`). The pure core —
:mod:`~stoppress.bot.desk` (what to post), :mod:`~stoppress.bot.outbox`
(what waits), :mod:`~stoppress.bot.formatting` and
:mod:`~stoppress.bot.textlength` (how a post reads and fits),
:mod:`~stoppress.bot.pacing` (how fast) — takes values and returns
decisions; :mod:`~stoppress.bot.runner`, :mod:`~stoppress.bot.sinks` and
:mod:`~stoppress.bot.state` are the I/O edges.
"""
