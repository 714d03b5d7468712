"""The preference center's time zone: a labelled picker of places grouped by region, in the
page's language; what is saved is shown back selected and used by the profile, the empty
choice clears it, a name that is no time zone is refused next to the field and changes
nothing, and every change is audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from prefero.audit.models import AuditEntry
from prefero.customers.models import Customer
from prefero.customers.schemas import is_time_zone
from prefero.runtime import Runtime
from webforms import me, shopper, submit

PAGE = "/preferences"
FORM = f"{PAGE}/timezone"


@pytest.fixture
def web(client: TestClient) -> TestClient:
    return shopper(client)


def stored(runtime: Runtime, cid: str) -> str | None:
    with runtime.session() as s:
        return s.scalar(select(Customer.time_zone).where(Customer.id == cid))


def selected(html: str) -> list[tuple[str, str]]:
    """The (value, label) of each selected option of the time-zone picker."""
    picker = re.search(r'<select id="time-zone" name="time_zone".*?</select>', html, re.S)
    assert picker, "the page has no time-zone picker"
    return re.findall(r'<option value="([^"]*)" selected>([^<]*)</option>', picker.group(0))


def choose(web: TestClient, zone: str, **kwargs: Any) -> Any:
    return submit(web, FORM, {"time_zone": zone}, follow_redirects=False, **kwargs)


def test_the_picker_is_labelled_grouped_and_starts_unset(web: TestClient) -> None:
    html = web.get(PAGE).text
    assert '<label for="time-zone">Where you are (time zone)</label>' in html
    assert 'aria-describedby="time-zone-hint"' in html and 'id="time-zone-hint"' in html
    assert '<a href="#timezone">Time zone</a>' in html
    assert selected(html) == [("", "Not set (the shop&#39;s time zone)")]
    assert '<optgroup label="Europe">' in html
    assert '<option value="Europe/Warsaw" >Warsaw (Poland)</option>' in html
    # Aliases and the backwards-signed Etc zones are not offered, one place once.
    assert 'value="Asia/Calcutta"' not in html and 'value="Etc/GMT+5"' not in html
    assert html.count('value="Asia/Kolkata"') == 1


def test_a_zone_is_saved_shown_back_selected_and_cleared(runtime: Runtime,
                                                         web: TestClient) -> None:
    cid = me(web)
    answer = choose(web, "America/Argentina/Buenos_Aires")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE}#timezone"
    assert stored(runtime, cid) == "America/Argentina/Buenos_Aires"
    html = web.get(PAGE).text
    assert "Time zone: Buenos Aires (Argentina)." in html
    assert selected(html) == [("America/Argentina/Buenos_Aires", "Buenos Aires (Argentina)")]
    assert "Your time zone: <strong>Buenos Aires (Argentina)</strong>" in html

    assert choose(web, "").status_code == 303
    assert stored(runtime, cid) is None
    html = web.get(PAGE).text
    assert "Time zone cleared: the shop&#39;s time zone applies." in html
    assert selected(html)[0][0] == ""
    with runtime.session() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(
            AuditEntry.target == cid).order_by(AuditEntry.id))]
    assert actions == ["preferences.write", "preferences.write"]


def test_the_zone_keeps_the_rest_of_the_profile(runtime: Runtime, web: TestClient) -> None:
    cid = me(web)
    submit(web, f"{PAGE}/level", {"level": "declared"}, follow_redirects=False)
    choose(web, "Asia/Tokyo")
    with runtime.session() as s:
        row = s.scalars(select(Customer).where(Customer.id == cid)).one()
        assert (row.level, row.time_zone, row.exploration) == ("declared", "Asia/Tokyo", False)


def test_the_polish_page_names_places_in_polish(runtime: Runtime, web: TestClient) -> None:
    web.cookies.set("lang", "pl")
    choose(web, "Europe/Warsaw")
    html = web.get(PAGE).text
    assert '<label for="time-zone">Gdzie jesteś (strefa czasowa)</label>' in html
    assert '<optgroup label="Europa">' in html
    assert selected(html) == [("Europe/Warsaw", "Warszawa (Polska)")]
    assert "Strefa czasowa: Warszawa (Polska)." in html
    assert "Europe/Warsaw<" not in html  # the stored name is never shown as text


def test_a_zone_set_elsewhere_as_an_alias_is_shown_back(runtime: Runtime,
                                                        web: TestClient) -> None:
    """The API takes any IANA name ("US/Eastern"); the page offers it so as not to lose it."""
    cid = me(web)
    choose(web, "Asia/Tokyo")
    with runtime.session(write=True) as s:
        s.scalars(select(Customer).where(Customer.id == cid)).one().time_zone = "US/Eastern"
    assert selected(web.get(PAGE).text) == [("US/Eastern", "New York (United States)")]


@pytest.mark.parametrize("zone", ["Europe/Atlantis", "europe/warsaw", "Mars/Olympus",
                                  "<b>Warsaw</b>"])
def test_a_name_that_is_no_zone_is_refused_and_changes_nothing(
        runtime: Runtime, web: TestClient, zone: str) -> None:
    cid = me(web)
    choose(web, "Asia/Tokyo")
    refused = choose(web, zone)
    assert refused.status_code == 422
    assert re.search(r'<p class="pc-error" id="time-zone-error">Choose a time zone '
                     r'from the list.</p>', refused.text)
    assert 'aria-describedby="time-zone-error time-zone-hint"' in refused.text
    assert "<b>Warsaw</b>" not in refused.text
    assert stored(runtime, cid) == "Asia/Tokyo"
    # htmx swaps 2xx answers only: the same message comes as 200.
    assert choose(web, zone, headers={"HX-Request": "true"}).status_code == 200
    assert stored(runtime, cid) == "Asia/Tokyo"


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.one_of(st.sampled_from(["UTC", "Europe/Warsaw", "US/Eastern", " ", "",
                                        "Etc/GMT+5", "Europe/Warsaw\x00"]),
                       st.text(max_size=70)))
def test_whatever_is_posted_a_valid_zone_is_stored_or_nothing_changes(
        runtime: Runtime, web: TestClient, typed: str) -> None:
    cid = me(web)
    choose(web, "Asia/Tokyo")
    answer = choose(web, typed)
    assert answer.status_code in (303, 422), answer.text
    now = stored(runtime, cid)
    if answer.status_code == 303:
        assert now == (typed.strip() or None)
        assert now is None or is_time_zone(now)
    else:
        assert now == "Asia/Tokyo"
