"""Push gateway benchmark (``python -m bench.push``); see :mod:`bench.push.run`."""
