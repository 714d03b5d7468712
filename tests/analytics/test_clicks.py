"""Clicks come from rec_click events, counted as they are ingested: every click (with or
without tracking consent, nobody's name on the count), once per event id, under its
placement and the reason it sent; the reason is checked, and kept on a linked event (so the
customer's data export shows it and erasure removes it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import INGEST_KEY
from factories import consent
from prefero.analytics.models import RecommendationDaily
from prefero.customers.repository import ensure_customers
from prefero.errors import InvalidInput
from prefero.events.models import Event
from prefero.events.service import ingest
from prefero.privacy.service import customer_data, erase_customer
from prefero.runtime import Runtime

DAY = date(2026, 11, 20)
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def click(event_id: str, *, who: dict[str, str] | None = None, **fields: Any
          ) -> dict[str, Any]:
    return {"event_id": event_id, "type": "rec_click", "product_id": "p1",
            "occurred_at": AT.isoformat(), **(who or {"anonymous_id": "v1"}), **fields}


def clicks(runtime: Runtime) -> dict[tuple[date, str, str], int]:
    with runtime.session() as session:
        return {(r.day, r.placement, r.reason): r.clicks
                for r in session.scalars(select(RecommendationDaily)) if r.clicks}


def send(runtime: Runtime, events: list[dict[str, Any]]) -> None:
    with runtime.session(write=True) as session:
        ingest(session, events, settings=runtime.settings)


def test_every_click_counts_once_under_its_placement_and_reason(runtime: Runtime) -> None:
    send(runtime, [click("e1", placement="home", reason="trending"),
                   click("e2", placement="home", reason="trending", anonymous_id="v2"),
                   click("e3", placement="product", reason="similar"),
                   click("e4", placement="home"),  # no reason sent
                   click("e5", placement="sidebar", reason="trending"),  # not ours
                   {"event_id": "e6", "type": "view", "anonymous_id": "v1",
                    "product_id": "p1", "placement": "home"}])
    send(runtime, [click("e1", placement="home", reason="trending"),  # a repeat
                   click("e7", placement="home", reason="trending",
                         occurred_at="2026-11-21T00:00:00+00:00")])
    assert clicks(runtime) == {(DAY, "home", "trending"): 2,
                               (DAY, "product", "similar"): 1,
                               (DAY, "home", "unknown"): 1,
                               (DAY, "other", "trending"): 1,
                               (date(2026, 11, 21), "home", "trending"): 1}


@pytest.mark.parametrize(("event", "loc", "message"), [
    (click("e1", reason="because"), ["events", 1, "reason"], "not a reason code"),
    ({"event_id": "e1", "type": "view", "anonymous_id": "v1", "product_id": "p1",
      "reason": "trending"}, ["events", 1, "reason"], "only rec_click and return events"),
    (click("e1", reason=""), ["events", 1, "reason"], "at least 1 character"),
    (click("e1", reason="x" * 41), ["events", 1, "reason"], "at most 40 characters"),
])
def test_a_wrong_reason_is_named_and_nothing_is_counted(
        runtime: Runtime, event: dict[str, Any], loc: list[object], message: str) -> None:
    with pytest.raises(InvalidInput) as raised, runtime.session(write=True) as session:
        ingest(session, [click("ok", reason="trending"), event], settings=runtime.settings)
    assert [(list(e.loc), message in e.msg) for e in raised.value.errors] == [(loc, True)]
    assert clicks(runtime) == {}


def test_the_api_answers_a_wrong_reason_with_its_path(client: TestClient) -> None:
    response = client.post("/v1/events", headers={"X-API-Key": INGEST_KEY},
                           json={"events": [click("e1", reason="trending"),
                                            click("e2", reason="Trending")]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["events", 1, "reason"]]


def test_a_consenting_customer_s_click_keeps_its_reason_until_erasure(
        runtime: Runtime) -> None:
    with runtime.session() as session:
        ensure_customers(session, {"c1": False})
        consent(session, "c1", "tracking", True)
    send(runtime, [click("e1", who={"customer_id": "c1"}, placement="cart",
                         reason="complement")])
    with runtime.session() as session:
        assert session.scalars(select(Event.reason)).all() == ["complement"]
        exported = customer_data(session, customer_id="c1", settings=runtime.settings)
    assert [(e.type, e.placement, e.reason) for e in exported.events.latest] == [
        ("rec_click", "cart", "complement")]
    # A visitor without tracking consent clicked the same card: never linked to anyone.
    send(runtime, [click("e2", placement="cart", reason="complement")])
    assert clicks(runtime) == {(DAY, "cart", "complement"): 2}
    with runtime.session(write=True) as session:
        erase_customer(session, customer_id="c1", settings=runtime.settings)
    with runtime.session() as session:
        assert session.scalars(select(Event.reason)).all() == []
    # The customer's linked click goes with them, as their events leave the product
    # counters; the anonymous one cannot be told from anyone's and stays.
    assert clicks(runtime) == {(DAY, "cart", "complement"): 1}
