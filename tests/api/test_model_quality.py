"""GET /v1/admin/models/quality[/{version}]: the report of the version served now or of a
kept one, a read key suffices, and every missing report is a 404 problem+json that says
which case it is; with the database's artefact store the report comes from there."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from apikeys import ADMIN_KEY, INGEST_KEY, READ_KEY, TOKEN_KEY
from prefero.api.app import create_app
from prefero.config import Settings
from prefero.recommend.selection import OVER_BUDGET, REASONS
from prefero.runtime import Runtime
from quality_reports import sample_quality, write_reported_version

URL = "/v1/admin/models/quality"


def _problem(client: TestClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail: str = response.json()["detail"]
    return detail


def test_the_current_versions_report_is_answered_whole(client: TestClient,
                                                       runtime: Runtime) -> None:
    report = sample_quality()
    version = write_reported_version(runtime.settings.artefact_dir, report)
    body = client.get(URL).json()
    assert body == {**report.model_dump(mode="json"), "version": version}
    # A stable code, worded by each reader: a later rewording orphans no stored report.
    assert body["candidates"]["ease"]["dropped"] == OVER_BUDGET == "over_budget"
    assert OVER_BUDGET in REASONS
    assert body["forms"]["ndcg10_after"] == 0.104


def test_a_kept_version_is_read_by_name_and_the_newest_is_current(
        client: TestClient, runtime: Runtime) -> None:
    root = runtime.settings.artefact_dir
    older = write_reported_version(root, sample_quality(products=10))
    newer = write_reported_version(root, sample_quality(products=20))
    assert client.get(f"{URL}/{older}").json()["products"] == 10
    assert client.get(f"{URL}/{newer}").json()["products"] == 20
    assert client.get(URL).json()["version"] == newer


def test_missing_reports_are_404_problems_that_say_why(client: TestClient,
                                                       runtime: Runtime) -> None:
    assert "no model has been trained" in _problem(client, URL)
    version = write_reported_version(runtime.settings.artefact_dir, None)
    assert "before quality reports existed" in _problem(client, URL)
    assert "before quality reports existed" in _problem(client, f"{URL}/{version}")
    assert "is not kept" in _problem(client, f"{URL}/20200101T000000000000Z")
    # A version is a folder's name, never a path out of the artefacts
    # (tests/recommend/test_quality_reads.py tries more such names on the service).
    assert "is not kept" in _problem(client, f"{URL}/%2E%2E")


@pytest.mark.parametrize(("key", "status"), [(READ_KEY, 200), (INGEST_KEY, 200),
                                             (ADMIN_KEY, 200), (TOKEN_KEY, 403)])
def test_a_read_key_suffices(client: TestClient, runtime: Runtime, key: str,
                             status: int) -> None:
    write_reported_version(runtime.settings.artefact_dir, sample_quality())
    assert client.get(URL, headers={"X-API-Key": key}).status_code == status


@pytest.fixture
def stored(settings: Settings) -> Iterator[tuple[Runtime, TestClient]]:
    runtime = Runtime(settings.model_copy(update={"artefact_store": "database"}))
    with TestClient(create_app(runtime=runtime), headers={"X-API-Key": ADMIN_KEY}) as client:
        yield runtime, client
    runtime.close()


def test_with_the_database_store_the_published_report_is_read(
        stored: tuple[Runtime, TestClient], tmp_path_factory: pytest.TempPathFactory) -> None:
    runtime, client = stored
    assert "no model has been trained" in _problem(client, URL)
    # Trained on another host: this one has no folder of it, only the published rows.
    trainer = tmp_path_factory.mktemp("trainer")
    with runtime.session(write=True) as session:
        version = write_reported_version(trainer, sample_quality(customers=77),
                                         session=session)
        bare = write_reported_version(trainer, None, session=session)
    shutil.rmtree(trainer)
    assert "before quality reports existed" in _problem(client, URL)
    body = client.get(f"{URL}/{version}").json()
    assert (body["version"], body["customers"]) == (version, 77)
    assert "before quality reports existed" in _problem(client, f"{URL}/{bare}")
    assert "is not kept" in _problem(client, f"{URL}/20200101T000000000000Z")


def test_a_control_character_in_the_version_is_refused_not_a_crash(
        stored: tuple[Runtime, TestClient], client: TestClient) -> None:
    # PostgreSQL cannot compare a text with a NUL in it: the database store must never be
    # asked (and the folder store is refused the same way).
    _runtime, from_database = stored
    for reader in (from_database, client):
        answer = reader.get(f"{URL}/a%00b")
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
