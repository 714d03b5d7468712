"""The box service on a migrated database (SQLite and PostgreSQL): subscribing composes the
first delivery, the next ones come when due and learn from ratings, pausing and cancelling
stop them, ratings are the customer's own and 1–5, the export lists everything and erasure
removes everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from factories import add_products, customer, product
from prefero.boxes import service
from prefero.boxes.models import BoxDelivery, BoxItem, BoxSubscription
from prefero.boxes.schemas import BoxChange, BoxIn
from prefero.errors import InvalidInput, NotFound
from prefero.privacy.service import erase_customer
from prefero.runtime import Runtime

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BARS = "Groceries > Snacks > Bars"
CHIPS = "Groceries > Snacks > Chips & Crackers"
# States its allergens (none): a "never" rule on allergens hides a grocery that states nothing.
NONE = {"allergens": []}


def _shop(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("acme-1", facets=NONE, category=BARS, price=12, brand="Acme"),
            product("acme-2", facets=NONE, category=CHIPS, price=12, brand="Acme"),
            product("bolt-1", facets=NONE, category=BARS, price=12, brand="Bolt"),
            product("bolt-2", facets=NONE, category=CHIPS, price=12, brand="Bolt"),
            product("nutty", category=BARS, price=5, brand="Crisp",
                    facets={"allergens": ["nuts"]}),
            product("camera", category="Electronics > Cameras", price=5, brand="Acme"),
        ])
        customer(session, "ann", never=[("allergens", "nuts")])
        customer(session, "bob")


def _subscribe(runtime: Runtime, who: str = "ann", budget: str = "30") -> int:
    with runtime.session(write=True) as session:
        box = service.subscribe(session, customer_id=who, now=NOW, settings=runtime.settings,
                                box=BoxIn(theme="snacks", cadence_days=14,
                                          budget=Decimal(budget)))
        return box.id


def test_subscribing_composes_the_first_box_within_budget_and_rules(runtime: Runtime) -> None:
    _shop(runtime)
    box_id = _subscribe(runtime)
    with runtime.session() as session:
        [first] = service.deliveries(session, customer_id="ann", box_id=box_id)
        [box] = service.list_boxes(session, customer_id="ann")
    assert first.number == 1 and first.due_at == NOW
    products = [item.product_id for item in first.items]
    assert "nutty" not in products and "camera" not in products
    assert len(products) == 2 and first.total == Decimal("24.00") <= Decimal("30")
    assert box.next_delivery_at == NOW + timedelta(days=14) and box.status == "active"


def test_the_next_box_comes_when_due_and_learns_from_a_one_star_rating(
        runtime: Runtime) -> None:
    _shop(runtime)
    box_id = _subscribe(runtime, budget="12")
    with runtime.session(write=True) as session:
        [first] = service.deliveries(session, customer_id="ann", box_id=box_id)
        assert [i.product_id for i in first.items] == ["acme-1"]
        service.rate_item(session, customer_id="ann", box_id=box_id, number=1,
                          product_id="acme-1", rating=1, now=NOW)
        # Not due yet: nothing composed.
        assert service.compose_due(session, NOW + timedelta(days=13), runtime.settings) == []
        [second] = service.compose_due(session, NOW + timedelta(days=14), runtime.settings)
        assert second.number == 2
        # Composed once: a second run at the same moment composes nothing.
        assert service.compose_due(session, NOW + timedelta(days=14), runtime.settings) == []
        [latest, _] = service.deliveries(session, customer_id="ann", box_id=box_id)
    # Acme was rated 1 star: Bolt leads now (acme-2 would have won the tie by id).
    assert [i.product_id for i in latest.items] == ["bolt-2"]


def test_paused_and_cancelled_boxes_are_not_composed(runtime: Runtime) -> None:
    _shop(runtime)
    box_id = _subscribe(runtime)
    later = NOW + timedelta(days=40)
    with runtime.session(write=True) as session:
        paused = service.change_box(session, customer_id="ann", box_id=box_id,
                                    change=BoxChange(status="paused"), now=NOW)
        assert paused.status == "paused"
        assert service.compose_due(session, later, runtime.settings) == []
        resumed = service.change_box(session, customer_id="ann", box_id=box_id,
                                     change=BoxChange(status="active", budget=Decimal("50")),
                                     now=later)
        assert resumed.next_delivery_at == later and resumed.budget == Decimal("50")
        assert len(service.compose_due(session, later, runtime.settings)) == 1
        cancelled = service.cancel_box(session, customer_id="ann", box_id=box_id, now=later)
        assert cancelled.status == "cancelled" and cancelled.next_delivery_at is None
        assert service.compose_due(session, later + timedelta(days=99), runtime.settings) == []
        with pytest.raises(InvalidInput) as refused:
            service.change_box(session, customer_id="ann", box_id=box_id,
                               change=BoxChange(cadence_days=7), now=later)
        assert refused.value.errors[0].loc == ("cadence_days",)
        # Its history stays.
        assert len(service.deliveries(session, customer_id="ann", box_id=box_id)) == 2


def test_a_new_cadence_moves_the_next_date(runtime: Runtime) -> None:
    _shop(runtime)
    box_id = _subscribe(runtime)
    with runtime.session(write=True) as session:
        box = service.change_box(session, customer_id="ann", box_id=box_id,
                                 change=BoxChange(cadence_days=7), now=NOW)
    assert box.next_delivery_at == NOW + timedelta(days=7)


def test_ratings_are_one_to_five_on_the_customers_own_items(runtime: Runtime) -> None:
    _shop(runtime)
    box_id = _subscribe(runtime)
    with runtime.session(write=True) as session:
        for bad in (0, 6):
            with pytest.raises(InvalidInput) as refused:
                service.rate_item(session, customer_id="ann", box_id=box_id, number=1,
                                  product_id="acme-1", rating=bad, now=NOW)
            assert refused.value.errors[0].loc == ("rating",)
        with pytest.raises(NotFound):  # someone else's box
            service.rate_item(session, customer_id="bob", box_id=box_id, number=1,
                              product_id="acme-1", rating=5, now=NOW)
        with pytest.raises(NotFound):  # not in that delivery
            service.rate_item(session, customer_id="ann", box_id=box_id, number=1,
                              product_id="camera", rating=5, now=NOW)
        with pytest.raises(NotFound):
            service.rate_item(session, customer_id="ann", box_id=box_id, number=2,
                              product_id="acme-1", rating=5, now=NOW)
        rated = service.rate_item(session, customer_id="ann", box_id=box_id, number=1,
                                  product_id="acme-1", rating=4, now=NOW)
        assert rated.rating == 4 and rated.rated_at == NOW
        with pytest.raises(NotFound):
            service.deliveries(session, customer_id="bob", box_id=box_id)


def test_subscribing_checks_the_theme_currency_and_customer(runtime: Runtime) -> None:
    _shop(runtime)
    with runtime.session(write=True) as session:
        with pytest.raises(InvalidInput) as wrong_theme:
            service.subscribe(session, customer_id="ann", now=NOW, settings=runtime.settings,
                              box=BoxIn(theme="wine", cadence_days=7, budget=Decimal(10)))
        assert wrong_theme.value.errors[0].loc == ("theme",)
        with pytest.raises(InvalidInput) as wrong_currency:
            service.subscribe(session, customer_id="ann", now=NOW, settings=runtime.settings,
                              box=BoxIn(theme="snacks", cadence_days=7, budget=Decimal(10),
                                        currency="EUR"))
        assert wrong_currency.value.errors[0].loc == ("currency",)
        with pytest.raises(NotFound):
            service.subscribe(session, customer_id="nobody", now=NOW,
                              settings=runtime.settings,
                              box=BoxIn(theme="snacks", cadence_days=7, budget=Decimal(10)))
        assert session.scalar(select(func.count()).select_from(BoxSubscription)) == 0


def test_the_export_lists_every_box_and_erasure_removes_them(runtime: Runtime) -> None:
    _shop(runtime)
    box_id = _subscribe(runtime)
    _subscribe(runtime, who="bob")
    with runtime.session(write=True) as session:
        service.rate_item(session, customer_id="ann", box_id=box_id, number=1,
                          product_id="acme-1", rating=5, now=NOW)
        [exported] = service.exported_boxes(session, "ann")
        assert exported.theme == "snacks" and exported.deliveries[0].items[0].rating == 5
        erase_customer(session, customer_id="ann", settings=runtime.settings)
    with runtime.session() as session:
        assert service.exported_boxes(session, "ann") == []
        left = session.scalars(select(BoxDelivery.customer_id)).all()
        assert left == ["bob"]
        # Bob (no rule on nuts) got the nutty bar too: three items, all his.
        assert session.scalar(select(func.count()).select_from(BoxItem)) == 3
        assert session.scalar(select(func.count()).select_from(BoxSubscription)) == 1
