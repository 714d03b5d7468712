"""The box_ready and replenishment scanners: registered with the messages worker, compose
what is due, offer one message per occasion with the documented params, and offer nothing
new when run again. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import add_products, consent, customer, product
from prefero.boxes import replenishment, scanners
from prefero.boxes import service as boxes
from prefero.boxes.schemas import BoxIn
from prefero.events.models import Event
from prefero.messaging.kinds import Trigger
from prefero.messaging.models import OutboxMessage
from prefero.messaging.offers import MessageOffer
from prefero.messaging.scanners import registered
from prefero.runtime import Runtime

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
COFFEE = "Groceries > Beverages > Coffee & Tea"


@pytest.fixture
def offers(monkeypatch: pytest.MonkeyPatch) -> list[MessageOffer]:
    """What the scanners hand to the messaging service (its policy is tested there)."""
    made: list[MessageOffer] = []

    def record(session: object, message: MessageOffer, **_: object) -> list[object]:
        made.append(message)
        return []

    monkeypatch.setattr(scanners, "offer", record)
    return made


def _shop(runtime: Runtime) -> int:
    with runtime.session(write=True) as session:
        add_products(session, [product("beans", category=COFFEE, price=40, brand="Roast"),
                               product("ground", category=COFFEE, price=30, brand="Mill"),
                               product("espresso", category=COFFEE, price=35, brand="Mill"),
                               product("decaf", category=COFFEE, price=45, brand="Roast")])
        customer(session, "ann")
        box = boxes.subscribe(session, customer_id="ann", now=NOW, settings=runtime.settings,
                              box=BoxIn(theme="coffee", cadence_days=30, budget=Decimal(80)))
        return box.id


def test_both_scanners_are_registered() -> None:
    found = registered()
    assert found["box_ready"] is scanners.box_ready
    assert found["replenishment"] is scanners.replenishment


def test_box_ready_offers_each_fresh_unrated_delivery_once(
        runtime: Runtime, offers: list[MessageOffer]) -> None:
    box_id = _shop(runtime)
    with runtime.session(write=True) as session:
        assert scanners.box_ready(session, NOW, runtime.settings) == 1
    [ready] = offers
    assert (ready.trigger, ready.customer_id, ready.subject_key, ready.occasion) == (
        Trigger.BOX_READY, "ann", f"box:{box_id}", "1")
    assert ready.params["box_name"] == "Coffee box" and ready.params["delivery_number"] == "1"
    assert ready.params["total"] == "65.00" and ready.params["currency"] == "PLN"
    assert ready.product_ids == ("ground", "espresso")
    # A month on the scanner composes delivery 2 itself and offers it; delivery 1 is more
    # than a week old: no second message about it.
    with runtime.session(write=True) as session:
        assert scanners.box_ready(session, NOW + timedelta(days=30), runtime.settings) == 1
    assert offers[-1].occasion == "2"


def test_a_fully_rated_delivery_needs_no_message(runtime: Runtime,
                                                 offers: list[MessageOffer]) -> None:
    box_id = _shop(runtime)
    with runtime.session(write=True) as session:
        for pid in ("ground", "espresso"):
            boxes.rate_item(session, customer_id="ann", box_id=box_id, number=1,
                            product_id=pid, rating=4, now=NOW)
        assert scanners.box_ready(session, NOW, runtime.settings) == 0
    assert offers == []


def test_replenishment_offers_what_is_due_within_the_lead_time(
        runtime: Runtime, offers: list[MessageOffer]) -> None:
    _shop(runtime)
    with runtime.session(write=True) as session:
        consent(session, "ann", "tracking", True)
        session.add_all(Event(customer_id="ann", type="purchase", product_id="beans",
                              order_id=f"o{day}", occurred_at=NOW + timedelta(days=day))
                        for day in (-40, -26, -12))  # every 14 days: due in 2 days
        session.flush()
        assert scanners.replenishment(session, NOW - timedelta(days=2), runtime.settings) == 0
        assert scanners.replenishment(session, NOW, runtime.settings) == 1
    [due] = offers
    assert (due.trigger, due.subject_key, due.occasion) == (
        Trigger.REPLENISHMENT, "product:beans", "2026-12-03")
    assert due.params["last_bought"] == "2026-11-19" and due.params["interval_days"] == "14"


def test_the_real_outbox_keeps_one_message_per_occasion(runtime: Runtime) -> None:
    _shop(runtime)
    with runtime.session(write=True) as session:
        consent(session, "ann", "marketing_inbox", True)
        scanners.box_ready(session, NOW, runtime.settings)
        first = session.scalar(select(func.count()).select_from(OutboxMessage))
        scanners.box_ready(session, NOW + timedelta(hours=1), runtime.settings)
        again = session.scalar(select(func.count()).select_from(OutboxMessage))
    assert first == again
    with runtime.session() as session:
        triggers = set(session.scalars(select(OutboxMessage.trigger)))
    assert triggers <= {Trigger.BOX_READY.value}


def _buys(session: Session, cid: str, *bought: tuple[str, int]) -> None:
    """``cid`` (tracking allowed) bought each (product, day relative to NOW)."""
    consent(session, cid, "tracking", True)
    session.add_all(Event(customer_id=cid, type="purchase", product_id=pid,
                          order_id=f"{cid}-{day}", occurred_at=NOW + timedelta(days=day))
                    for pid, day in bought)
    session.flush()


def test_replenishment_keeps_to_the_customers_rules(runtime: Runtime,
                                                    offers: list[MessageOffer]) -> None:
    every_14_days = (-40, -26, -12)  # due in 2 days
    with runtime.session(write=True) as session:
        add_products(session, [
            product("beans", category=COFFEE, price=40, brand="Roast"),
            product("ground", category=COFFEE, price=30, brand="Mill"),
            product("espresso", category=COFFEE, price=35, brand="Mill"),
            product("decaf", category=COFFEE, price=45, brand="Roast"),
            product("gone", category=COFFEE, price=20, brand="Roast",
                    availability="out_of_stock")])
        customer(session, "ok")
        customer(session, "never", never=[("brand", "roast")])
        customer(session, "dismissed", dismissed=["beans"])
        customer(session, "budget", budget_max=30)
        customer(session, "stock")
        for cid in ("ok", "never", "dismissed", "budget"):
            _buys(session, cid, *(("beans", day) for day in every_14_days))
        _buys(session, "stock", *(("gone", day) for day in every_14_days))
        # A different coffee each time: a category reminder. Its latest (ground, Mill)
        # breaks the rule; the decaf bought before it is shown instead.
        customer(session, "leaf", never=[("brand", "mill")])
        _buys(session, "leaf", ("espresso", -40), ("decaf", -26), ("ground", -12))
        # Every coffee this one bought breaks the rule: no reminder at all.
        customer(session, "leafnone", never=[("brand", "mill")])
        _buys(session, "leafnone", ("espresso", -40), ("ground", -26), ("espresso", -12))
        assert scanners.replenishment(session, NOW, runtime.settings) == 2
    by = {o.customer_id: o for o in offers}
    assert sorted(by) == ["leaf", "ok"]
    assert by["ok"].product_ids == ("beans",)
    assert by["leaf"].params["scope"] == "category"
    assert by["leaf"].product_ids == ("decaf",) and by["leaf"].params["title"] == "Product decaf"
    assert by["leaf"].subject_key == f"category:{COFFEE}"


def test_replenishment_reads_each_customer_once_a_day_and_after_a_purchase(
        runtime: Runtime, offers: list[MessageOffer], monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = replenishment.reminders

    def reading(session: Session, *, customer_id: str, **kwargs: Any) -> Any:
        read.append(customer_id)
        return real(session, customer_id=customer_id, **kwargs)

    monkeypatch.setattr(scanners, "reminders", reading)
    with runtime.session(write=True) as session:
        add_products(session, [product("beans", category=COFFEE, price=40, brand="Roast")])
        for cid in ("a", "b", "c"):
            customer(session, cid)
            _buys(session, cid, *(("beans", day) for day in (-40, -26, -12)))

    def run(at: datetime) -> list[str]:
        read.clear()
        with runtime.session(write=True) as session:
            scanners.replenishment(session, at, runtime.settings, batch=2)
        return sorted(read)

    # The day's pass, two customers a run; then nothing more to read that day.
    assert run(NOW) == ["a", "b"]
    assert run(NOW + timedelta(minutes=5)) == ["c"]
    assert run(NOW + timedelta(minutes=10)) == []
    assert sorted(o.customer_id for o in offers) == ["a", "b", "c"]
    # A purchase brings its customer back at the next run.
    with runtime.session(write=True) as session:
        _buys(session, "b", ("beans", 0))
    assert run(NOW + timedelta(minutes=15)) == ["b"]
    assert run(NOW + timedelta(minutes=20)) == []
    # A new day: a new pass over everyone.
    assert run(NOW + timedelta(days=1)) == ["a", "b"]
    assert run(NOW + timedelta(days=1, minutes=5)) == ["c"]
