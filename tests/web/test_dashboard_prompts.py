"""The console's prompts page: the prompts in staff's words (trigger and threshold, the
consent each needs, the slot linked to its content page, shown and dismissed in the last 7
days) with the caps customers hold, in English and Polish; a marketer adds, edits and
deletes prompts through the service the admin API uses (every wrong field named beside it,
nothing stored, every change audited); a read-only account sees the list without forms and
is refused every write. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import customer
from prefero.audit.models import AuditEntry
from prefero.db.base import utcnow
from prefero.prompts.caps import dismiss
from prefero.prompts.definitions import list_prompts
from prefero.prompts.models import PromptShown
from prefero.prompts.schemas import PromptOut
from prefero.runtime import Runtime
from prompt_helpers import prompt_shop
from staff_accounts import staff_browser
from webforms import origin, page_token, submit

PAGE = "/dashboard/prompts"


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    prompt_shop(runtime)
    now = utcnow()
    with runtime.session(write=True) as session:
        for i in range(3):
            customer(session, f"c{i}")
            if i < 2:
                dismiss(session, f"c{i}", "dwell", now=now)
            session.add(PromptShown(customer_id=f"c{i}", prompt_key="exit", visit=f"v{i}",
                                    trigger="cart_exit", reasons=["cart_exit"], at=now))
        # Older than the window: not counted.
        session.add(PromptShown(customer_id="c0", prompt_key="exit", visit="old",
                                trigger="cart_exit", reasons=["cart_exit"],
                                at=now - timedelta(days=8)))
        session.add(PromptShown(customer_id="c0", prompt_key="dwell", visit="v0",
                                trigger="dwell", reasons=["dwell"], at=now))
    return runtime


def _prompts(runtime: Runtime) -> dict[str, PromptOut]:
    with runtime.session() as session:
        return {p.key: p for p in list_prompts(session)}


def _audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("prompt."))
            .order_by(AuditEntry.id))]


def _row(html: str, name: str) -> str:
    return html.split(f'<th scope="row">{name}</th>')[1].split("</tr>")[0]


def _error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    assert found, f"no error for {field_id}"
    assert re.search(rf'aria-describedby="[^"]*\b{field_id}-error\b', html), field_id
    return unescape(found.group(1))


def _form(**fields: Any) -> dict[str, Any]:
    return {"key": "help-dwell", "name": "Need help?", "trigger": "dwell", "threshold": "45",
            "slot": "p-dwell", "priority": "2", "enabled": "on", **fields}


def test_the_list_words_each_prompt_with_its_counts_and_the_caps(
        client: TestClient, shop: Runtime) -> None:
    web = staff_browser(client, shop, "ro@shop.example", "read_only")
    html = unescape(web.get(PAGE).text)
    exit_row = _row(html, "Prompt exit")
    assert "Leaving with items in the cart" in exit_row
    assert "1 item or more in the cart" in exit_row
    assert "Contextual signals" in exit_row
    assert 'href="/dashboard/content/slots/p-exit"' in exit_row
    # Shown 3 times in the window (the 8-day-old one not counted), dismissed by nobody.
    assert re.findall(r'<td class="number">([^<]*)</td>', exit_row) == ["0", "3", "0"]
    dwell_row = _row(html, "Prompt dwell")
    assert "after 20 seconds on a page" in dwell_row
    assert re.findall(r'<td class="number">([^<]*)</td>', dwell_row) == ["0", "1", "2"]
    search_row = _row(html, "Prompt search")
    assert "Behavioural tracking" in search_row and "a search at most 30 days ago" in search_row
    assert "60% of the page read" in _row(html, "Prompt scroll")
    assert "By default, a customer sees at most 1 prompt per visit." in html
    assert "Two prompts are at least 30 minutes apart." in html
    assert "up to 5 prompts per visit, up to 24 hours apart" in html
    # Read-only: no form, no edit link.
    assert 'action="/dashboard/prompts"' not in html
    assert 'href="/dashboard/prompts/exit"' not in html
    for raw in (">cart_exit<", ">true<", ">return_after_search<", ">context<"):
        assert raw not in html


def test_the_page_reads_in_polish(client: TestClient, shop: Runtime) -> None:
    web = staff_browser(client, shop, "pl@shop.example", "marketer")
    html = unescape(web.get(PAGE, headers={"Accept-Language": "pl"}).text)
    assert '<html lang="pl">' in html
    assert "Podpowiedzi na stronie" in html
    row = _row(html, "Prompt exit")
    assert "Wyjście z produktami w koszyku" in row
    assert "co najmniej 1 produkt w koszyku" in row
    assert "po 20 sekundach na stronie" in _row(html, "Prompt dwell")
    assert "Domyślnie klient widzi najwyżej 1 podpowiedź na wizytę." in html
    for english in ("Leaving with", "Time on a page", "Add a prompt", "What fires it",
                    "Threshold", "Switched on", "Shown in the last"):
        assert english not in html


def test_a_marketer_adds_a_prompt_and_it_is_audited(client: TestClient,
                                                    shop: Runtime) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    html = web.get(PAGE).text
    assert '<option value="p-dwell">' in html
    answer = submit(web, PAGE, _form(), html=html, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    added = _prompts(shop)["help-dwell"]
    assert (added.name, added.trigger, added.threshold, added.slot, added.priority,
            added.enabled) == ("Need help?", "dwell", 45, "p-dwell", 2, True)
    assert "Prompt “Need help?” added." in unescape(web.get(PAGE).text)
    assert _audit(shop) == [("staff:mk@shop.example", "prompt.create", "help-dwell")]
    # Left empty, the threshold is the trigger's usual one; unticked, the prompt is off.
    submit(web, PAGE, _form(key="quiet", threshold="", enabled=""), page=PAGE)
    quiet = _prompts(shop)["quiet"]
    assert (quiet.threshold, quiet.enabled) == (30, False)


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"threshold": "2"}, "prompt-threshold",
     "For this trigger, enter a whole number from 5 to 3,600, or leave it empty for 30."),
    ({"threshold": "soon"}, "prompt-threshold",
     "For this trigger, enter a whole number from 5 to 3,600, or leave it empty for 30."),
    ({"threshold": "soon", "trigger": ""}, "prompt-threshold",
     "Enter a whole number, or leave it empty for the trigger's usual value."),
    ({"trigger": "sometimes"}, "prompt-trigger", "Choose what fires the prompt."),
    ({"slot": "nope"}, "prompt-slot", "Choose one of the shop's content slots."),
    ({"key": "exit"}, "prompt-key", "Another prompt has this key."),
    ({"key": "Bad Key"}, "prompt-key",
     "Use 1 to 64 lowercase letters, digits, “-” and “_”, starting with a letter or a digit."),
    ({"name": ""}, "prompt-name", "Enter a name of at most 200 characters."),
    ({"priority": "5000"}, "prompt-priority", "Enter a whole number from −1000 to 1000."),
])
def test_a_wrong_field_is_named_beside_it_and_nothing_is_stored(
        client: TestClient, shop: Runtime, fields: dict[str, str], field_id: str,
        message: str) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    before = _prompts(shop)
    answer = submit(web, PAGE, _form(**fields), page=PAGE)
    assert answer.status_code == 422
    assert _error(answer.text, field_id) == message
    assert "Nothing was saved: check the marked fields." in unescape(answer.text)
    assert _prompts(shop) == before
    assert _audit(shop) == []


def test_a_threshold_out_of_range_reads_in_polish(client: TestClient, shop: Runtime) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    web.cookies.set("prefero_lang", "pl")
    answer = submit(web, PAGE, _form(trigger="scroll", threshold="5"), page=PAGE,
                    headers={"Accept-Language": "pl"})
    assert answer.status_code == 422
    assert _error(answer.text, "prompt-threshold") == (
        "Dla tego wyzwalacza wpisz liczbę całkowitą od 10 do 100 albo zostaw puste pole, "
        "aby użyć wartości 75.")


def test_a_marketer_edits_and_deletes_a_prompt(client: TestClient, shop: Runtime) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    edit = web.get(f"{PAGE}/exit")
    assert edit.status_code == 200
    assert 'value="1"' in edit.text and 'name="key"' not in edit.text
    wrong = submit(web, f"{PAGE}/exit", _form(key="", trigger="cart_exit", threshold="99",
                                               slot="p-exit"), html=edit.text)
    assert wrong.status_code == 422
    assert _error(wrong.text, "prompt-threshold").startswith(
        "For this trigger, enter a whole number from 1 to 40")
    assert _prompts(shop)["exit"].threshold == 1
    saved = submit(web, f"{PAGE}/exit", _form(key="", trigger="cart_exit", threshold="2",
                                               slot="p-exit", name="Leaving"),
                   html=edit.text, follow_redirects=False)
    assert saved.status_code == 303
    assert (_prompts(shop)["exit"].threshold, _prompts(shop)["exit"].name) == (2, "Leaving")
    confirm = web.get(f"{PAGE}/exit/delete")
    assert "Delete this prompt?" in confirm.text
    gone = submit(web, f"{PAGE}/exit/delete", {}, html=confirm.text, follow_redirects=False)
    assert gone.status_code == 303
    assert "exit" not in _prompts(shop)
    assert _audit(shop) == [("staff:mk@shop.example", "prompt.write", "exit"),
                            ("staff:mk@shop.example", "prompt.delete", "exit")]
    assert web.get(f"{PAGE}/exit").status_code == 404
    assert web.get(f"{PAGE}/no%00such").status_code == 404


def test_a_read_only_account_is_refused_every_write(client: TestClient,
                                                    shop: Runtime) -> None:
    web = staff_browser(client, shop, "ro@shop.example", "read_only")
    token = page_token(web, PAGE)
    before = _prompts(shop)
    for path in (PAGE, f"{PAGE}/exit", f"{PAGE}/exit/delete"):
        answer = web.post(path, data={**_form(), "csrf_token": token},
                          headers={"Origin": origin(web)})
        assert answer.status_code == 403, path
    assert web.get(f"{PAGE}/exit").status_code == 403
    assert _prompts(shop) == before


def test_a_write_without_the_csrf_token_changes_nothing(client: TestClient,
                                                        shop: Runtime) -> None:
    web = staff_browser(client, shop, "mk@shop.example", "marketer")
    answer = web.post(PAGE, data=_form(), headers={"Origin": origin(web)})
    assert answer.status_code == 403
    assert "help-dwell" not in _prompts(shop)
