"""Message triggers that answer a customer's own request: no experiment may hold them back.

A customer who asked to be told something (this product back in stock, their box ready, a
reminder they switched on) gets it whatever arm they are in: holding back what a customer
asked for is not a test a shop may run. So the long-term holdout lets these messages through
(``prefero.experiments.message_arms``), and a messages experiment may not target one of these
triggers (``prefero.experiments.service`` refuses the set-up).

- ``price_drop``, ``back_in_stock``: heard by whoever watches the product ("let me know
  when…"). The same triggers also reach customers who follow or like the product's brand or
  category; the decision sees only the trigger, so the whole trigger is exempt, erring on the
  customer's side (a held-out customer may hear of a followed brand's sale).
- ``box_ready``: the customer subscribed to the box.
- ``abandoned_cart``, ``replenishment``, ``quiz_follow_up``: off until the customer switches
  them on (``prefero.messaging.terms.DEFAULT_TRIGGERS``); the message says "You asked for…".

Left to test: ``new_from_followed`` and ``stale_preference``, on by default and sent on the
shop's initiative.
"""

from __future__ import annotations

from prefero.messaging.kinds import TRIGGERS, Trigger

__all__ = ["REQUESTED", "TESTABLE", "requested"]

#: Triggers whose messages answer the customer's own request.
REQUESTED: frozenset[Trigger] = frozenset({
    Trigger.PRICE_DROP, Trigger.BACK_IN_STOCK, Trigger.BOX_READY, Trigger.ABANDONED_CART,
    Trigger.REPLENISHMENT, Trigger.QUIZ_FOLLOW_UP})
#: Triggers a messages experiment may target, in the triggers' order.
TESTABLE: tuple[Trigger, ...] = tuple(t for t in TRIGGERS if t not in REQUESTED)


def requested(trigger: str) -> bool:
    """Does a message of ``trigger`` answer the customer's own request?

    >>> requested("back_in_stock"), requested("stale_preference")
    (True, False)
    """
    return trigger in REQUESTED
