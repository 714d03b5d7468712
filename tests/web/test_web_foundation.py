"""The pages' shared machinery: translations, the signed session, sign-in and language."""

from __future__ import annotations

from fastapi.testclient import TestClient

from prefero.web.i18n import translator
from webforms import submit


def test_polish_is_chosen_by_cookie_or_browser_and_falls_back_to_english(
        client: TestClient) -> None:
    assert translator("pl")("Sign in") == "Zaloguj się"
    assert translator("pl")("a sentence nobody translated") == "a sentence nobody translated"
    english = client.get("/login")
    assert "Sign in to the demo shop" in english.text
    polish = client.get("/login", headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert "Zaloguj się do sklepu demonstracyjnego" in polish.text
    assert '<html lang="pl">' in polish.text
    submit(client, "/lang", {"lang": "pl"}, html=english.text)
    assert "Zaloguj się do sklepu demonstracyjnego" in client.get("/login").text


def test_the_session_cookie_is_signed_and_a_forged_one_is_ignored(client: TestClient) -> None:
    first = client.get("/login").cookies.get("prefero_session")
    assert first
    client.cookies.clear()
    forged = first[:-4] + ("AAAA" if not first.endswith("AAAA") else "BBBB")
    answer = client.get("/login", headers={"Cookie": f"prefero_session={forged}"})
    assert answer.status_code == 200
    # the forged cookie is not trusted: a new visitor gets a new, differently signed session
    fresh = answer.cookies.get("prefero_session")
    assert fresh and fresh not in (first, forged)
