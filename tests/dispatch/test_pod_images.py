"""Proof-of-delivery images are decoded and stored as pixels only; served in a sandbox."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from PIL import Image

from freight.settings import Settings
from tests.conftest import base_settings
from tests.dispatch.test_pod import _files, _in_transit
from tests.fleet_helpers import jpeg, tiny_png
from tests.helpers import Session, assert_problem, register, running_client

GPS_MARKER = b"GPSLatitude 32.7767 N, home of the recipient"


def _exif_with_orientation_and_gps(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010E] = GPS_MARKER.decode()  # ImageDescription: stands for any private metadata
    return exif.tobytes()


def _png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header claiming ``width`` x ``height`` with almost no data (a few KiB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + width // 8) * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


async def _deliver(
    client: AsyncClient, load: dict[str, Any], auth: dict[str, str], **files: Any
) -> Any:
    return await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=auth,
        data={"recipient_name": "Rita"},
        files=[(name, value) for name, value in files.items()],
    )


async def test_stored_images_lose_their_metadata_and_keep_their_orientation(
    client: AsyncClient, admin: Session
) -> None:
    load, driver, _ = await _in_transit(client, admin)
    # 4 wide, 2 high, "rotate 90° clockwise to display": shown upright it is 2 x 4.
    photo = jpeg(4, 2, exif=_exif_with_orientation_and_gps(6))
    assert GPS_MARKER in photo
    resp = await _deliver(
        client,
        load,
        driver.auth,
        signature=("s.png", tiny_png(3, 1) + b"tEXt after IEND: <script>", "image/png"),
        photos=("p.jpg", photo, "image/jpeg"),
    )
    assert resp.status_code == 201, resp.text
    for f in resp.json()["files"]:
        stored = (await client.get(f["url"], headers=admin.auth)).content
        assert GPS_MARKER not in stored and b"<script>" not in stored
        image = Image.open(io.BytesIO(stored))
        assert not image.getexif()
        if f["role"] == "photos":
            assert image.format == "JPEG" and image.size == (2, 4)
        else:
            assert image.format == "PNG" and image.size == (3, 1)


@pytest.mark.parametrize("side", [2_000, 20_000], ids=["over-the-setting", "over-pillows-own"])
async def test_a_decompression_bomb_is_refused_before_it_is_decoded(
    clean_db: str, tmp_path: Path, side: int
) -> None:
    settings = base_settings(clean_db, tmp_path, pod_max_image_pixels=1_000_000)
    async with running_client(settings) as client:
        admin = await register(client, "Acme", "admin@acme.example")
        load, driver, _ = await _in_transit(client, admin)
        bomb = _png_bomb(side, side)  # 4 or 400 megapixels in a few KiB
        assert len(bomb) < 64 * 1024
        resp = await _deliver(
            client,
            load,
            driver.auth,
            signature=("s.png", tiny_png(), "image/png"),
            photos=("bomb.png", bomb, "image/png"),
        )
        errors = assert_problem(resp, 422)["errors"]
        assert {
            "loc": ["body", "photos", 0],
            "msg": "the image has more than the 1000000 pixels allowed",
        } in errors
    assert _files(settings.file_store_dir) == []


async def test_a_file_with_an_image_header_but_no_image_is_refused(
    client: AsyncClient, admin: Session, settings: Settings
) -> None:
    load, driver, _ = await _in_transit(client, admin)
    fake = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>"
    resp = await _deliver(client, load, driver.auth, signature=("s.png", fake, "image/png"))
    errors = assert_problem(resp, 422)["errors"]
    assert ["body", "signature"] in [e["loc"] for e in errors]
    assert _files(settings.file_store_dir) == []


async def test_uploaded_files_are_served_as_sandboxed_attachments_of_the_origin(
    client: AsyncClient, admin: Session
) -> None:
    load, driver, _ = await _in_transit(client, admin)
    resp = await _deliver(client, load, driver.auth, signature=("s.png", tiny_png(), "image/png"))
    url = resp.json()["files"][0]["url"]
    served = await client.get(url, headers=admin.auth)
    assert served.status_code == 200
    assert served.headers["content-disposition"].startswith("inline; filename=")
    csp = served.headers["content-security-policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert served.headers["x-content-type-options"] == "nosniff"
