"""The configurators API on SQLite and PostgreSQL: definitions in the asked language,
evaluation, the customer's pre-selection, saved configurations (accepted only when they can
be ordered; 422 at the offending group otherwise), the customer's own token reaching only
their own, the data export and erasure, and the checkout's order line and stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from apikeys import INGEST_KEY, READ_KEY
from customer_tokens import bearer, token_for
from factories import add_products, consent, customer, product
from prefero.configurators import service
from prefero.configurators.models import OptionStock, SavedConfiguration
from prefero.errors import Conflict, NotFound
from prefero.runtime import Runtime

READ = {"X-API-Key": READ_KEY}
INGEST = {"X-API-Key": INGEST_KEY}
LAPTOP = "cfg-laptop-14"
DEFAULTS = {"processor": "core-i5", "memory": "ram-16", "storage": "ssd-512",
            "graphics": "integrated", "power": "w100", "case": "aluminium", "colour": "silver"}
SAVED = "/v1/customers/c1/configurations"


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [
            product(LAPTOP, category="Electronics > Computers > Laptops", price=3999),
            product("cfg-shirt", category="Fashion > Tops > Shirts", price=249, active=False),
        ])
    return runtime


def _save(client: TestClient, choices: dict[str, Any], **extra: Any) -> Any:
    return client.post(SAVED, json={"product_id": LAPTOP, "choices": choices, **extra},
                       headers=INGEST)


def test_definitions_are_listed_and_worded_in_the_asked_language(client: TestClient,
                                                                 shop: Runtime) -> None:
    listed = client.get("/v1/configurators", headers=READ)
    assert listed.status_code == 200, listed.text
    # The shirt's product is not on sale, so it is not offered.
    assert [item["product_id"] for item in listed.json()["items"]] == [LAPTOP]
    polish = client.get(f"/v1/configurators/{LAPTOP}", params={"lang": "pl"}, headers=READ)
    body = polish.json()
    assert body["title"] == "Laptop Prefero Build 14"
    memory = next(g for g in body["groups"] if g["key"] == "memory")
    assert memory["label"] == "Pamięć RAM"
    assert {o["key"]: o["stock"] for o in memory["options"]}["ram-64"] == 12
    english = client.get(f"/v1/configurators/{LAPTOP}",
                         headers={**READ, "Accept-Language": "en"}).json()
    assert english["groups"][0]["label"] == "Processor"
    missing = client.get("/v1/configurators/p-nothing", headers=READ)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_evaluate_answers_price_problems_and_why_options_are_unavailable(
        client: TestClient, shop: Runtime) -> None:
    answer = client.post(f"/v1/configurators/{LAPTOP}/evaluate?lang=pl", headers=READ,
                         json={"choices": {**DEFAULTS, "graphics": "rtx-4070",
                                           "case": "plastic", "engraving": "laser"}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["valid"] is False
    assert [(p["code"], p["loc"]) for p in body["problems"]] == [
        ("requires", ["choices", "graphics"]), ("excludes", ["choices", "engraving"])]
    assert Decimal(body["price"]) == Decimal("3999") + Decimal("2900") + Decimal("129")
    unavailable = {(u["group"], u["option"]): u["reasons"] for u in body["unavailable"]}
    assert unavailable[("power", "w100")][0]["because"] == ["graphics.rtx-4070"]
    assert body["delivery"]["days"] == 12
    # Choices it cannot read are problems in the answer, not a 422.
    odd = client.post(f"/v1/configurators/{LAPTOP}/evaluate", headers=READ,
                      json={"choices": {"wheels": "four"}})
    assert odd.status_code == 200
    assert odd.json()["problems"][0]["loc"] == ["choices", "wheels"]
    # The body itself is strict.
    strict = client.post(f"/v1/configurators/{LAPTOP}/evaluate", headers=READ,
                         json={"choices": {}, "colour": "red"})
    assert strict.status_code == 422


def test_saving_accepts_only_what_can_be_ordered(client: TestClient, shop: Runtime) -> None:
    refused = _save(client, {**DEFAULTS, "graphics": "rtx-4070", "memory": "ram-1tb"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in refused.json()["errors"]] == [
        ["body", "choices", "memory"], ["body", "choices", "graphics"]]
    assert client.get(SAVED, headers=READ).json()["items"] == []
    assert _save(client, DEFAULTS, product_id="p-nothing").status_code == 404

    saved = _save(client, {**DEFAULTS, "graphics": "rtx-4070", "power": "w240"},
                  name="Gaming")
    assert saved.status_code == 201, saved.text
    body = saved.json()
    assert (body["name"], Decimal(body["price"])) == ("Gaming", Decimal("7539.00"))
    listed = client.get(SAVED, headers=READ).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    one = client.get(f"{SAVED}/{body['id']}", headers=READ)
    assert one.status_code == 200 and one.json()["choices"]["power"] == "w240"
    assert client.delete(f"{SAVED}/{body['id']}", headers=INGEST).status_code == 204
    assert client.delete(f"{SAVED}/{body['id']}", headers=INGEST).status_code == 404
    assert client.get(f"{SAVED}/{body['id']}", headers=READ).status_code == 404
    # A read key may list but not change.
    assert client.post(SAVED, json={"product_id": LAPTOP, "choices": DEFAULTS},
                       headers=READ).status_code == 403


def test_a_customer_token_reaches_only_its_own_configurations(client: TestClient,
                                                              shop: Runtime) -> None:
    own = {**bearer(token_for(shop.settings, "c1")), "X-API-Key": ""}
    saved = client.post(SAVED, json={"product_id": LAPTOP, "choices": DEFAULTS}, headers=own)
    assert saved.status_code == 201, saved.text
    assert client.get(SAVED, headers=own).status_code == 200
    assert client.get(f"/v1/customers/c1/configurators/{LAPTOP}/defaults",
                      headers=own).status_code == 200
    assert client.get("/v1/customers/c2/configurations", headers=own).status_code == 403
    # Another customer's id for the same configuration answers like a missing one.
    assert client.get(f"/v1/customers/c2/configurations/{saved.json()['id']}",
                      headers=INGEST).status_code == 404
    # Definitions are the shop's pages' business (a key), not a customer's.
    assert client.get("/v1/configurators", headers=own).status_code in (401, 403)


def test_defaults_follow_the_customer_s_wishes_and_consent(client: TestClient,
                                                          shop: Runtime) -> None:
    with shop.session(write=True) as session:
        customer(session, "c1", never=[("brand", "intel")], budget_max=9000)
        customer(session, "c2", never=[("brand", "intel")], budget_max=9000)
        consent(session, "c2", "personalization", False)
    wished = client.get(f"/v1/customers/c1/configurators/{LAPTOP}/defaults?lang=pl",
                        headers=READ)
    assert wished.status_code == 200, wished.text
    body = wished.json()
    assert body["personalized"] is True and body["choices"]["processor"] == "ryzen-9"
    assert body["evaluation"]["valid"] and Decimal(body["evaluation"]["price"]) <= 9000
    assert {m["option"] for m in body["marked"]} == {"core-i5", "core-i7"}
    assert all(r["code"] == "within_budget" for r in body["reasons"])
    plain = client.get(f"/v1/customers/c2/configurators/{LAPTOP}/defaults",
                       headers=READ).json()
    assert plain["personalized"] is False and plain["choices"] == DEFAULTS
    assert plain["reasons"][0]["code"] == "consent_off"


def test_saved_configurations_are_exported_and_erased(client: TestClient,
                                                      shop: Runtime) -> None:
    assert _save(client, DEFAULTS).status_code == 201
    exported = client.get("/v1/customers/c1/data")  # the admin key
    assert exported.status_code == 200, exported.text
    [item] = exported.json()["configurations"]
    assert item["product_id"] == LAPTOP and item["choices"] == DEFAULTS
    assert client.delete("/v1/customers/c1").status_code == 200
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(SavedConfiguration)) == 0


def test_the_order_line_re_evaluates_and_stock_is_taken(client: TestClient,
                                                        shop: Runtime) -> None:
    choices = {**DEFAULTS, "memory": "ram-64", "storage": "ssd-2tb"}
    saved = _save(client, choices).json()
    with shop.session(write=True) as session:
        line = service.order_line(session, shop.configurators, customer_id="c1",
                                  configuration_id=saved["id"], language="pl")
        assert line.product_id == LAPTOP and line.unit_price == Decimal("6749.00")
        assert line.title.startswith("Laptop Prefero Build 14 (Intel Core i5 (10 rdzeni)")
        assert line.snapshot["total"] == "6749.00"
        assert line.snapshot["digest"] == shop.configurators.get(LAPTOP).digest  # type: ignore[union-attr]
        assert {"group": "memory", "group_label": "Pamięć RAM", "option": "ram-64",
                "label": "64 GB RAM", "price": "1400.00"} in line.snapshot["choices"]
        service.take_stock(session, shop.configurators, line.snapshot)
    with shop.session() as session:
        left = {(r.group_key, r.option_key): r.remaining
                for r in session.scalars(select(OptionStock))}
    assert left == {("memory", "ram-64"): 11, ("storage", "ssd-2tb"): 4}
    with shop.session(write=True) as session:
        session.execute(update(OptionStock).where(OptionStock.option_key == "ssd-2tb")
                        .values(remaining=0))
    with shop.session() as session:
        with pytest.raises(Conflict) as caught:
            service.order_line(session, shop.configurators, customer_id="c1",
                               configuration_id=saved["id"])
        assert [e.loc for e in caught.value.errors] == [("choices", "storage")]
        with pytest.raises(NotFound):
            service.order_line(session, shop.configurators, customer_id="c2",
                               configuration_id=saved["id"])
    # The page shows the option as sold out now.
    memory = client.get(f"/v1/configurators/{LAPTOP}", headers=READ).json()["groups"][2]
    assert {o["key"]: o["in_stock"] for o in memory["options"]}["ssd-2tb"] is False
