"""The index is built once per process, however many callers ask, and off the event loop."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from freight.places.embedded import INDEXES, EmbeddedGeocoder, Lazy
from freight.places.geocoder import PlaceQuery
from freight.places.search import CitySearch


async def test_searching_again_does_not_rebuild_the_index(cities: CitySearch) -> None:
    geocoder = EmbeddedGeocoder()
    builds = INDEXES.builds
    for text in ("Chicago", "Dallas", "Sprngfield, IL", "60601"):
        assert await geocoder.search(PlaceQuery(text))
    assert INDEXES.builds == builds == 1
    assert (await INDEXES.aget()).cities is cities


def test_threads_asking_at_once_share_one_build() -> None:
    calls: list[int] = []
    start = threading.Barrier(8)

    def build() -> list[int]:
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it runs
        return calls

    lazy: Lazy[list[int]] = Lazy(build)
    seen: list[object] = []

    def ask() -> None:
        start.wait()
        seen.append(lazy.get())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and lazy.builds == 1
    assert all(v is calls for v in seen)


async def test_the_first_build_runs_in_a_worker_thread_while_the_loop_runs() -> None:
    loop_thread = threading.get_ident()
    built_on: list[int] = []

    def build() -> str:
        built_on.append(threading.get_ident())
        time.sleep(0.2)
        return "index"

    lazy: Lazy[str] = Lazy(build)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while not lazy.ready:
            ticks += 1
            await anyio.sleep(0.01)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(tick)
        assert await lazy.aget() == "index"
    assert built_on and built_on[0] != loop_thread
    assert ticks >= 5  # the loop kept running during the build


def test_a_failed_build_is_tried_again_by_the_next_caller() -> None:
    attempts: list[int] = []

    def build() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("data file unreadable")
        return "index"

    lazy: Lazy[str] = Lazy(build)
    with pytest.raises(OSError):
        lazy.get()
    assert lazy.get() == "index" and len(attempts) == 2
