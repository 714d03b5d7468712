import gc

from fastapi.testclient import TestClient

from prefero.api.app import create_app
from prefero.runtime import Runtime


def test_healthz_answers_on_a_migrated_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_healthz_touches_neither_the_pool_nor_a_thread(runtime: Runtime) -> None:
    """Finding 3: /healthz went unanswered for minutes while the pool was exhausted. With every
    pooled connection held, it still answers (and /readyz says 503 within its bound)."""
    # A /healthz that waited on the pool would get no connection within db_wait_seconds and
    # answer 503 (Overloaded): its 200 with every connection held is the proof, no timing.
    # (A short wait also lets /readyz's abandoned ping give up before the pool is disposed.)
    busy = Runtime(runtime.settings.model_copy(update={"max_in_flight": 1,
                                                        "db_wait_seconds": 0.2}))
    held = []
    try:
        with TestClient(create_app(runtime=busy)) as client:
            held = [busy.engine.connect() for _ in range(busy.settings.max_in_flight + 4)]
            alive = client.get("/healthz")
            assert alive.status_code == 200
            assert alive.json()["status"] == "ok"
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.headers["content-type"] == "application/problem+json"
            assert ready.headers["retry-after"] == "1"
            assert ready.json()["type"].endswith("/not-ready")
    finally:
        for connection in held:
            connection.close()
        busy.close()


def test_readyz_answers_when_the_database_does(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_a_worker_app_freezes_what_start_up_loaded_and_a_test_app_does_not(
    runtime: Runtime,
) -> None:
    before = gc.get_freeze_count()
    with TestClient(create_app(runtime=runtime)):
        assert gc.get_freeze_count() == before
    try:
        with TestClient(create_app(runtime=runtime, worker=True)) as client:
            assert gc.get_freeze_count() > before
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()  # the rest of the suite keeps a collectable heap
