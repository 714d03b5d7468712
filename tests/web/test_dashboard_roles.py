"""Roles on the server: a read-only account sees every page and changes nothing, a
marketer cannot manage staff; every dashboard write needs the form's token and our Origin."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime
from prefero.staff.roles import Role, allows
from prefero.staff.service import list_staff
from prefero.web.dashboard import MODULES
from prefero.web.dashboard.nav import pages
from staff_accounts import add, staff_browser
from webforms import origin, page_token

# Open to any signed-in account (or to nobody signed in): signing in and out.
OPEN = {"/dashboard/sign-in", "/dashboard/sign-out"}


def _needed(route: APIRoute) -> Role | None:
    """The least role ``route`` declares through ``require`` (None: it declares none)."""
    roles = [getattr(dependency.call, "needed_role", None)
             for dependency in route.dependant.dependencies]
    declared = [role for role in roles if role is not None]
    return declared[0] if declared else None


def _writes() -> dict[str, Role | None]:
    """Every state-changing dashboard route's path, with the least role it declares."""
    found: dict[str, Role | None] = {}
    for module in MODULES:
        for route in module.router.routes:
            if isinstance(route, APIRoute) and (route.methods or set()) & {
                    "POST", "PUT", "PATCH", "DELETE"}:
                found[route.path] = _needed(route)
    return dict(sorted(found.items()))


def test_the_dashboard_has_writes_to_check() -> None:
    writes = _writes()
    assert {"/dashboard/staff", "/dashboard/staff/role",
            "/dashboard/staff/disabled"} <= set(writes)
    assert {writes[p] for p in writes if p.startswith("/dashboard/staff")} == {"admin"}


def test_every_write_but_signing_in_and_out_declares_a_role_above_read_only() -> None:
    undeclared = {path: role for path, role in _writes().items()
                  if path not in OPEN and role not in ("marketer", "admin")}
    assert undeclared == {}


def _entries(runtime: Runtime) -> int:
    with runtime.session() as session:
        return len(list(session.scalars(select(AuditEntry))))


@pytest.mark.parametrize("role", ["read_only", "marketer"])
def test_a_lower_role_gets_403_on_every_write_and_nothing_changes(
        client: TestClient, runtime: Runtime, role: str) -> None:
    web = staff_browser(client, runtime, "low@shop.example", role)
    add(runtime, "other@shop.example", "read_only")
    token = page_token(web, "/dashboard")
    before = _entries(runtime)
    refused = 0
    for path, needed in _writes().items():
        if path in OPEN or (needed is not None and allows(role, needed)):
            continue
        data = {"csrf_token": token, "email": "other@shop.example", "role": "admin",
                "password": "a long enough passphrase", "disabled": "true"}
        answer = web.post(re.sub(r"\{[^}]+\}", "x", path), data=data,
                          headers={"Origin": origin(web)}, follow_redirects=False)
        assert answer.status_code == 403, (path, answer.status_code)
        assert "Your role does not allow this. Nothing was changed." in answer.text
        refused += 1
    assert refused >= 3
    assert _entries(runtime) == before
    with runtime.session() as session:
        other = next(s for s in list_staff(session) if s.email == "other@shop.example")
        assert (other.role, other.disabled) == ("read_only", False)
        assert len(list_staff(session)) == 2


def test_a_lower_role_sees_every_page_it_is_offered(client: TestClient,
                                                   runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "reader@shop.example", "read_only")
    html = web.get("/dashboard").text
    offered = set(re.findall(r'<li><a href="(/dashboard[^"]*)"', html))
    assert offered == {page.path for page in pages() if page.role == "read_only"}
    for path in offered:
        assert web.get(path).status_code == 200, path
    assert "/dashboard/staff" not in offered
    refused = web.get("/dashboard/staff", headers={"Accept": "application/json"})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/staff-role-refused")


def test_every_dashboard_write_is_refused_without_the_token_or_from_elsewhere(
        client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "boss@shop.example", "admin")
    token = page_token(web, "/dashboard")
    before = _entries(runtime)
    for path in _writes():
        data = {"email": "new@shop.example", "role": "admin",
                "password": "a long enough passphrase"}
        missing = web.post(path, data=data, headers={"Origin": origin(web)},
                           follow_redirects=False)
        assert missing.status_code == 403, path
        elsewhere = web.post(path, data={**data, "csrf_token": token},
                             headers={"Origin": "http://evil.example",
                                      "Accept": "application/json"}, follow_redirects=False)
        assert elsewhere.status_code == 403, path
        assert elsewhere.json()["type"].endswith("/csrf-refused"), path
    assert _entries(runtime) == before
    assert web.get("/dashboard").status_code == 200  # still signed in


def test_a_stranger_posting_a_write_is_sent_to_sign_in(client: TestClient,
                                                       runtime: Runtime) -> None:
    client.headers.pop("X-API-Key", None)
    token = page_token(client, "/dashboard/sign-in")
    answer = client.post("/dashboard/staff", data={"csrf_token": token,
                                                   "email": "x@shop.example"},
                         headers={"Origin": origin(client)}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/dashboard/sign-in")
    with runtime.session() as session:
        assert list_staff(session) == []
