"""The socket handshake honours only live sessions, like every REST call."""

from __future__ import annotations

import pytest
import socketio

from tests.helpers import login, register
from tests.realtime.conftest import LiveServer


async def test_a_token_of_an_ended_session_cannot_open_a_socket(live: LiveServer) -> None:
    admin = await register(live.http, "Acme Haulage", "admin@acme.example")
    kept = await login(live.http, "admin@acme.example")
    resp = await live.http.post(
        "/api/auth/logout", headers=admin.auth, json={"refresh_token": admin.refresh_token}
    )
    assert resp.status_code == 204
    ended = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await ended.connect(live.url, auth={"token": admin.access_token}, transports=["websocket"])
    await ended.disconnect()
    still = socketio.AsyncClient(reconnection=False)
    await still.connect(live.url, auth={"token": kept.access_token}, transports=["websocket"])
    assert still.connected
    await still.disconnect()
