"""The storefront's home page shows the hero slot and the new-versus-returning block from
the same service, each explained, in English and Polish; the demo seeds both slots."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prefero.content.decisions import flush_decisions
from prefero.content.models import ContentDecision
from prefero.content.slots import list_slots
from prefero.demo.content import seed_content
from prefero.runtime import Runtime


def seed(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        assert seed_content(session, schema=runtime.facet_schema) == 2
        # Seeding again keeps what the shop has (here: the same slots), never duplicates.
        assert seed_content(session, schema=runtime.facet_schema) == 0
        assert [s.key for s in list_slots(session)] == ["home-hero", "home-welcome"]


def test_home_shows_the_hero_and_the_welcome_for_a_new_visitor(client: TestClient,
                                                               runtime: Runtime) -> None:
    seed(runtime)
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.text
    assert 'aria-labelledby="content-hero"' in html and "Shop the way you want" in html
    assert "New here? Take a two-minute quiz" in html
    assert "Shown because you are new here" in html
    assert "Shown to everyone (default)" in html
    # The hero comes before the product rows.
    assert html.index("content-hero") < html.index('id="row-')
    flush_decisions(runtime)
    with runtime.session() as session:
        assert sorted(row.slot_key for row in session.scalars(select(ContentDecision))) == [
            "home-hero", "home-welcome"]


def test_a_returning_visitor_is_welcomed_back_in_polish(
        client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(runtime)
    client.cookies.set("lang", "pl")
    first = client.get("/")
    assert "Pierwszy raz u nas?" in first.text
    assert "Pokazujemy, bo jesteś tu po raz pierwszy" in first.text
    # The session's first visit was long ago: the shop's own "returning".
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    later = client.get("/")
    monkeypatch.undo()
    assert "Witamy ponownie" in later.text
    assert "Pokazujemy, bo odwiedzasz nas nie po raz pierwszy" in later.text
    assert not re.search(r"\b(true|false|None)\b", later.text.split("<main", 1)[-1])
