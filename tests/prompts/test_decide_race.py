"""Two triggers of one page decided at the same time: the second decision waits for the
first and counts its prompt, also for a visitor who has no customer row yet (there is then
a row to hold: ``decide`` creates it). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.customers.models import Customer
from prefero.prompts.decide import decide
from prefero.prompts.models import PromptShown
from prefero.prompts.schemas import PromptAnswer, PromptFacts, Trigger
from prefero.runtime import Runtime
from prompt_helpers import prompt_shop

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def patient(runtime: Runtime) -> Iterator[Runtime]:
    """The test's database with time to wait for the write lock (SQLite) or a connection:
    the second decision is held on purpose."""
    prompt_shop(runtime)
    waiting = Runtime(runtime.settings.model_copy(update={"db_wait_seconds": 20.0}))
    yield waiting
    waiting.close()


def test_a_second_trigger_waits_for_the_first_and_counts_its_prompt(patient: Runtime) -> None:
    runtime = patient
    # A visitor never seen: no customer row, the context consent by the shop's default.
    settings = runtime.settings.model_copy(update={"default_consent_context": True})
    visitor = f"anon-{uuid.uuid4().hex}"
    facts = PromptFacts(visit_id="v1", dwell_seconds=30, scroll_percent=90)

    def ask(session: Session, trigger: Trigger) -> PromptAnswer:
        return decide(session, customer_id=visitor, trigger=trigger, facts=facts, now=NOW,
                      settings=settings, schema=runtime.facet_schema, language="en")

    second: list[PromptAnswer] = []

    def other_trigger() -> None:
        with runtime.session(write=True) as session:
            second.append(ask(session, "scroll"))

    with runtime.session(write=True) as session:
        first = ask(session, "dwell")
        assert first.prompt is not None
        racing = threading.Thread(target=other_trigger)
        racing.start()
        # The first decision's unit of work is still open: the second one must wait.
        racing.join(timeout=0.5)
        assert racing.is_alive()
    racing.join(timeout=30)
    assert not racing.is_alive()
    assert second and second[0].prompt is None
    assert second[0].none_because == "cap_reached"
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(PromptShown)) == 1
        assert session.scalar(select(Customer.anonymous).where(Customer.id == visitor))
