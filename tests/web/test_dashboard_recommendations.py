"""The recommendation statistics page: a period form (the last 28 days by default, each
wrong field named beside it in the staff member's language), impressions and clicks over
time, and per placement and per reason every count and rate, worded and formatted for the
language, never a raw code; an empty period says so."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prefero.analytics.counts import add_counts
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.events.models import Event
from prefero.runtime import Runtime
from prefero.web.dashboard.recommendations import DEFAULT_DAYS
from staff_accounts import staff_browser

PAGE = "/dashboard/recommendations"


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    return staff_browser(client, runtime, "ola@shop.example", "read_only")


def _today() -> date:
    return utcnow().date()


def _seed(runtime: Runtime) -> tuple[date, date]:
    """Two days of counts ending yesterday, and one consenting customer's click that led to
    a purchase of two units at 10.25."""
    d2 = _today() - timedelta(days=1)
    d1 = d2 - timedelta(days=1)
    at = datetime.combine(d1, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    with runtime.session(write=True) as session:
        add_counts(session, {(d1, "home", "trending"): (1500, 40),
                             (d2, "home", "trending"): (500, 10),
                             (d1, "product", "similar"): (400, 2),
                             (d1, "home", "popular"): (100, 0)})
        ensure_customers(session, {"c1": False})
        session.add_all([
            Event(customer_id="c1", type="rec_click", product_id="p1", placement="home",
                  reason="trending", occurred_at=at),
            Event(customer_id="c1", type="add_to_cart", product_id="p1",
                  occurred_at=at + timedelta(hours=1)),
            Event(customer_id="c1", type="purchase", product_id="p1", quantity=2,
                  price=Decimal("10.25"), occurred_at=at + timedelta(hours=2))])
    return d1, d2


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def _figure(html: str, key: str) -> str:
    section = html[html.index(f'id="fig-{key}"'):]
    return section[:section.index("</section>")]


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def test_the_last_28_days_by_default_and_an_empty_period_says_so(
        web: TestClient) -> None:
    answer = web.get(PAGE)
    assert answer.status_code == 200
    html = answer.text
    assert _value(html, "end") == _today().isoformat()
    assert _value(html, "start") == (_today() - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    assert "No recommendations served in these days." in html
    assert "<svg" not in html


def test_counts_and_rates_per_placement_and_reason_in_english(
        web: TestClient, runtime: Runtime) -> None:
    _seed(runtime)
    html = web.get(PAGE).text
    summary = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert summary == {"Impressions": "2,500", "Clicks": "52", "Click-through rate": "2.1%",
                       "Bought after a click": "1", "Revenue after a click": "PLN\xa020.50"}
    placements = _cells(_figure(html, "placements"))
    assert placements[0][:3] == ["Placement", "Impressions", "Clicks"]
    assert ["Home page", "2,100", "50", "2.4%", "1", "1", "100%", "1", "100%",
            "PLN\xa020.50"] in placements
    assert ["Product page", "400", "2", "0.5%", "0", "0", "–", "0", "–",
            "PLN\xa00.00"] in placements
    reasons = _cells(_figure(html, "reasons"))
    assert [row[0] for row in reasons[1:]] == ["Trending", "Similar product",
                                                "Popular in its category"]
    over_time = _cells(_figure(html, "over-time"))
    assert over_time[0] == ["Day", "Impressions", "Clicks", "Click-through rate"]
    assert len(over_time) == 1 + DEFAULT_DAYS
    assert over_time[-3][1:] == ["2,000", "42", "2.1%"]  # every placement's
    assert over_time[-2][1:] == ["500", "10", "2%"]
    assert over_time[-1][1:] == ["0", "0", "–"]  # today: nothing yet
    # Rates after a click are explained, with how many clicks they are among.
    assert "(1 of the 52 clicks in these days)" in html
    for raw in (">trending<", ">similar<", ">home<", ">None<", "e+"):
        assert raw not in html, raw


def test_in_polish_numbers_labels_and_words_are_polish(web: TestClient,
                                                       runtime: Runtime) -> None:
    _seed(runtime)
    web.cookies.set("lang", "pl")
    html = web.get(PAGE).text
    assert '<html lang="pl">' in html
    placements = _cells(_figure(html, "placements"))
    home = next(row for row in placements if row[1] == "2\xa0100")
    assert home[0] not in ("Home page", "home")
    assert home[3] == "2,4%" and home[-1] == "20,50\xa0zł"
    assert "Trending" not in [row[0] for row in _cells(_figure(html, "reasons"))]
    for english in ("Impressions", "Clicks", "Click-through rate", "Per placement",
                    "First day", "All placements"):
        assert f">{english}<" not in html, english


def test_a_placement_shows_only_its_own(web: TestClient, runtime: Runtime) -> None:
    _seed(runtime)
    html = web.get(PAGE, params={"placement": "product"}).text
    assert [row[0] for row in _cells(_figure(html, "placements"))[1:]] == ["Product page"]
    assert '<option value="product" selected>' in html
    assert dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))["Impressions"] == "400"


def test_a_long_period_is_drawn_by_week_then_by_month(web: TestClient,
                                                     runtime: Runtime) -> None:
    _first, d2 = _seed(runtime)
    weeks = web.get(PAGE, params={"start": (d2 - timedelta(days=59)).isoformat(),
                                  "end": d2.isoformat()}).text
    rows = _cells(_figure(weeks, "over-time"))
    assert rows[0][0] == "Period" and 9 <= len(rows) - 1 <= 10
    assert all(row[0].startswith("Week from ") for row in rows[1:])
    assert sum(int(row[1].replace(",", "")) for row in rows[1:]) == 2500
    months = web.get(PAGE, params={"start": (d2 - timedelta(days=300)).isoformat(),
                                   "end": d2.isoformat()}).text
    rows = _cells(_figure(months, "over-time"))
    assert 10 <= len(rows) - 1 <= 11
    assert sum(int(row[1].replace(",", "")) for row in rows[1:]) == 2500


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"start": "2026-02-30"}, "start", "Enter a day as year-month-day, such as "),
    ({"end": "yesterday"}, "end", "Enter a day as year-month-day, such as "),
    ({"start": "2026-11-20", "end": "2026-11-01"}, "start",
     "The first day must not be after the last day."),
    ({"start": "2020-01-01", "end": "2026-01-01"}, "end", "Choose at most 366 days at once."),
    ({"start": "9999-12-30", "end": "9999-12-31"}, "start", "Choose a day from "),
    ({"placement": "sidebar"}, "placement", "Choose one of the listed placements."),
])
def test_a_wrong_field_is_named_beside_it(web: TestClient, runtime: Runtime,
                                          query: dict[str, str], field: str,
                                          message: str) -> None:
    _seed(runtime)
    answer = web.get(PAGE, params=query)
    assert answer.status_code == 422
    html = answer.text
    error = re.search(rf'<p class="field-error" id="period-{field}-error">(.*?)</p>', html)
    assert error and error.group(1).startswith(message), html
    opening = re.search(rf'<(?:input|select) id="period-{field}"[^>]*>', html)
    assert opening and 'aria-invalid="true"' in opening.group(0)
    assert f'aria-describedby="period-{field}-error"' in opening.group(0)
    # What was typed is shown again; nothing is counted for a wrong period.
    for name, typed in query.items():
        if name != "placement":
            assert _value(html, name) == typed
    assert "<svg" not in html and "<dl class=\"summary\">" not in html


def test_a_wrong_field_in_polish(web: TestClient) -> None:
    web.cookies.set("lang", "pl")
    html = web.get(PAGE, params={"start": "2026-11-20", "end": "2026-11-01"}).text
    error = re.search(r'id="period-start-error">(.*?)</p>', html)
    assert error and error.group(1) != "The first day must not be after the last day."


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.one_of(st.none(), st.text(max_size=12), st.dates().map(date.isoformat)),
       end=st.one_of(st.none(), st.text(max_size=12), st.dates().map(date.isoformat)),
       placement=st.one_of(st.none(), st.text(max_size=10),
                           st.sampled_from(["home", "cart", "other"])))
def test_any_form_is_answered_with_the_page_never_an_error(
        web: TestClient, start: str | None, end: str | None, placement: str | None) -> None:
    params = {name: value for name, value in
              (("start", start), ("end", end), ("placement", placement)) if value is not None}
    answer = web.get(PAGE, params=params)
    assert answer.status_code in (200, 422)
    html = answer.text
    assert "<h1>Recommendations</h1>" in html
    if answer.status_code == 422:
        assert 'class="field-error"' in html or 'class="form-error"' in html
    else:
        assert "From " in html and "in UTC days." in html
