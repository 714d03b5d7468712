"""Staff accounts for the dashboard's tests: adding one straight through the service, and
signing a test client in as a browser does (the sign-in page's CSRF token, our Origin)."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from prefero.runtime import Runtime
from prefero.staff.service import add_staff
from webforms import submit

__all__ = ["PASSWORD", "SIGN_IN", "add", "sign_in", "staff_browser"]

PASSWORD = "correct horse battery staple"
SIGN_IN = "/dashboard/sign-in"


def add(runtime: Runtime, email: str, role: str = "admin", password: str = PASSWORD) -> None:
    with runtime.session(write=True) as session:
        add_staff(session, email=email, role=role, password=password, actor="test")


def sign_in(client: TestClient, email: str, password: str = PASSWORD,
            **data: str) -> httpx.Response:
    """Post the sign-in form; the answer is not followed (303 on success)."""
    return submit(client, SIGN_IN, {"email": email, "password": password, **data},
                  page=SIGN_IN, follow_redirects=False)


def staff_browser(client: TestClient, runtime: Runtime, email: str,
                  role: str = "admin") -> TestClient:
    """``client`` without the API key, signed in as a new account of ``role``."""
    client.headers.pop("X-API-Key", None)
    add(runtime, email, role)
    answer = sign_in(client, email)
    assert answer.status_code == 303, answer.text
    return client
