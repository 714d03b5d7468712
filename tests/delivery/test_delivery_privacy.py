"""Delivery wishes and bookings are the customer's data: in their export, and gone with
them on erasure (the window keeps its booked count: the round was planned)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryBooking, DeliveryWindow, DeliveryWish
from prefero.runtime import Runtime


def test_export_then_erasure(client: TestClient, runtime: Runtime) -> None:
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    window = {"id": "w", "method": "home", "starts_at": start.isoformat(),
              "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 3,
              "price": "5.00", "currency": "PLN"}
    assert client.put("/v1/delivery/windows", json={"windows": [window]}).status_code == 200
    wishes = {"weekdays": [5, 6], "hours": [{"start": 18, "end": 21}], "method": "home",
              "pickup_point_id": None, "speed": "fastest"}
    assert client.put("/v1/customers/ann/delivery-preferences", json=wishes).status_code == 200
    assert client.post("/v1/customers/ann/delivery-bookings",
                       json={"window_id": "w", "order_id": "o-1"}).status_code == 201
    exported = client.get("/v1/customers/ann/data").json()["delivery"]
    assert exported["wishes"] == wishes
    assert [(b["order_id"], b["window_id"]) for b in exported["bookings"]] == [("o-1", "w")]

    assert client.delete("/v1/customers/ann").status_code == 200
    with runtime.session() as session:
        for model in (DeliveryWish, DeliveryBooking):
            assert session.scalar(select(func.count()).select_from(model)) == 0
        kept = session.get(DeliveryWindow, "w")
        assert kept is not None and kept.booked == 1
