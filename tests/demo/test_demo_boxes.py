"""The demo's taste box: one persona's box with a rated first delivery and a second one that
learned from it (the 1-star item gone, its brand not back), the same for the same demo."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from prefero.boxes import service
from prefero.boxes.models import BoxSubscription
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.runtime import Runtime

ANCHOR = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _boxes(tmp_path: Path) -> list[tuple[str, str, list[list[tuple[str, int | None]]]]]:
    runtime = Runtime(Settings(data_dir=tmp_path))
    try:
        load_demo(runtime, products=400, customers=120, anchor=ANCHOR)
        with runtime.session() as session:
            return [(box.customer_id, box.theme,
                     [[(item.product_id, item.rating) for item in delivery.items]
                      for delivery in service.deliveries(session, customer_id=box.customer_id,
                                                         box_id=box.id)])
                    for box in session.scalars(select(BoxSubscription))]
    finally:
        runtime.close()


def test_one_persona_has_a_rated_box_and_a_second_that_learned(tmp_path: Path) -> None:
    [(customer_id, theme, (second, first))] = _boxes(tmp_path / "a")
    ratings = [rating for _, rating in first]
    assert ratings[:2] == [5, 1] and all(r is not None for r in ratings)
    assert all(rating is None for _, rating in second)
    one_star = first[1][0]
    assert one_star not in {pid for pid, _ in second}
    # Deterministic: the same demo seeds the same box.
    assert _boxes(tmp_path / "b") == [(customer_id, theme, [second, first])]
