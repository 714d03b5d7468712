"""The delivery API: the shop's windows (idempotent PUT, 409 with the path for a booked
window, 422 at the field), a customer's wishes and options (own token only, wishes only
order the options), and bookings from a shop's own checkout (idempotent on the order)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from apikeys import ADMIN_KEY, INGEST_KEY, READ_KEY
from customer_tokens import bearer, token_for
from factories import add_products, product
from prefero.db.base import utcnow
from prefero.runtime import Runtime

WINDOWS = "/v1/delivery/windows"


def _window(wid: str, *, hours: int, method: str = "home", point: str | None = None,
            capacity: int = 5, green: bool = False) -> dict[str, Any]:
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)
    body: dict[str, Any] = {"id": wid, "method": method, "starts_at": start.isoformat(),
                            "ends_at": (start + timedelta(hours=3)).isoformat(),
                            "capacity": capacity, "price": "9.99", "currency": "PLN",
                            "green": green}
    if point:
        body |= {"pickup_point_id": point, "pickup_point_name": f"Point {point}"}
    return body


def _shop(client: TestClient, runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.session() as session:
        add_products(session, [product("sku-1", category="Bread")])
    windows = [_window("early", hours=30), _window("pickup-a", hours=50, method="pickup",
                                                    point="a", green=True),
               _window("late", hours=80)]
    answer = client.put(WINDOWS, json={"windows": windows})
    assert answer.status_code == 200, answer.text
    return windows


def test_put_is_idempotent_and_get_lists_by_start(client: TestClient, runtime: Runtime
                                                  ) -> None:
    windows = _shop(client, runtime)
    again = client.put(WINDOWS, json={"windows": windows})
    assert again.status_code == 200
    listed = client.get(WINDOWS, headers={"X-API-Key": READ_KEY}).json()["items"]
    assert listed == again.json()["items"]
    assert [w["id"] for w in listed] == ["early", "pickup-a", "late"]
    assert listed[0]["price"] == "9.99" and listed[0]["booked"] == 0


def test_only_an_admin_key_publishes_windows(client: TestClient, runtime: Runtime) -> None:
    """The windows are the shop's definition: an ingest key (the one a checkout sends events
    and bookings with) or a read key cannot change them, and a refused write changes
    nothing; the same checkout's ingest key still books."""
    windows = _shop(client, runtime)
    for key in (INGEST_KEY, READ_KEY):
        refused = client.put(WINDOWS, json={"windows": windows[:1]},
                             headers={"X-API-Key": key})
        assert refused.status_code == 403, (key, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert "'admin' scope" in refused.json()["detail"]
    listed = client.get(WINDOWS, headers={"X-API-Key": READ_KEY}).json()["items"]
    assert [w["id"] for w in listed] == ["early", "pickup-a", "late"]
    assert client.put(WINDOWS, json={"windows": windows},
                      headers={"X-API-Key": ADMIN_KEY}).status_code == 200
    booked = client.post("/v1/customers/alice/delivery-bookings",
                         json={"window_id": "late", "order_id": "o-7"},
                         headers={"X-API-Key": INGEST_KEY})
    assert booked.status_code == 201, booked.text
    operation = client.app.openapi()["paths"][WINDOWS]["put"]  # type: ignore[attr-defined]
    assert operation["security"] == [{"ApiKey": ["admin"]}]
    assert "403" in operation["responses"]


def test_bad_windows_are_422_at_the_field(client: TestClient) -> None:
    broken = _window("x", hours=5)
    broken["ends_at"] = broken["starts_at"]
    pickup = _window("y", hours=5, method="pickup")
    answer = client.put(WINDOWS, json={"windows": [broken, pickup, _window("x", hours=9)]})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in answer.json()["errors"]] == [
        ["body", "windows", 0, "ends_at"], ["body", "windows", 1, "pickup_point_id"],
        ["body", "windows", 2, "id"]]
    extra = client.put(WINDOWS, json={"windows": [{**_window("z", hours=5), "colour": 1}]})
    assert extra.status_code == 422


def test_a_booked_window_cannot_be_removed_or_shrunk(client: TestClient, runtime: Runtime
                                                     ) -> None:
    windows = _shop(client, runtime)
    booking = {"window_id": "early", "order_id": "o-1"}
    made = client.post("/v1/customers/alice/delivery-bookings", json=booking)
    assert made.status_code == 201, made.text
    again = client.post("/v1/customers/alice/delivery-bookings", json=booking,
                        headers={"X-API-Key": INGEST_KEY})
    assert again.status_code == 200 and again.json() == made.json()
    elsewhere = client.post("/v1/customers/alice/delivery-bookings",
                            json={"window_id": "late", "order_id": "o-1"})
    assert elsewhere.status_code == 409
    removed = client.put(WINDOWS, json={"windows": windows[1:]})
    assert removed.status_code == 409
    assert [e["loc"] for e in removed.json()["errors"]] == [["body", "windows"]]
    shrunk = client.put(WINDOWS, json={"windows": [{**windows[0], "capacity": 0},
                                                   *windows[1:]]})
    assert shrunk.status_code == 409
    assert [e["loc"] for e in shrunk.json()["errors"]] == [["body", "windows", 0, "capacity"]]
    listed = client.get(WINDOWS).json()["items"]
    assert (listed[0]["id"], listed[0]["booked"]) == ("early", 1)


def test_a_full_window_is_409_and_an_unknown_one_422(client: TestClient, runtime: Runtime
                                                     ) -> None:
    client.put(WINDOWS, json={"windows": [_window("tiny", hours=5, capacity=1)]})
    assert client.post("/v1/customers/a/delivery-bookings",
                       json={"window_id": "tiny", "order_id": "o-a"}).status_code == 201
    full = client.post("/v1/customers/b/delivery-bookings",
                       json={"window_id": "tiny", "order_id": "o-b"})
    assert full.status_code == 409
    unknown = client.post("/v1/customers/b/delivery-bookings",
                          json={"window_id": "nope", "order_id": "o-c"})
    assert unknown.status_code == 422
    assert [e["loc"] for e in unknown.json()["errors"]] == [["body", "window_id"]]


def test_options_follow_the_wishes_in_the_customers_language(client: TestClient,
                                                             runtime: Runtime) -> None:
    _shop(client, runtime)
    token = bearer(token_for(runtime.settings, "alice"))
    browser = TestClient(client.app)
    plain = browser.get("/v1/customers/alice/delivery-options?cart=sku-1",
                        headers=token).json()
    assert [o["window"]["id"] for o in plain["options"]] == ["early", "pickup-a", "late"]
    wishes = {"method": "pickup", "pickup_point_id": "a", "speed": "green"}
    saved = browser.put("/v1/customers/alice/delivery-preferences", json=wishes,
                        headers=token)
    assert saved.status_code == 200, saved.text
    assert browser.get("/v1/customers/alice/delivery-preferences",
                       headers=token).json() == saved.json()
    ordered = browser.get("/v1/customers/alice/delivery-options",
                          params={"cart": ["sku-1", "sku-1"]},
                          headers={**token, "Accept-Language": "pl"}).json()
    assert [o["window"]["id"] for o in ordered["options"]] == ["pickup-a", "early", "late"]
    first = ordered["options"][0]
    assert first["preferred"] is True
    assert [r["text"] for r in first["reasons"]] == [
        "Wybrany przez Ciebie punkt odbioru: Point a",
        "Ekologiczna dostawa, zgodnie z Twoją prośbą"]
    assert {o["window"]["id"] for o in ordered["options"]} == \
        {o["window"]["id"] for o in plain["options"]}
    # Another customer's options and wishes are out of this token's reach.
    assert browser.get("/v1/customers/bob/delivery-options", headers=token).status_code == 403
    assert browser.put("/v1/customers/bob/delivery-preferences", json={},
                       headers=token).status_code == 403
    assert browser.post("/v1/customers/alice/delivery-bookings", headers=token,
                        json={"window_id": "early", "order_id": "o-9"}).status_code == 403
    assert browser.put(WINDOWS, json={"windows": []}, headers=token).status_code == 403


def test_bad_wishes_and_carts_are_422_at_the_field(client: TestClient, runtime: Runtime
                                                   ) -> None:
    _shop(client, runtime)
    wrong = client.put("/v1/customers/alice/delivery-preferences",
                       json={"hours": [{"start": 20, "end": 18}], "pickup_point_id": "a"})
    assert wrong.status_code == 422
    assert [e["loc"] for e in wrong.json()["errors"]] == [
        ["body", "hours", 0, "end"], ["body", "pickup_point_id"]]
    day = client.put("/v1/customers/alice/delivery-preferences", json={"weekdays": [7]})
    assert day.status_code == 422
    cart = client.get("/v1/customers/alice/delivery-options?cart=sku-1&cart=gone")
    assert cart.status_code == 422
    assert [e["loc"] for e in cart.json()["errors"]] == [["query", "cart", 1]]
    # Nothing was saved.
    assert client.get("/v1/customers/alice/delivery-preferences").json()["hours"] == []
