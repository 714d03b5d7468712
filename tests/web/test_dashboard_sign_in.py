"""The dashboard's sign-in: staff accounts apart from shoppers, a cookie of their own,
refusals that tell nothing, rate limits, CSRF, expiry, sign-out; every attempt audited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.app import create_app
from prefero.audit.models import AuditEntry
from prefero.config import Settings
from prefero.runtime import Runtime
from prefero.staff.service import find_staff, set_disabled, set_password
from prefero.web.dashboard.session import COOKIE, StaffSession, write_cookie
from staff_accounts import PASSWORD, SIGN_IN, add, sign_in, staff_browser
from webforms import origin, page_token

REFUSED = "The e-mail address or the password is not right, or the account is disabled."


@pytest.fixture
def web(client: TestClient) -> TestClient:
    client.headers.pop("X-API-Key", None)
    return client


def _actions(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.session() as session:
        return [(e.actor, e.action) for e in
                session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action.startswith("staff.sign")]


def test_the_dashboard_sends_a_stranger_to_the_sign_in_page(web: TestClient) -> None:
    answer = web.get("/dashboard/quizzes", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard/sign-in?next=/dashboard/quizzes"
    page = web.get(answer.headers["location"])
    assert page.status_code == 200
    assert 'name="next" value="/dashboard/quizzes"' in page.text
    assert 'autocomplete="current-password"' in page.text


def test_signing_in_opens_the_dashboard_with_a_strict_cookie(web: TestClient,
                                                             runtime: Runtime) -> None:
    add(web_runtime := runtime, "ola@shop.example", "marketer")
    answer = sign_in(web, "Ola@Shop.example", next="/dashboard/quizzes")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard/quizzes"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(COOKIE))
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "path=/dashboard" in cookie.lower()
    overview = web.get("/dashboard")
    assert overview.status_code == 200
    assert "ola@shop.example" in overview.text and "Marketer" in overview.text
    assert _actions(web_runtime) == [("staff:ola@shop.example", "staff.sign_in")]


def test_the_shopper_session_is_not_a_staff_session(web: TestClient, runtime: Runtime) -> None:
    add(runtime, "ola@shop.example")
    # A shopper's signed cookie under the staff cookie's name does not sign anyone in.
    web.get("/dashboard/sign-in")
    shopper = web.cookies.get("prefero_session")
    assert shopper
    web.cookies.set(COOKIE, shopper, path="/dashboard")
    assert web.get("/dashboard", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("email, password", [
    ("ola@shop.example", "a wrong password"),
    ("nobody@shop.example", PASSWORD),
    ("ola@shop.example", ""),
    ("", ""),
    ("ola@shop.example", "x" * 5000),
])
def test_a_refusal_says_the_same_whatever_went_wrong(web: TestClient, runtime: Runtime,
                                                     email: str, password: str) -> None:
    add(runtime, "ola@shop.example")
    answer = sign_in(web, email, password)
    assert answer.status_code == 401
    assert REFUSED in answer.text
    assert COOKIE not in web.cookies
    assert web.get("/dashboard", follow_redirects=False).status_code == 303
    assert [a for _, a in _actions(runtime)] == ["staff.sign_in_refused"]


def test_a_disabled_account_is_refused_and_its_sessions_end(web: TestClient,
                                                           runtime: Runtime) -> None:
    staff_browser(web, runtime, "ola@shop.example", "read_only")
    assert web.get("/dashboard").status_code == 200
    with runtime.session(write=True) as session:
        set_disabled(session, email="ola@shop.example", disabled=True, actor="test")
    assert web.get("/dashboard", follow_redirects=False).status_code == 303
    assert sign_in(web, "ola@shop.example").status_code == 401


def test_a_new_password_ends_the_sessions_signed_in_before(web: TestClient,
                                                          runtime: Runtime) -> None:
    staff_browser(web, runtime, "ola@shop.example")
    with runtime.session(write=True) as session:
        set_password(session, email="ola@shop.example", password="a brand new passphrase",
                     actor="test")
    assert web.get("/dashboard", follow_redirects=False).status_code == 303
    assert sign_in(web, "ola@shop.example", "a brand new passphrase").status_code == 303
    assert web.get("/dashboard").status_code == 200


def test_signing_out_ends_the_session_and_is_audited(web: TestClient, runtime: Runtime) -> None:
    staff_browser(web, runtime, "ola@shop.example")
    page = web.get("/dashboard").text
    token = page_token(web, "/dashboard")
    answer = web.post("/dashboard/sign-out", data={"csrf_token": token},
                      headers={"Origin": origin(web)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == SIGN_IN
    assert "You signed out." in web.get(SIGN_IN).text
    assert "ola@shop.example" in page
    assert web.get("/dashboard", follow_redirects=False).status_code == 303
    assert [a for _, a in _actions(runtime)] == ["staff.sign_in", "staff.sign_out"]


def test_sign_in_without_the_forms_token_or_from_another_site_is_refused(
        web: TestClient, runtime: Runtime) -> None:
    add(runtime, "ola@shop.example")
    token = page_token(web, SIGN_IN)
    data = {"email": "ola@shop.example", "password": PASSWORD}
    assert web.post(SIGN_IN, data=data, headers={"Origin": origin(web)}).status_code == 403
    assert web.post(SIGN_IN, data={**data, "csrf_token": token},
                    headers={"Origin": "http://evil.example"}).status_code == 403
    assert COOKIE not in web.cookies
    assert _actions(runtime) == []


def test_the_next_page_never_leaves_the_dashboard(web: TestClient, runtime: Runtime) -> None:
    add(runtime, "ola@shop.example")
    answer = sign_in(web, "ola@shop.example", next="//evil.example/dashboard")
    assert answer.headers["location"] == "/dashboard"


def test_an_idle_session_ends(web: TestClient, runtime: Runtime,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    staff_browser(web, runtime, "ola@shop.example")
    assert web.get("/dashboard").status_code == 200
    idle = runtime.settings.staff_session_idle_seconds
    real = time.time
    # The cookie's signature is dated by the clock (itsdangerous reads time.time()).
    monkeypatch.setattr(time, "time", lambda: real() + idle + 5)
    assert web.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_busy_session_ends_at_its_lifetime(web: TestClient, runtime: Runtime) -> None:
    staff_browser(web, runtime, "ola@shop.example")
    with runtime.session(write=True) as session:
        ola = find_staff(session, "ola@shop.example")
        assert ola is not None
        staff_id = ola.id
        # The account is older than the sessions below (else they would predate it).
        ola.sessions_valid_from = datetime.now(UTC) - timedelta(days=2)
    settings = runtime.settings

    def cookie_signed_now(signed_in_ago: float) -> str:
        """A cookie signed this moment (never idle) for a sign-in that long ago."""
        response = Response()
        request = Request({"type": "http", "scheme": "http", "headers": [],
                           "server": ("testserver", 80), "path": "/"})
        write_cookie(response, request, settings, StaffSession(
            staff_id=staff_id, signed_in_at=time.time() - signed_in_ago))
        return response.headers["set-cookie"].split(";")[0].split("=", 1)[1]

    web.cookies.clear()
    web.cookies.set(COOKIE, cookie_signed_now(settings.staff_session_seconds - 60),
                    path="/dashboard")
    assert web.get("/dashboard", follow_redirects=False).status_code == 200
    web.cookies.clear()
    web.cookies.set(COOKIE, cookie_signed_now(settings.staff_session_seconds + 5),
                    path="/dashboard")
    assert web.get("/dashboard", follow_redirects=False).status_code == 303


@pytest.fixture
def strict(settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    runtime = Runtime(settings.model_copy(update={"rate_limit_staff_sign_in": "3/minute"}))
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client, runtime
    finally:
        runtime.close()


def test_repeated_failures_lock_the_address_out(strict: tuple[TestClient, Runtime]) -> None:
    web, runtime = strict
    add(runtime, "ola@shop.example")
    for _ in range(3):
        assert sign_in(web, "ola@shop.example", "not the password").status_code == 401
    blocked = sign_in(web, "OLA@shop.example")  # the right password, too late
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in blocked.text
    assert COOKIE not in web.cookies
    # Another address is not locked out by these failures.
    add(runtime, "ela@shop.example")
    assert sign_in(web, "ela@shop.example").status_code == 303
    assert [a for _, a in _actions(runtime)][-2:] == ["staff.sign_in_blocked", "staff.sign_in"]
