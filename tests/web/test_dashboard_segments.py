"""The segments pages: the list in staff's words (every role), a segment's page with its
members, and for marketers and administrators the builder: rows of conditions added and
removed without script, a count and a preview of who matches, saving with each refused field
named beside it in the page's language, JSON for what the rows cannot hold, deleting after a
confirmation, and exports for a marketing channel. Every write and export is audited under
the staff member's name; a read-only account sees no form and is refused every POST."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from factories import consent, customer
from prefero.audit.models import AuditEntry
from prefero.catalog.facets import load_facet_schema
from prefero.runtime import Runtime
from prefero.segments import service
from prefero.segments.conditions import Condition, parse_condition
from prefero.web.dashboard.segments.form import build, edit, form_of, read_form
from prefero.web.i18n import translator
from staff_accounts import staff_browser
from webforms import origin, token_in

LIST = "/dashboard/segments"
NEW = "/dashboard/segments/new"
COUNT = "/dashboard/segments/count"

VEGAN_LIKE = {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"}
SCHEMA = load_facet_schema()
EMAIL_YES = {"type": "consent", "purpose": "marketing_email", "granted": True}


@pytest.fixture
def shop(runtime: Runtime) -> None:
    """Five known customers: c1–c3 like vegan, c1 and c2 take marketing e-mails, c4 likes
    gluten-free, a-1 is anonymous and likes vegan."""
    with runtime.session(write=True) as session:
        for cid in ("c1", "c2", "c3"):
            customer(session, cid, likes=[("diet", "vegan", 1.0)])
        customer(session, "c4", likes=[("diet", "gluten_free", 1.0)])
        row = customer(session, "a-1", likes=[("diet", "vegan", 1.0)])
        row.anonymous = True
        for cid in ("c1", "c2"):
            consent(session, cid, "marketing_email", True)


def _audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target) for e in
                session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action.startswith("segment.")]


def _stored(runtime: Runtime) -> dict[str, dict[str, Any]]:
    with runtime.session() as session:
        return {s.key: s.condition for s in service.list_segments(session)}


def _create(runtime: Runtime, key: str, condition: dict[str, Any], name: str = "") -> None:
    with runtime.session(write=True) as session:
        service.create_segment(session, key=key, name=name or key.title(), actor="test",
                               condition=parse_condition(condition),
                               settings=runtime.settings)


def _post(web: TestClient, path: str, page: str, **fields: Any) -> Any:
    return web.post(path, data={"csrf_token": token_in(page), **fields},
                    headers={"Origin": origin(web)}, follow_redirects=False)


def _row(n: int | str, type_: str, negate: bool = False, **fields: str) -> dict[str, str]:
    """Row ``n``'s fields as the form names them (``n`` a row's number, or its place in a
    group: ``"c1g0"``)."""
    at = n if isinstance(n, str) else f"c{n}"
    row = {f"{at}_type": type_, **{f"{at}_{k}": v for k, v in fields.items()}}
    if negate:
        row[f"{at}_not"] = "1"
    return row


def _text(page: str) -> str:
    """The page's words, without tags."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_list_says_each_condition_in_words_with_its_members(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    _create(runtime, "vegans", {"type": "and", "conditions": [VEGAN_LIKE, EMAIL_YES]},
            name="Vegans by e-mail")
    web = staff_browser(client, runtime, "reader@shop.example", "read_only")
    page = web.get(LIST)
    assert page.status_code == 200
    text = _text(page.text)
    assert "all of: likes Diet: vegan; consents to Marketing e-mails" in text
    assert '<a href="/dashboard/segments/vegans">Vegans by e-mail</a>' in page.text
    row = page.text[page.text.index("Vegans by e-mail"):]
    assert '<td class="number">2</td>' in row[:row.index("</tr>")]
    assert NEW not in page.text  # no way to a form for a read-only account
    web.cookies.set("lang", "pl")
    polish = _text(web.get(LIST).text)
    assert "wszystkie warunki: lubi: Dieta: wegańska; zgoda: E-maile marketingowe" in polish


def test_a_marketer_builds_counts_and_saves_a_segment_without_script(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get(NEW)
    assert page.status_code == 200
    assert 'name="c0_type" value="declared"' in page.text
    # Add a consent row, then a behaviour row; remove the behaviour row again.
    fields = {"match": "and", **_row(0, "declared", kind="like", facet="diet",
                                     value="Vegan")}
    added = _post(web, NEW, page.text, action="add", add_type="consent", **fields)
    assert added.status_code == 200
    assert 'name="c1_type" value="consent"' in added.text
    fields |= _row(1, "consent", purpose="marketing_email", granted="yes")
    more = _post(web, NEW, added.text, action="add", add_type="behaviour", **fields)
    assert 'name="c2_type" value="behaviour"' in more.text
    fewer = _post(web, NEW, more.text, action="remove-2", **fields,
                  **_row(2, "behaviour", event="purchase", min="1", max="", days="30"))
    assert 'name="c2_type"' not in fewer.text and 'name="c1_type"' in fewer.text
    # Count and preview: known customers and the anonymous one alike meet a condition.
    counted = _post(web, NEW, fewer.text, action="count", **fields)
    assert "2 customers match" in _text(counted.text)
    previewed = _post(web, NEW, fewer.text, action="preview", **fields)
    assert "The first 2 of 2 customers" in _text(previewed.text)
    assert "<li><code>c1</code></li><li><code>c2</code></li>" in previewed.text
    # "is not" on the consent row, "any of": every customer but c1 and c2... or a vegan.
    negated = _post(web, NEW, fewer.text, action="count", **{**fields, "match": "or",
                                                             "c1_not": "1"})
    assert "5 customers match" in _text(negated.text)
    saved = _post(web, NEW, fewer.text, action="save", key="vegan-mail", name="Vegan mail",
                  description="For the newsletter", **fields)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/dashboard/segments/vegan-mail"
    assert _stored(runtime)["vegan-mail"] == {"type": "and", "conditions": [
        VEGAN_LIKE, EMAIL_YES]}
    shown = web.get(saved.headers["location"])
    assert "Segment Vegan mail created: 2 members." in shown.text
    assert _audit(runtime) == [("staff:ola@shop.example", "segment.create", "vegan-mail")]


def test_the_live_count_is_a_fragment_in_the_pages_language(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get(NEW).text
    assert 'aria-live="polite"' in page and f'hx-post="{COUNT}"' in page
    web.cookies.set("lang", "pl")
    answer = web.post(COUNT, data=_row(0, "declared", kind="like", facet="diet",
                                       value="vegan"),
                      headers={"Origin": origin(web), "X-CSRF-Token": token_in(page),
                               "HX-Request": "true"})
    assert answer.status_code == 200
    assert "<html" not in answer.text
    assert "4 klientów spełnia warunek" in _text(answer.text)
    assert "lubi: Dieta: wegańska" in _text(answer.text)
    unfinished = web.post(COUNT, data=_row(0, "behaviour", event="purchase", min="x",
                                           days="30"),
                          headers={"Origin": origin(web), "X-CSRF-Token": token_in(page)})
    assert unfinished.status_code == 200
    assert "Uzupełnij warunki" in _text(unfinished.text)


def test_refused_fields_are_named_beside_their_row_and_nothing_is_saved(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    web.cookies.set("lang", "pl")
    page = web.get(NEW).text
    fields = {**_row(0, "declared", kind="like", facet="diet", value="vegan"),
              **_row(1, "behaviour", event="purchase", min="2", max="1", days="30"),
              **_row(2, "profile", field="budget_max", op="lt", value="dużo"),
              **_row(3, "rfm", measure="frequency", op="gte", value="1", days="abc")}
    refused = _post(web, NEW, page, action="save", key="Bad Key", name="  ", **fields)
    assert refused.status_code == 422
    text = refused.text
    for field in ("c1-max", "c2-value", "c3-days"):
        assert f'aria-describedby="{field}-error"' in text, field
        assert f'id="{field}-error"' in text, field
    assert re.findall(r'class="field-error" id="[^"]+">([^<]*)', text) == [
        "Podaj liczbę całkowitą nie mniejszą niż poprzednia albo zostaw puste pole.",
        "Podaj kwotę (kilka: rozdziel przecinkami).", "Podaj pełne dni od 1 do 3\xa0650."]
    # Typed text comes back as typed.
    assert 'value="dużo"' in text and 'value="abc"' in text
    assert _stored(runtime) == {} and _audit(runtime) == []
    # With the rows right, the key and the name are named.
    fields |= {"c1_max": "", "c3_days": "30", "c2_value": "100"}
    named = _post(web, NEW, page, action="save", key="Bad Key", name="  ", **fields)
    assert named.status_code == 422
    assert 'id="seg-key-error"' in named.text and 'id="seg-name-error"' in named.text
    _create(runtime, "taken", VEGAN_LIKE)
    taken = _post(web, NEW, page, action="save", key="taken", name="X", **fields)
    assert "Inny segment ma już ten klucz." in taken.text
    reserved = _post(web, NEW, page, action="save", key="new", name="X", **fields)
    assert 'id="seg-key-error"' in reserved.text and reserved.status_code == 422
    empty = _post(web, NEW, page, action="save", key="empty", name="X")
    assert 'id="rows-error"' in empty.text
    assert set(_stored(runtime)) == {"taken"}
    assert [a for a in _audit(runtime) if a[0].startswith("staff:")] == []


def test_a_stored_segment_opens_in_the_builder_and_saves_its_changes(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    condition = {"type": "or", "conditions": [
        VEGAN_LIKE, {"type": "not", "condition": {"type": "behaviour", "event": "purchase",
                                                  "min": 1, "max": None, "days": 90}}]}
    _create(runtime, "mixed", condition, name="Mixed")
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get("/dashboard/segments/mixed").text
    assert 'name="match" value="or" checked' in page
    assert 'name="c1_not" value="1" checked' in page
    assert 'id="c1-days" name="c1_days" type="text" value="90"' in page
    fields = {"match": "or", **_row(0, "declared", kind="never", facet="diet", value="vegan"),
              **_row(1, "behaviour", negate=True, event="purchase", min="1", max="",
                     days="90")}
    saved = _post(web, "/dashboard/segments/mixed", page, action="save", name="Mixed 2",
                  **fields)
    assert saved.status_code == 303
    stored = _stored(runtime)["mixed"]
    assert stored["conditions"][0]["kind"] == "never"
    assert stored["conditions"][1] == condition["conditions"][1]
    assert _audit(runtime)[-1] == ("staff:ola@shop.example", "segment.update", "mixed")


GLUTEN_FREE = {"type": "declared", "kind": "like", "facet": "diet", "value": "gluten_free"}


def test_a_group_of_conditions_is_built_with_rows_of_its_own(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get(NEW).text
    fields = {"match": "and", **_row(0, "consent", purpose="marketing_email", granted="yes")}
    grouped = _post(web, NEW, page, action="add", add_type="group", **fields)
    assert 'name="c1_type" value="group"' in grouped.text
    assert 'name="c1g1_type" value="declared"' in grouped.text  # two rows to start from
    group = {"c1_type": "group", "c1_match": "or",
             **_row("c1g0", "declared", kind="like", facet="diet", value="vegan"),
             **_row("c1g1", "declared", kind="like", facet="diet", value="gluten_free")}
    third = _post(web, NEW, page, action="add-c1", c1_add_type="behaviour", **fields,
                  **group)
    assert 'name="c1g2_type" value="behaviour"' in third.text
    fewer = _post(web, NEW, page, action="remove-1-2", **fields, **group,
                  **_row("c1g2", "behaviour", event="view", min="1", days="7"))
    assert 'name="c1g2_type"' not in fewer.text and 'name="c1g1_type"' in fewer.text
    # Customers c1 and c2 take e-mails; c1, c2 (vegan) — and not c4 — are in the group.
    counted = _post(web, NEW, page, action="count", **fields, **group)
    assert "2 customers match" in _text(counted.text)
    empty = _post(web, NEW, page, action="save", key="g", name="G", **fields,
                  c1_type="group", c1_match="or")
    assert empty.status_code == 422 and 'id="c1-row-error"' in empty.text
    saved = _post(web, NEW, page, action="save", key="mail-diets", name="Diets by mail",
                  **fields, **group, c1_not="1")
    assert saved.status_code == 303
    assert _stored(runtime)["mail-diets"] == {"type": "and", "conditions": [
        EMAIL_YES, {"type": "not", "condition": {"type": "or", "conditions": [
            VEGAN_LIKE, GLUTEN_FREE]}}]}
    reopened = web.get("/dashboard/segments/mail-diets").text
    assert 'name="c1_type" value="group"' in reopened
    assert 'name="c1_match" value="or" checked' in reopened
    assert 'name="c1_not" value="1" checked' in reopened
    assert 'name="c1g1_value" type="text" value="gluten_free"' in reopened


def test_deeper_nesting_is_edited_as_json_that_round_trips(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    nested = {"type": "and", "conditions": [
        EMAIL_YES, {"type": "or", "conditions": [VEGAN_LIKE, {"type": "and", "conditions": [
            GLUTEN_FREE, {"type": "consent", "purpose": "tracking", "granted": True}]}]}]}
    _create(runtime, "nested", nested)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get("/dashboard/segments/nested").text
    assert 'name="mode" value="json"' in page and 'name="c0_type"' not in page
    typed = html.unescape(re.search(r'<textarea id="condition-json"[^>]*>(.*?)</textarea>',
                                    page, re.S).group(1))  # type: ignore[union-attr]
    assert parse_condition(json.loads(typed)) == parse_condition(nested)
    back = _post(web, "/dashboard/segments/nested", page, mode="json", condition_json=typed,
                 action="to_rows")
    assert back.status_code == 422 and 'id="condition-json-error"' in back.text
    broken = _post(web, "/dashboard/segments/nested", page, mode="json", name="N",
                   condition_json='{"type": "and", "conditions": [{"type": "trait", '
                                  '"trait": "openness", "op": "gte", "value": "high"}]}',
                   action="save")
    assert broken.status_code == 422
    assert "conditions › 0 › value" in html.unescape(broken.text)
    # Rows to JSON and back give the same condition.
    rows = {"match": "and", **_row(0, "consent", purpose="tracking", granted="no")}
    as_json = _post(web, NEW, page, action="to_json", **rows)
    assert 'name="mode" value="json"' in as_json.text
    typed = html.unescape(re.search(r'<textarea id="condition-json"[^>]*>(.*?)</textarea>',
                                    as_json.text, re.S).group(1))  # type: ignore[union-attr]
    assert json.loads(typed) == {"type": "consent", "purpose": "tracking", "granted": False}
    saved = _post(web, NEW, as_json.text, mode="json", condition_json=typed, key="no-track",
                  name="No tracking", action="save")
    assert saved.status_code == 303
    assert _stored(runtime)["no-track"] == json.loads(typed)


def test_deleting_needs_a_confirmation_and_is_audited(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    _create(runtime, "old", VEGAN_LIKE, name="Old one")
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    confirm = web.get("/dashboard/segments/old/delete")
    assert confirm.status_code == 200
    assert "Old one (4 members) will be deleted" in _text(confirm.text)
    assert set(_stored(runtime)) == {"old"}  # asking changes nothing
    gone = _post(web, "/dashboard/segments/old/delete", confirm.text)
    assert gone.status_code == 303 and gone.headers["location"] == LIST
    assert "Segment Old one deleted." in web.get(LIST).text
    assert _stored(runtime) == {}
    assert _audit(runtime)[-1] == ("staff:ola@shop.example", "segment.delete", "old")
    assert web.get("/dashboard/segments/old").status_code == 404


def test_an_export_holds_only_consenting_known_members_and_is_audited(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    _create(runtime, "vegans", VEGAN_LIKE)
    web = staff_browser(client, runtime, "ola@shop.example", "marketer")
    page = web.get("/dashboard/segments/vegans").text
    assert "Only customers who consent to the channel now are exported" in page
    answer = _post(web, "/dashboard/segments/vegans/export", page,
                   channel="marketing_email", format="csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(answer.text))) == [
        ["customer_id", "channel"], ["c1", "marketing_email"], ["c2", "marketing_email"]]
    lines = _post(web, "/dashboard/segments/vegans/export", page, channel="marketing_push",
                  format="jsonl")
    assert lines.text == ""  # nobody consents to push
    assert _audit(runtime)[-2:] == [
        ("staff:ola@shop.example", "segment.export.marketing_email", "vegans"),
        ("staff:ola@shop.example", "segment.export.marketing_push", "vegans")]
    refused = _post(web, "/dashboard/segments/vegans/export", page, channel="sms",
                    format="xlsx")
    assert refused.status_code == 422
    assert len(_audit(runtime)) == 3  # the create and the two exports


def test_a_read_only_account_sees_the_segment_but_no_form_and_every_post_is_refused(
        client: TestClient, runtime: Runtime, shop: None) -> None:
    _create(runtime, "vegans", VEGAN_LIKE, name="Vegans")
    web = staff_browser(client, runtime, "reader@shop.example", "read_only")
    page = web.get("/dashboard/segments/vegans")
    assert page.status_code == 200
    text = _text(page.text)
    assert "likes Diet: vegan" in text
    assert "The first 4 of 4 customers" in text  # the preview of the stored segment
    assert 'id="builder"' not in page.text and "/export" not in page.text
    assert "/delete" not in page.text
    for path in (NEW, COUNT, "/dashboard/segments/vegans", "/dashboard/segments/vegans/delete",
                 "/dashboard/segments/vegans/export"):
        answer = _post(web, path, page.text, action="save", key="x", name="x",
                       channel="marketing_email", format="csv", **_row(0, "consent",
                       purpose="tracking", granted="yes"))
        assert answer.status_code == 403, path
    assert web.get(NEW).status_code == 403
    assert web.get("/dashboard/segments/vegans/delete").status_code == 403
    assert set(_stored(runtime)) == {"vegans"}
    assert _audit(runtime) == [("test", "segment.create", "vegans")]


def test_an_unknown_segment_is_a_page_that_says_so(client: TestClient,
                                                   runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "reader@shop.example", "read_only")
    answer = web.get("/dashboard/segments/nope")
    assert answer.status_code == 404
    assert "There is no segment nope" in answer.text


# --------------------------------------------------------------------------- invariants

_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=12)
_NUMBER = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False).map(
    lambda f: round(f, 3)))
_LEAVES = st.one_of(
    st.builds(lambda k, f, v: {"type": "declared", "kind": k, "facet": f, "value": v},
              st.sampled_from(["like", "dislike", "never", "must"]), _TEXT, _TEXT),
    st.builds(lambda p, g: {"type": "consent", "purpose": p, "granted": g},
              st.sampled_from(["tracking", "marketing_email", "marketing_push"]),
              st.booleans()),
    st.builds(lambda tr, op, v: {"type": "trait", "trait": tr, "op": op, "value": v},
              st.sampled_from(["openness", "neuroticism"]),
              st.sampled_from(["lt", "lte", "gt", "gte"]), _NUMBER),
    st.builds(lambda e, lo, hi, d: {"type": "behaviour", "event": e, "min": lo,
                                    "max": None if hi is None else lo + hi, "days": d},
              st.sampled_from(["view", "purchase", "rec_click"]), st.integers(0, 1000),
              st.none() | st.integers(0, 1000), st.integers(1, 3650)),
    st.builds(lambda m, op, v, d: {"type": "rfm", "measure": m, "op": op, "value": v,
                                   "days": d},
              st.sampled_from(["recency_days", "frequency", "monetary"]),
              st.sampled_from(["lt", "gte"]), _NUMBER, st.integers(1, 3650)),
    st.builds(lambda f, op, v: {"type": "profile", "field": f, "op": op, "value": v},
              st.sampled_from(["budget_min", "budget_max"]),
              st.sampled_from(["eq", "lt", "gte"]), _NUMBER),
    st.builds(lambda op, v: {"type": "profile", "field": "level", "op": op, "value": v},
              st.sampled_from(["eq", "ne"]),
              st.sampled_from(["off", "declared", "balanced", "full"])),
    st.builds(lambda v: {"type": "profile", "field": "created_days_ago", "op": "in",
                         "value": v}, st.lists(st.integers(0, 100_000), min_size=1,
                                               max_size=4)),
    st.just({"type": "profile", "field": "exploration", "op": "exists", "value": True}),
)


def _maybe_not(leaf: dict[str, Any], negate: bool) -> dict[str, Any]:
    return {"type": "not", "condition": leaf} if negate else leaf


_ROWS = st.builds(_maybe_not, _LEAVES, st.booleans())
_GROUPS = st.builds(_maybe_not, st.builds(
    lambda kind, children: {"type": kind, "conditions": children},
    st.sampled_from(["and", "or"]), st.lists(_ROWS, min_size=2, max_size=4)), st.booleans())
_CONDITIONS = st.one_of(
    _ROWS, _GROUPS,
    st.builds(lambda kind, children: {"type": kind, "conditions": children},
              st.sampled_from(["and", "or"]),
              st.lists(_ROWS | _GROUPS, min_size=2, max_size=6)),
)


def _posted(condition: Condition) -> dict[str, str]:
    """The builder's form for ``condition`` as a browser would post it back."""
    form = form_of(condition)
    assert form.mode == "rows"
    data = {"match": form.match, "mode": "rows"}
    for n, row in enumerate(form.rows):
        data |= _row(n, row.type, row.negate, **row.fields)
        if row.type == "group":
            data[f"c{n}_match"] = row.match
            for m, child in enumerate(row.children):
                data |= _row(f"c{n}g{m}", child.type, child.negate, **child.fields)
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CONDITIONS)
def test_every_condition_the_rows_hold_comes_back_from_the_form_unchanged(
        raw: dict[str, Any]) -> None:
    condition = parse_condition(raw)
    built, errors = build(read_form(_posted(condition)), schema=SCHEMA, quizzes=[],
                          t=translator("en"))
    assert errors == {}
    assert built == condition


def test_not_given_comes_back_as_given_negated() -> None:
    """The rows have "is given" and the "is not" box: the same customers either way."""
    unset = parse_condition({"type": "profile", "field": "exploration", "op": "exists",
                             "value": False})
    built, _errors = build(read_form(_posted(unset)), schema=SCHEMA, quizzes=[],
                          t=translator("en"))
    assert built == parse_condition({"type": "not", "condition": {
        "type": "profile", "field": "exploration", "op": "exists", "value": True}})


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=12), st.builds(
    lambda verb, a, b: f"{verb}-{a}" + ("" if b is None else f"-{b}"),
    st.sampled_from(["remove", "add-c"]), st.integers(-2, 5), st.none() | st.integers(-2, 5))),
    st.sampled_from(["declared", "group", "nonsense", ""]))
def test_no_button_value_breaks_the_rows(action: str, chosen: str) -> None:
    """A forged button changes at most one row and never raises."""
    form = read_form({"c0_type": "consent", "c1_type": "group", "c1g0_type": "trait",
                      "c1_add_type": chosen, "add_type": chosen})
    before = (len(form.rows), len(form.rows[1].children))
    edit(form, action, {"add_type": chosen, "c1_add_type": chosen}, schema=SCHEMA,
         quizzes=[])
    if action == "remove-1":  # the group goes, with its rows
        assert [row.type for row in form.rows] == ["consent"]
        return
    after = (len(form.rows), len(form.rows[1].children) if len(form.rows) > 1 else 0)
    if action == "remove-0":
        after = (after[0] + 1, len(form.rows[0].children))
    assert abs(after[0] - before[0]) + abs(after[1] - before[1]) <= 1
    assert all(row.type in ("consent", "group", "declared", "trait") for row in form.rows)
