"""Discovered segments: groups of customers who declared alike, found by k-means on their
declared (zero-party) profiles, each named from what sets it apart and offered as a rule
segment the shop can save.

How (and why):

- **Data**: only declared values of customers whose declared data the recommendation path
  may use (``discovery_profiles``); customers with fewer than ``MIN_VALUES`` shared values
  are left out and counted.
- **Embedding**: tf-idf weighted, L2-normalised indicators of the declared values
  (``discovery_embedding``): profiles are sets of values per facet, which one-hot columns
  hold as they are and k-modes' one category per attribute does not.
- **Stability**: each k is fitted with ``STABILITY_RUNS`` seeds (``seed`` onwards) and the
  adjusted Rand index of every pair of runs is reported (mean and minimum): near 1, the
  groups are there in the data; low, k-means is cutting a continuum.
- **k**: among the stable k in ``K_RANGE`` (mean ARI at least ``STABLE_ARI``), the one with
  the highest silhouette (cosine, on a seeded sample of at most ``SILHOUETTE_SAMPLE`` rows);
  when none is stable, the most stable one, and the answer says so. The shop may ask for a k.
- **Reproducible**: rows and columns are sorted and k-means is seeded, so the same data and
  seed give the same clusters, numbered by size (largest first).
- **Cache**: a result is kept per process for its data revision (``Population.revision``), seed
  and k; a change of anyone's declared data or consents makes the next call recompute.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sklearn.cluster import KMeans  # type: ignore[import-untyped]
from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
from sklearn.metrics import (  # type: ignore[import-untyped]
    adjusted_rand_score,
    silhouette_score,
)
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from prefero.catalog.facets import FacetSchema
from prefero.config import Settings
from prefero.errors import FieldError, InvalidInput
from prefero.segments.discovery_embedding import Embedding, embed, minimum_customers
from prefero.segments.discovery_profiles import (
    DeclaredValue,
    Population,
    ValueKind,
    read_population,
)
from prefero.segments.discovery_rules import RuleFit, best_rule
from prefero.segments.naming import Wording
from prefero.types import Level

__all__ = [
    "DEFAULT_SEED",
    "K_RANGE",
    "MAX_SEED",
    "MIN_VALUES",
    "STABILITY_RUNS",
    "STABLE_ARI",
    "Clustering",
    "DiscoveredCluster",
    "DiscoveredRule",
    "Discovery",
    "DistinctiveValue",
    "KScore",
    "Stability",
    "cluster",
    "clustering_of",
    "describe",
    "discover",
]

DEFAULT_SEED = 7
#: The seeds of the stability runs are ``seed`` .. ``seed + STABILITY_RUNS - 1``.
STABILITY_RUNS = 5
MAX_SEED = 2**31 - STABILITY_RUNS
K_RANGE = range(2, 13)
#: Declared values (shared by enough customers) a customer needs to take part.
MIN_VALUES = 2
SILHOUETTE_SAMPLE = 3000
#: A k whose runs with the stability seeds agree this much (mean ARI) counts as stable.
STABLE_ARI = 0.8
#: k-means restarts per fit: the best of them (least inertia) is kept.
N_INIT = 10
# A value is distinctive for a cluster when at least this share of the cluster states it and
# that share is at least LIFT times its share among everyone; a name keeps values stated by a
# majority of the cluster, at most NAME_VALUES of them.
MIN_SHARE = 0.25
LIFT = 1.5
NAME_SHARE = 0.5
NAME_VALUES = 3
APART_VALUES = 5


# --------------------------------------------------------------------------- the answer


class KScore(BaseModel):
    k: int
    silhouette: float = Field(description="Mean silhouette (cosine), -1..1: higher is "
                                          "better separated")
    mean_ari: float = Field(description="Mean adjusted Rand index between the runs of the "
                                        "stability seeds at this k")
    min_ari: float


class Stability(BaseModel):
    """How much the clusters depend on k-means' seed: the adjusted Rand index (1: the same
    partition, 0: as alike as chance) of every pair of runs."""

    seeds: list[int]
    mean_ari: float
    min_ari: float


class DistinctiveValue(BaseModel):
    kind: ValueKind
    facet: str
    value: str = Field(description="The stored value (a budget band's upper edge; "
                                   "\"5000+\": above the last band)")
    text: str = Field(description="The value in the requested language")
    share: float = Field(description="Share of the cluster stating it")
    overall: float = Field(description="Share of everyone who took part stating it")
    lift: float


class DiscoveredRule(BaseModel):
    condition: dict[str, object] = Field(
        description="The rule in the segments condition language, with whom the clustering "
                    "let take part (personalization consent, a level other than off): what "
                    "POST /v1/segments/discovered/save stores")
    precision: float = Field(description="Share of the customers the rule selects that are "
                                         "in the cluster")
    recall: float = Field(description="Share of the cluster the rule selects")
    selected: int = Field(description="How many customers the rule selects now")


class DiscoveredCluster(BaseModel):
    number: int = Field(description="1 = the largest cluster")
    name: str
    size: int
    share: float = Field(description="Share of everyone who took part")
    distinctive: list[DistinctiveValue]
    sets_apart: list[str] = Field(description="What sets it apart, one line per value")
    rule: DiscoveredRule | None


class Discovery(BaseModel):
    seed: int
    k: int | None = Field(description="Null when too few customers took part to cluster")
    k_chosen_by: Literal["silhouette", "stability", "request"] = Field(
        description="silhouette: the best separated of the stable k; stability: no k was "
                    "stable, the most stable one; request: the k asked for")
    silhouette: float | None
    candidates: list[KScore]
    customers_declared: int = Field(description="Customers who declared anything")
    left_out_consent: int = Field(description="…of whom personalization consent or the "
                                              "level “off” keeps their declared data out")
    left_out_few_values: int = Field(description=f"…of whom fewer than {MIN_VALUES} values "
                                                 f"shared by enough customers")
    participants: int
    values_used: int = Field(description="Declared values shared by enough customers")
    stability: Stability | None
    clusters: list[DiscoveredCluster]
    revision: str = Field(description="The data revision these clusters were computed at")
    language: str


# --------------------------------------------------------------------------- clustering


@dataclass(frozen=True)
class Clustering:
    """One run's partition (``labels[i]`` is the 0-based cluster of ``embedding.customers[i]``,
    0 the largest) with what led to it."""

    population: Population
    embedding: Embedding
    seed: int
    k: int | None
    chosen_by: Literal["silhouette", "stability", "request"]
    silhouette: float | None
    candidates: tuple[KScore, ...]
    labels: np.ndarray
    stability: Stability | None

    def members(self, number: int) -> frozenset[str]:
        """The customers of cluster ``number`` (1-based)."""
        return frozenset(c for c, label in zip(self.embedding.customers, self.labels,
                                               strict=True) if label == number - 1)


def _fit(embedding: Embedding, k: int, seed: int) -> np.ndarray:
    with warnings.catch_warnings():
        # Fewer distinct points than k in a restart: k-means says so and carries on; k is
        # bounded by the distinct profiles, so the answer still has k clusters.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed)
        labels: np.ndarray = model.fit_predict(embedding.matrix)
    return _by_size(labels)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumbered so that 0 is the largest cluster (ties: the one holding the earlier
    customer): k-means' own numbers depend on the seed, the sizes do not."""
    found = np.unique(labels)
    order = sorted(found.tolist(), key=lambda c: (-int((labels == c).sum()),
                                                  int(np.argmax(labels == c))))
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping[int(label)] for label in labels], dtype=np.int64)


def _silhouette(embedding: Embedding, labels: np.ndarray, seed: int) -> float:
    rows = len(labels)
    sample = SILHOUETTE_SAMPLE if rows > SILHOUETTE_SAMPLE else None
    return float(silhouette_score(embedding.matrix, labels, metric="cosine",
                                  sample_size=sample, random_state=seed))


def _distinct_profiles(embedding: Embedding) -> int:
    held = embedding.held
    return len({tuple(held.indices[held.indptr[i]:held.indptr[i + 1]].tolist())
                for i in range(held.shape[0])})


def cluster(population: Population, *, seed: int, k: int | None = None) -> Clustering:
    """Cluster ``population``'s declared profiles with ``seed``; ``k`` None: by silhouette.

    Raises ``InvalidInput`` (at ``k``) when ``k`` exceeds the distinct profiles there are.
    """
    # One thread: k-means' OpenMP threads only wait for each other on a busy server (the
    # demo shop: 0.07 s a fit with one, 4.8 s with two on two loaded cores), and the API's
    # workers already share the cores.
    with threadpool_limits(limits=1):
        return _cluster(population, seed=seed, k=k)


def _cluster(population: Population, *, seed: int, k: int | None) -> Clustering:
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput("the seed is out of range",
                           [FieldError(("seed",), f"must be between 0 and {MAX_SEED}")])
    declared = len(population.eligible)
    embedding = embed(population.eligible, min_values=MIN_VALUES,
                      min_customers=minimum_customers(declared))
    distinct = _distinct_profiles(embedding)
    # Silhouette needs 2 <= k < rows; k-means cannot make more clusters than distinct rows.
    largest = min(K_RANGE.stop - 1, distinct, len(embedding.customers) - 1)
    if k is not None and k > largest:
        found = (f"{distinct} distinct declared profiles among {len(embedding.customers)} "
                 f"customers who take part")
        raise InvalidInput(f"k={k} is more clusters than the data allows", [FieldError(
            ("k",), f"must be at most {largest}: {found}" if largest >= K_RANGE.start
            else f"no clustering is possible yet: {found}")])
    empty = np.zeros(len(embedding.customers), dtype=np.int64)
    if largest < K_RANGE.start:
        return Clustering(population=population, embedding=embedding, seed=seed, k=None,
                          chosen_by="silhouette", silhouette=None, candidates=(),
                          labels=empty, stability=None)
    scored = [_score(embedding, option, seed)
              for option in ([k] if k is not None else range(K_RANGE.start, largest + 1))]
    chosen = scored[0] if k is not None else _choose(scored)
    return Clustering(population=population, embedding=embedding, seed=seed, k=chosen.k,
                      chosen_by="request" if k is not None else chosen.chosen_by,
                      silhouette=chosen.silhouette,
                      candidates=tuple(KScore(k=c.k, silhouette=round(c.silhouette, 4),
                                              mean_ari=c.stability.mean_ari,
                                              min_ari=c.stability.min_ari) for c in scored),
                      labels=chosen.labels, stability=chosen.stability)


@dataclass(frozen=True)
class _Scored:
    k: int
    labels: np.ndarray  # the run with the request's seed
    silhouette: float
    stability: Stability
    chosen_by: Literal["silhouette", "stability"] = "silhouette"


def _score(embedding: Embedding, k: int, seed: int) -> _Scored:
    """k fitted with each stability seed: the first run's silhouette, and how alike the
    runs' partitions are."""
    seeds = [seed + i for i in range(STABILITY_RUNS)]
    runs = [_fit(embedding, k, other) for other in seeds]
    scores = [float(adjusted_rand_score(a, b)) for a, b in combinations(runs, 2)]
    stability = Stability(seeds=seeds, mean_ari=round(float(np.mean(scores)), 4),
                          min_ari=round(min(scores), 4))
    return _Scored(k=k, labels=runs[0], silhouette=_silhouette(embedding, runs[0], seed),
                   stability=stability)


def _choose(scored: list[_Scored]) -> _Scored:
    """The stable k (mean ARI at least ``STABLE_ARI``) with the highest silhouette; when no k
    is stable, the most stable one. Silhouette alone keeps rising with k on profiles without
    strong groups (the demo shop), and would name a partition that another seed redraws.
    Ties go to the smaller k: fewer segments to act on."""
    stable = [s for s in scored if s.stability.mean_ari >= STABLE_ARI]
    if stable:
        return max(stable, key=lambda s: (round(s.silhouette, 9), -s.k))
    best = max(scored, key=lambda s: (s.stability.mean_ari, round(s.silhouette, 9), -s.k))
    return _Scored(k=best.k, labels=best.labels, silhouette=best.silhouette,
                   stability=best.stability, chosen_by="stability")


# --------------------------------------------------------------------------- the cache

_CACHE_SIZE = 16
_cache: OrderedDict[tuple[object, ...], Clustering] = OrderedDict()
_cache_lock = threading.Lock()


def clustering_of(session: Session, *, settings: Settings, seed: int, k: int | None
                  ) -> Clustering:
    """The clustering of the data as it stands, from this process's cache when the data
    revision, seed and k are the same as a recent call's."""
    population = read_population(session, settings=settings)
    url = session.get_bind().engine.url
    key = (url.render_as_string(hide_password=True), population.revision, seed, k,
           settings.default_level, settings.default_consent_personalization)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    # Computed outside the lock: two callers may both compute, and both get the same answer.
    result = cluster(population, seed=seed, k=k)
    with _cache_lock:
        # Results of an older revision of this database are never asked for again; dropping
        # them now also lets go of whatever an erased customer had declared.
        for old in [other for other in _cache if other[0] == key[0] and other[1] != key[1]]:
            del _cache[old]
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


# --------------------------------------------------------------------------- description


@dataclass(frozen=True)
class _Shares:
    vocabulary: tuple[DeclaredValue, ...]
    overall: np.ndarray  # per value, the share of everyone who took part

    def ranked(self, inside: np.ndarray) -> list[tuple[DeclaredValue, float, float, float]]:
        """(value, share in the cluster, overall share, lift) of the distinctive values, the
        ones whose share most exceeds the overall share first."""
        found = []
        for j, value in enumerate(self.vocabulary):
            share, overall = float(inside[j]), float(self.overall[j])
            if overall > 0 and share >= MIN_SHARE and share >= LIFT * overall:
                found.append((value, share, overall, share / overall))
        found.sort(key=lambda row: (-(row[1] - row[2]), -row[3], row[0]))
        return found


def _holders(population: Population) -> dict[DeclaredValue, frozenset[str]]:
    who: dict[DeclaredValue, set[str]] = {}
    for customer_id, values in population.eligible.items():
        for value in values:
            who.setdefault(value, set()).add(customer_id)
    return {value: frozenset(ids) for value, ids in who.items()}


def _rule(fit: RuleFit | None, *, default_level: Level) -> DiscoveredRule | None:
    if fit is None:
        return None
    return DiscoveredRule(condition=fit.condition(default_level=default_level),
                          precision=round(fit.precision, 4),
                          recall=round(fit.recall, 4), selected=fit.selected)


def describe(clustering: Clustering, *, schema: FacetSchema,
             labels: Mapping[tuple[str, str], str], language: str, currency: str
             ) -> Discovery:
    """The clustering in ``language``: each cluster's name, size, distinctive values, what
    sets it apart and the rule that best describes it."""
    words = Wording(schema=schema, labels=labels, language=language, currency=currency)
    embedding, population = clustering.embedding, clustering.population
    held = embedding.held
    rows = held.shape[0]
    clusters: list[DiscoveredCluster] = []
    if clustering.k is not None:
        shares = _Shares(embedding.vocabulary,
                         np.asarray(held.sum(axis=0)).ravel() / max(rows, 1))
        holders = _holders(population)
        for index in range(clustering.k):
            inside = clustering.labels == index
            size = int(inside.sum())
            ranked = shares.ranked(np.asarray(held[inside].sum(axis=0)).ravel() / size)
            named = [v for v, share, _o, _l in ranked if share >= NAME_SHARE][:NAME_VALUES]
            if not named:
                named = [v for v, *_ in ranked[:2]]
            fit = best_rule([v for v, *_ in ranked], members=clustering.members(index + 1),
                            holders=holders)
            clusters.append(DiscoveredCluster(
                number=index + 1, name=words.name(named), size=size,
                share=round(size / rows, 4),
                distinctive=[DistinctiveValue(kind=v.kind, facet=v.facet, value=v.value,
                                              text=words.value(v), share=round(share, 4),
                                              overall=round(overall, 4), lift=round(lift, 3))
                             for v, share, overall, lift in ranked],
                sets_apart=[words.apart(v, share=share, overall=overall)
                            for v, share, overall, _lift in ranked[:APART_VALUES]],
                rule=_rule(fit, default_level=population.default_level)))
    return Discovery(
        seed=clustering.seed, k=clustering.k, k_chosen_by=clustering.chosen_by,
        silhouette=None if clustering.silhouette is None else round(clustering.silhouette, 4),
        candidates=list(clustering.candidates),
        customers_declared=len(population.eligible) + population.withheld,
        left_out_consent=population.withheld, left_out_few_values=embedding.too_few,
        participants=rows, values_used=len(embedding.vocabulary),
        stability=clustering.stability, clusters=clusters, revision=population.revision,
        language=language)


def discover(session: Session, *, settings: Settings, schema: FacetSchema,
             labels: Mapping[tuple[str, str], str], language: str, seed: int = DEFAULT_SEED,
             k: int | None = None) -> Discovery:
    """Discover segments in the declared profiles as they stand, worded in ``language``.

    >>> found = discover(session, settings=settings, schema=schema, labels={},
    ...                  language="en", seed=7)  # doctest: +SKIP
    >>> found.clusters[0].name, found.stability.min_ari  # doctest: +SKIP
    ('Diet: vegan + Eco-friendly', 0.98)
    """
    clustering = clustering_of(session, settings=settings, seed=seed, k=k)
    return describe(clustering, schema=schema, labels=labels, language=language,
                    currency=settings.shop_currency)
