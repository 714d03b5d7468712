"""Measurements and size advice over the API and through ingest, on SQLite and PostgreSQL:
nothing is kept or advised without the fit consent, withdrawing it deletes what was held, a
"too small" return moves the next advice up, erasure leaves no trace, and checkout gets its
snapshot for made-to-measure products only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from apikeys import INGEST_KEY, READ_KEY
from factories import add_products, product
from prefero.errors import Conflict
from prefero.fit.models import FitFeedback, FitProfile
from prefero.fit.orders import is_made_to_measure, order_measurements
from prefero.runtime import Runtime

INGEST = {"X-API-Key": INGEST_KEY}
READ = {"X-API-Key": READ_KEY}
PATH = "/v1/customers/c1/measurements"


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("tee", category="Fashion > Tops > T-Shirts", brand="H&M",
                    facets={"size": ["s", "m", "l", "xl"]}),
            product("coat", category="Fashion > Outerwear > Coats", brand="Massimo Dutti",
                    facets={"size": ["m"]}),
            product("pasta", category="Groceries > Pasta"),
        ])
    return runtime


def _grant(client: TestClient, granted: bool = True, customer: str = "c1") -> None:
    answer = client.post(f"/v1/customers/{customer}/consents", headers=INGEST,
                         json={"purpose": "fit", "granted": granted})
    assert answer.status_code in (200, 201), answer.text


def _sizes(client: TestClient, *ids: str) -> dict[str, dict[str, object]]:
    answer = client.get("/v1/customers/c1/sizes", headers=READ,
                        params=[("product_id", pid) for pid in ids])
    assert answer.status_code == 200, answer.text
    return {item["product_id"]: item for item in answer.json()["items"]}


def test_without_consent_nothing_is_written_or_advised(client: TestClient,
                                                       shop: Runtime) -> None:
    refused = client.put(PATH, headers=INGEST, json={"chest": 98})
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"] == [{"loc": ["consent", "fit"], "msg": "not granted"}]
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(FitProfile)) == 0
    assert client.get(PATH, headers=READ).json()["held"] is False
    assert _sizes(client, "tee")["tee"]["size"] is None


def test_measurements_give_advice_and_withdrawal_deletes_them(client: TestClient,
                                                              shop: Runtime) -> None:
    _grant(client)
    saved = client.put(PATH, headers=INGEST, json={"chest": 98.04, "fit": "regular"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["chest"] == 98.0 and saved.json()["held"] is True
    advice = _sizes(client, "tee", "coat", "pasta", "unknown")
    assert advice["tee"]["size"] == "M" and advice["tee"]["code"] == "size_in_range"
    assert advice["tee"]["reason"] == "Size M: your chest 98 cm is in M's 96–104 cm"
    assert advice["coat"]["made_to_measure"] is True and advice["coat"]["size"] is None
    assert advice["pasta"]["chart_id"] is None and advice["unknown"]["size"] is None
    polish = client.get("/v1/customers/c1/sizes", headers={**READ, "Accept-Language": "pl"},
                        params={"product_id": "tee"}).json()["items"][0]["reason"]
    assert polish.startswith("Rozmiar M: obwód klatki piersiowej 98 cm")
    _grant(client, False)  # withdrawal: deleted in the same transaction
    with shop.session() as session:
        assert session.get(FitProfile, "c1") is None
    assert client.get(PATH, headers=READ).json() == {
        **client.get(PATH, headers=READ).json(), "consent": False, "held": False,
        "chest": None}
    _grant(client)  # granting again starts from nothing
    assert client.get(PATH, headers=READ).json()["held"] is False


def test_bad_measurements_are_refused_at_their_path(client: TestClient, shop: Runtime) -> None:
    _grant(client)
    answer = client.put(PATH, headers=INGEST, json={"chest": 980, "neck": 40, "fit": "tight"})
    assert answer.status_code == 422
    locs = {tuple(e["loc"]) for e in answer.json()["errors"]}
    assert {("body", "chest"), ("body", "neck"), ("body", "fit")} <= locs
    with shop.session() as session:
        assert session.get(FitProfile, "c1") is None


def test_a_too_small_return_moves_the_next_advice_up(client: TestClient, shop: Runtime) -> None:
    _grant(client)
    client.put(PATH, headers=INGEST, json={"chest": 98})
    sent = client.post("/v1/events", headers=INGEST, json={"events": [
        {"event_id": "r-1", "type": "return", "customer_id": "c1", "product_id": "tee",
         "reason": "too_small", "size": "M"},
        # Not about size: kept out of fit feedback.
        {"event_id": "r-2", "type": "return", "customer_id": "c1", "product_id": "tee",
         "reason": "changed_mind", "size": "M"}]})
    assert sent.status_code in (200, 202), sent.text
    advice = _sizes(client, "tee")["tee"]
    assert advice["size"] == "L" and advice["code"] == "size_after_return"
    assert advice["reason"] == "Size L, one size up: you returned M as too small"
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(FitFeedback)) == 1
    # Resent: idempotent ingest records it once.
    client.post("/v1/events", headers=INGEST, json={"events": [
        {"event_id": "r-1", "type": "return", "customer_id": "c1", "product_id": "tee",
         "reason": "too_small", "size": "M"}]})
    client.post("/v1/events", headers=INGEST, json={"events": [
        {"event_id": "r-3", "type": "return", "customer_id": "c1", "product_id": "tee",
         "reason": "too_large", "size": "L"}]})
    assert _sizes(client, "tee")["tee"]["size"] == "M"  # the newest return: L too large
    # A size on an event that cannot carry one is refused at its path.
    bad = client.post("/v1/events", headers=INGEST, json={"events": [
        {"event_id": "v-1", "type": "view", "customer_id": "c1", "product_id": "tee",
         "size": "M"}]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["events", 0, "size"]


def test_returns_without_fit_consent_leave_no_feedback(client: TestClient,
                                                       shop: Runtime) -> None:
    client.post("/v1/events", headers=INGEST, json={"events": [
        {"event_id": "r-9", "type": "return", "customer_id": "c2", "product_id": "tee",
         "reason": "too_small", "size": "M"}]})
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(FitFeedback)) == 0


def test_erasure_and_delete_leave_no_trace(client: TestClient, shop: Runtime) -> None:
    _grant(client)
    client.put(PATH, headers=INGEST, json={"chest": 98, "waist": 80})
    client.post("/v1/events", headers=INGEST, json={"events": [
        {"event_id": "r-1", "type": "return", "customer_id": "c1", "product_id": "tee",
         "reason": "too_small", "size": "M"}]})
    exported = client.get("/v1/customers/c1/data").json()  # the admin key
    assert exported["fit"]["chest"] == 98.0 and exported["fit"]["feedback"][0]["size"] == "M"
    assert client.delete("/v1/customers/c1").status_code in (200, 204)
    with shop.session() as session:
        for model in (FitProfile, FitFeedback):
            assert session.scalar(select(func.count()).select_from(model)) == 0
    _grant(client, customer="c3")
    client.put("/v1/customers/c3/measurements", headers=INGEST, json={"chest": 90})
    assert client.delete("/v1/customers/c3/measurements", headers=INGEST).status_code == 204
    assert client.get("/v1/customers/c3/measurements", headers=READ).json()["held"] is False


def test_household_profiles_keep_their_own_measurements(client: TestClient,
                                                        shop: Runtime) -> None:
    _grant(client)
    made = client.post("/v1/customers/c1/profiles", headers=INGEST,
                       json={"profile_id": "kids", "name": "Kids"})
    assert made.status_code in (200, 201), made.text
    kids = "/v1/customers/c1/profiles/kids/measurements"
    assert client.put(kids, headers=INGEST, json={"height": 120, "chest": 62}).status_code == 200
    client.put(PATH, headers=INGEST, json={"chest": 98})
    assert client.get(kids, headers=READ).json()["chest"] == 62.0
    assert client.get(PATH, headers=READ).json()["chest"] == 98.0
    _grant(client, False)  # the account's withdrawal deletes every profile's
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(FitProfile)) == 0


def test_order_measurements_for_made_to_measure_products(client: TestClient,
                                                         shop: Runtime) -> None:
    with shop.session() as session:
        assert is_made_to_measure("coat", session=session)
        assert not is_made_to_measure("tee", session=session)
        # Checkout asks the catalogue snapshot instead, with no read per cart line.
        index, _model = shop.recommender.snapshot(session)
        assert is_made_to_measure("coat", index=index, settings=shop.settings)
        assert not is_made_to_measure("tee", index=index, settings=shop.settings)
        assert not is_made_to_measure("nowhere", index=index, settings=shop.settings)
        assert order_measurements(session, customer_id="c1", product_id="tee",
                                  settings=shop.settings) is None
        with pytest.raises(Conflict) as no_consent:
            order_measurements(session, customer_id="c1", product_id="coat",
                               settings=shop.settings)
        assert no_consent.value.slug == "fit-consent-required"
    _grant(client)
    client.put(PATH, headers=INGEST, json={"chest": 98, "fit": "slim"})
    with shop.session() as session:
        with pytest.raises(Conflict) as missing:
            order_measurements(session, customer_id="c1", product_id="coat",
                               settings=shop.settings)
        assert missing.value.slug == "measurements-missing"
        assert [e.loc for e in missing.value.errors] == [("measurements", "waist"),
                                                         ("measurements", "height")]
    client.put(PATH, headers=INGEST, json={"chest": 98, "waist": 84, "height": 182,
                                           "fit": "slim"})
    with shop.session() as session:
        snapshot = order_measurements(session, customer_id="c1", product_id="coat",
                                      settings=shop.settings)
    assert snapshot is not None
    assert snapshot["measurements"] == {"chest": 98.0, "waist": 84.0, "height": 182.0}
    assert snapshot["fit"] == "slim" and snapshot["chart_id"] == "tailored-coats"
