"""Map the GA4 e-commerce events shops already send to our events.

Three shapes are accepted, as real sites produce them:

* dataLayer pushes, one object or a list in the order they were pushed:
  ``{"event": "add_to_cart", "user_id"?, "client_id"?, "event_id"?, "timestamp_micros"?,
  "ecommerce": {"items": [...]}}``. In a list, ``user_id``/``client_id`` carry over to the
  pushes after the one that set them, as in GTM's data model (sites push the identity
  once per page). Universal Analytics enhanced e-commerce (``ecommerce.detail.products``,
  ``add``, ``remove``, ``click``, ``purchase``, ``refund``, with the transaction in
  ``actionField.id``) is understood when ``items`` is missing.
  Items may also sit at the top level of a push (``{"event": "purchase", "items": [...]}``),
  as some tag set-ups write them.
* gtag entries, as ``gtag()`` writes them into the dataLayer and ``JSON.stringify`` gives
  them back: ``{"0": "event", "1": "purchase", "2": {...params, "items": [...]}}`` or the
  list ``["event", "purchase", {...}]``. ``set`` and ``config`` entries carry ``user_id``
  and ``client_id`` to the entries after them, as pushes do.
* Measurement Protocol bodies: ``{"client_id", "user_id"?, "timestamp_micros"?,
  "events": [{"name", "params": {...}, "timestamp_micros"?}]}``.

What maps to what:

==================  =============================================================
view_item           view, one per item
select_item         view with placement = the list's ``item_list_id`` (or name) when
                    it fits 20 characters, else ``"list"``
add_to_cart         add_to_cart, one per item (quantity defaults to 1)
remove_from_cart    remove_from_cart, one per item
purchase            purchase, one per item with its quantity and unit price, and the
                    ``transaction_id`` as its order
search,             search with ``search_term`` as the query
view_search_results
view_item_list      ignored: an impression of a list is not interest in each item,
                    and counting it as views would inflate popularity
refund              refund with the ``transaction_id`` as its order, one per item, or
                    one for the whole order without items: training then leaves the
                    order's refunded lines out of what is bought together (a refund does
                    not undo interest: views and the journey stay)
begin_checkout,     ignored: no event type of ours
others
==================  =============================================================

``user_id`` becomes ``customer_id``; otherwise ``client_id`` (or an app's
``app_instance_id``) becomes ``anonymous_id``. Numbers may come as strings (``"19.99"``,
``"19,99"``, ``"2"``); item ids under the legacy ``id`` key; currency and value may be
missing (we keep neither). Item names, brands and categories are accepted and not kept:
the catalogue is the source of product facts.

Event ids: a purchase (or a refund) with a ``transaction_id`` is one order however often
it is sent (a tag and a server both reporting it, a thank-you page reloaded): its events'
ids derive from the transaction and each item's id, whatever else differs. Otherwise
``event_id`` (dataLayer) or ``params.event_id`` (Measurement Protocol) when given,
suffixed ``:<item index>`` for item events. Otherwise a hash of the event's canonical
content: the person, its position in the body, the timestamp and the whole event, items
included, so that retrying an identical body is idempotent. Without an ``event_id`` or a
timestamp, two identical pushes sent in separate requests are one event; shops that
forward single pushes should send an ``event_id``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from prefero.errors import FieldError, InvalidInput
from prefero.events.schemas import MAX_BATCH, ErrorItem, EventIn, RejectedEvent
from prefero.types import EventType

__all__ = ["MAX_ITEMS", "Ga4Mapping", "map_ga4"]

Loc = tuple[str | int, ...]

# GA4 itself refuses more than 200 items per event; the cap also bounds the work one
# request can cause, as every item becomes an event.
MAX_ITEMS = 200

_ITEM_EVENTS: dict[str, EventType] = {
    "view_item": EventType.VIEW,
    "select_item": EventType.VIEW,
    "add_to_cart": EventType.ADD_TO_CART,
    "remove_from_cart": EventType.REMOVE_FROM_CART,
    "purchase": EventType.PURCHASE,
}
# Where a quantity means something; a quantity on a view is noise.
_COUNTED = {EventType.ADD_TO_CART, EventType.REMOVE_FROM_CART, EventType.PURCHASE,
            EventType.REFUND}
# Universal Analytics enhanced e-commerce action → the GA4 event it corresponds to.
_UA_ACTIONS = {
    "detail": "view_item",
    "click": "select_item",
    "add": "add_to_cart",
    "remove": "remove_from_cart",
    "purchase": "purchase",
    "checkout": "begin_checkout",
    "refund": "refund",
}
#: A search, and the page of its results (sites send one or the other, or both: one query
#: then counts twice, as a shopper who searched and looked at the results).
_SEARCH_EVENTS = ("search", "view_search_results")
#: The gtag commands an entry may start with.
_GTAG_COMMANDS = ("event", "set", "config", "consent", "js", "get")
_CENT = Decimal("0.01")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PLACEMENT_MAX = 20


@dataclass(frozen=True)
class Ga4Mapping:
    """The result of mapping one body.

    ``sources[i]`` is the index (in the body) of the GA4 event that ``events[i]`` came
    from; ``rejected`` carries the GA4 events that could not be mapped, with error paths
    from the body's root; ``ignored`` counts GA4 events that mean nothing here.
    """

    events: list[EventIn] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)
    ignored: int = 0

    @property
    def errors(self) -> list[FieldError]:
        return [FieldError(tuple(e.loc), e.msg) for r in self.rejected for e in r.errors]


class _Reject(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].msg if errors else "invalid")
        self.errors = errors


def _fail(loc: Loc, msg: str) -> _Reject:
    return _Reject([FieldError(loc, msg)])


@dataclass(frozen=True)
class _Source:
    """One GA4 event, whichever shape it came in, with where each part sits in the body."""

    index: int
    root: Loc
    name: str | None
    params: Mapping[str, Any]  # event-level parameters (MP params, dataLayer ecommerce+push)
    params_loc: Loc  # where a parameter sits in the body...
    nested: frozenset[str]  # ...unless it is one of these, which sit under nested_loc
    nested_loc: Loc
    items: Any
    items_loc: Loc
    user_id: Any
    client_id: Any
    identity_loc: Loc
    event_id: Any
    event_id_loc: Loc
    timestamp: Any
    timestamp_loc: Loc
    canonical: Any  # what the content hash covers

    def loc_of(self, key: str) -> Loc:
        return (*(self.nested_loc if key in self.nested else self.params_loc), key)


def map_ga4(body: Any) -> Ga4Mapping:
    """Map a dataLayer push, a list of pushes or a Measurement Protocol body.

    Problems with the body as a whole (wrong shape, more than 1,000 events) raise
    ``InvalidInput``; problems with one GA4 event reject that event only.

    >>> m = map_ga4({"event": "add_to_cart", "client_id": "555.1",
    ...              "ecommerce": {"items": [{"item_id": "sku-1", "price": "19.99"}]}})
    >>> (m.events[0].type.value, m.events[0].anonymous_id, str(m.events[0].price))
    ('add_to_cart', '555.1', '19.99')
    """
    events: list[EventIn] = []
    origins: list[int] = []
    rejected: list[RejectedEvent] = []
    ignored = 0
    for source in _sources(body):
        if isinstance(source, RejectedEvent):
            rejected.append(source)
            continue
        try:
            mapped = _map_source(source)
        except _Reject as reject:
            rejected.append(RejectedEvent(
                index=source.index, errors=[ErrorItem.of(e) for e in reject.errors]))
            continue
        if mapped is None:
            ignored += 1
            continue
        events.extend(mapped)
        origins.extend([source.index] * len(mapped))
    return Ga4Mapping(events, origins, rejected, ignored)


def _too_many(count: int, loc: Loc) -> InvalidInput:
    return InvalidInput(
        f"at most {MAX_BATCH} events per request, got {count}; split the batch",
        [FieldError(loc, f"at most {MAX_BATCH} events per request")],
    )


def _not_an_object(index: int, root: Loc) -> RejectedEvent:
    return RejectedEvent(index=index, errors=[ErrorItem(loc=list(root), msg="expected an object")])


def _sources(body: Any) -> list[_Source | RejectedEvent]:
    if isinstance(body, Mapping) and "events" in body:
        return _mp_sources(body)
    if isinstance(body, Mapping) and _gtag(body) is None:
        return [_push_source(body, index=0, root=(), inherited={})]
    if isinstance(body, Mapping) or (isinstance(body, list) and _gtag(body) is not None):
        return _entries([body], roots=[()])
    if isinstance(body, list):
        if len(body) > MAX_BATCH:
            raise _too_many(len(body), ())
        return _entries(body, roots=[(i,) for i in range(len(body))])
    raise InvalidInput(
        "expected a dataLayer push, a list of pushes or a Measurement Protocol body",
        [FieldError((), "expected an object or a list")],
    )


def _entries(entries: list[Any], *, roots: list[Loc]) -> list[_Source | RejectedEvent]:
    """A dataLayer's entries in the order they were pushed: pushes and gtag entries."""
    identity: dict[str, Any] = {}
    sources: list[_Source | RejectedEvent] = []
    for i, (entry, root) in enumerate(zip(entries, roots, strict=True)):
        gtag = _gtag(entry)
        if gtag is not None:
            source, sets = _gtag_source(gtag, index=i, root=root, inherited=identity,
                                        keyed=isinstance(entry, Mapping))
            sources.append(source)
        elif isinstance(entry, Mapping):
            sources.append(_push_source(entry, index=i, root=root, inherited=identity))
            sets = entry
        else:
            sources.append(_not_an_object(i, root))
            continue
        # Later entries see the identity this one set (or cleared, with null).
        for key in ("user_id", "client_id"):
            if key in sets:
                identity[key] = sets[key]
    return sources


def _gtag(entry: Any) -> list[Any] | None:
    """A gtag entry's arguments (``gtag("event", "purchase", {...})``), from its stringified
    arguments object or a list, or ``None`` for anything else.

    >>> _gtag({"0": "event", "1": "purchase", "2": {}})
    ['event', 'purchase', {}]
    >>> _gtag({"event": "purchase"}) is None
    True
    """
    if isinstance(entry, Mapping):
        if not entry or any(key != str(i) for i, key in enumerate(entry)):
            return None
        entry = list(entry.values())
    if isinstance(entry, list) and entry and entry[0] in _GTAG_COMMANDS:
        return entry
    return None


def _gtag_source(arguments: list[Any], *, index: int, root: Loc, inherited: Mapping[str, Any],
                 keyed: bool) -> tuple[_Source, Mapping[str, Any]]:
    """One gtag entry as a source, and the identity parameters it sets for later entries:
    ``event`` names an event with its parameters; ``set`` (``{user_id: ...}``) and
    ``config`` (``"G-XXXX", {user_id: ...}``) only set parameters, and mean nothing here.
    ``keyed``: the entry came as an arguments object (``{"0": ...}``), not a list."""
    command = arguments[0]
    at = len(arguments) - 1 if command in ("set", "config") else 2
    params = arguments[at] if len(arguments) > at and isinstance(arguments[at], Mapping) else {}
    params_loc: Loc = (*root, str(at) if keyed else at)
    name = (arguments[1] if command == "event" and len(arguments) > 1
            and isinstance(arguments[1], str) else None)
    user_id = params["user_id"] if "user_id" in params else inherited.get("user_id")
    client_id = params["client_id"] if "client_id" in params else inherited.get("client_id")
    source = _Source(
        index=index,
        root=root,
        name=name,
        params=params,
        params_loc=params_loc,
        nested=frozenset(),
        nested_loc=(),
        items=params.get("items"),
        items_loc=(*params_loc, "items"),
        user_id=user_id,
        client_id=client_id,
        identity_loc=(*params_loc, "user_id" if _text_or_none(user_id) else "client_id"),
        event_id=params.get("event_id"),
        event_id_loc=(*params_loc, "event_id"),
        timestamp=params.get("timestamp_micros"),
        timestamp_loc=(*params_loc, "timestamp_micros"),
        canonical={"gtag": arguments},
    )
    return source, (params if name is None else {})


def _mp_sources(body: Mapping[str, Any]) -> list[_Source | RejectedEvent]:
    events = body["events"]
    if not isinstance(events, list):
        raise InvalidInput("events must be a list", [FieldError(("events",), "expected a list")])
    if len(events) > MAX_BATCH:
        raise _too_many(len(events), ("events",))
    identity_loc: Loc = ("user_id",) if _text_or_none(body.get("user_id")) else ("client_id",)
    client = body.get("client_id")
    if client is None:
        client = body.get("app_instance_id")
    sources: list[_Source | RejectedEvent] = []
    for i, event in enumerate(events):
        root: Loc = ("events", i)
        if not isinstance(event, Mapping):
            sources.append(_not_an_object(i, root))
            continue
        params = event.get("params")
        params = params if isinstance(params, Mapping) else {}
        if "timestamp_micros" in event:
            timestamp, timestamp_loc = event["timestamp_micros"], (*root, "timestamp_micros")
        else:
            timestamp, timestamp_loc = body.get("timestamp_micros"), ("timestamp_micros",)
        sources.append(_Source(
            index=i,
            root=root,
            name=event.get("name") if isinstance(event.get("name"), str) else None,
            params=params,
            params_loc=(*root, "params"),
            nested=frozenset(),
            nested_loc=(),
            items=params.get("items"),
            items_loc=(*root, "params", "items"),
            user_id=body.get("user_id"),
            client_id=client,
            identity_loc=identity_loc,
            event_id=params.get("event_id"),
            event_id_loc=(*root, "params", "event_id"),
            timestamp=timestamp,
            timestamp_loc=timestamp_loc,
            canonical={"event": event, "timestamp_micros": timestamp},
        ))
    return sources


def _push_source(
    push: Mapping[str, Any], *, index: int, root: Loc, inherited: Mapping[str, Any]
) -> _Source:
    name = push.get("event") if isinstance(push.get("event"), str) else None
    ecommerce = push.get("ecommerce")
    ecommerce = ecommerce if isinstance(ecommerce, Mapping) else {}
    # Event-level parameters sit in ``ecommerce`` (item_list_id) or on the push itself
    # (search_term), depending on how the site wrote its tags.
    params: dict[str, Any] = {**push, **ecommerce}
    items: Any = ecommerce.get("items")
    items_loc: Loc = (*root, "ecommerce", "items")
    if items is None and "items" in push:
        items, items_loc = push["items"], (*root, "items")
    if items is None:
        for action, ga4_name in _UA_ACTIONS.items():
            block = ecommerce.get(action)
            if isinstance(block, Mapping):
                # In UA the action, not the event name ("addToCart", "gtm.dom"), says
                # what happened.
                name = ga4_name
                items = block.get("products", [])
                items_loc = (*root, "ecommerce", action, "products")
                action_field = block.get("actionField")
                if isinstance(action_field, Mapping) and "list" in action_field:
                    params["item_list_name"] = action_field["list"]
                if isinstance(action_field, Mapping) and "id" in action_field:
                    # UA's purchase and refund name their transaction here.
                    params.setdefault("transaction_id", action_field["id"])
                break
    user_id = push["user_id"] if "user_id" in push else inherited.get("user_id")
    client_id = push["client_id"] if "client_id" in push else inherited.get("client_id")
    return _Source(
        index=index,
        root=root,
        name=name,
        params=params,
        params_loc=root,
        nested=frozenset(ecommerce),
        nested_loc=(*root, "ecommerce"),
        items=items,
        items_loc=items_loc,
        user_id=user_id,
        client_id=client_id,
        identity_loc=(*root, "user_id" if _text_or_none(user_id) else "client_id"),
        event_id=push.get("event_id"),
        event_id_loc=(*root, "event_id"),
        timestamp=push.get("timestamp_micros"),
        timestamp_loc=(*root, "timestamp_micros"),
        canonical={"push": push},
    )


def _map_source(source: _Source) -> list[EventIn] | None:
    """The events for one GA4 event, or None when it means nothing here."""
    if source.name in _SEARCH_EVENTS:
        kind = EventType.SEARCH
    elif source.name == "refund":
        kind = EventType.REFUND
    elif source.name in _ITEM_EVENTS:
        kind = _ITEM_EVENTS[source.name]
    else:
        return None

    person, person_loc = _person(source)
    occurred_at = _timestamp(source.timestamp, source.timestamp_loc)
    given_id = _text(source.event_id, source.event_id_loc)
    base: dict[str, Any] = {"type": kind, **person}
    locs: dict[str, Loc] = {person_loc[0]: person_loc[1], "event_id": source.event_id_loc,
                            "occurred_at": source.timestamp_loc}
    if occurred_at is not None:
        base["occurred_at"] = occurred_at
    session_id = _session_id(source)
    if session_id is not None:
        base["session_id"] = session_id
        locs["session_id"] = source.loc_of("session_id")
    digest = None if given_id is not None else _digest(source, person)

    if kind is EventType.SEARCH:
        term = source.params.get("search_term")
        base["query"] = _text(term, source.loc_of("search_term"))
        base["event_id"] = given_id if given_id is not None else f"ga4:{digest}"
        locs["query"] = source.loc_of("search_term")
        return [_build(base, locs, source.root)]

    order = (_text(source.params.get("transaction_id"), source.loc_of("transaction_id"))
             if kind in (EventType.PURCHASE, EventType.REFUND) else None)
    if order is not None:
        base["order_id"] = order
        locs["order_id"] = source.loc_of("transaction_id")
    items = _items(source)
    if kind is EventType.REFUND:
        if order is None:
            raise _fail(source.loc_of("transaction_id"), "a refund needs its transaction_id")
        if not items:  # the whole order
            return [_build({**base, "event_id": _order_line_id(order, None, 0, kind)}, locs,
                           source.root)]
    if not items:
        raise _fail(source.items_loc, f"{source.name} needs at least one item")
    seen: dict[str, int] = {}  # an order's items by id: the same id twice is two lines
    events = []
    errors: list[FieldError] = []
    for k, item in enumerate(items):
        item_loc: Loc = (*source.items_loc, k)
        try:
            fields, item_locs = _item_fields(item, item_loc, kind, source)
            fields.update(base)
            if order is not None:
                line = seen[fields["product_id"]] = seen.get(fields["product_id"], -1) + 1
                fields["event_id"] = _order_line_id(order, fields["product_id"], line, kind)
            elif given_id is not None:
                fields["event_id"] = f"{given_id}:{k}"
            else:
                fields["event_id"] = f"ga4:{digest}:{k}"
            events.append(_build(fields, {**locs, **item_locs}, item_loc))
        except _Reject as reject:
            errors.extend(reject.errors)
    if errors:
        raise _Reject(errors)
    return events


def _order_line_id(order: str, product_id: str | None, line: int, kind: EventType) -> str:
    """The event id of one line of an order's purchase or refund (``product_id`` ``None``:
    the refund of the whole order): the same for every report of it.

    >>> buy = EventType.PURCHASE
    >>> _order_line_id("T-1", "sku-1", 0, buy) == _order_line_id("T-1", "sku-1", 0, buy)
    True
    >>> _order_line_id("T-1", "sku-1", 0, buy) == _order_line_id("T-1", "sku-1", 1, buy)
    False
    """
    content = json.dumps([order, product_id, line], ensure_ascii=False)
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"ga4:{kind.value}:{digest}"


def _build(fields: dict[str, Any], locs: Mapping[str, Loc], fallback: Loc) -> EventIn:
    try:
        return EventIn.model_validate(fields)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            name = error["loc"][0] if error["loc"] else None
            loc = locs.get(name, fallback) if isinstance(name, str) else fallback
            errors.append(FieldError(loc, error["msg"]))
        raise _Reject(errors) from None


def _person(source: _Source) -> tuple[dict[str, str], tuple[str, Loc]]:
    user = _text(source.user_id, source.identity_loc)
    if user is not None:
        return {"customer_id": user}, ("customer_id", source.identity_loc)
    client = _text(source.client_id, source.identity_loc)
    if client is not None:
        return {"anonymous_id": client}, ("anonymous_id", source.identity_loc)
    raise _fail(source.identity_loc, "needs a user_id or a client_id")


def _items(source: _Source) -> list[Any]:
    items = source.items
    if items is None:
        return []
    if not isinstance(items, list):
        raise _fail(source.items_loc, "items must be a list")
    if len(items) > MAX_ITEMS:
        raise _fail(source.items_loc, f"at most {MAX_ITEMS} items per event")
    return items


def _item_fields(
    item: Any, loc: Loc, kind: EventType, source: _Source
) -> tuple[dict[str, Any], dict[str, Loc]]:
    if not isinstance(item, Mapping):
        raise _fail(loc, "an item must be an object")
    # GA4 says item_id; UA and older GA4 tags say id.
    id_key = "item_id" if item.get("item_id") not in (None, "") else "id"
    product_id = _text(item.get(id_key), (*loc, id_key))
    if product_id is None:
        raise _fail((*loc, "item_id"), "item_id is missing")
    fields: dict[str, Any] = {"product_id": product_id}
    locs: dict[str, Loc] = {"product_id": (*loc, id_key), "price": (*loc, "price"),
                            "quantity": (*loc, "quantity")}
    price = _decimal(item.get("price"), (*loc, "price"))
    if price is not None:
        fields["price"] = price
    if kind in _COUNTED:
        quantity = _int(item.get("quantity"), (*loc, "quantity"))
        fields["quantity"] = 1 if quantity is None else quantity
    if source.name == "select_item":
        fields["placement"] = _placement(item, source.params)
    return fields, locs


def _placement(item: Mapping[str, Any], params: Mapping[str, Any]) -> str:
    # The list the shopper picked from says where interest came from; our column holds
    # short labels, so a long list id becomes the generic "list" rather than a cut one.
    for scope in (item, params):
        for key in ("item_list_id", "item_list_name"):
            value = scope.get(key)
            if isinstance(value, str) and 0 < len(value.strip()) <= _PLACEMENT_MAX:
                return value.strip()
    return "list"


def _session_id(source: _Source) -> str | None:
    for key in ("session_id", "ga_session_id"):
        value = source.params.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            # Only groups a visit's events; an over-long one is still a usable group key.
            return str(value)[:200]
    return None


def _digest(source: _Source, person: Mapping[str, str]) -> str:
    content = {"person": person, "position": source.index, "content": source.canonical}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    # surrogatepass: JSON may carry a lone surrogate escape ("\ud800"); the event is refused
    # later with its path, but its id must be computable first. Valid text hashes as before.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _text_or_none(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _text(value: Any, loc: Loc) -> str | None:
    """A string or an integer id as text; empty means absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = _text_or_none(value)
    if text is None:
        raise _fail(loc, "should be a string")
    return text


def _number(value: Any, loc: Loc) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _fail(loc, "should be a number")
    if isinstance(value, int | float):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        # "19,99" is how much of Europe writes a price; "1,299.00" keeps its dot.
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        raise _fail(loc, "should be a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _fail(loc, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise _fail(loc, "should be a finite number")
    return number


def _decimal(value: Any, loc: Loc) -> Decimal | None:
    number = _number(value, loc)
    # Sites send computed prices like 16.6583; money is kept in cents.
    return None if number is None else number.quantize(_CENT, rounding=ROUND_HALF_UP)


def _int(value: Any, loc: Loc) -> int | None:
    number = _number(value, loc)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise _fail(loc, "should be a whole number")
    return int(number)


def _timestamp(value: Any, loc: Loc) -> datetime | None:
    micros = _int(value, loc)
    if micros is None:
        return None
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise _fail(loc, "timestamp_micros is out of range") from None

