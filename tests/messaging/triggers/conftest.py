"""The trigger tests' recorder of offers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from trigger_shop import Recorder

from prefero.messaging import service
from prefero.messaging.models import OutboxMessage
from prefero.messaging.offers import MessageOffer


@pytest.fixture
def offers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """What the scanners offer, recorded instead of queued (the policy is not under test)."""
    recorder = Recorder()

    def record(session: Any, message: MessageOffer, *, now: datetime,
               settings: Any) -> list[OutboxMessage]:
        recorder.offers.append(message)
        return []

    monkeypatch.setattr(service, "offer", record)
    yield recorder
