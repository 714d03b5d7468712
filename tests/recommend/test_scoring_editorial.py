"""At level "full", once the customer's own behaviour scores items, the editorial base (the
same for everyone) only breaks ties on rows not bound to a page; everywhere else it keeps
its full weight (``ScoringConfig.full_editorial``)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from prefero.recommend.config import ScoringConfig
from prefero.recommend.scoring import Scorer
from prefero.recommend.signals import NOWHERE, Signals
from prefero.types import Placement

N = 4
POPULAR = np.array([1.0, 0.0, 0.0, 0.0])  # item 0: the best seller, nothing personal
BEHAVIOUR = np.array([0.0, 0.2, 0.0, 0.0])  # item 1: what the customer's journey predicts


def _signals(*, behaves: bool) -> Signals:
    return Signals(popularity=POPULAR.copy(), trending=np.zeros(N), newness=np.zeros(N),
                   declared=np.zeros(N), behaviour=BEHAVIOUR.copy() if behaves else np.zeros(N),
                   page=np.zeros(N), affinity=np.zeros(N),
                   behaviour_at=np.array([1]) if behaves else NOWHERE)


def _scores(*, level: str = "full", behaves: bool = True, placement: Placement = "home",
            in_context: bool = False, config: ScoringConfig | None = None) -> np.ndarray:
    profile = SimpleNamespace(effective_level=level)
    scorer = Scorer(_signals(behaves=behaves), profile,  # type: ignore[arg-type]
                    placement=placement, config=config or ScoringConfig(),
                    text=np.zeros(N) if placement == "search" else None,
                    in_context=in_context)
    return scorer.at(slice(None))


def test_at_full_with_behaviour_the_journey_outranks_the_best_seller() -> None:
    scores = _scores()
    config = ScoringConfig()
    assert scores[1] > scores[0]
    assert scores[0] == pytest.approx(config.full_editorial * config.popularity)
    assert scores[1] == pytest.approx(config.full_behaviour * 0.2)


def test_at_full_weight_the_best_seller_would_have_won() -> None:
    # What the scaling changes: unscaled, the best seller's 0.3 beats the journey's 0.2.
    scores = _scores(config=ScoringConfig(full_editorial=1.0, full_behaviour=1.0))
    assert scores[0] > scores[1]


@pytest.mark.parametrize("case", [
    {"level": "balanced"}, {"level": "declared"}, {"level": "off"},
    {"behaves": False}, {"placement": "search"}, {"placement": "product", "in_context": True},
])
def test_everywhere_else_the_editorial_base_keeps_its_full_weight(
        case: dict[str, object]) -> None:
    # Other levels, a customer without behaviour, a search, a page about products (where
    # the page leads and the base is added as it is): the best seller keeps 0.3.
    scores = _scores(**case)  # type: ignore[arg-type]
    assert scores[0] == pytest.approx(ScoringConfig().popularity)
