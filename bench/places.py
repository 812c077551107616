"""Embedded geocoder benchmark: index build time and memory, and per-query latency.

Run it with ``.venv/bin/python bench/places.py`` (no database, no server). It builds the
city and ZIP indexes into a temporary cache directory in a child process and maps them, as
a server does on its first place search, then times
``EmbeddedGeocoder.search`` over a fixed mix of what people type into a stop's city
field: first letters (1 to 6 of them), whole names, names with one or two typos (a
letter dropped, doubled, swapped or replaced), names with a state or country hint, ZIP
codes and their first three digits, and names outside the US.

Target (issue 15): p95 under 10 ms per query on this machine. The script exits 1 when it
misses it. Memory: the arrays and strings the indexes hold, and this process's resident
memory, private and mapped from the cache (shared by every process on the machine).
``--in-process`` builds the index in this process instead and reports what that costs
(it keeps most of the 300 MB that reading the package's JSON took).
"""

from __future__ import annotations

import asyncio
import gc
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from freight.places import index, sources, store
from freight.places.embedded import INDEXES, EmbeddedGeocoder, configure
from freight.places.geocoder import PlaceQuery

SEED = 20260315
TARGET_P95_MS = 10.0
ROUNDS = 3

CITIES_TYPED = [
    ("Chicago", "IL"), ("Dallas", "TX"), ("Atlanta", "GA"), ("Los Angeles", "CA"),
    ("Houston", "TX"), ("Memphis", "TN"), ("Indianapolis", "IN"), ("Columbus", "OH"),
    ("Kansas City", "MO"), ("St. Louis", "MO"), ("Nashville", "TN"), ("Charlotte", "NC"),
    ("Louisville", "KY"), ("Jacksonville", "FL"), ("Savannah", "GA"), ("Phoenix", "AZ"),
    ("Denver", "CO"), ("Salt Lake City", "UT"), ("Seattle", "WA"), ("Portland", "OR"),
    ("Oakland", "CA"), ("Newark", "NJ"), ("Philadelphia", "PA"), ("Harrisburg", "PA"),
    ("Baltimore", "MD"), ("Detroit", "MI"), ("Minneapolis", "MN"), ("Cincinnati", "OH"),
    ("Laredo", "TX"), ("El Paso", "TX"), ("Springfield", "IL"), ("Fort Worth", "TX"),
    ("Albuquerque", "NM"), ("Oklahoma City", "OK"), ("Little Rock", "AR"), ("Joplin", "MO"),
    ("Amarillo", "TX"), ("Sioux Falls", "SD"), ("Green Bay", "WI"), ("Bakersfield", "CA"),
]  # fmt: skip
ABROAD = [
    "Toronto", "Montreal", "Winnipeg", "London, ON", "Monterrey", "Guadalajara",
    "Ciudad Juarez", "Hamburg", "Rotterdam", "Paris, FR",
]  # fmt: skip
ZIPS_TYPED = ["60601", "75201", "30303", "90012", "77002", "38103", "46204", "64105"]


def _typo(rng: random.Random, word: str, edits: int) -> str:
    letters = list(word)
    for _ in range(edits):
        i = rng.randrange(1, len(letters) - 1)
        kind = rng.choice(("drop", "double", "swap", "replace"))
        if kind == "drop":
            del letters[i]
        elif kind == "double":
            letters.insert(i, letters[i])
        elif kind == "swap":
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
        else:
            letters[i] = rng.choice("aeioursnt")
    return "".join(letters)


def queries() -> list[tuple[str, str]]:
    """(kind, text) for every query of one round, in a fixed order."""
    rng = random.Random(SEED)  # noqa: S311 - typos for a benchmark, not secrets
    mix: list[tuple[str, str]] = []
    for name, state in CITIES_TYPED:
        mix += [("prefix", name[:n]) for n in range(1, min(6, len(name)) + 1)]
        mix.append(("whole", name))
        mix.append(("hint", f"{name}, {state}"))
        mix.append(("typo", _typo(rng, name, 1)))
        mix.append(("typo", _typo(rng, name, 2 if len(name) >= 8 else 1)))
        mix.append(("typo+hint", f"{_typo(rng, name, 1)}, {state}"))
    mix += [("abroad", text) for text in ABROAD]
    mix += [("zip", z) for z in ZIPS_TYPED] + [("zip", z[:3]) for z in ZIPS_TYPED]
    return mix


def _memory_mb() -> tuple[float, float]:
    """This process's resident memory: (anonymous, file-backed) in MB."""
    found = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("RssAnon:", "RssFile:")):
                name, kb, _ = line.split()
                found[name] = int(kb) / 1e3
    return found["RssAnon:"], found["RssFile:"]


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(cache: Path) -> None:
    """Build the indexes into ``cache`` (a child process) and map them; print the time and
    memory of each step."""
    wall, cpu = time.perf_counter(), _child_cpu_s()
    store.indexes(cache)
    print(
        f"indexes, first build (child process): {time.perf_counter() - wall:.2f} s wall, "
        f"{_child_cpu_s() - cpu:.2f} s CPU in the child"
    )
    gc.collect()
    anon, mapped = _memory_mb()
    configure(cache)
    wall, cpu = time.perf_counter(), time.process_time()
    loaded = INDEXES.get()
    cities, codes = loaded.cities, loaded.zips
    print(
        f"indexes, from the cache: {(time.perf_counter() - wall) * 1000:.0f} ms wall, "
        f"{(time.process_time() - cpu) * 1000:.0f} ms CPU; {len(cities.index.names):,} places, "
        f"{len(cities.index.keys):,} distinct names, "
        f"{len(cities.index.tri_keys):,} trigram postings, {cities.index.nbytes() / 1e6:.1f} MB"
    )
    print(f"ZIP index: {len(codes):,} ZIP codes, {codes.nbytes() / 1e6:.1f} MB")
    gc.collect()
    now_anon, now_mapped = _memory_mb()
    print(
        f"resident memory since: +{now_anon - anon:.0f} MB private, "
        f"+{now_mapped - mapped:.0f} MB mapped from the cache (shared by every process)"
    )


def build_in_process() -> None:
    """The same index built in this process, for comparison (``--in-process``)."""
    gc.collect()
    anon, _ = _memory_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    built = index.build(sources.cities())
    gc.collect()
    print(
        f"city index built in this process: {time.perf_counter() - wall:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU; holds {built.nbytes() / 1e6:.1f} MB, "
        f"resident +{_memory_mb()[0] - anon:.0f} MB private, peak "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
    )


def _pct(values: list[float], p: float) -> float:
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, round(p / 100 * (len(ranked) - 1)))]


async def measure() -> float:
    """Time every query of the mix ``ROUNDS`` times; print figures; return the p95 in ms."""
    geocoder = EmbeddedGeocoder()
    mix = queries()
    for _, text in mix:  # warm-up
        await geocoder.search(PlaceQuery(text, prefer_country="US"))
    timings: dict[str, list[float]] = {}
    cpu: list[float] = []
    for _ in range(ROUNDS):
        for kind, text in mix:
            started, used = time.perf_counter(), time.thread_time()
            await geocoder.search(PlaceQuery(text, prefer_country="US", limit=10))
            timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - used) * 1000)
    every = [t for values in timings.values() for t in values]
    print(f"\n{'kind':<10} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in [*timings.items(), ("all", every), ("all (CPU)", cpu)]:
        print(
            f"{kind:<10} {len(values):>8} {statistics.median(values):>8.2f} "
            f"{_pct(values, 95):>8.2f} {_pct(values, 99):>8.2f} {max(values):>8.2f}"
        )
    # With other work on the box, wall time includes waiting for a core: the CPU row shows
    # what the queries themselves cost.
    return _pct(every, 95)


def main() -> int:
    if "--in-process" in sys.argv:
        build_in_process()
        return 0
    cache = Path(tempfile.mkdtemp(prefix="freight-bench-places-"))
    try:
        build(cache)
        p95 = asyncio.run(measure())
        anon, mapped = _memory_mb()
        print(f"resident after the queries: {anon:.0f} MB private, {mapped:.0f} MB mapped")
    finally:
        shutil.rmtree(cache)  # mapped pages stay readable until the process ends
    verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
    print(f"\np95 {p95:.2f} ms {verdict} the target of {TARGET_P95_MS:.0f} ms")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
