"""End-to-end benchmark and soak (``python -m bench.e2e``, ``python -m bench.e2e --soak``); see :mod:`bench.e2e.run`."""
