"""The dashboard's content slot editor: the slots with how often each variant was shown
lately, a slot's variants in order, creating and editing slots and variants, reordering,
deleting after a confirmation, the preview, and the rules around them: problems named beside
their fields in the page's language with nothing saved, every change audited under the
staff member's name, read-only accounts seeing no form."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select

from prefero.audit.models import AuditEntry
from prefero.content.decisions import Pending, write_decisions
from prefero.content.schemas import SlotIn
from prefero.content.slots import create_slot, get_slot, list_slots
from prefero.db.base import utcnow
from prefero.runtime import Runtime
from prefero.segments.conditions import parse_condition
from prefero.segments.service import create_segment
from staff_accounts import staff_browser
from webforms import submit

PAGE = "/dashboard/content"
HERO = f"{PAGE}/slots/home-hero"


def _texts(title: str, pl: str | None = None) -> dict[str, dict[str, str]]:
    texts = {"en": {"title": title}}
    if pl is not None:
        texts["pl"] = {"title": pl}
    return texts


def _hero(runtime: Runtime, **fields: object) -> None:
    """The home page's hero: a newsletter variant, an evening one and one for everyone."""
    body = {"key": "home-hero", "name": "Home page hero", "fallback": "everyone", "variants": [
        {"key": "newsletter", "texts": _texts("Thanks for reading", "Dziękujemy"),
         "targeting": {"source": {"kind": ["email"]}}},
        {"key": "evening", "texts": _texts("Evening calm"),
         "targeting": {"time_of_day": ["evening"], "device": ["mobile"]}},
        {"key": "everyone", "texts": _texts("Shop your way", "Zakupy po swojemu")},
    ], **fields}
    with runtime.session(write=True) as session:
        create_slot(session, SlotIn.model_validate(body), schema=runtime.facet_schema)


def _shown(runtime: Runtime, variant: str | None, times: int, *, days_ago: float) -> None:
    at = utcnow() - timedelta(days=days_ago)
    with runtime.session(write=True) as session:
        write_decisions(session, [Pending(
            id=f"{variant}-{days_ago}-{i}", slot_key="home-hero", variant_key=variant,
            strategy="first_match", control=False, reasons=("default",), context_used=False,
            customer_id=None, at=at) for i in range(times)])


def _audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target) for e in
                session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action.startswith("content.")]


def _order(runtime: Runtime) -> list[str]:
    with runtime.session() as session:
        return [v.key for v in get_slot(session, "home-hero").variants]


def _error_of(html: str, field_id: str) -> str:
    """The error shown beside the field, checking that the field points at it."""
    found = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    assert found, f"no error beside {field_id}"
    assert re.search(rf'id="{field_id}"[^>]*aria-describedby="[^"]*{field_id}-error', html) \
        or re.search(rf'aria-describedby="[^"]*{field_id}-error[^"]*"[^>]*id="{field_id}"',
                     html), f"{field_id} does not point at its error"
    return unescape(found.group(1))


def test_the_list_shows_each_slot_and_how_often_its_variants_were_shown_this_week(
        client: TestClient, runtime: Runtime) -> None:
    _hero(runtime, enabled=False)
    _shown(runtime, "everyone", 3, days_ago=1)
    _shown(runtime, "newsletter", 1, days_ago=6.5)
    _shown(runtime, "newsletter", 5, days_ago=8)  # before the week
    _shown(runtime, None, 4, days_ago=1)  # nothing shown: not a showing
    web = staff_browser(client, runtime, "reader@shop.example", "read_only")
    html = web.get(PAGE).text
    row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/dashboard/content/slots/home-hero\">"
                    r"Home page hero</a></th>(.*?)</tr>", html, re.S)
    assert row, html
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells == ["home-hero", "First match", "Switched off", "3",
                     "newsletter 1 evening 0 everyone 3"]
    assert "Add a content slot" not in html
    web.cookies.set("lang", "pl")
    assert "Wyświetlenia w ostatnich 7 dniach" in web.get(PAGE).text


def test_a_marketer_builds_a_slot_from_nothing(client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    created = submit(web, PAGE, {"key": "welcome", "name": "Welcome block",
                                 "strategy": "first_match", "control_share": "0",
                                 "enabled": "on"}, page=f"{PAGE}/new-slot")
    assert created.status_code == 200 and created.url.path == f"{PAGE}/slots/welcome"
    assert "Content slot Welcome block created." in created.text
    added = submit(web, f"{PAGE}/slots/welcome/variants", {
        "key": "new", "en.title": "New here?", "en.body": "Line one\r\nLine two",
        "en.link": "/quizzes", "en.link_text": "Start the quiz",
        "pl.title": "Pierwszy raz?", "visitor": "new", "device": ["mobile", "tablet"],
        "source.kind": ["email"], "source.utm_campaign": "spring\r\n autumn \r\n",
        "hours.start": "22", "hours.end": "6", "traits.0.trait": "",
        "traits.1.trait": "openness", "traits.1.op": "gte", "traits.1.value": "0,5",
        "weight": "2.5", "share": "12,5"}, page=f"{PAGE}/slots/welcome/new-variant")
    assert added.status_code == 200, added.text
    assert "Variant new added." in added.text
    with runtime.session() as session:
        variant = get_slot(session, "welcome").variants[0]
    assert variant.texts["en"].body == "Line one\nLine two"
    assert variant.texts["pl"].title == "Pierwszy raz?" and variant.texts["pl"].link is None
    assert variant.targeting.model_dump(exclude_defaults=True) == {
        "visitor": "new", "device": ["mobile", "tablet"],
        "source": {"kind": ["email"], "utm_campaign": ["spring", "autumn"]},
        "hours": {"start": 22, "end": 6},
        "traits": [{"trait": "openness", "op": "gte", "value": 0.5}]}
    assert (variant.weight, variant.share) == (2.5, 0.125)
    # The slot page words the targeting, never the codes.
    page = web.get(f"{PAGE}/slots/welcome").text
    for line in ("New visitor", "Device: Phone or Tablet", "Came from: Newsletter or e-mail",
                 "Campaign (utm_campaign): spring or autumn", "Openness at least 0.5",
                 "Hours: 22:00 to 6:00"):
        assert f"<li>{line}</li>" in page, line
    assert _audit(runtime) == [("staff:ola@shop.example", "content.slot.create", "welcome"),
                               ("staff:ola@shop.example", "content.variant.add", "welcome")]


def test_editing_a_variant_without_changes_keeps_it_exactly(client: TestClient,
                                                            runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    form = web.get(f"{HERO}/variants/evening")
    assert form.status_code == 200
    # What a browser posts back: every named field with its value as the page shows it.
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input id="[^"]+" name="([^"]+)" type="text" '
                                  r'value="([^"]*)"', form.text):
        fields.setdefault(name, []).append(value)
    for name, value in re.findall(r'name="([^"]+)" value="([^"]*)" checked', form.text):
        fields.setdefault(name, []).append(value)
    for name, value in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>.*?'
                                  r'<option value="([^"]*)" selected>', form.text, re.S):
        fields.setdefault(name, []).append(value)
    assert fields["time_of_day"] == ["evening"] and fields["device"] == ["mobile"]
    with runtime.session() as session:
        before = get_slot(session, "home-hero").variants[1]
    saved = submit(web, f"{HERO}/variants/evening", fields, html=form.text)
    assert "Variant evening saved." in saved.text
    with runtime.session() as session:
        after = get_slot(session, "home-hero").variants[1]
    assert after.model_dump(exclude={"updated_at"}) == before.model_dump(
        exclude={"updated_at"})


def test_problems_are_named_beside_their_fields_in_polish_and_nothing_is_saved(
        client: TestClient, runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    web.cookies.set("lang", "pl")
    answer = submit(web, f"{HERO}/variants", {
        "key": "newsletter", "en.title": "", "en.body": "Hello",
        "en.link": "javascript:alert(1)", "pl.title": "x" * 201,
        "traits.0.trait": "openness", "traits.0.op": "gte", "traits.0.value": "lots",
        "hours.start": "7", "weight": "0", "share": "150"}, page=f"{HERO}/new-variant")
    assert answer.status_code == 422
    html = answer.text
    assert "Nic nie zapisano" in html
    assert _error_of(html, "f-en-title") == "Wpisz tytuł (najwyżej 200 znaków)."
    assert _error_of(html, "f-pl-title") == "Wpisz tytuł (najwyżej 200 znaków)."
    assert _error_of(html, "f-en-link").startswith("Wpisz adres zaczynający się od https://")
    assert _error_of(html, "f-traits-0-value") == "Wpisz liczbę od −1000 do 1000."
    assert _error_of(html, "f-hours-end").startswith("Wybierz obie godziny")
    assert _error_of(html, "f-weight") == "Wpisz liczbę większą od 0, najwyżej 1000."
    assert _error_of(html, "f-share") == "Wpisz odsetek od 0 do 100."
    # What was typed is shown again.
    assert 'name="en.link" type="text" value="javascript:alert(1)"' in html
    # The service's own checks, once the form reads right: a key the slot has already.
    taken = submit(web, f"{HERO}/variants", {"key": "newsletter", "en.title": "Hi"},
                   page=f"{HERO}/new-variant")
    assert taken.status_code == 422
    assert _error_of(taken.text, "f-key") == "To miejsce ma już wariant o tym kluczu."
    assert _order(runtime) == ["newsletter", "evening", "everyone"]
    assert _audit(runtime) == []


def test_a_split_without_shares_or_a_control_group_outside_a_split_is_named(
        client: TestClient, runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    settings = f"{HERO}/settings"
    base = {"name": "Hero", "fallback": "everyone", "enabled": "on"}
    control = submit(web, settings, {**base, "strategy": "first_match",
                                     "control_share": "10"}, page=settings)
    assert control.status_code == 422
    assert _error_of(control.text, "f-control_share").startswith(
        "Only a split test has a control group")
    split = submit(web, settings, {**base, "strategy": "split", "control_share": "10"},
                   page=settings)
    assert split.status_code == 422
    assert "A split test needs at least one variant with a share above 0%." in split.text
    unknown = submit(web, settings, {**base, "strategy": "first_match", "fallback": "nope"},
                     page=settings)
    assert _error_of(unknown.text, "f-fallback") == "Choose one of this slot's variants."
    with runtime.session() as session:
        slot = get_slot(session, "home-hero")
    assert (slot.name, slot.strategy, slot.control_share) == ("Home page hero",
                                                              "first_match", 0.0)
    saved = submit(web, settings, {**base, "strategy": "best_score", "control_share": "0"},
                   page=settings)
    assert "Settings of Hero saved." in saved.text
    with runtime.session() as session:
        slot = get_slot(session, "home-hero")
    assert (slot.name, slot.strategy, [v.key for v in slot.variants]) == (
        "Hero", "best_score", ["newsletter", "evening", "everyone"])
    assert [a for _, a, _ in _audit(runtime)] == ["content.slot.write"]


def test_variants_move_up_and_down_and_stop_at_the_ends(client: TestClient,
                                                        runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    submit(web, f"{HERO}/variants/everyone/move", {"direction": "up"}, page=HERO)
    assert _order(runtime) == ["newsletter", "everyone", "evening"]
    submit(web, f"{HERO}/variants/newsletter/move", {"direction": "down"}, page=HERO)
    assert _order(runtime) == ["everyone", "newsletter", "evening"]
    submit(web, f"{HERO}/variants/everyone/move", {"direction": "up"}, page=HERO)
    submit(web, f"{HERO}/variants/everyone/move", {"direction": "sideways"}, page=HERO)
    assert _order(runtime) == ["everyone", "newsletter", "evening"]
    page = web.get(HERO).text
    # The first has no "up" button, the last no "down".
    assert page.count('value="up"') == 2 and page.count('value="down"') == 2
    assert [a for _, a, _ in _audit(runtime)] == ["content.variant.move"] * 3


def test_deleting_asks_first_and_refuses_what_the_slot_relies_on(client: TestClient,
                                                                 runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    confirm = web.get(f"{HERO}/variants/everyone/delete")
    assert "Delete the variant everyone of Home page hero?" in confirm.text
    refused = submit(web, f"{HERO}/variants/everyone/delete", html=confirm.text)
    assert refused.status_code == 409
    assert "This variant is the slot's fallback" in unescape(refused.text)
    deleted = submit(web, f"{HERO}/variants/evening/delete", page=HERO,
                     follow_redirects=False)
    assert deleted.status_code == 303
    assert _order(runtime) == ["newsletter", "everyone"]
    confirm = web.get(f"{HERO}/delete")
    assert "Delete the content slot Home page hero (key home-hero)" in confirm.text
    gone = submit(web, f"{HERO}/delete", html=confirm.text)
    assert "Content slot Home page hero deleted." in gone.text
    assert web.get(HERO).status_code == 404
    assert [a for _, a, _ in _audit(runtime)] == ["content.variant.delete",
                                                  "content.slot.delete"]


def test_a_read_only_account_sees_no_form_and_cannot_open_the_editors(
        client: TestClient, runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "reader@shop.example", "read_only")
    page = web.get(HERO).text
    posts = re.findall(r'<form action="([^"]+)" method="post"', page)
    assert posts == ["/dashboard/sign-out", "/lang"]
    for path in (f"{PAGE}/new-slot", f"{HERO}/settings", f"{HERO}/new-variant",
                 f"{HERO}/variants/evening", f"{HERO}/delete",
                 f"{HERO}/variants/evening/delete"):
        assert web.get(path).status_code == 403, path
    assert submit(web, f"{HERO}/delete", page=HERO).status_code == 403
    assert _order(runtime) == ["newsletter", "evening", "everyone"]


def test_the_preview_answers_as_the_storefront_would_and_explains(
        client: TestClient, runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "reader@shop.example", "read_only")
    newsletter = web.get(HERO, params={"preview": "1", "visitor": "new", "source": "email",
                                       "device": "mobile", "hour": "19", "context": "on"})
    answer = newsletter.text.split('class="cs-preview-answer"')[1]
    assert "Thanks for reading" in answer
    assert "Shown because you came from a newsletter" in answer
    evening = web.get(HERO, params={"preview": "1", "source": "direct", "device": "mobile",
                                    "hour": "19", "context": "on"}).text
    assert "Shown because you are on a phone" in evening
    assert "Shown because it is evening where you are" in evening
    # Without consent to contextual signals nothing of the visit counts: the fallback.
    no_context = web.get(HERO, params={"preview": "1", "source": "email", "device": "mobile",
                                       "hour": "19"}).text
    assert "Shop your way" in no_context and "Shown to everyone (default)" in no_context
    web.cookies.set("lang", "pl")
    polish = web.get(HERO, params={"preview": "1", "source": "email", "context": "on"}).text
    assert "Dziękujemy" in polish
    bad = web.get(HERO, params={"preview": "1", "device": "fridge", "hour": "25"})
    assert bad.status_code == 200 and 'class="cs-preview-answer"' not in bad.text
    assert _error_of(bad.text, "f-device") == "Wybierz z listy."
    assert _error_of(bad.text, "f-hour") == "Wybierz z listy."


def test_segments_are_offered_by_name_and_a_deleted_one_stays_ticked(
        client: TestClient, runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_segment(session, key="vegans", name="Vegan shoppers", actor="test",
                       condition=parse_condition({"type": "declared", "kind": "like",
                                                  "facet": "diet", "value": "vegan"}))
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    added = submit(web, f"{HERO}/variants", {"key": "green", "en.title": "Green",
                                             "segments": ["vegans"]},
                   page=f"{HERO}/new-variant")
    assert "Segment: Vegan shoppers" in added.text
    with runtime.session() as session:
        assert get_slot(session, "home-hero").variants[-1].targeting.segments == ["vegans"]
    html = web.get(f"{HERO}/variants/green").text
    assert re.search(r'name="segments" value="vegans" checked><label for="[^"]+">'
                     r'Vegan shoppers</label>', html)


def test_an_unknown_slot_or_variant_is_a_page_that_says_so(client: TestClient,
                                                          runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    for path in (f"{PAGE}/slots/nope", f"{PAGE}/slots/NOPE%20%00", f"{HERO}/variants/nope",
                 f"{HERO}/variants/nope/delete", f"{PAGE}/slots/nope/settings"):
        answer = web.get(path)
        assert answer.status_code == 404, path
        assert "There is no such content slot or variant." in answer.text
    assert submit(web, f"{HERO}/variants/nope/move", {"direction": "up"},
                  page=HERO).status_code == 404
    assert _audit(runtime) == []


def test_a_new_slot_is_refused_by_field_and_nothing_is_stored(client: TestClient,
                                                               runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    new = f"{PAGE}/new-slot"
    bad = submit(web, PAGE, {"key": "Bad Key", "name": "", "strategy": "random",
                             "control_share": "100"}, page=new)
    assert bad.status_code == 422
    assert _error_of(bad.text, "f-key").startswith("Use 1 to 64 lowercase letters")
    assert _error_of(bad.text, "f-name") == "Enter a name of at most 200 characters."
    assert "Choose one of the strategies." in bad.text
    assert _error_of(bad.text, "f-control_share") == (
        "Enter a percentage of at least 0 and below 100.")
    for key, message in (("slots", "This key is reserved; choose another."),
                         ("home-hero", "Another slot has this key.")):
        refused = submit(web, PAGE, {"key": key, "name": "Hero", "strategy": "first_match"},
                         page=new)
        assert refused.status_code == 422
        assert _error_of(refused.text, "f-key") == message
    empty = submit(web, f"{HERO}/variants", {"key": "blank"}, page=f"{HERO}/new-variant")
    assert "Write a title in English or in Polish (or in both)." in unescape(empty.text)
    with runtime.session() as session:
        assert [s.key for s in list_slots(session)] == ["home-hero"]
    assert _audit(runtime) == []


def test_the_services_own_checks_are_worded_beside_their_fields(client: TestClient,
                                                                 runtime: Runtime) -> None:
    _hero(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    same_hour = submit(web, f"{HERO}/variants", {
        "key": "odd", "en.title": "Odd", "hours.start": "7", "hours.end": "7",
        "declared.0.facet": "", "declared.1.facet": "no_such_facet",
        "declared.1.value": "x"}, page=f"{HERO}/new-variant")
    assert same_hour.status_code == 422
    assert _error_of(same_hour.text, "f-hours-start").startswith(
        "The first and the last hour are the same")
    # The empty first row is dropped: the refused one is shown again as the first.
    assert _error_of(same_hour.text, "f-declared-0-facet") == "The shop has no such facet."
    assert re.search(r'<option value="no_such_facet" selected>', same_hour.text)
    settings = f"{HERO}/settings"
    no_fallback = submit(web, settings, {"name": "Hero", "strategy": "split",
                                         "control_share": "10", "fallback": ""},
                         page=settings)
    assert no_fallback.status_code == 422
    assert _error_of(no_fallback.text, "f-fallback").startswith(
        "The control group sees the fallback")
    assert _order(runtime) == ["newsletter", "evening", "everyone"]
    assert _audit(runtime) == []
