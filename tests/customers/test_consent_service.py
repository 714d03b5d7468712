"""The consent ledger: append-only, latest decision wins, idempotent by key."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from prefero.customers.consent import get_consents, record_consent
from prefero.customers.models import ConsentRecord
from prefero.customers.schemas import ConsentIn, ConsentState
from prefero.errors import Conflict, NotFound
from prefero.runtime import Runtime


def record(runtime: Runtime, customer_id: str, purpose: str, granted: bool,
           key: str | None = None, **extra: str) -> ConsentState:
    consent = ConsentIn.model_validate({"purpose": purpose, "granted": granted, **extra})
    with runtime.session() as session:
        return record_consent(session, customer_id=customer_id, consent=consent,
                              settings=runtime.settings, idempotency_key=key)


def ledger_size(runtime: Runtime) -> int:
    with runtime.session() as session:
        return int(session.scalar(select(func.count()).select_from(ConsentRecord)) or 0)


def test_unanswered_purposes_use_the_shop_defaults(runtime: Runtime) -> None:
    state = record(runtime, "c1", "marketing_email", True)
    assert state.consents == {"tracking": False, "personalization": True, "context": False,
                              "marketing_email": True, "marketing_push": False,
                              "marketing_inbox": False, "marketing_webhook": False,
                              "fit": False}


def test_the_latest_decision_wins_and_history_keeps_every_one(runtime: Runtime) -> None:
    record(runtime, "c1", "tracking", True, source="banner")
    record(runtime, "c1", "personalization", False)
    state = record(runtime, "c1", "tracking", False, policy_version="2026-07")
    assert state.consents["tracking"] is False
    assert state.consents["personalization"] is False
    assert [(h.purpose, h.granted, h.source, h.policy_version) for h in state.history] == [
        ("tracking", True, "banner", "2026-01"),
        ("personalization", False, "api", "2026-01"),
        ("tracking", False, "api", "2026-07"),
    ]
    times = [h.recorded_at for h in state.history]
    assert times == sorted(times)
    with runtime.session() as session:
        assert get_consents(session, customer_id="c1", settings=runtime.settings) == state


def test_earlier_rows_are_never_rewritten(runtime: Runtime) -> None:
    record(runtime, "c1", "tracking", True)
    with runtime.session() as session:
        first = session.scalars(select(ConsentRecord)).one()
        snapshot = (first.id, first.purpose, first.granted, first.recorded_at)
    record(runtime, "c1", "tracking", False)
    with runtime.session() as session:
        again = session.get(ConsentRecord, snapshot[0])
        assert again is not None
        assert (again.id, again.purpose, again.granted, again.recorded_at) == snapshot
    assert ledger_size(runtime) == 2


def test_a_repeated_idempotency_key_records_once(runtime: Runtime) -> None:
    first = record(runtime, "c1", "tracking", True, key="k1")
    again = record(runtime, "c1", "tracking", True, key="k1")
    assert again == first
    assert ledger_size(runtime) == 1
    # Keys are scoped per customer.
    record(runtime, "c2", "tracking", True, key="k1")
    assert ledger_size(runtime) == 2


def test_an_idempotency_key_reused_for_another_decision_conflicts(runtime: Runtime) -> None:
    record(runtime, "c1", "tracking", True, key="k1")
    with pytest.raises(Conflict):
        record(runtime, "c1", "tracking", False, key="k1")
    assert ledger_size(runtime) == 1


def test_consents_of_an_unknown_customer_are_not_found(runtime: Runtime) -> None:
    with runtime.session() as session, pytest.raises(NotFound):
        get_consents(session, customer_id="nobody", settings=runtime.settings)


def test_a_concurrent_repeat_with_the_same_key_records_once(runtime: Runtime,
                                                            database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serializes writers, so the race cannot happen there")
    outcome: dict[str, object] = {}

    def repeat() -> None:
        try:
            outcome["state"] = record(runtime, "c1", "tracking", True, key="k1")
        except Exception as exc:  # reported by the assertion below, not lost in the thread
            outcome["error"] = exc

    with runtime.session() as session:
        record_consent(session, customer_id="c1", settings=runtime.settings,
                       consent=ConsentIn(purpose="tracking", granted=True),
                       idempotency_key="k1")
        session.flush()
        # The repeat cannot see the uncommitted row, so it inserts and waits on the index.
        thread = threading.Thread(target=repeat)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()
    thread.join(timeout=15)
    assert "error" not in outcome
    state = outcome["state"]
    assert isinstance(state, ConsentState)
    assert len(state.history) == 1
    assert ledger_size(runtime) == 1
