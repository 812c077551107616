"""Request bodies are capped per route and nothing of an upload is read for a stranger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from httpx import AsyncClient

from tests.conftest import base_settings
from tests.dispatch.test_pod import _in_transit
from tests.fleet_helpers import tiny_png
from tests.helpers import Session, assert_problem, register, running_client

BOUNDARY = "freightboundary"
CHUNK = 64 * 1024


class Upload:
    """A multipart body streamed in chunks, counting how much the server pulled."""

    def __init__(self, photos: int, photo_bytes: int, recipient: str = "Rita") -> None:
        self.photos, self.photo_bytes, self.recipient = photos, photo_bytes, recipient
        self.sent = 0

    def _part(self, name: str, filename: str | None, content_type: str | None) -> bytes:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        return (head + "\r\n").encode()

    async def stream(self) -> AsyncIterator[bytes]:
        """The body, one chunk at a time (chunked: no Content-Length)."""
        yield self._count(self._part("recipient_name", None, None) + self.recipient.encode())
        yield self._count(b"\r\n" + self._part("signature", "s.png", "image/png") + tiny_png())
        for i in range(self.photos):
            yield self._count(b"\r\n" + self._part("photos", f"p{i}.png", "image/png"))
            for _ in range(self.photo_bytes // CHUNK):
                yield self._count(b"\0" * CHUNK)
        yield self._count(f"\r\n--{BOUNDARY}--\r\n".encode())

    def _count(self, chunk: bytes) -> bytes:
        self.sent += len(chunk)
        return chunk

    def post(self, client: AsyncClient, url: str, headers: dict[str, str]) -> Any:
        """POST the stream."""
        content_type = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
        return client.post(url, content=self.stream(), headers={**headers, **content_type})


async def test_an_unauthenticated_upload_is_refused_without_reading_it(
    client: AsyncClient, admin: Session
) -> None:
    load, _, _ = await _in_transit(client, admin)
    upload = Upload(photos=40, photo_bytes=8 * 1024 * 1024)  # 320 MB if read
    resp = await upload.post(client, f"/api/shipments/{load['id']}/pod", {})
    assert_problem(resp, 401)
    assert upload.sent < 1024 * 1024


async def test_an_upload_to_someone_elses_shipment_is_refused_without_reading_it(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    load, _, _ = await _in_transit(client, admin)
    upload = Upload(photos=40, photo_bytes=8 * 1024 * 1024)
    resp = await upload.post(client, f"/api/shipments/{load['id']}/pod", other_admin.auth)
    assert_problem(resp, 404)
    assert upload.sent < 1024 * 1024


async def test_the_driver_page_checks_the_session_before_reading_the_upload(
    client: AsyncClient, admin: Session
) -> None:
    load, _, _ = await _in_transit(client, admin)
    upload = Upload(photos=40, photo_bytes=8 * 1024 * 1024)
    resp = await upload.post(client, f"/app/driver/loads/{load['id']}/pod", {})
    assert resp.status_code in (303, 401)
    assert upload.sent < 1024 * 1024


async def test_a_proof_larger_than_its_route_allows_is_413_while_it_streams(
    clean_db: str, tmp_path: Path
) -> None:
    settings = base_settings(clean_db, tmp_path, pod_max_body_bytes=1024 * 1024)
    async with running_client(settings) as client:
        admin = await register(client, "Acme", "admin@acme.example")
        load, driver, _ = await _in_transit(client, admin)
        upload = Upload(photos=3, photo_bytes=4 * 1024 * 1024)
        resp = await upload.post(client, f"/api/shipments/{load['id']}/pod", driver.auth)
        body = assert_problem(resp, 413, "payload_too_large")
        assert "1048576 bytes" in body["detail"]
        assert upload.sent < 1024 * 1024 + 2 * CHUNK  # cut off at the limit, not read to the end
        state = await client.get(f"/api/shipments/{load['id']}", headers=admin.auth)
        assert state.json()["status"] == "IN_TRANSIT"


async def test_photos_are_counted_as_they_stream(clean_db: str, tmp_path: Path) -> None:
    settings = base_settings(clean_db, tmp_path, pod_max_photos=2)
    async with running_client(settings) as client:
        admin = await register(client, "Acme", "admin@acme.example")
        load, driver, _ = await _in_transit(client, admin)
        upload = Upload(photos=50, photo_bytes=CHUNK)
        resp = await upload.post(client, f"/api/shipments/{load['id']}/pod", driver.auth)
        errors = assert_problem(resp, 422)["errors"]
        assert errors == [{"loc": ["body", "photos"], "msg": "at most 2 photos and one signature"}]
        assert upload.sent < 10 * CHUNK


async def test_a_json_body_over_the_limit_is_413_before_it_is_read(
    client: AsyncClient, admin: Session
) -> None:
    huge = b'{"reference": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    resp = await client.post(
        "/api/shipments",
        content=huge,
        headers={**admin.auth, "content-type": "application/json"},
    )
    body = assert_problem(resp, 413, "payload_too_large")
    assert "1048576 bytes" in body["detail"]


async def test_a_chunked_json_body_is_cut_off_at_the_limit(
    client: AsyncClient, admin: Session
) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"reference": "'
        for _ in range(1000):  # 64 MB if read to the end
            sent += CHUNK
            yield b"x" * CHUNK

    resp = await client.post(
        "/api/shipments",
        content=endless(),
        headers={**admin.auth, "content-type": "application/json"},
    )
    assert_problem(resp, 413, "payload_too_large")
    assert sent < 1024 * 1024 + 2 * CHUNK


async def test_a_body_that_stops_arriving_is_408(clean_db: str, tmp_path: Path) -> None:
    """A client that opens a body and then sends nothing keeps no worker slot for long."""
    settings = base_settings(clean_db, tmp_path, http_body_idle_timeout_s=0.5)

    async def stalls() -> AsyncIterator[bytes]:
        yield b'{"reference": "'
        await asyncio.sleep(60)  # far beyond the timeout: the server gives up first
        yield b'"}'

    async with running_client(settings) as client:
        admin = await register(client, "Acme", "admin@acme.example")
        started = asyncio.get_running_loop().time()
        resp = await client.post(
            "/api/shipments",
            content=stalls(),
            headers={**admin.auth, "content-type": "application/json"},
        )
        assert_problem(resp, 408, "request_timeout")
        assert asyncio.get_running_loop().time() - started < 30
