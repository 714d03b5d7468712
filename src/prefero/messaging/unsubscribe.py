"""The one-click unsubscribe link of a message: a signed token naming the customer and the
trigger whose messages stop.

Signed with the customer-token keys (``Settings.token_keys``, newest first, every one
verifies) under a salt of its own, so neither kind of token passes for the other. It needs no
session and no database row: the signature is the proof that the link came from a message to
that customer, which is what lets a mail client unsubscribe with one POST (RFC 8058). It
stops one trigger on every channel, the least surprising reading of "stop these".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from prefero.config import Settings
from prefero.errors import InvalidToken, TokenExpired
from prefero.messaging.kinds import Trigger

__all__ = ["Unsubscribe", "sign_unsubscribe", "unsubscribe_url", "verify_unsubscribe"]

SALT = "prefero.unsubscribe.v1"
PATH = "/messages/unsubscribe"


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    customer_id: str
    trigger: Trigger


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose clock can be fixed (tests mint expired links without
    sleeping)."""

    def __init__(self, *args: Any, now: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(time.time() if self._now is None else self._now)


@lru_cache(maxsize=64)
def _serializer_for(keys: tuple[str, ...], now: float | None) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and verifies with all; the setting lists the newest
    # first.
    return URLSafeTimedSerializer(list(reversed(keys)), salt=SALT, signer=_ClockSigner,
                                  signer_kwargs={"now": now})


def _serializer(settings: Settings, now: float | None) -> URLSafeTimedSerializer:
    """Built once per key set (every offered message signs a link; building one derives
    keys for each); a fixed ``now`` (tests) gets one of its own."""
    if not settings.token_keys:
        raise InvalidToken("unsubscribe links are not configured (PREFERO_TOKEN_KEYS is empty)")
    return _serializer_for(tuple(settings.token_keys), now)


def sign_unsubscribe(settings: Settings, *, customer_id: str, trigger: Trigger,
                     now: float | None = None) -> str:
    """A token that stops ``trigger``'s messages to ``customer_id``.

    >>> s = Settings(token_keys=["k1"])
    >>> token = sign_unsubscribe(s, customer_id="c1", trigger=Trigger.PRICE_DROP)
    >>> verify_unsubscribe(s, token).trigger.value
    'price_drop'
    """
    return str(_serializer(settings, now).dumps({"c": customer_id, "t": trigger.value}))


def verify_unsubscribe(settings: Settings, token: str, *,
                       now: float | None = None) -> Unsubscribe:
    """What a valid, unexpired token names; ``InvalidToken`` for a forged or mangled one,
    ``TokenExpired`` past ``Settings.unsubscribe_link_days``."""
    try:
        payload = _serializer(settings, now).loads(
            token, max_age=settings.unsubscribe_link_days * 86_400)
    except SignatureExpired:
        raise TokenExpired("the unsubscribe link has expired") from None
    except BadSignature:
        raise InvalidToken("the unsubscribe link is not valid") from None
    if not isinstance(payload, dict):
        raise InvalidToken("the unsubscribe link is not valid")
    customer_id, trigger = payload.get("c"), payload.get("t")
    if not (isinstance(customer_id, str) and customer_id and isinstance(trigger, str)
            and trigger in {t.value for t in Trigger}):
        raise InvalidToken("the unsubscribe link is not valid")
    return Unsubscribe(customer_id=customer_id, trigger=Trigger(trigger))


def unsubscribe_url(settings: Settings, *, customer_id: str, trigger: Trigger,
                    now: float | None = None) -> str:
    """The link a message carries (also its ``List-Unsubscribe`` header)."""
    token = sign_unsubscribe(settings, customer_id=customer_id, trigger=trigger, now=now)
    return f"{settings.messages_base_url.rstrip('/')}{PATH}?token={token}"
