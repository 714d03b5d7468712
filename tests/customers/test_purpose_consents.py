"""One purpose's consent for many customers at once (what ingest reads per batch) follows
the ledger rule of ``current_consents`` for every id, on SQLite (IN lists of 900) and on
PostgreSQL (one statement with an array of ids)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from prefero.customers.consent import current_consents, purpose_consents
from prefero.customers.models import ConsentRecord, Customer
from prefero.customers.repository import ensure_customers
from prefero.runtime import Runtime

# "a0" sorts before the 1,000 strangers ("s0000", ...) and "c0" to "c5" after them, so that on
# SQLite the people with ledger rows fall into different IN lists.
PEOPLE = ["a0", *(f"c{i}" for i in range(6))]
PURPOSES = ["tracking", "marketing_email"]


def append(runtime: Runtime, rows: list[tuple[str, str, bool]]) -> None:
    with runtime.session() as session:
        ensure_customers(session, dict.fromkeys({customer for customer, _, _ in rows}, False))
        for customer, purpose, granted in rows:
            session.add(ConsentRecord(customer_id=customer, purpose=purpose, granted=granted,
                                      policy_version="t"))
            session.flush()  # one row at a time: ids are the ledger's order


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PURPOSES),
                                 st.booleans()), max_size=15))
def test_every_id_gets_what_the_ledger_rule_says(
    runtime: Runtime, ledger: list[tuple[str, str, bool]]
) -> None:
    with runtime.session() as session:
        session.execute(delete(ConsentRecord))
        session.execute(delete(Customer))
    append(runtime, ledger)
    # More ids than one IN list takes, most of them never seen: those get the default.
    strangers = [f"s{i:04d}" for i in range(1000)]
    with runtime.session() as session:
        batched = purpose_consents(session, [*strangers, *PEOPLE], purpose="tracking",
                                   settings=runtime.settings)
        one_by_one = {cid: current_consents(session, customer_id=cid,
                                            settings=runtime.settings)["tracking"]
                      for cid in PEOPLE}
    default = runtime.settings.default_consent_tracking
    assert batched == {**dict.fromkeys(strangers, default), **one_by_one}


def test_no_ids_reads_nothing(runtime: Runtime) -> None:
    with runtime.session() as session:
        assert purpose_consents(session, [], purpose="tracking",
                                settings=runtime.settings) == {}
