"""``python -m bench.push``: see :mod:`bench.push.run`."""

from bench.push.run import main

main()
