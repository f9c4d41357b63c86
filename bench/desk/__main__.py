"""``python -m bench.desk``: see :mod:`bench.desk.run`."""

from bench.desk.run import main

main()
