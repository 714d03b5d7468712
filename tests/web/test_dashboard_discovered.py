"""The discovered segments page: the groups found in the planted shop, how their number was
chosen and how stable they are in words, each group's name, size, share, what sets it apart
and its rule with precision and recall; marketers and administrators save a group as a rule
segment under a key they choose (checked, audited under their name), a read-only account
sees no form and is refused."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from factories import customer
from planted_segments import PlantedShop, plant
from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime
from prefero.segments.discovery import discover
from prefero.segments.models import Segment, SegmentMember
from staff_accounts import staff_browser
from webforms import origin, token_in

PAGE = "/dashboard/discovered"
SAVE = "/dashboard/discovered/save"


@pytest.fixture
def planted(runtime: Runtime) -> PlantedShop:
    with runtime.session(write=True) as session:
        return plant(session)


def _listing(runtime: Runtime, language: str = "en") -> tuple[str, dict[str, int]]:
    """The data revision and each group's number by its name, as the service finds them."""
    with runtime.session() as session:
        found = discover(session, settings=runtime.settings, schema=runtime.facet_schema,
                         labels={}, language=language)
    return found.revision, {c.name: c.number for c in found.clusters}


def _vegan(runtime: Runtime) -> int:
    return next(number for name, number in _listing(runtime)[1].items()
                if "Diet: vegan" in name)


def _group(html: str, number: int) -> str:
    section = html[html.index(f'<section class="group" aria-labelledby="group-{number}">'):]
    return section[:section.index("</section>")]


def _save(web: TestClient, page: str, **fields: str) -> object:
    return web.post(SAVE, data={"csrf_token": token_in(page), **fields},
                    headers={"Origin": origin(web)}, follow_redirects=False)


def _segments(runtime: Runtime) -> list[str]:
    with runtime.session() as session:
        return list(session.scalars(select(Segment.key)))


def _entries(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_groups_with_their_words_and_numbers(client: TestClient, runtime: Runtime,
                                                 planted: PlantedShop) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    html = web.get(PAGE).text
    assert "<h2 id=\"how-heading\">3 groups</h2>" in html
    assert ("Of the numbers of groups from 2 to 12 that come out the same whatever the random "
            "start, this one sets the groups most clearly apart.") in html
    assert "Very stable: runs with other random starts find nearly the same groups." in html
    assert re.search(r"Agreement between 5 runs \(adjusted Rand index, where 1 means the same "
                     r"groups\): \d\.\d\d on average, \d\.\d\d at the lowest\.", html)
    summary = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert summary["Left out: no consent, or personalization off"] == "8"
    vegan = _group(html, _vegan(runtime))
    heading = re.search(r"<h2 [^>]*>(.*?)</h2>", vegan)
    assert heading and "Diet: vegan" in heading.group(1)
    assert re.search(r"\d+ customers · \d+(\.\d)?% of those grouped", vegan)
    assert re.search(r"<li>\d+% like Diet: vegan vs \d+% of all</li>", vegan)
    assert "Customers who declared: <strong>" in vegan
    assert re.search(r"It selects \d+ customers now: \d+(\.\d)?% of them are in this group "
                     r"\(precision\), and it finds \d+(\.\d)?% of the group \(recall\)\.", vegan)
    # The chart of the groups' sizes has its table.
    assert '<section class="figure" aria-labelledby="fig-groups">' in html
    for raw in (">true<", "like:", "'type'", "&#39;type", ">None<", "declared_like"):
        assert raw not in html, raw
    # Read only: no way to save.
    assert SAVE not in html


def test_in_polish(client: TestClient, runtime: Runtime, planted: PlantedShop) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    web.cookies.set("lang", "pl")
    html = web.get(PAGE).text
    assert "<h2 id=\"how-heading\">3 grupy</h2>" in html
    assert "Dieta: wegańska" in html
    for english in ("Very stable", "What sets it apart", "Proposed rule", "Save as segment",
                    "customers ·", "Customers who declared"):
        assert english not in html, english


def test_a_marketer_saves_a_group_as_a_segment(client: TestClient, runtime: Runtime,
                                               planted: PlantedShop) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get(PAGE).text
    number = _vegan(runtime)
    assert f'name="cluster" value="{number}"' in page
    revision, _ = _listing(runtime)
    answer = _save(web, page, key="vegan-eco", cluster=str(number), revision=revision)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE}?saved=vegan-eco"
    after = web.get(answer.headers["location"]).text
    assert re.search(r'<p class="flash">Saved as the segment “[^”]*Diet: vegan[^”]*” '
                     r"\(key vegan-eco\)\.</p>", after)
    # The segments page has the new segment: the page links to it.
    link = re.search(r'<a href="(/dashboard/segments/vegan-eco)">Open the segment “[^”]+”</a>',
                     after)
    assert link and web.get(link.group(1)).status_code == 200
    with runtime.session() as session:
        members = set(session.scalars(
            select(SegmentMember.customer_id).join(Segment).where(Segment.key == "vegan-eco")))
    assert len(members & planted.groups["vegan"]) >= 25
    assert not members & (planted.withdrawn | planted.level_off)
    (entry,) = _entries(runtime, "segment.create")
    assert (entry.actor, entry.target) == ("staff:ola@shop.example", "vegan-eco")


@pytest.mark.parametrize(("key", "message"), [
    ("", "Use lowercase letters and digits"),
    ("Vegan Eco", "Use lowercase letters and digits"),
    ("x" * 65, "Use lowercase letters and digits"),
    ("discovered", "This key is a word the shop's addresses use"),
])
def test_a_wrong_key_is_named_beside_its_field_and_nothing_is_saved(
        client: TestClient, runtime: Runtime, planted: PlantedShop, key: str,
        message: str) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "admin")
    page = web.get(PAGE).text
    number = _vegan(runtime)
    answer = _save(web, page, key=key, cluster=str(number), revision=_listing(runtime)[0])
    assert answer.status_code == 422
    form = _group(answer.text, number)
    error = re.search(rf'<p class="field-error" id="key-{number}-error">(.*?)</p>', form)
    assert error and html.unescape(error.group(1)).startswith(message)
    field = re.search(rf'<input id="key-{number}"[^>]*>', form)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert f"key-{number}-error" in field.group(0)
    assert _segments(runtime) == [] and _entries(runtime, "segment.create") == []


def test_a_taken_key_or_changed_data_saves_nothing(client: TestClient, runtime: Runtime,
                                                   planted: PlantedShop) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get(PAGE).text
    number = _vegan(runtime)
    revision, _ = _listing(runtime)
    assert _save(web, page, key="vegan-eco", cluster=str(number),
                 revision=revision).status_code == 303
    taken = _save(web, page, key="vegan-eco", cluster=str(number), revision=revision)
    assert taken.status_code == 422
    assert "Another segment has this key." in _group(taken.text, number)
    # Someone declares something: the listing the form came from is out of date.
    with runtime.session(write=True) as session:
        customer(session, "newcomer", likes=[("diet", "vegan", 1.0), ("eco", "true", 1.0)])
    stale = _save(web, page, key="vegan-two", cluster=str(number), revision=revision)
    assert stale.status_code == 422
    assert "changed since the page was shown" in stale.text
    assert _segments(runtime) == ["vegan-eco"]
    assert len(_entries(runtime, "segment.create")) == 1


@pytest.mark.parametrize("cluster", ["", "0", "99", "-1", "x", "²", "1" * 40])
def test_a_group_that_is_not_listed_saves_nothing(client: TestClient, runtime: Runtime,
                                                  planted: PlantedShop, cluster: str) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get(PAGE).text
    answer = _save(web, page, key="fine-key", cluster=cluster, revision=_listing(runtime)[0])
    assert answer.status_code == 422
    assert "This group is no longer there or has no rule to save." in answer.text
    assert _segments(runtime) == []


def test_a_read_only_account_is_refused(client: TestClient, runtime: Runtime,
                                        planted: PlantedShop) -> None:
    web = staff_browser(client, runtime, "ro@shop.example", "read_only")
    page = web.get(PAGE).text
    answer = _save(web, page, key="vegan-eco", cluster=str(_vegan(runtime)),
                   revision=_listing(runtime)[0])
    assert answer.status_code == 403
    assert _segments(runtime) == [] and _entries(runtime, "segment.create") == []


def test_too_few_customers_say_so(client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    with runtime.session(write=True) as session:
        customer(session, "only-one", likes=[("diet", "vegan", 1.0), ("eco", "true", 1.0)])
    html = web.get(PAGE).text
    assert "Too few customers have declared enough for groups to be found yet." in html
    assert SAVE not in html


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(max_size=80), cluster=st.text(max_size=4))
def test_any_form_saves_only_a_valid_key_of_a_listed_group(
        client: TestClient, runtime: Runtime, planted: PlantedShop, key: str,
        cluster: str) -> None:
    web = client
    if client.get(PAGE, follow_redirects=False).status_code != 200:  # the first example
        web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get(PAGE).text
    with runtime.session() as session:
        before = int(session.scalar(select(func.count()).select_from(Segment)) or 0)
    answer = _save(web, page, key=key, cluster=cluster, revision=_listing(runtime)[0])
    assert answer.status_code in (303, 422)
    with runtime.session() as session:
        after = int(session.scalar(select(func.count()).select_from(Segment)) or 0)
    valid = re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", key.strip()) is not None
    assert after - before == (1 if answer.status_code == 303 else 0)
    if answer.status_code == 303:
        assert valid and len(key.strip()) <= 64 and re.fullmatch("[0-9]+", cluster)


def test_a_shop_with_all_the_segments_it_may_keep_is_told_so(
        client: TestClient, runtime: Runtime, planted: PlantedShop,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("prefero.segments.service.MAX_SEGMENTS", 1)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get(PAGE).text
    revision, numbers = _listing(runtime)
    first, second = sorted(numbers.values())[:2]
    assert _save(web, page, key="one", cluster=str(first), revision=revision).status_code == 303
    full = _save(web, page, key="two", cluster=str(second), revision=revision)
    assert full.status_code == 422
    assert "The shop keeps at most 500 segments: delete one first." in full.text
    assert _segments(runtime) == ["one"]
