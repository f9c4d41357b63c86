"""When each headline is posted: a steady rate plus, optionally, a burst every so often. Pure.

Offsets are seconds from the start of the run. A burst of ``burst_size``
headlines is spread evenly over one second, starting at every multiple of
``burst_every_s`` (not at 0, so the run starts steady).
"""

from __future__ import annotations


def post_offsets(duration_s: float, rate_per_s: float, burst_size: int = 0, burst_every_s: float = 0.0) -> list[float]:
    """Sorted offsets (s) of every post in a run of ``duration_s`` seconds."""
    steady = [n / rate_per_s for n in range(int(duration_s * rate_per_s))]
    bursts: list[float] = []
    if burst_size and burst_every_s:
        start = burst_every_s
        while start + 1.0 <= duration_s:
            bursts += [start + n / burst_size for n in range(burst_size)]
            start += burst_every_s
    return sorted(steady + bursts)
