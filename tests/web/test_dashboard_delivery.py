"""The console's delivery windows page: the upcoming windows grouped by day on the shop's
clock (method, pick-up point, hours, price, green round, capacity, booked, how full), in
English and Polish; a marketer changes one window's capacity through the delivery service
(never below the orders booked: the problem shown beside that window, nothing changed,
nothing audited); a read-only account sees no form and is refused. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prefero.audit.models import AuditEntry
from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryWindow
from prefero.delivery.schemas import WindowIn, WindowsIn
from prefero.delivery.service import book, replace_windows
from prefero.runtime import Runtime
from staff_accounts import staff_browser
from webforms import origin, page_token, submit

PAGE = "/dashboard/delivery"
CAPACITY = "/dashboard/delivery/capacity"
ZONE = "Europe/Warsaw"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"content_time_zone": ZONE})


def _day_after_tomorrow() -> datetime:
    """17:00 UTC two days ahead: 18:00 in Warsaw in winter, 19:00 in summer."""
    day = (utcnow() + timedelta(days=2)).date()
    return datetime(day.year, day.month, day.day, 17, tzinfo=UTC)


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    start = _day_after_tomorrow()
    windows = [
        WindowIn(id="evening-home", method="home", starts_at=start,
                 ends_at=start + timedelta(hours=3), capacity=4, price=Decimal("9.99"),
                 currency="PLN", green=True),
        WindowIn(id="evening-pickup", method="pickup", pickup_point_id="centre",
                 pickup_point_name="Centre kiosk", starts_at=start + timedelta(hours=1),
                 ends_at=start + timedelta(hours=2), capacity=2, price=Decimal("0"),
                 currency="PLN"),
        WindowIn(id="next-morning", method="home", starts_at=start + timedelta(hours=16),
                 ends_at=start + timedelta(hours=19), capacity=10, price=Decimal("14.50"),
                 currency="PLN"),
    ]
    with runtime.session(write=True) as session:
        replace_windows(session, WindowsIn(windows=windows), now=utcnow())
    for i in range(2):
        with runtime.session(write=True) as session:
            book(session, customer_id=f"c{i}", window_id="evening-pickup", order_id=f"o{i}")
    with runtime.session(write=True) as session:
        book(session, customer_id="c9", window_id="evening-home", order_id="o9")
    return runtime


def _capacity(runtime: Runtime, wid: str) -> int:
    with runtime.session() as session:
        row = session.get(DeliveryWindow, wid)
        assert row is not None
        return row.capacity


def _audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("delivery.window"))
            .order_by(AuditEntry.id))]


def _row(html: str, wid: str) -> str:
    return html.split(f"<code>{wid}</code>")[1].split("</tr>")[0]


def test_windows_are_grouped_by_day_on_the_shops_clock(client: TestClient,
                                                       shop: Runtime) -> None:
    web = staff_browser(client, shop, "ro@shop.example", "read_only")
    html = unescape(web.get(PAGE).text)
    headings = re.findall(r'<h2 id="day-[^"]+">([^<]+)</h2>', html)
    assert len(headings) == 2  # the evening's two windows, then the next morning's
    assert html.index("evening-home") < html.index("evening-pickup") < html.index(
        "next-morning")
    home = _row(html, "evening-home")
    assert "Delivery to your door" in home and "PLN\xa09.99" in home and "Yes" in home
    assert re.search(r'<meter min="0" max="4" value="1"', home)
    assert "25%" in home
    pickup = _row(html, "evening-pickup")
    assert "Pick-up point" in pickup and "Centre kiosk" in pickup
    assert "100%" in pickup and "No places left" in pickup
    assert "Warsaw (Poland)" in html
    # Read-only: the capacity is shown, no form.
    assert f'action="{CAPACITY}"' not in html
    for raw in (">home<", ">pickup<", ">True<", ">true<", "centre<"):
        assert raw not in html


def test_the_page_reads_in_polish(client: TestClient, shop: Runtime) -> None:
    web = staff_browser(client, shop, "pl@shop.example", "marketer")
    html = unescape(web.get(PAGE, headers={"Accept-Language": "pl"}).text)
    assert "Okna dostaw" in html and "Pojemność" in html and "Zapełnienie" in html
    assert "Punkt odbioru" in _row(html, "evening-pickup")
    assert "9,99\xa0zł" in _row(html, "evening-home")
    for english in ("Capacity", "How full", "Booked", "Delivery to your door", "Save"):
        assert english not in html


def test_a_marketer_changes_a_capacity(client: TestClient, shop: Runtime) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    answer = submit(web, CAPACITY, {"window_id": "evening-home", "capacity": "12"}, page=PAGE,
                    follow_redirects=False)
    assert answer.status_code == 303
    assert _capacity(shop, "evening-home") == 12
    assert "now takes 12 orders" in unescape(web.get(PAGE).text)
    assert _audit(shop) == [("staff:mk@shop.example", "delivery.window.capacity",
                             "evening-home")]
    # Down to exactly the booked count is allowed.
    submit(web, CAPACITY, {"window_id": "evening-pickup", "capacity": "2"}, page=PAGE)
    assert _capacity(shop, "evening-pickup") == 2


@pytest.mark.parametrize(("capacity", "status", "message"), [
    ("1", 409, "2 orders are booked in this window already: enter at least 2."),
    ("many", 422, "Enter a whole number from 0 to 1,000,000."),
    ("-3", 422, "Enter a whole number from 0 to 1,000,000."),
    ("2000000", 422, "Enter a whole number from 0 to 1,000,000."),
])
def test_a_wrong_capacity_is_named_beside_its_window_and_nothing_changes(
        client: TestClient, shop: Runtime, capacity: str, status: int, message: str) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    answer = submit(web, CAPACITY, {"window_id": "evening-pickup", "capacity": capacity},
                    page=PAGE)
    assert answer.status_code == status
    row = _row(unescape(answer.text), "evening-pickup")
    found = re.search(r'<p class="field-error" id="(cap-[\d-]+)-error">([^<]+)</p>', row)
    assert found and found.group(2) == message
    assert f'aria-describedby="{found.group(1)}-error"' in row
    assert f'value="{capacity}"' in row  # what was typed stays in the field
    assert _capacity(shop, "evening-pickup") == 2
    assert _audit(shop) == []


def test_a_window_that_is_gone_is_said_so(client: TestClient, shop: Runtime) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    for unknown in ("nope", "no\x00pe", "x" * 101, ""):
        answer = submit(web, CAPACITY, {"window_id": unknown, "capacity": "3"}, page=PAGE)
        assert answer.status_code == 404
        assert "There is no such delivery window any more" in answer.text


def test_a_read_only_account_and_a_missing_token_are_refused(client: TestClient,
                                                             shop: Runtime) -> None:
    web = staff_browser(client, shop, "ro@shop.example", "read_only")
    token = page_token(web, PAGE)
    answer = web.post(CAPACITY, data={"window_id": "evening-home", "capacity": "9",
                                      "csrf_token": token}, headers={"Origin": origin(web)})
    assert answer.status_code == 403
    assert _capacity(shop, "evening-home") == 4


def test_a_write_without_the_csrf_token_changes_nothing(client: TestClient,
                                                        shop: Runtime) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    answer = web.post(CAPACITY, data={"window_id": "evening-home", "capacity": "9"},
                      headers={"Origin": origin(web)})
    assert answer.status_code == 403
    assert _capacity(shop, "evening-home") == 4
