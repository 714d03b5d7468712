"""The "Still true?" banner's forms without a browser: removing one stale size keeps the
category's other sizes, a value that is gone changes nothing, and confirming is audited."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from prefero.audit.models import AuditEntry
from prefero.customers.models import Preference
from prefero.customers.preferences import preference_rows, set_sizes
from prefero.customers.schemas import SizeSet
from prefero.db.base import utcnow
from prefero.runtime import Runtime
from webforms import me, shopper, submit

FORM = "/preferences/freshness"


def _stale_sizes(client: TestClient, runtime: Runtime) -> tuple[TestClient, str]:
    web = shopper(client)
    cid = me(web)
    with runtime.session() as session:
        set_sizes(session, customer_id=cid, schema=runtime.facet_schema,
                  sizes=SizeSet(category="Fashion > Kids", values=["104", "110"]))
        session.execute(update(Preference).where(Preference.customer_id == cid)
                        .values(confirmed_at=utcnow() - timedelta(days=200)))
    return web, cid


def _sizes(runtime: Runtime, cid: str) -> list[str]:
    with runtime.session() as session:
        return sorted(r.value for r in preference_rows(session, cid, ("size",)))


def test_the_banner_lists_stale_sizes_and_removes_one_at_a_time(client: TestClient,
                                                                runtime: Runtime) -> None:
    web, cid = _stale_sizes(client, runtime)
    page = web.get("/preferences").text
    assert "that you wear size 110 in Fashion › Kids" in page
    assert submit(web, FORM, {"action": "remove", "kind": "size", "facet": "Fashion > Kids",
                              "value": "110"}, follow_redirects=False).status_code == 303
    assert _sizes(runtime, cid) == ["104"]
    # Already gone (another tab): nothing changes, the page says so.
    answer = submit(web, FORM, {"action": "remove", "kind": "size",
                                "facet": "Fashion > Kids", "value": "110"})
    assert "no longer among your preferences" in answer.text
    assert _sizes(runtime, cid) == ["104"]
    bad = submit(web, FORM, {"kind": "budget", "facet": "x", "value": "y"})
    assert bad.status_code == 200 and "no longer among your preferences" in bad.text


def test_confirming_takes_the_value_off_the_banner_and_is_audited(client: TestClient,
                                                                  runtime: Runtime) -> None:
    web, cid = _stale_sizes(client, runtime)
    submit(web, FORM, {"kind": "size", "facet": "Fashion > Kids", "value": "104"})
    page = web.get("/preferences").text
    assert "wear size 104" not in page and "wear size 110" in page
    submit(web, FORM, {"every": "1"})
    assert 'id="freshness"' not in web.get("/preferences").text
    with runtime.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target == cid))
        assert list(actions).count("preferences.confirm") == 2
