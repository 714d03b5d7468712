"""A small shop whose recommendations have items to count."""

from __future__ import annotations

import pytest

from factories import activity, add_products, product
from prefero.runtime import Runtime


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as session:
        add_products(session, [
            product(f"p{i}", category="Groceries > Bread" if i % 2 else "Groceries > Pasta",
                    price=5 + i, title=f"Loaf {i}") for i in range(12)])
        activity(session, {f"p{i}": 10 + i for i in range(12)})
    return runtime
