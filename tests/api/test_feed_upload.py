"""The feed upload is streamed to a temporary file and parsed from it, never held whole."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from apikeys import ADMIN_KEY
from asgi_driver import call
from prefero.api.app import create_app
from prefero.catalog import service
from prefero.runtime import Runtime

MB = 1_000_000
PRODUCT = b'{"id": "A1", "title": "Tee", "price": "9.99", "currency": "PLN"}\n'


def _padded_feed(size: int) -> Iterator[bytes]:
    """One product and ``size`` bytes of blank lines, produced a piece at a time."""
    yield PRODUCT
    blank = b" " * 1023 + b"\n"
    chunk = blank * 64
    for _ in range(size // len(chunk)):
        yield chunk


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


def _import(app: FastAPI, body: Iterator[bytes]) -> Any:
    answer = call(app, "POST", "/v1/catalog/import?format=jsonl", body=body,
                  headers={"X-API-Key": ADMIN_KEY, "Content-Type": "application/x-ndjson"})
    assert answer.status == 200, answer.body
    return answer.json()


def test_the_parser_reads_a_file_not_the_body_in_memory(
        app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    real = service.parse_feed

    def spy(data: Any, **kwargs: Any) -> Any:
        seen.append(data)
        return real(data, **kwargs)

    monkeypatch.setattr(service, "parse_feed", spy)
    assert _import(app, iter([PRODUCT]))["created"] == 1
    (data,) = seen
    assert isinstance(data, io.BufferedRandom)  # the temporary file
    assert data.closed  # and it is gone once the route returned


def test_a_30_mb_upload_never_sits_in_memory(app: FastAPI) -> None:
    tracemalloc.start()
    try:
        report = _import(app, _padded_feed(30 * MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report["created"] == 1
    assert peak < 5 * MB, peak
