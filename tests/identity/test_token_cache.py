"""Verified access tokens are remembered only until they expire."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from freight.errors import Unauthorized
from freight.security import tokens
from freight.security.tokens import TokenService
from freight.settings import Settings


def test_a_remembered_token_still_expires() -> None:
    service = TokenService(Settings())
    service.access_ttl = timedelta(seconds=1)
    token = service.issue_access(uuid.uuid4(), uuid.uuid4(), "admin", uuid.uuid4())
    assert service.verify_access(token).role == "admin"
    assert service.verify_access(token).role == "admin"  # from memory
    time.sleep(1.1)
    with pytest.raises(Unauthorized, match="expired"):
        service.verify_access(token)


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 3)
    service = TokenService(Settings())
    issued = [
        service.issue_access(uuid.uuid4(), uuid.uuid4(), "driver", uuid.uuid4()) for _ in range(5)
    ]
    for token in issued:
        service.verify_access(token)
    assert len(service._verified) == 3
    assert all(service.verify_access(t).role == "driver" for t in issued)  # still verifiable
