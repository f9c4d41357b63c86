"""Stop Press ticker: the editorial brain between ``headlines.raw`` and the live ticker.

Pure core (no I/O; ``now`` is always passed in):

- :mod:`~stoppress.ticker.desk` — sequences the rules below for one desk partition.
- :mod:`~stoppress.ticker.dedupe` — exact repeats (id+version, canonical URL).
- :mod:`~stoppress.ticker.embargo` — items held until their embargo ends.
- :mod:`~stoppress.ticker.clustering` — which story a headline belongs to.
- :mod:`~stoppress.ticker.lead`, :mod:`~stoppress.ticker.ranking`, :mod:`~stoppress.ticker.levels` —
  the lead item, the score and the level of a story.
- :mod:`~stoppress.ticker.lifecycle` — when a change is a ``story.new``/``update``/``retract``/``expire``.
- :mod:`~stoppress.ticker.story`, :mod:`~stoppress.ticker.authority` — story state, source authority.

faust edges: :mod:`~stoppress.ticker.app` (the app), :mod:`~stoppress.ticker.topics`,
:mod:`~stoppress.ticker.tables`, :mod:`~stoppress.ticker.agents`, :mod:`~stoppress.ticker.clock`,
:mod:`~stoppress.ticker.web`, :mod:`~stoppress.ticker.telemetry`; :mod:`~stoppress.ticker.worker`
assembles them. See ``docs/ranking.md``.
"""
