"""The preference center's "Delivery" section: the wishes saved from the form (CSRF, 303
back to the section), shown back in the page's language, removed again; a tampered form
changes nothing."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from prefero.db.base import utcnow
from prefero.delivery.service import get_wishes
from prefero.runtime import Runtime
from webforms import me, shopper, submit


def _pickup_window(client: TestClient) -> None:
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    window = {"id": "p", "method": "pickup", "pickup_point_id": "centrum",
              "pickup_point_name": "Pick-up point Centrum", "starts_at": start.isoformat(),
              "ends_at": (start + timedelta(hours=8)).isoformat(), "capacity": 9,
              "price": "5.00", "currency": "PLN"}
    assert client.put("/v1/delivery/windows", json={"windows": [window]}).status_code == 200


def test_wishes_from_the_form_in_polish(client: TestClient, runtime: Runtime) -> None:
    _pickup_window(client)
    web = shopper(client)
    web.cookies.set("lang", "pl")
    page = web.get("/preferences")
    assert 'id="delivery"' in page.text and "Dni, które Ci odpowiadają" in page.text
    assert "Pick-up point Centrum" in page.text
    saved = submit(web, "/preferences/delivery",
                   {"weekdays": ["5", "6"], "hours": ["18-22"], "method": "pickup",
                    "pickup_point": "centrum", "speed": "green"},
                   follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("#delivery")
    with runtime.session() as session:
        wishes = get_wishes(session, me(web))
    assert wishes is not None
    assert (wishes.weekdays, [(r.start, r.end) for r in wishes.hours], wishes.method,
            wishes.pickup_point_id, wishes.speed) == ([5, 6], [(18, 22)], "pickup",
                                                      "centrum", "green")
    shown = web.get("/preferences").text
    assert "Sobota, Niedziela" in shown and "Wieczorem (18:00–22:00)" in shown
    assert "Punkt odbioru: Pick-up point Centrum" in shown
    assert "zostały zapisane" in shown

    tampered = submit(web, "/preferences/delivery", {"weekdays": ["9"], "method": "drone"})
    assert tampered.status_code == 422
    assert "Wybierz jedną z podanych możliwości." in tampered.text
    with runtime.session() as session:
        assert get_wishes(session, me(web)) == wishes

    cleared = submit(web, "/preferences/delivery", {"action": "clear"})
    assert cleared.status_code == 200  # followed to the page
    with runtime.session() as session:
        assert get_wishes(session, me(web)) is None
    assert "Nie masz jeszcze życzeń dotyczących dostawy" in cleared.text
