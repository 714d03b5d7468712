"""One small trained demo shop for the live measures' floor tests (``prefero bench live``
on the full demo gives the recorded figures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefero.config import Settings
from prefero.demo import load_demo
from prefero.recommend.training import train
from prefero.runtime import Runtime


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    path: Path = tmp_path_factory.mktemp("live")
    runtime = Runtime(Settings(data_dir=path / "shop"))
    load_demo(runtime, products=400, customers=300)
    train(runtime)
    runtime.recommender.refresh()
    return runtime
