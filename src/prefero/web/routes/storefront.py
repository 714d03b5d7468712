"""The demo shop: personalized home rows, category and search pages that honour the
customer's rules (with a visible way to see everything), product pages, a cart kept in the
signed session, and a checkout offering optional add-on services.

The customer is always the session's visitor (``visitor(request)``); no page takes a
customer id from the request, so a session can only ever act for itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, BackgroundTasks, Form, Query
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from prefero.analytics.counts import count_impressions
from prefero.analytics.reasons import is_reason_code, leading_reason
from prefero.api.deps import DbSession, Rt
from prefero.catalog.facets import (
    CATEGORY_SEPARATOR,
    FacetSchema,
    category_ancestors,
    normalize_category,
)
from prefero.catalog.models import Product
from prefero.content.decisions import log_decision
from prefero.content.schemas import ContentAnswer
from prefero.content.service import ContentRequest, content_for
from prefero.content.visitor import RETURNING_AFTER
from prefero.customers.preferences import remove_dismissal
from prefero.db.base import utcnow
from prefero.delivery.service import CheckoutDelivery, checkout_delivery, customer_zone
from prefero.errors import NotFound, PreferoError
from prefero.events.schemas import EventIn
from prefero.events.service import ingest
from prefero.experiments.content_arms import expose_served
from prefero.experiments.serving import Served, expose_arms
from prefero.i18n.catalogues import N_
from prefero.messaging.triggers.watches import is_watching
from prefero.orders.cart import CartEntry, clear_cart, entries, remove_entry
from prefero.orders.checkout import (
    CONFIGURE_FIRST,
    CartLine,
    CheckoutRefused,
    Shop,
    add_to_cart,
    cart_lines,
    place_checkout,
)
from prefero.orders.service import checkout_order_id, get_order, has_order, new_order_id
from prefero.recommend.basis import PERSONAL, row_basis
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.checkout import checkout_add_ons
from prefero.recommend.constraints import (
    UNAVAILABLE,
    violations,
)
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import Reason, RecommendationQuery, RecommendedItem
from prefero.recommend.wording import rule_text, word
from prefero.runtime import Runtime
from prefero.search.departments import departments
from prefero.search.listing import (
    SORTS,
    Filters,
    Listing,
    Sort,
    browse_category,
    browse_search,
    filterable,
)
from prefero.search.popular import count_search
from prefero.search.service import HiddenByPreference
from prefero.types import EventType, Placement
from prefero.web.i18n import Translator, language_of, translator
from prefero.web.identity import visitor
from prefero.web.order_words import delivery_words
from prefero.web.render import page, templates
from prefero.web.routes.follows import follow_buttons, new_arrival_cards
from prefero.web.routes.measurements import page_advisor, product_fit
from prefero.web.visit_events import record, visitor_event

__all__ = ["router"]

router = APIRouter()

HOME_N = 8
MORE_ROWS_POOL = 40
ROW_N = 8
LISTING_N = 48
SIMILAR_N = 8
CART_COMPLEMENTS_N = 4
CHECKOUT_N = 4
MAX_ADD_ONS = 3
# Values of one facet a listing's address may choose (a form lists at most a dozen).
MAX_FILTER_VALUES = 50


# --- formatting -------------------------------------------------------------------------

def category_href(path: str) -> str:
    """The storefront address of a category path.

    >>> category_href("Groceries > Pasta & Grains")
    '/c/Groceries/Pasta%20%26%20Grains'
    """
    return "/c/" + "/".join(quote(part, safe="") for part in path.split(CATEGORY_SEPARATOR))


templates.env.filters["category_href"] = category_href


# --- view models -------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    product_id: str
    title: str
    price: float
    currency: str
    category: str
    reasons: tuple[str, ...]
    exploring: bool
    # The model's other colours and sizes the customer may choose (labels), when it has any.
    colors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    # (placement, leading reason code) of a card counted as a recommendation impression, so
    # that following its link counts the click (``_followed``); None on other cards.
    shown_as: tuple[str, str] | None = None

    @property
    def follow(self) -> str:
        """The query its product links carry: ``?rec=home&why=trending``, or nothing."""
        if self.shown_as is None:
            return ""
        return "?" + urlencode({"rec": self.shown_as[0], "why": self.shown_as[1]})


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


def _card(item: RecommendedItem, t: Translator, *, schema: FacetSchema,
          drop: Iterable[str] = (), shown_on: Placement | None = None) -> Card:
    """The card of ``item``; ``shown_on`` names the placement whose impression it counts
    as (its links then report a click there)."""
    dropped = set(drop)
    reasons: list[Reason] = [r for r in item.reasons if r.code not in dropped] or item.reasons
    family = item.variants
    return Card(product_id=item.product_id, title=item.title, price=item.price,
                currency=item.currency, category=item.category,
                reasons=tuple(word(r.code, r.params, schema=schema, language=t.language)
                              for r in reasons),
                exploring=any(r.code == "exploration" for r in item.reasons),
                colors=tuple(schema.value_in("color", c, t.language)
                             for c in family.colors) if family else (),
                sizes=tuple(schema.value_in("size", v, t.language)
                            for v in family.sizes) if family else (),
                shown_as=(shown_on, leading_reason(item.reasons)) if shown_on else None)


def _translator(request: Request) -> Translator:
    return translator(language_of(request))


def _local(path: str | None) -> str:
    """Only a path on this site may be a redirect target (no open redirect)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _here(request: Request) -> str:
    """This page's address to come back to, less a followed card's click report (coming
    back is not another click)."""
    query = request.url.query
    if any(name in request.query_params for name in _FOLLOWED):
        query = urlencode([(k, v) for k, v in request.query_params.multi_items()
                           if k not in _FOLLOWED])
    return request.url.path + (f"?{query}" if query else "")


# The query a recommended card's links carry (``Card.follow``): where it was shown, and its
# leading reason code.
_FOLLOWED = ("rec", "why")
#: The placements whose cards the storefront counts as shown, hence reports clicks of.
TRACKED_PLACEMENTS: tuple[Placement, ...] = ("home", "product", "cart", "checkout")
#: A reload of the page a card led to within this many seconds is not another click.
CLICK_WINDOW_SECONDS = 30 * 60


def _followed(request: Request, product_id: str) -> EventIn | None:
    """The ``rec_click`` of a recommended card followed to ``product_id``'s page, from the
    link's ``rec`` and ``why``; None when the address reports none. An address is anyone's
    to type: a placement the storefront does not track reports nothing, a reason code
    Prefero does not give is left out (the click counts under "reason not reported"),
    and nothing here can end in an error page.

    The event id is derived from the visitor, product, placement, reason and a
    ``CLICK_WINDOW_SECONDS`` window, so that reloading the page (or coming back to it from
    a form that returns there) counts once; ingest ignores an id it has seen."""
    placement = request.query_params.get("rec")
    if placement not in TRACKED_PLACEMENTS:
        return None
    reason = request.query_params.get("why")
    if reason is None or not is_reason_code(reason):
        reason = None
    window = int(time.time() // CLICK_WINDOW_SECONDS)
    digest = hashlib.sha256("\x1f".join(
        (visitor(request).customer_id, product_id, placement, reason or "", str(window))
    ).encode()).hexdigest()[:40]
    return visitor_event(request, EventType.REC_CLICK, product_id=product_id,
                         placement=placement, reason=reason, event_id=f"web-click-{digest}")


def _recommend(session: Session, runtime: Runtime, query: RecommendationQuery, *,
               apply_preferences: bool = True, profile: CustomerProfile | None = None
               ) -> Served:
    """A row's answer with the experiment arms it served: the page exposes them
    (``_rendered``) once it is made."""
    return runtime.recommender.serve(session, query, apply_preferences=apply_preferences,
                                     profile=profile)


def _rendered(runtime: Runtime, background: BackgroundTasks, *served: Served) -> None:
    """One render of each arm the page's rows served, logged after the page is sent."""
    if any(answer.assignments for answer in served):
        background.add_task(expose_arms, runtime, *served)


def _row_title(t: Translator, items: Sequence[RecommendedItem], *,
               context: str | None = None) -> str:
    """A row named by what placed most of its items (``recommend.basis``): "Picked for you"
    only where the customer's declared preferences or behaviour did, the page's own title
    (``context``) where the page's products did, else what the shop itself ranks."""
    basis = row_basis([item.basis for item in items],
                      default="context" if context is not None else "editorial")
    if basis == "context" and context is not None:
        return context
    if basis in PERSONAL:
        return t("Picked for you")
    return t("Popular and new")


_NO_PRODUCT = "This product does not exist or is no longer in the shop."
_NO_CATEGORY = "This category does not exist or has nothing to buy."


def _not_found(request: Request, session: Session, runtime: Runtime, message: str
               ) -> HTMLResponse:
    return page(request, "storefront/not_found.html", session=session, runtime=runtime,
                status_code=404, message=message)


# --- content slots ------------------------------------------------------------------------

#: The slots the home page shows: a hero above the rows, a block for new or returning visitors.
HOME_SLOTS = ("home-hero", "home-welcome")
# When this browser first came (epoch seconds, in the signed session): the shop's own
# "returning" for the content slots, as any shop would keep it in a cookie.
_FIRST_SEEN = "first_seen"


def _returning(request: Request) -> bool | None:
    """True once this browser's first visit is a while ago; else ``None``, so that the
    service decides by the account's age: a customer who signs in on a new browser has
    been here before, a stranger has not."""
    now = time.time()
    first = request.session.get(_FIRST_SEEN)
    if not isinstance(first, int | float):
        request.session[_FIRST_SEEN] = now
        return None
    return True if now - float(first) >= RETURNING_AFTER.total_seconds() else None


def _content(request: Request, session: Session, runtime: Runtime, background: BackgroundTasks,
             t: Translator) -> dict[str, ContentAnswer]:
    """The home page's slots for this visitor (a slot the shop has not made is left out),
    each choice and each experiment's render logged after the page is sent."""
    who = visitor(request)
    referrer = request.headers.get("referer")
    if referrer is not None and (not referrer.isprintable() or (
            request.url.hostname and request.url.hostname in referrer)):
        referrer = None  # a page of this shop is not where the visitor came from
    query = request.query_params
    ask = ContentRequest.model_validate({
        "customer_id": who.customer_id, "visitor_id": who.customer_id,
        "returning": _returning(request), "referrer": (referrer or None) and referrer[:2000],
        "user_agent": (request.headers.get("user-agent") or "")[:1000] or None,
        **{name: query[name][:200] for name in ("utm_source", "utm_medium", "utm_campaign")
           if query.get(name, "").isprintable() and query.get(name)}})
    found: dict[str, ContentAnswer] = {}
    for key in HOME_SLOTS:
        try:
            served = content_for(session, slot_key=key, request=ask,
                                 settings=runtime.settings, schema=runtime.facet_schema,
                                 language=t.language, experiments=runtime.experiments)
        except NotFound:
            continue
        background.add_task(log_decision, runtime, served.pending)
        background.add_task(expose_served, runtime, served.exposures)
        found[key] = served.answer
    return found


# --- home --------------------------------------------------------------------------------

@router.get("/")
def home(request: Request, session: DbSession, runtime: Rt,
         background: BackgroundTasks) -> Response:
    t = _translator(request)
    customer_id = visitor(request).customer_id
    index, _model = runtime.recommender.snapshot(session)
    # Both rows' pipelines from one read of the customer.
    profile = runtime.recommender.profile(session, customer_id)
    first = _recommend(session, runtime, RecommendationQuery(
        customer_id=customer_id, placement="home", n=HOME_N), profile=profile)
    picked = first.result.items
    schema = runtime.facet_schema
    count_impressions(runtime, placement="home", items=picked)
    rows = [Row("picked", _row_title(t, picked), "home",
                tuple(_card(i, t, schema=schema, shown_on="home") for i in picked))]
    # The same pipeline, asked for more: rows of what is trending and what is new, each item
    # shown once on the page and every rule still applied.
    shown = {item.product_id for item in picked}
    more = _recommend(session, runtime, RecommendationQuery(
        customer_id=customer_id, placement="home", n=MORE_ROWS_POOL, exploration=False),
        profile=profile)
    pool = more.result.items
    for key, code, title in (("trending", "trending", t("Trending now")),
                             ("new", "new_arrival", t("New arrivals"))):
        chosen = [item for item in pool if item.product_id not in shown
                  and any(r.code == code for r in item.reasons)][:ROW_N]
        shown |= {item.product_id for item in chosen}
        count_impressions(runtime, placement="home", items=chosen)
        if chosen:
            rows.append(Row(key, title, "home",
                            tuple(_card(i, t, schema=schema, shown_on="home")
                                  for i in chosen)))
    _rendered(runtime, background, first, more)
    return page(request, "storefront/home.html", session=session, runtime=runtime,
                rows=[row for row in rows if row.cards], departments=departments(index),
                followed_new=new_arrival_cards(session, runtime, profile=profile,
                                               index=index, language=t.language),
                back="/", slots=_content(request, session, runtime, background, t),
                fit_advisor=page_advisor(request, session, runtime))


# --- listings: category and search ---------------------------------------------------------

def _hidden(t: Translator, request: Request, *, total: int,
            hidden: Sequence[HiddenByPreference], show_all: bool) -> Hidden:
    """The line above a listing, from what each rule hid (labels already in the page's
    language). Products hidden for stating nothing on a safety facet are counted apart
    ("12 hidden: Allergens: no information")."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "all"]
    base = request.url.path
    filtered = base + (f"?{urlencode(params)}" if params else "")
    everything = base + "?" + urlencode([*params, ("all", "1")])
    sentence = t.plural("{n} product hidden by your preferences",
                        "{n} products hidden by your preferences", total)
    rules = "; ".join(part for part in (
        ", ".join(h.label for h in hidden if not h.missing_information),
        *(t("{n} hidden: {reason}", n=t.number(h.count), reason=h.label)
          for h in hidden if h.missing_information)) if part)
    return Hidden(total=total, sentence=sentence, rules=rules, show_all=show_all,
                  all_url=everything, filtered_url=filtered)


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True)
class Paging:
    """The links below a listing: previous, the pages around this one, next."""

    previous: str | None
    next: str | None
    links: tuple[PageLink | None, ...]  # None: a gap ("…")


def _with(request: Request, **changes: str | None) -> str:
    """This page's address with ``changes`` to its query (``None`` removes a key)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    return request.url.path + (f"?{urlencode(params)}" if params else "")


def _paging(request: Request, *, page: int, pages: int) -> Paging | None:
    if pages <= 1:
        return None
    def url(number: int) -> str:
        return _with(request, page=None if number == 1 else str(number))
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[PageLink | None] = []
    for number in wanted:
        if links and links[-1] is not None and number - links[-1].number > 1:
            links.append(None)
        links.append(PageLink(number, url(number), number == page))
    return Paging(previous=url(page - 1) if page > 1 else None,
                  next=url(page + 1) if page < pages else None, links=tuple(links))


def _amount(text: str) -> float | None:
    """A price bound typed into the filter form, as either language writes it ("12,50",
    "1 299,99", "1,299.99"); anything else (empty, a word, a negative) means no bound.

    >>> _amount("12,50"), _amount("1\u00a0299,99"), _amount("1,299.99"), _amount("cheap")
    (12.5, 1299.99, 1299.99, None)
    """
    cleaned = "".join(text.split()).replace("\u00a0", "").replace("\u202f", "")
    # Both marks: the comma groups thousands (English); a comma alone is the decimal one.
    cleaned = cleaned.replace(",", "") if "." in cleaned else cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if 0 <= value < 1e12 else None


def _filters(request: Request, session: Session, runtime: Runtime, *, price_min: str,
             price_max: str) -> Filters:
    """The facet values chosen in the filter form (one query key per facet), each within
    the form's own limits."""
    schema = runtime.facet_schema
    index, _model = runtime.recommender.snapshot(session)
    values = {}
    for facet in filterable(schema):
        # Compared as the API compares them ("Black" is black); a value no product has
        # (a hand-edited address) narrows nothing and is not echoed back as chosen.
        chosen = [schema.compared(facet, v) for v in request.query_params.getlist(facet)
                  if 0 < len(v) <= 200]
        known = [v for v in chosen if (facet, v) in index.postings]
        if known:
            values[facet] = tuple(dict.fromkeys(known[:MAX_FILTER_VALUES]))
    low, high = _amount(price_min), _amount(price_max)
    if low is not None and high is not None and low > high:
        low, high = high, low  # typed the other way round: the range meant is the same
    return Filters(values=values, price_min=low, price_max=high)


def _listing_page(request: Request, session: Session, runtime: Runtime, template: str,
                  listing: Listing, *, show_all: bool, **context: Any) -> Response:
    t = _translator(request)
    return page(
        request, template, session=session, runtime=runtime, listing=listing,
        # no search was typed on a category, so "Matches your search" would mislead
        cards=[_card(item, t, schema=runtime.facet_schema,
                     drop=("search_match",) if template.endswith("category.html") else ())
               for item in listing.items],
        hidden=_hidden(t, request, total=listing.hidden_total, hidden=listing.hidden,
                       show_all=show_all),
        paging=_paging(request, page=listing.page, pages=listing.pages),
        sorts=SORTS, sort_names=SORT_NAMES, back=_here(request),
        fit_advisor=page_advisor(request, session, runtime), **context)


def _search_prompt(request: Request, session: Session, runtime: Runtime) -> Response:
    """The search page before anything is typed."""
    return page(request, "storefront/search.html", session=session, runtime=runtime,
                query="", listing=None, back=_here(request))


SORT_NAMES: dict[Sort, str] = {
    "for_you": N_("For you"),
    "price_asc": N_("Price: low to high"),
    "price_desc": N_("Price: high to low"),
    "newest": N_("Newest"),
}
SortQuery = Annotated[Sort, Query()]
PageQuery = Annotated[int, Query(ge=1, le=10_000)]
PriceQuery = Annotated[str, Query(max_length=20)]


@router.get("/c/{category_path:path}")
def category(request: Request, session: DbSession, runtime: Rt, category_path: str,
             all: Annotated[bool, Query()] = False, sort: SortQuery = "for_you",
             page: PageQuery = 1, price_min: PriceQuery = "", price_max: PriceQuery = ""
             ) -> Response:
    t = _translator(request)
    listing = browse_category(
        session, runtime.recommender, path=category_path,
        customer_id=visitor(request).customer_id, sort=sort, page=page,
        filters=_filters(request, session, runtime, price_min=price_min, price_max=price_max),
        apply_preferences=not all, language=t.language)
    if listing is None:
        return _not_found(request, session, runtime, _NO_CATEGORY)
    path = normalize_category(category_path)
    return _listing_page(request, session, runtime, "storefront/category.html", listing,
                         show_all=all, path=path, crumbs=category_ancestors(path),
                         follow_buttons=follow_buttons(
                             session, index=runtime.recommender.snapshot(session)[0],
                             customer_id=visitor(request).customer_id,
                             wanted=[("category", path)]))


@router.get("/search")
def search(request: Request, session: DbSession, runtime: Rt, background: BackgroundTasks,
           q: Annotated[str, Query(max_length=500)] = "",
           all: Annotated[bool, Query()] = False, sort: SortQuery = "for_you",
           page: PageQuery = 1, price_min: PriceQuery = "", price_max: PriceQuery = ""
           ) -> Response:
    t = _translator(request)
    if not q.strip():
        return _search_prompt(request, session, runtime)
    filters = _filters(request, session, runtime, price_min=price_min, price_max=price_max)
    listing = browse_search(
        session, runtime.recommender, query=q, customer_id=visitor(request).customer_id,
        sort=sort, page=page, apply_preferences=not all, language=t.language,
        filters=filters)
    # Counted once, as typed (anonymously: search.popular), after the page is sent: not
    # again for its next page, another order, a filter or "show all" (the same search).
    if page == 1 and sort == "for_you" and not all and filters == Filters():
        background.add_task(count_search, runtime, query=q,
                            corrected_query=listing.corrected_query, found=listing.total)
        # The visitor's own search, kept as ingest's consent allows (a prompt may offer to
        # pick it up again on the next visit: prefero.prompts, "returning after a search").
        record(session, request, runtime, EventType.SEARCH, product_id=None,
               query=q.strip())
    return _listing_page(request, session, runtime, "storefront/search.html", listing,
                         show_all=all, query=q)


# --- product -------------------------------------------------------------------------------

def _facet_list(runtime: Runtime, index: CatalogIndex, product: Product, t: Translator
                ) -> list[tuple[str, str]]:
    """The product's facets as (label, value) pairs for a definition list, in the page's
    language (the schema's labels; numbers as the language writes them)."""
    schema = runtime.facet_schema
    rows: list[tuple[str, str]] = []
    for name, raw in sorted(product.facets.items()):
        facet = schema.get(name)
        if name in ("category", "brand") or facet is None or raw in (None, "", []):
            continue
        if isinstance(raw, bool):
            value = t("Yes") if raw else t("No")
        elif isinstance(raw, list):
            value = ", ".join(schema.value_in(name, str(v), t.language,
                                              shown=index.label(name, str(v))) for v in raw)
        elif isinstance(raw, int | float):
            value = schema.measure_in(name, t.number(raw), t.language)
        else:
            value = schema.value_in(name, str(raw), t.language,
                                    shown=index.label(name, str(raw)))
        rows.append((schema.label_in(name, t.language), value))
    return rows


@router.get("/p/{product_id}")
def product(request: Request, session: DbSession, runtime: Rt, product_id: str,
            background: BackgroundTasks) -> Response:
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
    conflicts = [rule_text(key, profile=profile, schema=runtime.facet_schema,
                           language=t.language, currency=runtime.shop_currency, index=index)
                 for key in violations(index, position, profile) if key != UNAVAILABLE]
    served = _recommend(session, runtime, RecommendationQuery(
        customer_id=customer_id, placement="product", product_id=product_id, n=SIMILAR_N),
        profile=profile)
    similar = served.result.items
    count_impressions(runtime, placement="product", items=similar)
    _rendered(runtime, background, served)
    # The click that brought the visitor here (a recommended card's link), then the view.
    click = _followed(request, product_id)
    ingest(session, [*([click] if click else []),
                     visitor_event(request, EventType.VIEW, product_id=product_id,
                                   placement="product")], settings=runtime.settings,
           experiments=runtime.experiments)
    brand = index.label("brand", item.facets.get("brand") or "") or item.brand
    # Measurements read once for the page: the size advice here and on every card.
    advisor = page_advisor(request, session, runtime)
    return page(request, "storefront/product.html", session=session, runtime=runtime,
                fit=product_fit(advisor, product=item, schema=runtime.facet_schema,
                                language=t.language), fit_advisor=advisor,
                product=item, brand=brand, price=float(item.effective_price),
                available=bool(index.eligible[position]),
                crumbs=category_ancestors(item.category) if item.category else [],
                facets=_facet_list(runtime, index, item, t), conflicts=conflicts,
                cards=[_card(i, t, schema=runtime.facet_schema, shown_on="product")
                       for i in similar],
                row_title=_row_title(t, similar, context=t("Similar and complementary")),
                follow_buttons=follow_buttons(session, index=index, customer_id=customer_id,
                                              wanted=[("brand", item.brand),
                                                      ("category", item.category)]),
                watching=is_watching(session, customer_id=customer_id, product_id=product_id),
                back=_here(request))


# --- "Not for me" ---------------------------------------------------------------------------

@router.post("/dismiss")
def dismiss(request: Request, session: DbSession, runtime: Rt,
            product_id: Annotated[str, Form(min_length=1, max_length=200)],
            placement: Annotated[str, Form(max_length=20)] = "home",
            back: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    index, _model = runtime.recommender.snapshot(session)
    if product_id not in index.position:
        return _not_found(request, session, runtime, _NO_PRODUCT)
    record(session, request, runtime, EventType.REC_DISMISS, product_id=product_id,
            placement=placement or None)
    title = index.titles[index.position[product_id]]
    if request.headers.get("hx-request") == "true":
        # htmx swaps the card for "Hidden · Undo"; the out-of-band region tells screen readers.
        return page(request, "storefront/_dismissed.html", session=session, runtime=runtime,
                    product_id=product_id, title=title, placement=placement, back=back)
    # Without JavaScript the next page offers the undo at its top (storefront/_undo.html).
    request.session[_UNDO_KEY] = {"product_id": product_id, "title": title,
                                  "placement": placement, "back": _local(back)}
    return RedirectResponse(_local(back), status_code=303)


@router.post("/dismiss/undo")
def undo_dismiss(request: Request, session: DbSession, runtime: Rt,
                 product_id: Annotated[str, Form(min_length=1, max_length=200)],
                 placement: Annotated[str, Form(max_length=20)] = "home",
                 back: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """Take a "Not for me" back: the product may be recommended again."""
    remove_dismissal(session, customer_id=visitor(request).customer_id, product_id=product_id)
    request.session.pop(_UNDO_KEY, None)
    index, _model = runtime.recommender.snapshot(session)
    lines = _cart_lines(index, [product_id])
    if request.headers.get("hx-request") == "true":
        # The card comes back where it was (without its reasons, which were for that list).
        return page(request, "storefront/_restored.html", session=session, runtime=runtime,
                    card=lines[0] if lines else None, placement=placement, back=back)
    return RedirectResponse(_local(back), status_code=303)


_UNDO_KEY = "undo_dismissal"


def _pop_undo(request: Request) -> dict[str, str] | None:
    """The product just marked "Not for me" on a page without JavaScript, shown once (as
    Flask's flashed messages are read by the page that shows them)."""
    found = request.session.pop(_UNDO_KEY, None)
    if isinstance(found, dict) and all(isinstance(found.get(k), str) for k in
                                       ("product_id", "title", "placement", "back")):
        return {k: found[k] for k in ("product_id", "title", "placement", "back")}
    return None


templates.env.globals["undo_dismissal"] = _pop_undo


# --- cart and checkout ---------------------------------------------------------------------

def _cart_lines(index: CatalogIndex, ids: Sequence[str]) -> list[Card]:
    lines = []
    for product_id in ids:
        position = index.position.get(product_id)
        if position is not None:
            lines.append(Card(product_id=product_id, title=index.titles[position],
                              price=float(index.price[position]),
                              currency=index.currency_of(position),
                              category=index.categories[position], reasons=(),
                              exploring=False))
    return lines


def _add_ons(session: Session, runtime: Runtime, customer_id: str, cart: Sequence[str],
             t: Translator) -> list[Card]:
    """The checkout's optional services for the cart, as cards saying what each is for."""
    return [Card(product_id=a.product_id, title=a.title, price=a.price, currency=a.currency,
                 category=a.category, exploring=False,
                 reasons=(t("Goes with {title} in your cart", title=a.goes_with),))
            for a in checkout_add_ons(session, runtime.recommender, customer_id=customer_id,
                                      cart=cart, limit=MAX_ADD_ONS)]


@router.post("/cart/add")
def cart_add(request: Request, session: DbSession, runtime: Rt,
             product_id: Annotated[str, Form(min_length=1, max_length=200)],
             configuration_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
             size: Annotated[str | None, Form(max_length=40)] = None) -> Response:
    index, _model = runtime.recommender.snapshot(session)
    position = index.position.get(product_id)
    if position is None or not index.eligible[position]:
        return _not_found(request, session, runtime, _NO_PRODUCT)
    # The size choice's "Choose a size" posts an empty value: no size chosen.
    entry = CartEntry(product_id=product_id, configuration_id=configuration_id,
                      size=size or None)
    try:
        added = add_to_cart(session, _shop(runtime, index), request.session,
                            customer_id=visitor(request).customer_id, entry=entry)
    except CheckoutRefused as refused:
        # A card's "Add to cart" for a product that needs a choice first: the page where
        # the choice is made (the configurator, the product's size choice).
        if refused.detail == CONFIGURE_FIRST:
            return RedirectResponse(f"/configure/{quote(product_id, safe='')}",
                                    status_code=303)
        return RedirectResponse(f"/p/{quote(product_id, safe='')}?choose=size#size-choice",
                                status_code=303)
    except PreferoError:
        # A configuration not the visitor's own, or a size the product is not sold in: the
        # form was not the shop's, so nothing changes.
        return _not_found(request, session, runtime, _NO_PRODUCT)
    if added.added:
        record(session, request, runtime, EventType.ADD_TO_CART, product_id=product_id,
               quantity=1, price=added.unit_price, size=entry.size)
    return RedirectResponse("/cart", status_code=303)


@router.post("/cart/remove")
def cart_remove(request: Request, session: DbSession, runtime: Rt,
                product_id: Annotated[str, Form(min_length=1, max_length=200)]) -> Response:
    if remove_entry(request.session, product_id):
        record(session, request, runtime, EventType.REMOVE_FROM_CART, product_id=product_id)
    return RedirectResponse("/cart", status_code=303)


def _shop(runtime: Runtime, index: CatalogIndex) -> Shop:
    return Shop(index=index, configurators=runtime.configurators, settings=runtime.settings)


def _priced(request: Request, session: Session, runtime: Runtime,
            index: CatalogIndex) -> list[CartLine]:
    return cart_lines(session, _shop(runtime, index), customer_id=visitor(request).customer_id,
                      entries=entries(request.session), language=language_of(request))


def _zone(session: Session, runtime: Runtime, customer_id: str) -> str:
    """The shopper's clock: their profile's zone, else the shop's (as the API answers)."""
    return customer_zone(session, customer_id, default=runtime.settings.content_time_zone)


def _delivery_choice(request: Request, session: Session, runtime: Runtime,
                     cart: Sequence[str]) -> CheckoutDelivery:
    customer_id = visitor(request).customer_id
    return checkout_delivery(session, customer_id=customer_id, cart=cart, now=utcnow(),
                             language=language_of(request),
                             time_zone=_zone(session, runtime, customer_id))


@router.get("/cart")
def cart_page(request: Request, session: DbSession, runtime: Rt,
              background: BackgroundTasks) -> Response:
    t = _translator(request)
    index, _model = runtime.recommender.snapshot(session)
    lines = _priced(request, session, runtime, index)
    complements: list[Card] = []
    related: list[RecommendedItem] = []
    if lines:
        served = _recommend(session, runtime, RecommendationQuery(
            customer_id=visitor(request).customer_id, placement="cart", n=CART_COMPLEMENTS_N,
            cart=tuple(line.product_id for line in lines)))
        related = served.result.items
        _rendered(runtime, background, served)
        complements = [_card(item, t, schema=runtime.facet_schema, shown_on="cart")
                       for item in related]
        count_impressions(runtime, placement="cart", items=related)
    return page(request, "storefront/cart.html", session=session, runtime=runtime,
                lines=lines, total=sum(line.price for line in lines), cards=complements,
                row_title=_row_title(t, related, context=t("Goes well with your cart")),
                back="/cart")


_CHECKOUT_TOKEN = "checkout_token"


def _checkout_page(request: Request, session: Session, runtime: Runtime,
                   background: BackgroundTasks, *, problem: str | None = None) -> Response:
    index, _model = runtime.recommender.snapshot(session)
    lines = _priced(request, session, runtime, index)
    if not lines:
        return RedirectResponse("/cart", status_code=303)
    t = _translator(request)
    customer_id = visitor(request).customer_id
    cart = [line.product_id for line in lines]
    add_ons = _add_ons(session, runtime, customer_id, cart, t)
    # The order's row: what relates to it, less the services already offered as add-ons
    # above it (asked for that many more, so the row stays full).
    offered = {add_on.product_id for add_on in add_ons}
    served = _recommend(session, runtime, RecommendationQuery(
        customer_id=customer_id, placement="checkout", n=CHECKOUT_N + len(offered),
        cart=tuple(cart)))
    related = [item for item in served.result.items
               if item.product_id not in offered][:CHECKOUT_N]
    _rendered(runtime, background, served)
    count_impressions(runtime, placement="checkout", items=related)
    # One order per page shown: a second post of this form (a double click, a reload) names
    # the same order, which is then not placed again (``checkout_order_id``).
    token = request.session.get(_CHECKOUT_TOKEN)
    if not isinstance(token, str):
        token = request.session[_CHECKOUT_TOKEN] = secrets.token_urlsafe(16)
    return page(request, "storefront/checkout.html", session=session, runtime=runtime,
                lines=lines, total=sum(line.price for line in lines), add_ons=add_ons,
                problem=problem, checkout_token=token,
                delivery=_delivery_choice(request, session, runtime, cart),
                cards=[_card(item, t, schema=runtime.facet_schema, shown_on="checkout")
                       for item in related],
                row_title=_row_title(t, related, context=t("Complete your order")),
                back="/checkout", status_code=409 if problem else 200)


@router.get("/checkout")
def checkout_page(request: Request, session: DbSession, runtime: Rt,
                  background: BackgroundTasks) -> Response:
    return _checkout_page(request, session, runtime, background)


def _thanks(request: Request, order_id: str) -> Response:
    clear_cart(request.session)
    request.session.pop(_CHECKOUT_TOKEN, None)
    request.session["last_order"] = order_id
    return RedirectResponse("/checkout/thanks", status_code=303)


@router.post("/checkout")
def checkout(request: Request, session: DbSession, runtime: Rt,
             background: BackgroundTasks,
             add_on: Annotated[list[str] | None, Form()] = None,
             delivery_window: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
             checkout_token: Annotated[str | None, Form(min_length=1, max_length=64)] = None
             ) -> Response:
    index, _model = runtime.recommender.snapshot(session)
    cart = entries(request.session)
    customer_id = visitor(request).customer_id
    order_id = (checkout_order_id(customer_id=customer_id, token=checkout_token)
                if checkout_token else new_order_id())
    if has_order(session, customer_id=customer_id, order_id=order_id):
        return _thanks(request, order_id)  # this form was posted before: that order stands
    if not cart:
        return RedirectResponse("/cart", status_code=303)
    # Only services this page offered may be bought alongside; anything else sent is ignored.
    offered = {a.product_id for a in checkout_add_ons(
        session, runtime.recommender, customer_id=customer_id,
        cart=[entry.product_id for entry in cart], limit=MAX_ADD_ONS)}
    chosen = [p for p in dict.fromkeys(add_on or []) if p in offered]
    ids = [entry.product_id for entry in cart]
    try:
        order = place_checkout(session, _shop(runtime, index), customer_id=customer_id,
                               entries=cart, extras=chosen, language=language_of(request),
                               delivery=_delivery_choice(request, session, runtime, ids),
                               delivery_window=delivery_window, order_id=order_id,
                               anonymous=not visitor(request).signed_in)
    except CheckoutRefused as refused:
        session.rollback()
        return _checkout_page(request, session, runtime, background,
                              problem=_translator(request)(refused.detail))
    except IntegrityError:
        # The same form posted twice at once: the other request placed the order.
        session.rollback()
        return _thanks(request, order_id)
    # The purchases are recorded in the order's transaction: both are kept, or neither.
    ingest(session, [visitor_event(request, EventType.PURCHASE, product_id=line.product_id,
                                   quantity=line.quantity, price=line.unit_price,
                                   order_id=order.id, size=line.size)
                     for line in order.lines],
           settings=runtime.settings, experiments=runtime.experiments)
    return _thanks(request, order.id)


@router.get("/checkout/thanks")
def thanks(request: Request, session: DbSession, runtime: Rt) -> Response:
    placed = request.session.get("last_order")
    order = None
    if isinstance(placed, str):
        with contextlib.suppress(NotFound):
            order = get_order(session, customer_id=visitor(request).customer_id,
                              order_id=placed)
    customer_id = visitor(request).customer_id
    return page(request, "storefront/thanks.html", session=session, runtime=runtime,
                order=order,
                delivery=delivery_words(order.delivery if order else None,
                                        language=language_of(request),
                                        time_zone=_zone(session, runtime, customer_id)))
