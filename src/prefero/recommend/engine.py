"""The request-path engine: keeps the catalog snapshot, the trained artefacts and the shop's
merchandising rules (compiled over the snapshot) in memory, notices when any of them
changed, loads the customer's profile, applies the unit's experiment arms
(``prefero.experiments.serving``) and runs the pipeline."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.models import Revision
from prefero.catalog.revisions import CATALOG
from prefero.db.reads import read
from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.experiments.running import RunningExperiments
from prefero.experiments.service import EXPERIMENTS
from prefero.experiments.serving import ArmPlan, Served, plan_arms, plan_holdout
from prefero.merchandising.compiled import CompiledRules, compile_rules
from prefero.merchandising.service import MERCHANDISING, load_shop_rules
from prefero.recommend import artefact_store, wording
from prefero.recommend.artefacts import Artefacts, current_version, load_current
from prefero.recommend.catalog_index import CatalogIndex, build_catalog_index
from prefero.recommend.config import PipelineConfig
from prefero.recommend.declared_cache import DeclaredCache, DeclaredStore
from prefero.recommend.declared_shared import SharedDeclaredCache
from prefero.recommend.followers_shared import SharedFollowers
from prefero.recommend.models import ModelView, build_model_view
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import CustomerProfile, load_profile
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.recommend.versions import VersionViews, open_version

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["RecommendationEngine"]

_log = logging.getLogger("prefero.recommend.engine")

# Read on every request: the catalogue's counter, the merchandising rules' and the
# experiments', in one read (a change of the rules or of the running experiments costs the
# request path nothing until it happens).
_REVISIONS = select(Revision.name, Revision.value).where(
    Revision.name.in_((CATALOG, MERCHANDISING, EXPERIMENTS)))


def _revisions(session: Session) -> tuple[int, int, int]:
    """The catalogue's, the merchandising rules' and the experiments' revision counters
    (0: never bumped)."""
    values = {name: int(value or 0) for name, value in read(session, _REVISIONS, {})}
    return values.get(CATALOG, 0), values.get(MERCHANDISING, 0), values.get(EXPERIMENTS, 0)


class _Fresh(NamedTuple):
    catalogue: CatalogIndex
    model: ModelView
    rules: CompiledRules
    #: The experiments' revision counter as this request read it.
    experiments: int


def _load_newest(root: Path, *, fallback: ModelView | None) -> Artefacts | None:
    """The current artefacts. A version can be pruned between reading ``CURRENT`` and
    opening its files when training publishes several versions quickly; then ``CURRENT``
    already names a newer one, so read it again. Requests are never failed for this: after
    a few tries the artefacts already in memory keep serving until the next check."""
    for _ in range(3):
        try:
            return load_current(root)
        except FileNotFoundError:
            continue
    if fallback is not None and fallback.artefacts is not None:
        return fallback.artefacts
    return load_current(root)


def _load_published(session: Session, root: Path, version: str | None, *,
                    fallback: ModelView | None) -> Artefacts | None:
    """The newest version of the database's store, downloaded to ``root`` if this host has
    not got it yet. A version that cannot be fetched (pruned meanwhile, damaged on the way)
    is logged and the artefacts in memory keep serving until the next check."""
    if version is None:
        return None
    try:
        return open_version(session, root, version, published=True)
    except (LookupError, artefact_store.CorruptArtefact, OSError) as exc:
        _log.error("artefact version %s not installed: %s", version, exc)
        return fallback.artefacts if fallback is not None else None


class RecommendationEngine:
    """One per process. ``recommend`` is safe to call from several threads."""

    def __init__(self, *, runtime: Runtime, config: PipelineConfig | None = None,
                 on_new_catalogue: Sequence[Callable[[CatalogIndex], object]] = ()) -> None:
        self.runtime = runtime
        # Run on each new catalogue snapshot before it is swapped in (what other parts of
        # the process derive from it, built before a request reads it).
        self._on_new_catalogue = tuple(on_new_catalogue)
        self.config = config or PipelineConfig.from_settings(runtime.settings)
        self._lock = threading.Lock()
        self._index: CatalogIndex | None = None
        self._model: ModelView | None = None
        self._rules: CompiledRules | None = None
        self._artefact_checked = 0.0
        # Versions other than the newest that experiment arms serve.
        self._versions = VersionViews()
        self._declared: DeclaredStore = (
            SharedDeclaredCache.from_settings(runtime.settings) if runtime.settings.redis_url
            else DeclaredCache())
        self._shared_followers = (SharedFollowers.from_settings(runtime.settings)
                                  if runtime.settings.redis_url else None)

    @property
    def artefact_version(self) -> str | None:
        return self._model.version if self._model is not None else None

    def refresh(self, session: Session | None = None) -> None:
        """Bring the snapshot up to date now (the app calls it at start-up)."""
        if session is None:
            with self.runtime.session() as own:
                self._ensure_fresh(own, force_artefacts=True)
        else:
            self._ensure_fresh(session, force_artefacts=True)

    def warm(self) -> None:
        """Run the pipeline once per kind of page for a stranger, so that a fresh worker's
        first shoppers do not pay for first calls (artefact pages read from disk, the
        models' first scoring): measured, a cold worker shed requests in its first seconds
        under load that a warm one served."""
        wording.warm(currency=self.runtime.shop_currency)
        with self.runtime.session() as session:
            index = self._ensure_fresh(session).catalogue
            first = next((index.ids[p] for p in range(index.size) if index.eligible[p]), None)
            if first is None:
                return
            for query in (RecommendationQuery(n=10),
                          RecommendationQuery(placement="product", product_id=first, n=10),
                          RecommendationQuery(placement="cart", cart=(first,), n=10)):
                self.recommend(session, query)

    def snapshot(self, session: Session) -> tuple[CatalogIndex, ModelView]:
        fresh = self._ensure_fresh(session)
        return fresh.catalogue, fresh.model

    def merchandising(self, session: Session) -> CompiledRules:
        """The shop's merchandising rules as the next request applies them, compiled over
        the snapshot ``snapshot`` gives (``.source.rules``: the rules themselves)."""
        return self._ensure_fresh(session).rules

    @property
    def held_index(self) -> CatalogIndex | None:
        """The catalogue snapshot this process holds, unchecked: for what may lag a
        catalogue change by a request (a page's menu), at no read of the database."""
        return self._index

    def _ensure_fresh(self, session: Session, *, force_artefacts: bool = False) -> _Fresh:
        revision, rules_revision, experiments = _revisions(session)
        now = time.monotonic()
        index, model, rules = self._index, self._model, self._rules
        artefacts_due = (force_artefacts or now - self._artefact_checked
                         >= self.runtime.settings.artefact_check_seconds)
        if (index is not None and model is not None and rules is not None
                and index.revision == revision and rules.revision == rules_revision
                and rules.index is index):
            if not artefacts_due:
                return _Fresh(index, model, rules, experiments)
            # Only the artefacts are due: one request checks (and may download a new
            # version) while the others go on with the snapshot they have.
            if not self._lock.acquire(blocking=force_artefacts):
                return _Fresh(index, model, rules, experiments)
        else:
            self._lock.acquire()
        try:
            index, model, rules = self._index, self._model, self._rules
            rebuilt = False
            if index is None or index.revision != revision:
                index = build_catalog_index(session, self.runtime.facet_schema)
                for prepare in self._on_new_catalogue:
                    prepare(index)
                rebuilt = True
            settings = self.runtime.settings
            root = settings.artefact_dir
            published = settings.artefact_store == "database"
            version = artefact_store.newest(session) if published else current_version(root)
            if model is None or model.version != version:
                artefacts = (_load_published(session, root, version, fallback=model)
                             if published else _load_newest(root, fallback=model))
            else:
                # The version in memory is still the newest (a version folder never changes):
                # a catalogue change re-reads the catalogue, not the models and their index.
                artefacts = model.artefacts
            if rebuilt or model is None or artefacts is not model.artefacts:
                model = build_model_view(index, artefacts, shared=self._shared_followers,
                                         previous=model)
            if rules is None or rules.revision != rules_revision:
                rules = compile_rules(index, load_shop_rules(session, rules_revision))
            elif rules.index is not index:
                rules = compile_rules(index, rules.source)
            self._artefact_checked = now
            # The rules first: a request that reads the new index finds them compiled for it.
            self._rules, self._index, self._model = rules, index, model
            return _Fresh(index, model, rules, experiments)
        finally:
            self._lock.release()

    def forget(self, customer_id: str) -> None:
        """Drop what this process (and Redis, when shared) keeps of an erased customer."""
        self._declared.drop(customer_id)

    def profile(self, session: Session, customer_id: str | None, *,
                now: datetime | None = None) -> CustomerProfile:
        """The customer's profile through this process's cache; likes weigh as they stand at
        ``now`` (default: the current time; see ``prefero.customers.freshness``)."""
        return load_profile(session, customer_id=customer_id, settings=self.runtime.settings,
                            cache=self._declared, now=now)

    def recommend(self, session: Session, query: RecommendationQuery, *,
                  apply_preferences: bool = True, profile: CustomerProfile | None = None
                  ) -> RecommendationResult:
        """Recommendations for one request, reading the customer's wishes fresh, or using
        the ``profile`` the same request has just read (a page that also filters or labels
        by the customer's rules: one read of the profile instead of two). No experiment
        arm applies: an arm changes only answers whose render is logged as an exposure
        (``serve``), else a unit would be treated where the analysis never sees it (and a
        replay or a listing would run the shop's tests). The holdout does hold: a held-out
        unit gets no personalization anywhere (search, listings, suggestions), at no
        exposure.

        >>> # engine.recommend(session, RecommendationQuery(customer_id="c1", n=10))
        """
        return self.serve(session, query, apply_preferences=apply_preferences,
                          profile=profile, experiments=False).result

    def serve(self, session: Session, query: RecommendationQuery, *,
              apply_preferences: bool = True, profile: CustomerProfile | None = None,
              experiments: bool = True) -> Served:
        """``recommend``'s answer made with the unit's experiment arms (unless
        ``experiments`` is false: then only the holdout's level ``off``, and nothing to
        expose), and the arms it was made by: the caller shows the answer and exposes them
        (``prefero.experiments.serving.expose_arms``), once per page or response; nothing
        is logged here. An arm whose model version cannot be opened is not applied (the
        unit takes no part in its experiment on this request, and is not exposed to it).

        >>> # served = engine.serve(session, RecommendationQuery(customer_id="c1"))
        >>> # expose_arms(runtime, served)
        """
        if profile is not None and profile.customer_id != query.customer_id:
            raise ValueError("the profile given is not the query's customer's")
        index, model, rules, revision = self._ensure_fresh(session)
        if query.placement == "product":
            if not query.product_id:
                # The path is from the query's root: the GET route sends the query as URL
                # parameters, the POST route as a body, and each prefixes its own location.
                raise InvalidInput("placement 'product' needs a product_id",
                                   [FieldError(("product_id",), "Field required")])
            if query.product_id not in index.position:
                raise NotFound(f"product {query.product_id!r} is not in the catalog")
        if profile is None:
            profile = self.profile(session, query.customer_id)
        # With the counter read above, no read at all unless the experiments changed.
        running = (self.runtime.experiments.running(session, revision=revision)
                   if query.customer_id is not None else None)
        if running is None or not running.experiments:
            return Served(run_pipeline(index=index, model=model, profile=profile, query=query,
                                       config=self.config,
                                       apply_preferences=apply_preferences,
                                       merchandising=rules))
        if experiments:
            plan, model = self._armed(session, running, profile=profile, query=query,
                                      index=index, newest=model)
        else:
            plan = plan_holdout(running, profile=profile, query=query, config=self.config)
        result = run_pipeline(index=index, model=model, profile=plan.profile,
                              query=plan.query, config=plan.config,
                              apply_preferences=apply_preferences, merchandising=rules,
                              ranking_rules=plan.merchandising)
        if plan.held_out:
            # Made at the level off; ``level`` still says the one the customer has.
            result = result.model_copy(update={"level": profile.level})
        return Served(result, unit=query.customer_id, assignments=plan.assignments)

    def _armed(self, session: Session, running: RunningExperiments, *,
               profile: CustomerProfile, query: RecommendationQuery, index: CatalogIndex,
               newest: ModelView) -> tuple[ArmPlan, ModelView]:
        """The unit's arms, and the model version they serve. An arm's version is opened
        when the unit is placed in it; one that cannot be opened leaves the unit out of
        that experiment on this request (served the newest, not exposed)."""
        settings = self.runtime.settings
        opened: dict[str, ModelView | None] = {}

        def servable(version: str) -> bool:
            if version not in opened:
                opened[version] = self._versions.view(
                    session, version, index=index, newest=newest, root=settings.artefact_dir,
                    published=settings.artefact_store == "database",
                    shared=self._shared_followers)
            return opened[version] is not None

        plan = plan_arms(running, profile=profile, query=query, config=self.config,
                         servable=servable)
        if plan.model_version is None:
            return plan, newest
        return plan, opened.get(plan.model_version) or newest
