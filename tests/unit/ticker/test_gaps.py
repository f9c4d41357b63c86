"""Reading skipped records back: retried while the partition is still this worker's."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaConnectionError

from stoppress.ticker.gaps import read_while_owned


class FlakyRead:
    """Fails ``failures`` times (or hangs, with ``hang``), then returns the records."""

    def __init__(self, failures: int, *, hang: bool = False) -> None:
        self.failures = failures
        self.hang = hang
        self.calls = 0

    async def __call__(self) -> list[int]:
        self.calls += 1
        if self.calls <= self.failures:
            if self.hang:
                await asyncio.sleep(10)
            raise KafkaConnectionError("broker unreachable")
        return [7, 8]


async def test_a_read_that_works_returns_at_once() -> None:
    read = FlakyRead(0)
    assert await read_while_owned(read, lambda: True, attempt_s=1.0, delays=()) == [7, 8]
    assert read.calls == 1


async def test_failures_are_retried_while_the_partition_is_owned() -> None:
    read = FlakyRead(3)
    assert await read_while_owned(read, lambda: True, attempt_s=1.0, delays=(0.0,)) == [7, 8]
    assert read.calls == 4


async def test_an_attempt_that_hangs_is_cut_off_and_retried() -> None:
    read = FlakyRead(1, hang=True)
    assert await read_while_owned(read, lambda: True, attempt_s=0.05, delays=(0.0,)) == [7, 8]
    assert read.calls == 2


async def test_it_gives_up_once_the_partition_moved_to_another_worker() -> None:
    read = FlakyRead(100)
    owned = iter([True, True, False])
    assert await read_while_owned(read, lambda: next(owned), attempt_s=1.0, delays=(0.0,)) is None
    assert read.calls == 3


@pytest.mark.parametrize("error", [OSError("reset"), TimeoutError()])
async def test_network_errors_and_timeouts_count_as_failures(error: Exception) -> None:
    calls = []

    async def read() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise error
        return "ok"

    assert await read_while_owned(read, lambda: True, attempt_s=1.0, delays=(0.0,)) == "ok"
