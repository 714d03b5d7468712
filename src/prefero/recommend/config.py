"""Typed configuration of every pipeline stage. Its digest is part of any cache key and is
returned with each answer, so a result can be traced to the settings that made it."""

from __future__ import annotations

import hashlib
import math

from pydantic import BaseModel, ConfigDict, Field

from prefero.config import Settings
from prefero.types import Placement

__all__ = [
    "CandidatesConfig",
    "DiversifyConfig",
    "ExplorationConfig",
    "PipelineConfig",
    "ScoringConfig",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CandidatesConfig(_Frozen):
    popular: int = Field(default=300, ge=0)
    trending: int = Field(default=100, ge=0)
    new_arrivals: int = Field(default=50, ge=0)
    declared: int = Field(default=1000, ge=0)
    behaviour: int = Field(default=500, ge=0)
    page: int = Field(default=500, ge=0)


class ScoringConfig(_Frozen):
    # Editorial base, the same for everyone.
    popularity: float = 0.3
    trending: float = 0.15
    newness: float = 0.1
    # Declared affinity dominates at "declared" and "balanced": one unit of liking outweighs
    # any behavioural evidence, which then only orders items the customer likes equally.
    declared_priority: float = 10.0
    behaviour_tiebreak: float = 1.0
    # At "full" the two blend.
    full_declared: float = 3.0
    full_behaviour: float = 2.0
    # At "full", once the customer's own behaviour scores items, the editorial base (the
    # same for everyone) only breaks ties on rows not bound to a page: at full weight it
    # cost the live pipeline 8 % of the served models' NDCG@10 on Sports, replayed through
    # the request path (docs/evaluation.md, "The live pipeline, replayed").
    full_editorial: float = Field(default=0.1, ge=0.0, le=1.0)
    # Product, cart and checkout pages are about the page's products first: there the
    # personal part is scaled to at most ``context_personal`` and only re-ranks
    # (recommend.context).
    page: float = 3.0
    context_personal: float = 1.0
    search_text: float = 3.0


class DiversifyConfig(_Frozen):
    enabled_for: tuple[Placement, ...] = ("home", "product", "cart", "checkout")
    mmr_lambda: float = Field(default=0.75, ge=0.0, le=1.0,
                              description="1 = relevance only, 0 = diversity only")
    category_cap: int = Field(default=3, ge=1, description="At most this many per leaf category")
    pool: int = Field(default=6, ge=1, description="Re-rank the top n × pool candidates")
    # Rows not bound to a page or a search cover what the customer declared (issue 11):
    # one strong like (a brand on every device) must not push every other like off the row.
    interests_for: tuple[Placement, ...] = ("home",)
    interest_share: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="Up to this share of the row takes turns among the liked values")
    interest_depth: int = Field(
        default=3, ge=0,
        description="Each liked value brings enough candidates to take every turn, and this "
                    "many more (the category cap may refuse some)")

    def interest_slots(self, n: int) -> int:
        """How many picks of a row of ``n`` take turns among the liked values.

        >>> DiversifyConfig().interest_slots(10), DiversifyConfig().interest_slots(49)
        (5, 25)
        """
        return math.ceil(self.interest_share * n)

    def interest_reach(self, n: int) -> int:
        """How many of its best candidates each liked value brings to a row of ``n``.

        >>> DiversifyConfig().interest_reach(10)
        8
        """
        return self.interest_slots(n) + self.interest_depth


class ExplorationConfig(_Frozen):
    enabled_for: tuple[Placement, ...] = ("home", "product")
    min_n: int = Field(default=4, ge=2, description="Smaller lists get no exploration slot")
    pool: int = Field(default=20, ge=1)


class PipelineConfig(_Frozen):
    candidates: CandidatesConfig = CandidatesConfig()
    scoring: ScoringConfig = ScoringConfig()
    diversify: DiversifyConfig = DiversifyConfig()
    exploration: ExplorationConfig = ExplorationConfig()

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineConfig:
        """The defaults, with the knobs a shop sets through PREFERO_* variables.

        >>> PipelineConfig.from_settings(Settings(category_cap=2)).diversify.category_cap
        2
        """
        return cls(
            diversify=DiversifyConfig(mmr_lambda=settings.mmr_lambda,
                                      category_cap=settings.category_cap),
            exploration=ExplorationConfig(
                enabled_for=ExplorationConfig().enabled_for if settings.exploration_slot
                else ()),
        )

    def digest(self) -> str:
        """A short stable hash of the whole configuration.

        >>> PipelineConfig().digest() == PipelineConfig().digest()
        True
        """
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]
