"""The small catalogue of ``search_catalogue`` as a fixture."""

from __future__ import annotations

import pytest

from prefero.runtime import Runtime
from search_catalogue import PRODUCTS, shop_of


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    return shop_of(runtime, PRODUCTS)
