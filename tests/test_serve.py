"""``freight serve`` as an operator runs it: a real process on a real port."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realtime.conftest import free_port


def _health(conn: http.client.HTTPConnection) -> int:
    conn.request("GET", "/api/health")
    response = conn.getresponse()
    response.read()
    return response.status


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a `freight serve` on a fresh SQLite database."""
    env = {
        **os.environ,
        "FREIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'freight.db'}",
        "FREIGHT_LOG_FILE": "off",
        "FREIGHT_LOG_LEVEL": "WARNING",
        "FREIGHT_FILE_STORE_DIR": str(tmp_path / "files"),
        "FREIGHT_SHUTDOWN_DRAIN_S": "0",
        # Cheap password hashing, as in the in-process tests: a login is milliseconds.
        "FREIGHT_ARGON2_TIME_COST": "1",
        "FREIGHT_ARGON2_MEMORY_KIB": "8192",
        "FREIGHT_ARGON2_PARALLELISM": "1",
        **extra,
    }
    for name in ("FREIGHT_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        if name not in extra:
            env.pop(name, None)
    return env


def start_serve(
    env: dict[str, str], *args: str, **popen: Any
) -> tuple[subprocess.Popen[bytes], int]:
    """`freight serve` as a child process, once /api/health answers; and its port."""
    port = free_port()
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "freight.cli", "serve", "--port", str(port), *args],
        env=env,
        **popen,
    )
    deadline = time.monotonic() + 180  # a loaded CI machine imports slowly
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if _health(probe) == 200:
                probe.close()
                return server, port
        except OSError:
            pass
        assert server.poll() is None, "freight serve exited"
        time.sleep(0.1)
    server.kill()
    raise AssertionError("freight serve did not come up")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop a server started by ``start_serve`` (it drains for the configured time)."""
    if server.poll() is None:
        server.terminate()
    server.wait(timeout=60)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One `freight serve` with every connection setting the tests below read (a process
    start costs seconds): 1 s keep-alive, 2 s to send the headers, at most 16 connections,
    and uvicorn's own FORWARDED_ALLOW_IPS="*" (which must not widen whom we believe)."""
    env = serve_env(
        tmp_path_factory.mktemp("serve"),
        FREIGHT_HTTP_KEEPALIVE_S="1",
        FREIGHT_HTTP_HEADER_TIMEOUT_S="2",
        FREIGHT_HTTP_LIMIT_CONCURRENCY="16",
        FORWARDED_ALLOW_IPS="*",
    )
    server, port = start_serve(env)
    try:
        yield port
    finally:
        stop(server)


def test_idle_keep_alive_connections_last_as_long_as_configured(tuned: int) -> None:
    """A proxy reuses idle connections; the server must not close them first (that is a
    502 at the proxy, or a failed request at a client). The lifetime is a setting."""
    conn = http.client.HTTPConnection("127.0.0.1", tuned, timeout=5)
    assert _health(conn) == 200
    socket_before = conn.sock
    time.sleep(0.3)  # well within the lifetime: the same connection answers
    assert _health(conn) == 200 and conn.sock is socket_before
    # Past 1 s (uvicorn's own default is 5 s, so this shows the setting applies).
    time.sleep(2.5)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _health(conn)
    conn.close()


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_sigterm_drains_first_then_stops(tmp_path: Path) -> None:
    """On SIGTERM the load balancer must see "not ready" while requests still succeed;
    only after the drain time does the process stop."""
    server, port = start_serve(serve_env(tmp_path, FREIGHT_SHUTDOWN_DRAIN_S="4"))
    try:
        assert _get(port, "/api/ready") == 200
        signalled = time.monotonic()
        server.send_signal(signal.SIGTERM)
        while _get(port, "/api/ready") != 503:  # the handler runs at once; poll for it
            assert time.monotonic() - signalled < 3, "readiness never turned 503"
            time.sleep(0.05)
        assert _get(port, "/api/health") == 200  # new connections are still served
        assert _get(port, "/api/ready") == 503
        assert server.poll() is None
        server.wait(timeout=30)
        assert time.monotonic() - signalled >= 4  # it served for the whole drain
        with pytest.raises(OSError):
            _get(port, "/api/health")
    finally:
        stop(server)


def _login_as(port: int, email: str, source: str, forwarded_for: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        body = json.dumps({"email": email, "password": "not-the-password"})
        headers = {"content-type": "application/json", "x-forwarded-for": forwarded_for}
        conn.request("POST", "/api/auth/login", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_a_spoofed_forwarded_for_does_not_change_the_counted_address(tuned: int) -> None:
    """Only the proxy's X-Forwarded-For is believed (FREIGHT_FORWARDED_ALLOW_IPS, default
    127.0.0.1), whatever uvicorn's own FORWARDED_ALLOW_IPS says (compose had "*")."""
    # A client at 127.0.0.2 (not the proxy) rotating the header: one address, limited.
    codes = [
        _login_as(tuned, f"nobody{i}@example.com", "127.0.0.2", f"198.51.100.{i}") for i in range(7)
    ]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    # Through the proxy (127.0.0.1) the header names the client: counted per client.
    proxied = [
        _login_as(tuned, f"someone{i}@example.com", "127.0.0.1", "203.0.113.7") for i in range(6)
    ]
    assert proxied == [401] * 5 + [429]
    assert _login_as(tuned, "fresh@example.com", "127.0.0.1", "203.0.113.8") == 401


def test_a_client_that_never_finishes_its_headers_is_disconnected(tuned: int) -> None:
    """Without nginx in front, a slow-loris client must not hold a connection forever."""
    with socket.create_connection(("127.0.0.1", tuned), timeout=10) as slow:
        slow.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        started = time.monotonic()
        assert slow.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 6
    with socket.create_connection(("127.0.0.1", tuned), timeout=10) as idle:
        assert idle.recv(1024) == b""  # a connection that sends nothing goes too


def test_connections_beyond_the_concurrency_limit_get_503(tuned: int) -> None:
    idle = [socket.create_connection(("127.0.0.1", tuned), timeout=10) for _ in range(16)]
    try:
        time.sleep(0.2)  # well before the 2 s header timeout closes them
        assert _get(tuned, "/api/health") == 503
        for conn in idle:
            conn.close()
        time.sleep(0.2)
        assert _get(tuned, "/api/health") == 200
    finally:
        for conn in idle:
            conn.close()
