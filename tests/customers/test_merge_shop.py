"""Signing in keeps what the visitor did with the shop: orders and their delivery bookings,
saved configurations, delivery wishes, the prompts' caps (the stricter of the two) and
dismissals, and, with the account's fit consent, the measurements. Nothing of it is lost
with the visitor's row. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from factories import consent, customer
from prefero.configurators.models import SavedConfiguration
from prefero.customers.merge import merge_customers
from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryBooking, DeliveryWindow, DeliveryWish
from prefero.fit.models import FitProfile
from prefero.prompts.models import PromptDismissal, PromptSetting
from prefero.runtime import Runtime

VISITOR, ACCOUNT = "anon-v", "c1"


def _visitor_did_things(runtime: Runtime, *, account_caps: bool) -> None:
    start = utcnow() + timedelta(days=1)
    with runtime.session(write=True) as session:
        customer(session, VISITOR).anonymous = True
        customer(session, ACCOUNT)
        consent(session, VISITOR, "fit", True)
        session.add(DeliveryWindow(id="w", method="home", starts_at=start,
                                   ends_at=start + timedelta(hours=2), capacity=3, booked=1,
                                   price=Decimal("9.99"), currency="PLN", green=False))
        session.flush()
        session.add_all([
            DeliveryBooking(order_id="o-1", window_id="w", customer_id=VISITOR),
            DeliveryWish(customer_id=VISITOR, weekdays=[5], hours=[], method="home"),
            SavedConfiguration(customer_id=VISITOR, product_id="cfg-laptop-14",
                               choices={"memory": "ram-16"}, name="Mine",
                               price=Decimal("3999.00"), currency="PLN", digest="d"),
            PromptSetting(customer_id=VISITOR, per_visit=0, gap_minutes=30, off=True),
            PromptDismissal(customer_id=VISITOR, prompt_key="cart-exit"),
            FitProfile(customer_id=VISITOR, chest=98.0, fit="slim"),
        ])
        if account_caps:
            session.add(PromptSetting(customer_id=ACCOUNT, per_visit=2, gap_minutes=60,
                                      off=False))


def test_the_visitors_shop_data_follows_them_into_the_account(runtime: Runtime) -> None:
    _visitor_did_things(runtime, account_caps=True)
    with runtime.session(write=True) as session:
        merge_customers(session, anonymous_id=VISITOR, customer_id=ACCOUNT,
                        settings=runtime.settings)
    with runtime.session() as session:
        assert session.scalars(select(DeliveryBooking.customer_id)).all() == [ACCOUNT]
        assert session.get_one(DeliveryWish, ACCOUNT).weekdays == [5]
        assert session.scalars(select(SavedConfiguration.customer_id)).all() == [ACCOUNT]
        caps = session.get_one(PromptSetting, ACCOUNT)
        # The stricter of the two: "Don't show me these" said before signing in holds.
        assert (caps.off, caps.per_visit, caps.gap_minutes) == (True, 0, 60)
        assert session.scalars(select(PromptDismissal.customer_id)).all() == [ACCOUNT]
        # The visitor's fit consent moved with the consents, so the measurements did too.
        assert session.get_one(FitProfile, ACCOUNT).chest == 98.0


def test_measurements_stay_behind_without_the_accounts_fit_consent(runtime: Runtime) -> None:
    _visitor_did_things(runtime, account_caps=False)
    with runtime.session(write=True) as session:
        consent(session, ACCOUNT, "fit", False)
        merge_customers(session, anonymous_id=VISITOR, customer_id=ACCOUNT,
                        settings=runtime.settings)
    with runtime.session() as session:
        assert session.scalars(select(FitProfile)).all() == []
        assert session.get_one(PromptSetting, ACCOUNT).off is True
