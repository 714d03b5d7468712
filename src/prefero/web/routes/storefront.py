"""The demo shop: personalized home rows, category and search pages that honour the
customer's rules (with a visible way to see everything), product pages, a cart kept in the
signed session, and a checkout offering optional add-on services.

The customer is always the session's visitor (``visitor(request)``); no page takes a
customer id from the request, so a session can only ever act for itself.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import numpy as np
from fastapi import APIRouter, Form, Query
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.catalog.facets import CATEGORY_SEPARATOR, category_ancestors, normalize_category
from prefero.catalog.models import Product
from prefero.events.schemas import EventIn
from prefero.events.service import ingest
from prefero.quizzes.results import service_mask
from prefero.recommend.catalog_index import BoolArray, CatalogIndex
from prefero.recommend.constraints import allowed_mask, hidden_by_rule, violations
from prefero.recommend.query import Reason, RecommendationQuery, RecommendedItem
from prefero.runtime import Runtime
from prefero.search.service import search as search_products
from prefero.types import EventType, Placement
from prefero.web.i18n import Translator, language_of, translator
from prefero.web.identity import visitor
from prefero.web.render import page, templates

__all__ = ["router"]

router = APIRouter()

HOME_N = 8
MORE_ROWS_POOL = 40
ROW_N = 8
LISTING_N = 48
SIMILAR_N = 8
CART_COMPLEMENTS_N = 4
MAX_ADD_ONS = 3
# The cart lives in the signed cookie, which browsers cap at about 4 kB.
MAX_CART = 40
# RecommendationQuery.hits accepts at most this many ids.
MAX_HITS = 1000


# --- formatting -------------------------------------------------------------------------

def format_price(value: float | Decimal, language: str) -> str:
    """A price in złoty as the visitor's language writes it.

    >>> format_price(129.99, "pl"), format_price(129.99, "en")
    ('129,99 zł', '129.99 zł')
    >>> format_price(1299, "pl")
    '1\\xa0299,00 zł'
    """
    text = f"{float(value):,.2f}"
    if language == "pl":
        # Polish groups thousands with a (non-breaking) space and uses a decimal comma.
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"{text} zł"


@pass_context
def _zl(context: Context, value: float | Decimal) -> str:
    return format_price(value, str(context.get("lang") or "en"))


def category_href(path: str) -> str:
    """The storefront address of a category path.

    >>> category_href("Groceries > Pasta & Grains")
    '/c/Groceries/Pasta%20%26%20Grains'
    """
    return "/c/" + "/".join(quote(part, safe="") for part in path.split(CATEGORY_SEPARATOR))


templates.env.filters["zl"] = _zl
templates.env.filters["category_href"] = category_href


# English sentences made by the recommender and the constraint rules, as templates: the
# variable part (a product title, a category) is data and stays as it is; the rest is
# translated. Order matters only where one template is a prefix of another.
_SENTENCES = (
    "Something different",
    "Matches your search",
    "Trending now",
    "New arrival",
    "Matches your preference: {labels}",
    "Chosen by shoppers who like {labels}",
    "Goes with {title}, which you are looking at now",
    "Often bought together with {title}",
    "Often bought with {title}",
    "Often chosen after {title}, which you looked at",
    "Shoppers who chose {title} also chose this",
    "Because you viewed {title}",
    "Because you often browse {leaf}",
    "Similar to {title}",
    "Popular in {leaf}",
    "From our {leaf} range",
    "Within your budget of {amount}",
    "never {facet}: {value}",
    "must {facet}: {values}",
    "budget from {amount}",
    "budget up to {amount}",
    "sizes in {category}: {sizes}",
    "marked 'not for me'",
)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+)"
                    for i, part in enumerate(parts))
    return re.compile(f"^{regex}$", re.DOTALL)


_PATTERNS = tuple((template, _pattern(template)) for template in _SENTENCES)


def translate_sentence(text: str, t: Translator) -> str:
    """A recommender or rule sentence in the visitor's language, the data left untouched.

    >>> translate_sentence("Similar to Tee", Translator("pl", {"Similar to {title}":
    ...                                                        "Podobne do: {title}"}))
    'Podobne do: Tee'
    """
    for template, pattern in _PATTERNS:
        found = pattern.match(text)
        if found:
            return t(template, **found.groupdict())
    return t(text)


def _plural(t: Translator, n: int, *, one: str, few: str, many: str) -> str:
    """Polish has three plural forms (1 produkt, 2 produkty, 5 produktów); English two.
    ``few`` is a key only the Polish catalogue has, so English never sees it."""
    if n == 1:
        key = one
    elif t.language == "pl" and n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        key = few
    else:
        key = many
    return t(key, n=n)


# --- view models -------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    product_id: str
    title: str
    price: float
    category: str
    reasons: tuple[str, ...]
    exploring: bool


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    placement: Placement
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Hidden:
    """What the customer's rules hid from a listing, and how to see it anyway."""

    total: int
    sentence: str
    rules: str
    show_all: bool
    all_url: str
    filtered_url: str


def _card(item: RecommendedItem, t: Translator, *, drop: Iterable[str] = ()) -> Card:
    dropped = set(drop)
    reasons: list[Reason] = [r for r in item.reasons if r.code not in dropped] or item.reasons
    return Card(product_id=item.product_id, title=item.title, price=item.price,
                category=item.category,
                reasons=tuple(translate_sentence(r.text, t) for r in reasons),
                exploring=any(r.code == "exploration" for r in item.reasons))


def _translator(request: Request) -> Translator:
    return translator(language_of(request))


def _local(path: str | None) -> str:
    """Only a path on this site may be a redirect target (no open redirect)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _record(session: Session, request: Request, runtime: Runtime, kind: EventType, *,
            product_id: str | None, placement: str | None = None,
            price: Decimal | None = None, quantity: int | None = None) -> None:
    """One event for the visitor. A fresh id per call: every click is its own event, and
    ingest decides (by consent) what is kept about the person."""
    who = visitor(request)
    person: dict[str, Any] = ({"customer_id": who.customer_id} if who.signed_in
                              else {"anonymous_id": who.customer_id})
    event = EventIn(event_id=f"web-{uuid.uuid4().hex}", type=kind, product_id=product_id,
                    placement=placement, price=price, quantity=quantity, **person)
    ingest(session, [event], settings=runtime.settings)


def _recommend(session: Session, runtime: Runtime, query: RecommendationQuery, *,
               apply_preferences: bool = True) -> list[RecommendedItem]:
    return runtime.recommender.recommend(session, query,
                                         apply_preferences=apply_preferences).items


def _departments(index: CatalogIndex) -> list[tuple[str, list[str]]]:
    """Top-level departments with their second-level categories, for navigation."""
    tree: dict[str, set[str]] = {}
    for position in np.flatnonzero(index.eligible).tolist():
        path = index.categories[position]
        ancestors = category_ancestors(path) if path else []
        if ancestors:
            children = tree.setdefault(ancestors[0], set())
            if len(ancestors) > 1:
                children.add(ancestors[1])
    return [(top, sorted(children)) for top, children in sorted(tree.items())]


_NO_PRODUCT = "This product does not exist or is no longer in the shop."
_NO_CATEGORY = "This category does not exist or has nothing to buy."


def _not_found(request: Request, session: Session, runtime: Runtime, message: str
               ) -> HTMLResponse:
    return page(request, "storefront/not_found.html", session=session, runtime=runtime,
                status_code=404, message=message)


# --- home --------------------------------------------------------------------------------

@router.get("/")
def home(request: Request, session: DbSession, runtime: Rt) -> Response:
    t = _translator(request)
    customer_id = visitor(request).customer_id
    index, _model = runtime.recommender.snapshot(session)
    picked = _recommend(session, runtime, RecommendationQuery(
        customer_id=customer_id, placement="home", n=HOME_N))
    rows = [Row("picked", t("Picked for you"), "home", tuple(_card(i, t) for i in picked))]
    # The same pipeline, asked for more: rows of what is trending and what is new, each item
    # shown once on the page and every rule still applied.
    shown = {item.product_id for item in picked}
    pool = _recommend(session, runtime, RecommendationQuery(
        customer_id=customer_id, placement="home", n=MORE_ROWS_POOL, exploration=False))
    for key, code, title in (("trending", "trending", t("Trending now")),
                             ("new", "new_arrival", t("New arrivals"))):
        chosen = [item for item in pool if item.product_id not in shown
                  and any(r.code == code for r in item.reasons)][:ROW_N]
        shown |= {item.product_id for item in chosen}
        if chosen:
            rows.append(Row(key, title, "home", tuple(_card(i, t) for i in chosen)))
    return page(request, "storefront/home.html", session=session, runtime=runtime,
                rows=[row for row in rows if row.cards], departments=_departments(index),
                back="/")


# --- listings: category and search ---------------------------------------------------------

def _hidden(t: Translator, request: Request, *, total: int, labels: Sequence[str],
            show_all: bool) -> Hidden:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "all"]
    base = request.url.path
    filtered = base + (f"?{urlencode(params)}" if params else "")
    everything = base + "?" + urlencode([*params, ("all", "1")])
    sentence = _plural(t, total, one="{n} product hidden by your preferences",
                       few="{n} products hidden by your preferences [few]",
                       many="{n} products hidden by your preferences")
    rules = ", ".join(translate_sentence(label, t) for label in labels)
    return Hidden(total=total, sentence=sentence, rules=rules, show_all=show_all,
                  all_url=everything, filtered_url=filtered)


@router.get("/c/{category_path:path}")
def category(request: Request, session: DbSession, runtime: Rt, category_path: str,
             all: Annotated[bool, Query()] = False) -> Response:
    t = _translator(request)
    customer_id = visitor(request).customer_id
    index, _model = runtime.recommender.snapshot(session)
    path = normalize_category(category_path)
    in_category = (index.mask_for("category", runtime.facet_schema.compared("category", path))
                   if path else np.zeros(index.size, bool))
    available: BoolArray = in_category & index.eligible
    if not available.any():
        return _not_found(request, session, runtime, _NO_CATEGORY)
    profile = runtime.recommender.profile(session, customer_id)
    shown = available & allowed_mask(index, profile, apply_preferences=not all)
    hidden = [] if all else hidden_by_rule(index, profile, available)
    # A category has no text relevance; newest first is the shop's neutral order, which the
    # search placement then re-ranks for the customer (and explains).
    positions = np.flatnonzero(shown)
    ordered = positions[np.argsort(-index.created_ts[positions], kind="stable")][:MAX_HITS]
    items: list[RecommendedItem] = []
    if len(ordered):
        items = _recommend(session, runtime, RecommendationQuery(
            customer_id=customer_id, placement="search", n=LISTING_N,
            hits=tuple(index.ids[p] for p in ordered.tolist())), apply_preferences=not all)
    children = sorted({index.categories[p] for p in np.flatnonzero(available).tolist()})
    depth = len(category_ancestors(path))
    subcategories = sorted({CATEGORY_SEPARATOR.join(c.split(CATEGORY_SEPARATOR)[:depth + 1])
                            for c in children if len(category_ancestors(c)) > depth})
    return page(
        request, "storefront/category.html", session=session, runtime=runtime,
        path=path, crumbs=category_ancestors(path), subcategories=subcategories,
        # no search was typed here, so "Matches your search" would mislead
        cards=[_card(item, t, drop=("search_match",)) for item in items],
        total=int(shown.sum()),
        hidden=_hidden(t, request, total=int((available & ~shown).sum()),
                       labels=[h.label for h in hidden], show_all=all),
        back=_here(request))


@router.get("/search")
def search(request: Request, session: DbSession, runtime: Rt,
           q: Annotated[str, Query(max_length=500)] = "",
           all: Annotated[bool, Query()] = False) -> Response:
    t = _translator(request)
    result = None
    hidden = None
    if q.strip():
        result = search_products(session, runtime.recommender, query=q,
                                 customer_id=visitor(request).customer_id, n=LISTING_N,
                                 apply_preferences=not all)
        hidden = _hidden(t, request, total=result.hidden_total,
                         labels=[h.label for h in result.hidden], show_all=all)
    return page(request, "storefront/search.html", session=session, runtime=runtime,
                query=q, result=result, hidden=hidden,
                cards=[_card(item, t) for item in result.items] if result else [],
                back=_here(request))


# --- product -------------------------------------------------------------------------------

def _facet_list(runtime: Runtime, index: CatalogIndex, product: Product, t: Translator
                ) -> list[tuple[str, str]]:
    """The product's facets as (label, value) pairs for a definition list."""
    rows: list[tuple[str, str]] = []
    for name, raw in sorted(product.facets.items()):
        facet = runtime.facet_schema.get(name)
        if name in ("category", "brand") or facet is None or raw in (None, "", []):
            continue
        if isinstance(raw, bool):
            value = t("Yes") if raw else t("No")
        elif isinstance(raw, list):
            value = ", ".join(index.label(name, str(v)) for v in raw)
        elif isinstance(raw, int | float):
            number = f"{raw:g}".replace(".", "," if t.language == "pl" else ".")
            value = number + (f" {facet.unit}" if facet.unit else "")
        else:
            value = index.label(name, str(raw))
        rows.append((t(facet.label), value))
    return rows


@router.get("/p/{product_id}")
def product(request: Request, session: DbSession, runtime: Rt, product_id: str) -> Response:
    t = _translator(request)
    customer_id = visitor(request).customer_id
    item = session.get(Product, product_id)
    index, _model = runtime.recommender.snapshot(session)
    position = index.position.get(product_id)
    if item is None or position is None:
        return _not_found(request, session, runtime, _NO_PRODUCT)
    profile = runtime.recommender.profile(session, customer_id)
    # Reached by a link or typed address, a product the customer excluded is still shown,
    # with the reason, rather than pretending it does not exist.
    conflicts = [translate_sentence(v, t) for v in violations(index, position, profile)
                 if v != "not available"]
    similar = _recommend(session, runtime, RecommendationQuery(
        customer_id=customer_id, placement="product", product_id=product_id, n=SIMILAR_N))
    _record(session, request, runtime, EventType.VIEW, product_id=product_id,
            placement="product")
    brand = index.label("brand", item.facets.get("brand") or "") or item.brand
    return page(request, "storefront/product.html", session=session, runtime=runtime,
                product=item, brand=brand, price=float(item.effective_price),
                available=bool(index.eligible[position]),
                crumbs=category_ancestors(item.category) if item.category else [],
                facets=_facet_list(runtime, index, item, t), conflicts=conflicts,
                cards=[_card(i, t) for i in similar], back=_here(request))


# --- "Not for me" ---------------------------------------------------------------------------

@router.post("/dismiss")
def dismiss(request: Request, session: DbSession, runtime: Rt,
            product_id: Annotated[str, Form(min_length=1, max_length=200)],
            placement: Annotated[str, Form(max_length=20)] = "home",
            back: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    t = _translator(request)
    index, _model = runtime.recommender.snapshot(session)
    if product_id not in index.position:
        return _not_found(request, session, runtime, _NO_PRODUCT)
    _record(session, request, runtime, EventType.REC_DISMISS, product_id=product_id,
            placement=placement or None)
    if request.headers.get("hx-request") == "true":
        # htmx swaps the card for nothing; the out-of-band region tells screen readers.
        title = index.titles[index.position[product_id]]
        return templates.TemplateResponse(request, "storefront/_dismissed.html", {
            "t": t, "title": title})
    return RedirectResponse(_local(back), status_code=303)


# --- cart and checkout ---------------------------------------------------------------------

def _cart(request: Request) -> list[str]:
    raw = request.session.get("cart")
    return [p for p in raw if isinstance(p, str)] if isinstance(raw, list) else []


def _cart_lines(index: CatalogIndex, ids: Sequence[str]) -> list[Card]:
    lines = []
    for product_id in ids:
        position = index.position.get(product_id)
        if position is not None:
            lines.append(Card(product_id=product_id, title=index.titles[position],
                              price=float(index.price[position]),
                              category=index.categories[position], reasons=(),
                              exploring=False))
    return lines


def _add_ons(session: Session, runtime: Runtime, index: CatalogIndex, customer_id: str,
             cart: Sequence[str], t: Translator) -> list[Card]:
    """Optional services for what is in the cart: same department and, where a service says
    what it is for, the same use as a cart product; allowed by the customer's rules."""
    positions = [index.position[p] for p in cart if p in index.position]
    if not positions:
        return []
    profile = runtime.recommender.profile(session, customer_id)
    mask = service_mask(index) & allowed_mask(index, profile, exclude=cart)
    found: list[tuple[int, float, str, int, int]] = []
    for p in np.flatnonzero(mask).tolist():
        serves = {str(u) for u in index.facet_values[p].get("use") or []}
        for anchor in positions:
            uses = {str(u) for u in index.facet_values[anchor].get("use") or []}
            if int(index.vertical_code[anchor]) == int(index.vertical_code[p]) and (
                    not serves or serves & uses):
                found.append((0 if serves else 1, float(index.price[p]), index.ids[p], p,
                              anchor))
                break
    return [Card(product_id=pid, title=index.titles[p], price=float(index.price[p]),
                 category=index.categories[p], exploring=False,
                 reasons=(t("Goes with {title} in your cart", title=index.titles[anchor]),))
            for _rank, _price, pid, p, anchor in sorted(found)[:MAX_ADD_ONS]]


@router.post("/cart/add")
def cart_add(request: Request, session: DbSession, runtime: Rt,
             product_id: Annotated[str, Form(min_length=1, max_length=200)]) -> Response:
    index, _model = runtime.recommender.snapshot(session)
    position = index.position.get(product_id)
    if position is None or not index.eligible[position]:
        return _not_found(request, session, runtime, _NO_PRODUCT)
    cart = _cart(request)
    if product_id not in cart and len(cart) < MAX_CART:
        request.session["cart"] = [*cart, product_id]
        _record(session, request, runtime, EventType.ADD_TO_CART, product_id=product_id,
                quantity=1, price=Decimal(str(float(index.price[position]))))
    return RedirectResponse("/cart", status_code=303)


@router.post("/cart/remove")
def cart_remove(request: Request, session: DbSession, runtime: Rt,
                product_id: Annotated[str, Form(min_length=1, max_length=200)]) -> Response:
    cart = _cart(request)
    if product_id in cart:
        request.session["cart"] = [p for p in cart if p != product_id]
        _record(session, request, runtime, EventType.REMOVE_FROM_CART, product_id=product_id)
    return RedirectResponse("/cart", status_code=303)


@router.get("/cart")
def cart_page(request: Request, session: DbSession, runtime: Rt) -> Response:
    t = _translator(request)
    index, _model = runtime.recommender.snapshot(session)
    lines = _cart_lines(index, _cart(request))
    complements: list[Card] = []
    if lines:
        complements = [_card(item, t) for item in _recommend(session, runtime, RecommendationQuery(
            customer_id=visitor(request).customer_id, placement="cart", n=CART_COMPLEMENTS_N,
            cart=tuple(line.product_id for line in lines)))]
    return page(request, "storefront/cart.html", session=session, runtime=runtime,
                lines=lines, total=sum(line.price for line in lines), cards=complements,
                back="/cart")


@router.get("/checkout")
def checkout_page(request: Request, session: DbSession, runtime: Rt) -> Response:
    index, _model = runtime.recommender.snapshot(session)
    cart = _cart(request)
    lines = _cart_lines(index, cart)
    if not lines:
        return RedirectResponse("/cart", status_code=303)
    add_ons = _add_ons(session, runtime, index, visitor(request).customer_id, cart,
                       _translator(request))
    return page(request, "storefront/checkout.html", session=session, runtime=runtime,
                lines=lines, total=sum(line.price for line in lines), add_ons=add_ons)


@router.post("/checkout")
def checkout(request: Request, session: DbSession, runtime: Rt,
             add_on: Annotated[list[str] | None, Form()] = None) -> Response:
    index, _model = runtime.recommender.snapshot(session)
    cart = _cart(request)
    lines = _cart_lines(index, cart)
    if not lines:
        return RedirectResponse("/cart", status_code=303)
    # Only services this page offered may be bought alongside; anything else sent is ignored.
    offered = {a.product_id for a in _add_ons(session, runtime, index,
                                              visitor(request).customer_id, cart,
                                              _translator(request))}
    chosen = [p for p in dict.fromkeys(add_on or []) if p in offered]
    bought = [*lines, *_cart_lines(index, chosen)]
    for line in bought:
        _record(session, request, runtime, EventType.PURCHASE, product_id=line.product_id,
                quantity=1, price=Decimal(str(line.price)))
    request.session["cart"] = []
    request.session["last_order"] = [line.product_id for line in bought]
    return RedirectResponse("/checkout/thanks", status_code=303)


@router.get("/checkout/thanks")
def thanks(request: Request, session: DbSession, runtime: Rt) -> Response:
    index, _model = runtime.recommender.snapshot(session)
    raw = request.session.get("last_order")
    lines = _cart_lines(index, [p for p in raw if isinstance(p, str)]
                        if isinstance(raw, list) else [])
    return page(request, "storefront/thanks.html", session=session, runtime=runtime,
                lines=lines, total=sum(line.price for line in lines))
