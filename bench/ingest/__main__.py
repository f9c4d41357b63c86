"""``python -m bench.ingest``: see :mod:`bench.ingest.run`."""

from bench.ingest.run import main

main()
