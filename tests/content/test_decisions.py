"""The exposure log: choices wait in the process and go in one batch; a row names the
customer only with tracking consent; erasure deletes the customer's rows and the data export
lists them. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from content_helpers import slot_body, variant_body
from factories import consent, customer
from prefero.content.decisions import flush_decisions, log_decision
from prefero.content.models import ContentDecision
from prefero.content.schemas import SlotIn
from prefero.content.service import ContentRequest, content_for
from prefero.content.slots import create_slot
from prefero.privacy.service import customer_data, erase_customer
from prefero.runtime import Runtime


def seed(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_slot(session, SlotIn.model_validate(slot_body(
            "home-hero", variant_body("welcome", targeting={"visitor": "new"}),
            variant_body("everyone"), fallback="everyone")), schema=runtime.facet_schema)
        customer(session, "tracked")
        consent(session, "tracked", "tracking", True)
        customer(session, "private")


def show(runtime: Runtime, **fields: str) -> str:
    with runtime.session() as session:
        served = content_for(session, slot_key="home-hero",
                             request=ContentRequest.model_validate(fields),
                             settings=runtime.settings, schema=runtime.facet_schema,
                             language="en")
    log_decision(runtime, served.pending)
    return served.answer.decision_id


def logged(runtime: Runtime) -> dict[str, str | None]:
    with runtime.session() as session:
        return {row.id: row.customer_id for row in session.scalars(select(ContentDecision))}


def test_choices_wait_for_a_batch_then_go_in_one(runtime: Runtime) -> None:
    seed(runtime)
    runtime.settings.content_decision_batch = 3
    first = [show(runtime, visitor_id=f"anon-{n}") for n in range(2)]
    assert logged(runtime) == {}  # nothing written on the request path yet
    third = show(runtime, visitor_id="anon-3")
    assert set(logged(runtime)) == {*first, third}
    last = show(runtime, visitor_id="anon-4")
    assert flush_decisions(runtime) == 1  # what a worker does when it stops
    assert last in logged(runtime)
    assert flush_decisions(runtime) == 0


def test_only_a_tracked_customer_is_named_and_erasure_removes_their_rows(
        runtime: Runtime) -> None:
    seed(runtime)
    tracked = show(runtime, customer_id="tracked")
    private = show(runtime, customer_id="private")
    stranger = show(runtime, customer_id="never-stored")
    flush_decisions(runtime)
    assert logged(runtime) == {tracked: "tracked", private: None, stranger: None}
    with runtime.session() as session:
        export = customer_data(session, customer_id="tracked", settings=runtime.settings)
        assert [(d.slot, d.variant, d.reasons) for d in export.content_decisions] == [
            ("home-hero", "welcome", ["new_visitor"])]
        assert customer_data(session, customer_id="private",
                             settings=runtime.settings).content_decisions == []
    with runtime.session(write=True) as session:
        erase_customer(session, customer_id="tracked", settings=runtime.settings)
    assert logged(runtime) == {private: None, stranger: None}


def test_a_customer_erased_before_the_batch_is_written_is_not_named(runtime: Runtime) -> None:
    seed(runtime)
    runtime.settings.content_decision_batch = 100
    waiting = show(runtime, customer_id="tracked")
    with runtime.session(write=True) as session:
        erase_customer(session, customer_id="tracked", settings=runtime.settings)
    flush_decisions(runtime)
    assert logged(runtime) == {waiting: None}
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(ContentDecision)
                              .where(ContentDecision.customer_id.is_not(None))) == 0
