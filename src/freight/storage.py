"""The file store for proofs of delivery: a local directory, files under random names."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import anyio

SAFE_NAME = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.")
# An uploaded file opened on its own is a document from our origin: it may run nothing,
# load nothing and reach no cookie or API (sandbox), whatever its bytes turn out to be.
SANDBOX_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def served_file_headers(name: str) -> dict[str, str]:
    """Response headers for serving a stored upload back to a browser."""
    return {
        "Content-Disposition": f'inline; filename="{name}"',
        "Content-Security-Policy": SANDBOX_CSP,
        "Cache-Control": "private, max-age=3600",
    }


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int
    content_type: str


class FileStore:
    """Writes are atomic (temp file, then rename); names are random and never user-chosen."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if not name or set(name) - SAFE_NAME or name.startswith("."):
            raise FileNotFoundError(name)
        return self.root / name[:2] / name

    async def save(self, data: bytes, extension: str, content_type: str) -> StoredFile:
        """Store bytes under a new random name."""
        name = f"{secrets.token_hex(16)}.{extension}"
        path = self._path(name)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(path)

        await anyio.to_thread.run_sync(write)
        return StoredFile(name, hashlib.sha256(data).hexdigest(), len(data), content_type)

    async def read(self, name: str) -> bytes:
        """The bytes of a stored file."""
        return await anyio.Path(self._path(name)).read_bytes()

    async def delete(self, name: str) -> None:
        """Remove a stored file if it exists."""
        await anyio.Path(self._path(name)).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        """True when the file is in the store."""
        try:
            return self._path(name).is_file()
        except FileNotFoundError:
            return False
