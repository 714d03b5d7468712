"""The profile's time zone: set through the preferences, checked against the IANA zones,
kept when a PUT leaves it out, cleared by an explicit null."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_time_zone_is_set_checked_kept_and_cleared(client: TestClient) -> None:
    url = "/v1/customers/c1/preferences"
    saved = client.put(url, json={"time_zone": "Europe/Warsaw"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["time_zone"] == "Europe/Warsaw"
    wrong = client.put(url, json={"time_zone": "Europe/Atlantis", "level": "declared"})
    assert wrong.status_code == 422
    assert [e["loc"] for e in wrong.json()["errors"]] == [["body", "time_zone"]]
    assert client.get(url).json()["level"] is None  # the refused PUT changed nothing
    kept = client.put(url, json={"level": "declared"})
    assert kept.json()["time_zone"] == "Europe/Warsaw"
    cleared = client.put(url, json={"time_zone": None})
    assert cleared.json()["time_zone"] is None
