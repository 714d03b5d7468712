"""GET/PUT /v1/customers/{id}/message-terms and GET /v1/customers/{id}/messages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from prefero.messaging.kinds import TRIGGERS


def _put(client: TestClient, body: dict[str, Any], cid: str = "c1") -> Any:
    return client.put(f"/v1/customers/{cid}/message-terms", json=body)


def test_defaults_then_a_change_is_answered_in_force(client: TestClient) -> None:
    assert client.get("/v1/customers/nobody/message-terms").status_code == 404
    answer = _put(client, {"triggers": {"abandoned_cart": True}, "daily_cap": 2,
                           "channel_caps": {"email": 0}, "quiet_hours": None,
                           "send_time": "18:30", "locale": "pl"})
    assert answer.status_code == 200, answer.text
    terms = answer.json()
    assert terms == client.get("/v1/customers/c1/message-terms").json()
    on = {t["trigger"]: t["on"] for t in terms["triggers"]}
    assert len(on) == len(TRIGGERS) and on["abandoned_cart"] and on["price_drop"]
    assert not on["quiz_follow_up"]  # the shop's default, untouched
    email = next(c for c in terms["channels"] if c["channel"] == "email")
    assert (email["cap"], email["purpose"], email["consented"]) == (0, "marketing_email", False)
    assert (terms["daily_cap"], terms["quiet_hours"], terms["send_time"], terms["locale"]) == (
        2, None, "18:30", "pl")
    assert client.get("/v1/customers/c1/messages").json() == {"customer_id": "c1",
                                                              "items": []}


@pytest.mark.parametrize(("body", "loc"), [
    ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, ["body", "quiet_hours", "start"]),
    ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, ["body", "quiet_hours", "end"]),
    ({"daily_cap": -1}, ["body", "daily_cap"]),
    ({"daily_cap": 1000}, ["body", "daily_cap"]),
    ({"channel_caps": {"email": 99}}, ["body", "channel_caps"]),
    ({"triggers": {"spam": True}}, ["body", "triggers", "spam", "[key]"]),
    ({"channels": {"carrier_pigeon": True}}, ["body", "channels", "carrier_pigeon", "[key]"]),
    ({"send_time": "23:00"}, ["body", "send_time"]),  # inside the default quiet hours
    ({"locale": "de"}, ["body", "locale"]),
    ({"surprise": 1}, ["body", "surprise"]),
])
def test_bad_terms_are_refused_with_the_field_path_and_change_nothing(
        client: TestClient, body: dict[str, Any], loc: list[Any]) -> None:
    assert _put(client, {"daily_cap": 4}).status_code == 200
    answer = _put(client, body)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert loc in [error["loc"] for error in answer.json()["errors"]], answer.json()
    assert client.get("/v1/customers/c1/message-terms").json()["daily_cap"] == 4
