"""``python -m bench.e2e``: see :mod:`bench.e2e.run`."""

from bench.e2e.run import main

main()
