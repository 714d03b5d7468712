"""Administrators manage staff accounts from the dashboard: add, change a role, disable and
enable; bad input is refused with the field named in the page's language and changes
nothing; every change is audited under the administrator's name."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime
from prefero.staff.service import find_staff, list_staff
from staff_accounts import add, sign_in, staff_browser
from webforms import submit

PAGE = "/dashboard/staff"


def _audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target) for e in
                session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.actor.startswith("staff:boss")]


def test_an_admin_adds_an_account_who_can_then_sign_in(client: TestClient,
                                                       runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "boss@shop.example")
    answer = submit(web, PAGE, {"email": "New@Shop.example", "role": "marketer",
                                "password": "a long enough passphrase"}, page=PAGE)
    assert answer.status_code == 200
    assert "Account new@shop.example added." in answer.text
    assert "Account new@shop.example added." not in web.get(PAGE).text  # shown once
    with runtime.session() as session:
        added = find_staff(session, "new@shop.example")
        assert added is not None and added.role == "marketer"
    assert ("staff:boss@shop.example", "staff.add", "new@shop.example") in _audit(runtime)
    web.cookies.clear()
    assert sign_in(web, "new@shop.example", "a long enough passphrase").status_code == 303


def test_bad_input_is_named_in_the_pages_language_and_changes_nothing(
        client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "boss@shop.example")
    web.cookies.set("lang", "pl")
    answer = submit(web, PAGE, {"email": "nonsense", "role": "owner", "password": "short"},
                    page=PAGE)
    assert answer.status_code == 422
    assert "Podaj adres e-mail, np. imie@example.com." in answer.text
    assert "Hasło musi mieć od 12 do 1\xa0024 znaków." in answer.text
    assert "Wybierz jedną z ról." in answer.text
    assert 'id="new-email" name="email" type="email" autocomplete="off" value="nonsense"' \
        in answer.text
    taken = submit(web, PAGE, {"email": "BOSS@shop.example", "role": "admin",
                               "password": "a long enough passphrase"}, page=PAGE)
    assert taken.status_code == 422
    assert "Inne konto ma już ten adres e-mail." in taken.text
    with runtime.session() as session:
        assert [s.email for s in list_staff(session)] == ["boss@shop.example"]
    assert [a for _, a, _ in _audit(runtime)] == ["staff.sign_in"]


def test_an_admin_changes_a_role_and_disables_an_account(client: TestClient,
                                                         runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "boss@shop.example")
    add(runtime, "ola@shop.example", "read_only")
    changed = submit(web, f"{PAGE}/role", {"email": "ola@shop.example", "role": "marketer"},
                     page=PAGE)
    assert "ola@shop.example is now: Marketer." in changed.text
    disabled = submit(web, f"{PAGE}/disabled", {"email": "ola@shop.example",
                                                "disabled": "true"}, page=PAGE)
    assert "Account ola@shop.example disabled." in disabled.text
    with runtime.session() as session:
        ola = find_staff(session, "ola@shop.example")
        assert ola is not None and (ola.role, ola.disabled) == ("marketer", True)
    assert [a for _, a, _ in _audit(runtime)][1:] == ["staff.role", "staff.disable"]
    enabled = submit(web, f"{PAGE}/disabled", {"email": "ola@shop.example",
                                               "disabled": "false"}, page=PAGE)
    assert "Account ola@shop.example enabled." in enabled.text


def test_an_admin_cannot_lock_themselves_out(client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "boss@shop.example")
    for path, data in ((f"{PAGE}/disabled", {"disabled": "true"}),
                       (f"{PAGE}/role", {"role": "read_only"})):
        answer = submit(web, path, {"email": "Boss@shop.example", **data}, page=PAGE)
        assert answer.status_code == 422
        assert "You cannot disable your own account or lower your own role." in answer.text
    with runtime.session() as session:
        boss = find_staff(session, "boss@shop.example")
        assert boss is not None and (boss.role, boss.disabled) == ("admin", False)


def test_unknown_accounts_and_values_are_refused(client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "boss@shop.example")
    add(runtime, "ola@shop.example", "read_only")
    for path, data in ((f"{PAGE}/role", {"email": "nobody@shop.example", "role": "admin"}),
                       (f"{PAGE}/role", {"email": "ola@shop.example", "role": "owner"}),
                       (f"{PAGE}/disabled", {"email": "ola@shop.example",
                                             "disabled": "yes"}),
                       (f"{PAGE}/disabled", {"email": "nobody@shop.example",
                                             "disabled": "true"})):
        answer = submit(web, path, data, page=PAGE)
        assert answer.status_code == 422, (path, data)
    with runtime.session() as session:
        ola = find_staff(session, "ola@shop.example")
        assert ola is not None and (ola.role, ola.disabled) == ("read_only", False)
