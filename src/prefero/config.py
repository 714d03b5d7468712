"""Settings read from the environment (prefix ``PREFERO_``)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from prefero.currency import (
    RATES_FILE_VARIABLE,
    RATES_VARIABLE,
    parse_rates,
    read_rates_file,
    shop_currency_code,
)
from prefero.origins import parse_origin
from prefero.types import Level

# Built-in values, public in this source: fine for the demo, refused in production.
DEMO_ADMIN_KEY = "demo-admin-key"
DEMO_SESSION_SECRET = "prefero-demo-session-secret"
DEMO_ERASURE_KEY = "prefero-demo-erasure-key"
DEMO_TOKEN_KEY = "prefero-demo-token-key"
DEMO_WEBHOOK_SECRET = "prefero-demo-webhook-secret"
DEMO_SECRETS = frozenset({DEMO_ADMIN_KEY, DEMO_SESSION_SECRET, DEMO_ERASURE_KEY, DEMO_TOKEN_KEY,
                          DEMO_WEBHOOK_SECRET})
# Production refuses a key or secret shorter than this: 32 characters of
# `secrets.token_urlsafe` carry about 190 bits, far past guessing, and a human-chosen word
# or an empty value (with which itsdangerous would sign happily) never reaches it.
MIN_SECRET_LENGTH = 32


def _strong(value: str) -> bool:
    """Whether ``value`` may serve as a key or secret in production.

    >>> _strong("x" * 32), _strong(" " * 40), _strong("short"), _strong(DEMO_ADMIN_KEY)
    (True, False, False, False)
    """
    return len(value.strip()) >= MIN_SECRET_LENGTH and value not in DEMO_SECRETS


def _rate_limit(value: str) -> str:
    """A rate in the notation of the ``limits`` library ("20/minute", "5000 per second")."""
    from limits import parse_many

    try:
        rates = parse_many(value)
    except ValueError:
        rates = []
    if len(rates) != 1:
        raise ValueError(f"{value!r} is not one rate such as '20/minute' or '5000/second'")
    return value


# Checked when the settings load, so a typo stops the server at start, naming the variable.
RateLimit = Annotated[str, AfterValidator(_rate_limit)]
# An origin in normal form (https://shop.example), since CORS, frame-ancestors and the CSRF
# check compare it literally; a path or a wildcard is refused at start.
Origin = Annotated[str, AfterValidator(parse_origin)]
# An ISO 4217 code from Babel's list, with no more decimals than prices are stored with.
ShopCurrency = Annotated[str, AfterValidator(shop_currency_code)]
# A freshness window (prefero.customers.freshness): at least a day, at most ten years.
FreshnessDays = Annotated[int, Field(ge=1, le=3650)]
# A facet name or a category segment that a window is given for.
FacetKey = Annotated[str, Field(min_length=1, max_length=200)]


class Settings(BaseSettings):
    """Everything a deployment can change, with the defaults the demo uses.

    >>> Settings(data_dir=Path("/tmp/x")).effective_database_url
    'sqlite:////tmp/x/prefero.db'
    """

    model_config = SettingsConfigDict(env_prefix="PREFERO_", extra="ignore")

    mode: Literal["demo", "production"] = Field(
        default="production",
        description="demo: persona sign-in and the built-in keys and secrets are allowed "
                    "(`prefero demo` sets it). production: neither; `serve` refuses to start "
                    "while a key or secret still has its built-in value.",
    )
    data_dir: Path = Field(default=Path("var"),
                           description="Embedded database and model artefacts.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means SQLite in data_dir."
    )
    admin_key: str = DEMO_ADMIN_KEY
    ingest_keys: list[str] = Field(default_factory=list)
    read_keys: list[str] = Field(default_factory=list)
    token_issuer_keys: list[str] = Field(
        default_factory=list,
        description="Keys with only the 'token' scope: the shop's sign-in service uses one "
                    "to issue and revoke customer tokens (the admin key can too).",
    )
    default_level: Level = "balanced"
    # Consent state for a purpose the customer never answered. Tracking and marketing are
    # opt-in; using what the customer *declared* to personalize is on unless withdrawn.
    default_consent_tracking: bool = False
    default_consent_personalization: bool = True
    default_consent_context: bool = False
    default_consent_marketing_email: bool = False
    default_consent_marketing_push: bool = False
    default_consent_marketing_inbox: bool = False
    default_consent_marketing_webhook: bool = False
    default_consent_fit: bool = False
    # --- the customer's terms for messages (prefero.messaging.terms) ---
    messages_base_url: str = Field(
        default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="The storefront's public address: links in messages (product pages, "
                    "one-click unsubscribe) start with it.")
    messages_language: Literal["en", "pl"] = Field(
        default="en", description="The shop's language for messages to a customer who "
                                  "chose none in their message terms.")
    unsubscribe_link_days: int = Field(
        default=180, ge=1, le=3650,
        description="How long a message's one-click unsubscribe link keeps working.")
    policy_version: str = "2026-01"
    session_secret: str = Field(
        default=DEMO_SESSION_SECRET,
        description="Signs the storefront's session cookie; set your own in production.",
    )
    erasure_key: str = Field(
        default=DEMO_ERASURE_KEY,
        description="Secret for the keyed hash in erasure receipts; set your own in production.",
    )
    token_keys: list[str] = Field(
        default_factory=lambda: [DEMO_TOKEN_KEY],
        description="Keys that sign customer tokens, newest first: the first signs, every "
                    "one verifies (add a new key in front to rotate, drop the old one later).",
    )
    token_ttl_seconds: int = Field(default=900, ge=30, le=86_400,
                                   description="Lifetime of a customer token.")
    exchange_session_seconds: int = Field(
        default=12 * 3600, ge=60, le=30 * 86_400,
        description="Lifetime of a preference-center session opened by the one-time "
                    "exchange; it also ends as soon as the customer's tokens are revoked or "
                    "the customer is erased.")
    allowed_origins: list[Origin] = Field(
        default_factory=list,
        description="The shop's own sites (scheme://host[:port]): CORS, frame-ancestors and "
                    "the Origin check of the server-rendered forms.",
    )
    image_origins: list[Origin] = Field(
        default_factory=list,
        description="Sites (scheme://host[:port]) the storefront may load product images "
                    "from (the Content-Security-Policy's img-src). A product whose image_link "
                    "is elsewhere is shown with a drawn picture instead of a broken one.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of proxies whose X-Forwarded-For is believed.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis shared by every process and host: rate-limit counters and the "
                    "declared-profile cache; unset means each process keeps its own.",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Mark the session cookie Secure; unset means yes in production, no in demo.",
    )
    # --- request limits (enforced before a body is parsed) ---
    max_body_bytes: int = Field(default=1 << 20, ge=1024,
                                description="Largest body of an ordinary API write or form.")
    max_events_body_bytes: int = Field(default=8 << 20, ge=1024,
                                       description="Largest body of an event batch.")
    max_import_body_bytes: int = Field(default=1 << 30, ge=1024,
                                       description="Largest catalogue feed upload (streamed "
                                                   "to a temporary file, never held whole).")
    rate_limits: bool = Field(default=True, description="Turn the rate limiter on or off.")
    # Rates in the notation of the `limits` library; the reasoning behind each default is in
    # prefero.api.rate_limit and the README's "Request limits" section.
    rate_limit_failed_auth: RateLimit = Field(
        default="20/minute",
        description="Failed authentications per client IP; past it every request of that IP "
                    "to /v1 answers 429 until the window frees up (stops key guessing).")
    rate_limit_api_key: RateLimit = Field(
        default="5000/second",
        description="Requests per API key (admin, ingest, read, token), counted by key id.")
    rate_limit_customer: RateLimit = Field(
        default="600/minute", description="Requests per customer token subject.")
    rate_limit_anonymous: RateLimit = Field(
        default="300/minute",
        description="Requests without an API key or token (pages, forms, docs) per client IP; "
                    "static files and health checks are not counted.")
    # --- the dashboard's staff sign-in (prefero.web.dashboard) ---
    rate_limit_staff_sign_in: RateLimit = Field(
        default="10 per 15 minutes",
        description="Failed dashboard sign-ins per staff e-mail address; past it the address "
                    "cannot sign in until the window frees up, its right password included "
                    "(failures also count in rate_limit_failed_auth per client IP).")
    staff_session_idle_seconds: int = Field(
        default=30 * 60, ge=60, le=7 * 86_400,
        description="A dashboard session ends after this long without a request.")
    staff_session_seconds: int = Field(
        default=12 * 3600, ge=300, le=30 * 86_400,
        description="A dashboard session ends this long after its sign-in, however busy.")
    # --- overload: answer 503 + Retry-After quickly instead of queueing for minutes ---
    max_in_flight: int = Field(
        default=4, ge=1, le=1000,
        description="Requests one worker process serves at once; more wait up to "
                    "admission_wait_seconds for a slot, then get 503. Requests are mostly "
                    "CPU under one GIL, so more at once only lengthens each one; keep it "
                    "below the thread pool (40) so that a request never waits for a thread. "
                    "The database pool is sized from it.")
    api_in_flight: int = Field(
        default=1, ge=1, le=1000,
        description="Of those, the most API requests (/v1/) one worker serves at once; the "
                    "other slots are kept for shoppers' pages, which also take a freed slot "
                    "before a waiting API request. A page then shares its worker with at most "
                    "this many API requests instead of queueing behind them all: under a "
                    "saturating API load, pages' p99 about 45 ms instead of 110-180 ms, the "
                    "API's throughput unchanged on SQLite and PostgreSQL (docs/benchmarks.md). "
                    "Set it to max_in_flight for no reservation.")
    requests_per_connection: int = Field(
        default=100, ge=0,
        description="A kept-alive connection is closed after this many requests (0: never), "
                    "so that the workers sharing the port share the load too "
                    "(prefero.api.keepalive says why).")
    gil_switch_ms: float = Field(
        default=1.0, gt=0.0, le=100.0,
        description="In server workers, how often (ms) a thread holding the GIL hands it "
                    "over when another thread waits (Python's default is 5). At 1 ms the "
                    "event loop, /healthz with it, answers while requests compute: worst "
                    "/healthz 12-36 ms against 59-75 ms at 5 ms (docs/benchmarks.md).")
    admission_wait_seconds: float = Field(
        default=0.25, ge=0.0, le=10.0,
        description="How long a request beyond max_in_flight waits for a slot before 503.")
    db_wait_seconds: float = Field(
        default=0.5, gt=0.0, le=30.0,
        description="The longest a request waits for a database connection or for SQLite's "
                    "write lock before it is answered 503 (also SQLite's busy timeout).")
    event_retention_days: int | None = Field(
        default=730, ge=1,
        description="Behavioural events older than this are deleted by `prefero maintain`; "
                    "unset keeps them.",
    )
    erasure_retrain_hours: int = Field(
        default=24, ge=1, le=24 * 30,
        description="An erasure of someone whose behaviour trained the artefacts queues a "
                    "retrain due within this many hours; `prefero maintain` (run it at least "
                    "this often) does it.",
    )
    facet_schema: Path | None = Field(
        default=None, description="YAML facet schema; unset means the packaged default."
    )
    configurators_file: Path | None = Field(
        default=None, description="YAML/JSON configurable products (prefero.configurators); "
                                  "unset means the packaged catalog/configurators.yaml.")
    size_charts: Path | None = Field(
        default=None, description="YAML size charts (prefero.fit.charts); unset means the "
                                  "packaged demo charts next to the facet schema.")
    # --- currency: every stored price and every budget is in the shop's currency ---
    shop_currency: ShopCurrency = Field(
        default="PLN",
        description="ISO 4217 code the shop sells in. Products priced in another currency "
                    "are converted at import with the rates below, or refused without one.")
    currency_rates: dict[str, Decimal] = Field(
        default_factory=dict,
        description='Exchange rates as JSON, e.g. {"EUR": 4.3}: one unit of each currency '
                    "is worth that many units of the shop's currency.")
    currency_rates_file: Path | None = Field(
        default=None,
        description="The same rates in a JSON file (e.g. written by a daily job); read when "
                    "a process starts. Set this or currency_rates, not both.")
    artefact_check_seconds: float = 2.0
    # --- message delivery (prefero.messaging.outbox, channels, worker; docs/messaging.md) ---
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for the e-mail channel; unset means e-mail is not configured "
                    "(no e-mail is queued) unless mailbox_dir is set.")
    smtp_port: int = Field(default=25, ge=1, le=65_535)
    smtp_starttls: bool = Field(default=False,
                                description="Upgrade the SMTP connection with STARTTLS.")
    smtp_username: str | None = Field(default=None, description="SMTP login, if it asks one.")
    smtp_password: str | None = None
    mail_from: str = Field(
        default="Prefero <shop@prefero.invalid>",
        description="The From of every e-mail; its domain also names the Message-ID "
                    "(<dedup key@domain>).")
    mail_to: str = Field(
        default="{customer_id}@customers.prefero.invalid",
        description="The To of an e-mail, with {customer_id} in it. Prefero keeps no e-mail "
                    "addresses: the shop's mail relay maps this address to the customer's "
                    "(recipient rewriting, e.g. a Postfix virtual map).")
    mailbox_dir: Path | None = Field(
        default=None,
        description="Without smtp_host, e-mails are written here as .eml files instead of "
                    "sent (`prefero demo` uses data_dir/mailbox).")
    push_url: str | None = Field(
        default=None, description="The shop's push sender: push messages are POSTed here as "
                                  "signed JSON; unset means push is not configured.")
    webhook_url: str | None = Field(
        default=None, description="The shop's own sender (SMS, a messenger...): webhook "
                                  "messages are POSTed here as signed JSON; unset means the "
                                  "channel is not configured.")
    webhook_secret: str = Field(
        default=DEMO_WEBHOOK_SECRET,
        description="Signs every push and webhook delivery (HMAC-SHA256, the "
                    "Prefero-Signature header); set your own in production.")
    message_send_timeout_seconds: float = Field(
        default=10.0, gt=0.0, le=300.0,
        description="Longest wait for one delivery (SMTP dialogue, webhook answer).")
    message_batch: int = Field(default=50, ge=1, le=10_000,
                               description="Messages a worker claims at once.")
    message_lease_seconds: float = Field(
        default=120.0, ge=5.0, le=86_400.0,
        description="A claimed message not marked sent or failed within this is claimed "
                    "again (its worker died): at least once, never lost.")
    message_max_attempts: int = Field(
        default=8, ge=1, le=100,
        description="Failed deliveries of one message before it is dead (the dead letters "
                    "`prefero messages status` lists and `retry-dead` requeues).")
    message_backoff_seconds: float = Field(
        default=30.0, gt=0.0, le=86_400.0,
        description="Wait before the first retry; each later one doubles it (with jitter), "
                    "up to a day.")
    message_poll_seconds: float = Field(
        default=2.0, gt=0.0, le=3600.0,
        description="How long an idle worker waits before looking for due messages again.")
    message_scan_seconds: float = Field(
        default=300.0, gt=0.0, le=86_400.0,
        description="How often the worker runs the trigger scanners (price drops, "
                    "restocks...).")
    abandoned_cart_hours: float = Field(
        default=4.0, gt=0.0, le=24.0 * 30,
        description="Hours after an add to cart with no later purchase or removal before "
                    "the abandoned-cart message (only for customers who allow tracking).")
    quiz_follow_up_hours: float = Field(
        default=24.0, gt=0.0, le=24.0 * 30,
        description="Hours after a finished quiz before its follow-up with the top results "
                    "in stock.")
    artefact_store: Literal["directory", "database"] = Field(
        default="directory",
        description="Where `prefero train` publishes artefacts for the API processes: "
                    "`directory` (data_dir/artefacts, one host) or `database` (the "
                    "model_artefacts table, read by every process on every host, each of "
                    "which keeps its copy in its own data_dir/artefacts).")
    models: list[str] = Field(
        default_factory=lambda: ["transitions", "cooccurrence", "als", "declared"],
        description="The models `prefero train` considers (names from `prefero.models`): "
                    "it validates each on the shop's own data and serves the ones, and the "
                    "weights, that rank customers' next items best within the time budget "
                    "below. A form model (`declared`) answers declared preferences and never "
                    "joins the average that scores histories.",
    )
    model_score_budget_ms: float = Field(
        default=4.0, ge=0.0, le=1_000.0,
        description="Milliseconds the served history models may take together to score one "
                    "customer's history over the catalogue; `prefero train` drops the model "
                    "that costs the least accuracy until they fit. The fast path's budget is "
                    "a p99 of 10 ms for the whole pipeline (docs/benchmarks.md); the models "
                    "get under half of it, the rest is candidates, filters, diversity and "
                    "explanations.")
    model_selection_seconds: float = Field(
        default=120.0, ge=0.0, le=86_400.0,
        description="Seconds `prefero train` may spend validating candidate models (cheapest "
                    "first); the ones it had no time left for are not tried and the report "
                    "says so.")
    # Ranking knobs a shop tunes without code (the rest of the pipeline's configuration has
    # sensible defaults in prefero.recommend.config).
    mmr_lambda: float = Field(default=0.75, ge=0.0, le=1.0,
                              description="1 = relevance only, 0 = diversity only")
    category_cap: int = Field(default=3, ge=1, description="Most items per leaf category")
    follows_max: int = Field(default=100, ge=1, le=10_000,
                             description="Most brands and categories one customer may follow")
    follows_new_days: int = Field(
        default=30, ge=1, le=3650,
        description="How recent a product must be to show under 'New from what you follow'")
    exploration_slot: bool = Field(default=True,
                                   description="Offer 'Something different' unless the "
                                               "customer turned it off")
    box_themes: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "snacks": ["Groceries > Snacks", "Groceries > Sweets"],
            "cosmetics": ["Cosmetics > Skincare", "Cosmetics > Body", "Cosmetics > Hair"],
            "coffee": ["Groceries > Beverages > Coffee & Tea"],
        },
        description="The taste boxes the shop offers: a key (snacks, cosmetics, coffee or "
                    "the shop's own) and the category paths its items come from.")
    box_items: int = Field(default=4, ge=1, le=20,
                           description="Most items in one taste box delivery")
    replenishment_lead_days: int = Field(
        default=3, ge=0, le=90,
        description="Days before a consumable is due again that the customer is reminded")
    consumable_categories: list[str] = Field(
        default_factory=lambda: ["Groceries", "Cosmetics"],
        description="Category paths whose products run out and are bought again: "
                    "replenishment reminders come only for these")
    suggestion_snooze_days: int = Field(
        default=90, ge=0,
        description="Days a suggested preference stays hidden after the customer rejected "
                    "it (or accepted it and later removed the preference)",
    )
    # --- fresh preferences (prefero.customers.freshness) ---
    freshness_days: FreshnessDays = Field(
        default=365,
        description="Days a declared like or rule counts as fresh after the customer last "
                    "declared or confirmed it. Past it the customer is asked to confirm it "
                    "again, and a like's weight halves with each further window (rules never "
                    "decay: they are the customer's safety).")
    freshness_facet_days: dict[FacetKey, FreshnessDays] = Field(
        default_factory=lambda: {"style": 730, "price_tier": 180},
        description='Windows per facet in days, as JSON, e.g. {"style": 730}: taste in style '
                    "changes slowly, what one pays less so. Other facets: freshness_days.")
    freshness_size_days: FreshnessDays = Field(
        default=365,
        description="Days a declared size counts as fresh (sizes never lose weight, they "
                    "filter; past the window the customer is asked about them).")
    freshness_size_category_days: dict[FacetKey, FreshnessDays] = Field(
        default_factory=lambda: {"kids": 120, "children": 120, "baby": 60},
        description="Shorter size windows for categories whose path has one of these "
                    'segments (compared case-insensitively), as JSON, e.g. {"kids": 120}: '
                    "children outgrow sizes within months. The shortest matching one counts.")
    popular_search_minimum: int = Field(
        default=5, ge=1,
        description="Searches of a query within 30 days before the search box offers it as "
                    "a popular completion: a query few shoppers used is never shown "
                    "(prefero.search.popular).",
    )
    popular_search_batch: int = Field(
        default=20, ge=1, le=10_000,
        description="Searches a process counts in memory before writing them in one unit of "
                    "work (or with its first search 10 s after the oldest, and when a worker "
                    "stops): on SQLite every write takes the one writer's turn. A process "
                    "that dies loses what waits (at most this many counts).",
    )
    # --- rule segments (prefero.segments) ---
    segment_refresh_batch: int = Field(
        default=200, ge=1, le=10_000,
        description="Customers whose data changed that a process queues before re-evaluating "
                    "their segments in one unit of work (or once the oldest waited "
                    "segment_refresh_seconds, and when a worker stops).")
    segment_refresh_seconds: float = Field(
        default=5.0, ge=0.0, le=3600.0,
        description="Longest a changed customer waits in the queue before the next write "
                    "re-evaluates their segments.")
    # --- content slots (prefero.content) ---
    content_time_zone: str = Field(
        default="UTC", pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$",
        description="The shop's IANA time zone (e.g. Europe/Warsaw): the time of day for "
                    "content targeting when neither the customer's profile nor the request "
                    "names a zone.")
    content_decision_batch: int = Field(
        default=50, ge=1, le=100_000,
        description="Content choices a process keeps in memory before writing them to the "
                    "exposure log in one unit of work (or 10 s after the oldest, and when a "
                    "worker stops). A process that dies loses what waits.")
    experiment_exposure_batch: int = Field(
        default=200, ge=1, le=100_000,
        description="Experiment renders a process keeps in memory (summed per unit and arm) "
                    "before writing them to the exposure log in one unit of work (or 10 s "
                    "after the oldest, and when a worker stops). A process that dies loses "
                    "what waits.")
    recommendation_impression_batch: int = Field(
        default=2_000, ge=1, le=1_000_000,
        description="Recommendation impressions (one per item served) a process counts in "
                    "memory before writing them in one upsert, on a thread of its own (or "
                    "10 s after the oldest, and when a worker stops; prefero.analytics."
                    "counts). A process that dies loses what waits.",
    )

    @field_validator("currency_rates", mode="before")
    @classmethod
    def _checked_rates(cls, value: object) -> object:
        return parse_rates(value, source=RATES_VARIABLE)

    @model_validator(mode="after")
    def _rates_for_other_currencies(self) -> Settings:
        # Checked at start, so that a typo in a code or an unreadable file stops the server
        # with the variable's name rather than refusing a feed hours later.
        if self.currency_rates and self.currency_rates_file is not None:
            raise ValueError(f"set {RATES_VARIABLE} or {RATES_FILE_VARIABLE}, not both")
        source, rates = RATES_VARIABLE, self.currency_rates
        if self.currency_rates_file is not None:
            source, rates = RATES_FILE_VARIABLE, read_rates_file(self.currency_rates_file)
        if self.shop_currency in rates:
            raise ValueError(f"{source}: {self.shop_currency} is the shop currency "
                             "(PREFERO_SHOP_CURRENCY); it takes no rate")
        return self

    @property
    def session_cookie_secure(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.mode == "production"

    def unsafe_secrets(self) -> list[str]:
        """The environment variables whose key or secret production must refuse: empty or
        blank, shorter than ``MIN_SECRET_LENGTH`` characters, or a built-in (public) value.
        Every entry of a list counts (one weak ingest key is as good as a weak admin key to an
        attacker); the values themselves are never named.

        >>> Settings(admin_key="k" * 32).unsafe_secrets()
        ['PREFERO_SESSION_SECRET', 'PREFERO_ERASURE_KEY', 'PREFERO_TOKEN_KEYS']
        >>> Settings(admin_key="k" * 32, session_secret="s" * 32, erasure_key="e" * 32,
        ...          token_keys=["t" * 32, ""], read_keys=["short"]).unsafe_secrets()
        ['PREFERO_TOKEN_KEYS', 'PREFERO_READ_KEYS']
        """
        single = {"PREFERO_ADMIN_KEY": [self.admin_key],
                  "PREFERO_SESSION_SECRET": [self.session_secret],
                  "PREFERO_ERASURE_KEY": [self.erasure_key]}
        lists = {"PREFERO_TOKEN_KEYS": self.token_keys, "PREFERO_INGEST_KEYS": self.ingest_keys,
                 "PREFERO_READ_KEYS": self.read_keys,
                 "PREFERO_TOKEN_ISSUER_KEYS": self.token_issuer_keys}
        # The webhook secret signs only deliveries to push_url/webhook_url: a shop that
        # configured neither sends nothing it could sign, and need not invent a secret.
        if self.push_url or self.webhook_url:
            single["PREFERO_WEBHOOK_SECRET"] = [self.webhook_secret]
        # No token key at all is refused too: nothing could sign or verify a customer token.
        return [name for name, values in {**single, **lists}.items()
                if any(not _strong(value) for value in values)
                or (name == "PREFERO_TOKEN_KEYS" and not values)]

    def refuse_unsafe(self) -> None:
        """Raise ``UnsafeConfiguration`` in production mode while a key or secret is empty,
        short or a built-in value (``unsafe_secrets``). Every way of starting the server
        (``prefero serve``, the ASGI entry point under uvicorn/gunicorn, ``create_app``)
        calls this first.

        >>> Settings(mode="demo", admin_key="").refuse_unsafe()
        >>> Settings(mode="production").refuse_unsafe()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        prefero.errors.UnsafeConfiguration: refusing to start in production mode: ...
        """
        from prefero.errors import UnsafeConfiguration

        if self.mode == "production" and (found := self.unsafe_secrets()):
            raise UnsafeConfiguration(found)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'prefero.db'}"

    @property
    def artefact_dir(self) -> Path:
        return self.data_dir / "artefacts"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
