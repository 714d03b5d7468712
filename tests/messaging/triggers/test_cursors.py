"""Reading product changes after a cursor: a gap in the ids (a transaction that has not
committed yet) stops the reading until it is older than the grace period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from trigger_shop import NOW

from prefero.catalog.changes import ProductChange
from prefero.messaging.triggers.cursors import GAP_GRACE, pending_changes
from prefero.runtime import Runtime


def _change(cid: int, age: timedelta) -> ProductChange:
    return ProductChange(id=cid, product_id=f"p{cid}", kind="new", new_price=Decimal("1"),
                         currency="PLN", changed_at=NOW - age)


def test_a_young_gap_stops_the_reading_and_an_old_one_does_not(runtime: Runtime) -> None:
    with runtime.session() as session:
        session.add_all([_change(1, timedelta(0)), _change(2, timedelta(0)),
                         _change(4, timedelta(0))])
    with runtime.session() as session:
        batch = pending_changes(session, after_id=0, now=NOW)
        assert ([c.id for c in batch.changes], batch.last_id) == ([1, 2], 2)
        assert pending_changes(session, after_id=2, now=NOW).last_id == 2
        # Change 3 never came (rolled back): past the grace period the reading goes on.
        later = pending_changes(session, after_id=2, now=NOW + GAP_GRACE + timedelta(1))
        assert ([c.id for c in later.changes], later.last_id) == ([4], 4)
        # Nothing after the last one: the cursor stays.
        assert pending_changes(session, after_id=4, now=NOW).last_id == 4
