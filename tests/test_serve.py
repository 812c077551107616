"""``freight serve`` as an operator runs it: a real process on a real port."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.realtime.conftest import free_port


def _health(conn: http.client.HTTPConnection) -> int:
    conn.request("GET", "/api/health")
    response = conn.getresponse()
    response.read()
    return response.status


def test_idle_keep_alive_connections_last_as_long_as_configured(tmp_path: Path) -> None:
    """A proxy reuses idle connections; the server must not close them first (that is a
    502 at the proxy, or a failed request at a client). The lifetime is a setting."""
    port = free_port()
    env = {
        **os.environ,
        "FREIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'freight.db'}",
        "FREIGHT_LOG_FILE": "off",
        "FREIGHT_LOG_LEVEL": "WARNING",
        "FREIGHT_FILE_STORE_DIR": str(tmp_path / "files"),
        "FREIGHT_HTTP_KEEPALIVE_S": "1",
    }
    for name in ("FREIGHT_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "freight.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                if _health(probe) == 200:
                    probe.close()
                    break
            except OSError:
                pass
            assert server.poll() is None, "freight serve exited"
            time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        assert _health(conn) == 200
        socket_before = conn.sock
        time.sleep(0.3)  # well within the lifetime: the same connection answers
        assert _health(conn) == 200 and conn.sock is socket_before
        # Past 1 s (uvicorn's own default is 5 s, so this shows the setting applies).
        time.sleep(2.5)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            _health(conn)
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
