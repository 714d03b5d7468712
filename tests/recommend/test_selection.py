"""Choosing the served models on the shop's own journeys: the better model gets the weight,
complementary models share it, a form model answers forms only, and the time, latency and
catalogue-size bounds leave the models they exclude out with their reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.typing import NDArray

from prefero.models import ItemRecommender, MissingExtra, TrainingData, Validation, model_class
from prefero.models.base import FloatArray, IntArray
from prefero.models.cooccurrence import Transitions
from prefero.models.declared import DeclaredChoices
from prefero.recommend import selection
from prefero.recommend.followers import followers_table, mean_lifted
from prefero.recommend.selection import (
    EVIDENCE_ONLY,
    NO_JOURNEYS,
    NOT_BETTER,
    NOT_INSTALLED,
    OUT_OF_TIME,
    OVER_BUDGET,
    REASONS,
    TOO_LARGE,
    select_models,
)

N_ITEMS = 40


def _successor(item: int) -> int:
    """The planted next item: a fixed permutation of the catalogue."""
    return (item * 7 + 3) % N_ITEMS


def _journeys(count: int, *, seed: int = 1) -> list[IntArray]:
    """Journeys that always go on to the planted successor (3 to 6 items)."""
    rng = np.random.default_rng(seed)
    journeys = []
    for _ in range(count):
        items = [int(rng.integers(N_ITEMS))]
        for _ in range(int(rng.integers(2, 6))):
            items.append(_successor(items[-1]))
        journeys.append(np.array(items, dtype=np.int64))
    return journeys


class _Planted(ItemRecommender):
    """Knows the planted successor of the items in ``knows`` and nothing else: its row is
    noise unless the history ends on one of them."""

    name = "planted"
    knows: ClassVar[frozenset[int]] = frozenset()

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        self.n_items = data.n_items
        self.params = {"fitted_on": len(data.sequences)}
        return self

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        out = np.zeros((len(histories), self.n_items))
        for row, history in enumerate(histories):
            last = int(history[-1]) if len(history) else -1
            out[row] = np.random.default_rng([self.seed, last + 1]).random(self.n_items)
            if last in self.knows:
                out[row, _successor(last)] = 10.0
        return out

    def _state(self) -> dict[str, NDArray[Any]]:
        return {}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        pass


class Noise(_Planted):
    name = "noise"


class Most(_Planted):
    name = "most"
    knows = frozenset(range(28))


class Rest(_Planted):
    name = "rest"
    knows = frozenset(range(28, N_ITEMS))


class Dear(_Planted):
    name = "dear"
    cost = 15
    knows = frozenset(range(N_ITEMS))


class Middling(_Planted):
    name = "middling"
    cost = 5
    knows = frozenset(range(N_ITEMS))


class Spy(_Planted):
    """Records what every fit is given: the sequences and the held-out targets."""

    name = "spy"
    knows = frozenset(range(N_ITEMS))
    fits: ClassVar[list[tuple[list[list[int]], list[int] | None]]] = []

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        Spy.fits.append(([list(map(int, s)) for s in data.sequences],
                         None if validation is None else
                         [int(t) for t in validation.targets]))
        return super().fit(data, validation=validation)


_FAKES: dict[str, type[ItemRecommender]] = {
    cls.name: cls for cls in (Noise, Most, Rest, Dear, Middling, Spy)}


@pytest.fixture(autouse=True)
def _registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The planted models beside the real ones, under their names."""
    def lookup(name: str) -> type[ItemRecommender]:
        if name == "sasrec-missing":
            raise MissingExtra("needs torch")
        return _FAKES[name] if name in _FAKES else model_class(name)

    monkeypatch.setattr(selection, "model_class", lookup)


def _choose(names: list[str], *, journeys: list[IntArray] | None = None, seconds: float = 600,
            budget_ms: float = 1_000.0, attributes: sp.csr_matrix | None = None,
            n_items: int = N_ITEMS) -> selection.Selection:
    return select_models(journeys if journeys is not None else _journeys(300),
                         n_items=n_items, names=names, seconds=seconds, budget_ms=budget_ms,
                         attributes=attributes, min_customers=50)


def test_the_clearly_better_model_gets_the_weight_and_noise_is_not_served() -> None:
    chosen = _choose(["noise", "transitions"])
    assert chosen.weights == {"transitions": 1.0}
    assert list(chosen.models) == ["transitions"]  # noise is not fitted on everything
    assert isinstance(chosen.models["transitions"], Transitions)
    transitions, noise = chosen.candidates["transitions"], chosen.candidates["noise"]
    assert transitions.val_ndcg10 is not None and noise.val_ndcg10 is not None
    assert transitions.val_ndcg10 > 0.9 > 0.2 > noise.val_ndcg10
    assert noise.weight == 0 and noise.dropped == NOT_BETTER
    assert transitions.dropped is None and transitions.params  # its own search's choice
    assert chosen.served.val_ndcg10 == transitions.val_ndcg10
    assert chosen.validation_customers == 300  # everyone has a held-out item


def test_models_that_know_different_things_share_the_weight() -> None:
    chosen = _choose(["most", "rest"])
    most, rest = chosen.candidates["most"], chosen.candidates["rest"]
    assert set(chosen.weights) == {"most", "rest"}
    assert chosen.weights["most"] == 1.0  # the best single model is the anchor
    assert most.val_ndcg10 is not None and rest.val_ndcg10 is not None
    assert chosen.served.val_ndcg10 is not None
    assert chosen.served.val_ndcg10 > most.val_ndcg10 > rest.val_ndcg10
    # The refit is on everything, the validation fit on the prefixes only.
    assert chosen.models["most"].params == {"fitted_on": 300}


def test_an_item_to_item_model_stays_as_evidence_when_only_another_kind_is_served() -> None:
    # Only an item-to-item model counts observed choices: when the weights go to another
    # kind, the best validated one is kept at weight 0, or "often chosen after" would have
    # no observed choice behind it.
    candidates = {
        "als": selection._Candidate(Dear(), "history", figures=(0.5, 0.4)),
        "transitions": selection._Candidate(Transitions(), "history", figures=(0.3, 0.2)),
        "cooccurrence": selection._Candidate(model_class("cooccurrence")(), "history",
                                             figures=(0.4, 0.3)),
        "declared": selection._Candidate(DeclaredChoices(), "form", figures=(0.9, 0.9)),
    }
    assert selection._evidence(candidates, {"als": 1.0}) == "cooccurrence"
    assert candidates["cooccurrence"].dropped == EVIDENCE_ONLY
    assert candidates["transitions"].dropped is None
    assert selection._evidence(candidates, {"als": 1.0, "transitions": 0.5}) is None


def test_the_followers_table_counts_the_evidence_models_choices_and_ranks_by_the_served(
) -> None:
    journeys = _journeys(300)
    data = TrainingData(journeys, N_ITEMS)
    served, counting = Noise().fit(data), Transitions().fit(data)
    table = followers_table([served], n_items=N_ITEMS, weights=[1.0], evidence=[counting])
    without = followers_table([served], n_items=N_ITEMS, weights=[1.0])
    first = int(journeys[0][0])
    items, scores = table.of(first)
    assert _successor(first) in items.tolist()  # observed by the evidence model
    assert without.of(first)[0].size == 0  # the served model observes nothing
    lifted_row = mean_lifted([served], [np.array([first])], n_items=N_ITEMS)[0]
    assert np.allclose(scores, lifted_row[items])  # ranked by the served model alone


def test_the_held_out_items_never_reach_the_fit_they_validate() -> None:
    Spy.fits.clear()
    journeys = [*_journeys(120), np.array([1, _successor(1)], dtype=np.int64)]
    chosen = _choose(["spy"], journeys=journeys)
    (validated, targets), (refitted, none) = Spy.fits
    held_out = [j for j in journeys if len(j) >= 3]
    assert targets == [int(j[-1]) for j in held_out]
    # Each customer with a held-out item is fitted on everything before it, the others
    # (two items: nothing to hold out) whole; the refit for serving sees every journey.
    assert validated == [list(map(int, j[:-1] if len(j) >= 3 else j)) for j in journeys]
    assert none is None and refitted == [list(map(int, j)) for j in journeys]
    assert chosen.weights == {"spy": 1.0}


def test_over_the_latency_budget_the_cheapest_loss_is_dropped_with_its_reason() -> None:
    chosen = _choose(["most", "rest"], budget_ms=0.0)
    assert chosen.weights == {"most": 1.0}  # without "rest" the figures fall least
    rest = chosen.candidates["rest"]
    assert rest.weight == 0 and rest.dropped == OVER_BUDGET
    assert rest.score_ms is not None and rest.score_ms > 0  # measured, reported
    assert "rest" not in chosen.models
    # The last model stays even over the budget, and the report says by how much.
    assert chosen.served.score_ms is not None and chosen.served.score_ms > 0.0
    assert chosen.served.budget_ms == 0.0
    assert chosen.served.val_ndcg10 == chosen.candidates["most"].val_ndcg10


def test_a_spent_time_budget_leaves_the_later_candidates_untried() -> None:
    # Configured dearest first: they are still tried cheapest first.
    chosen = _choose(["dear", "middling", "transitions"], seconds=0.0)
    assert chosen.weights == {"transitions": 1.0}
    for name in ("dear", "middling"):
        untried = chosen.candidates[name]
        assert untried.dropped == OUT_OF_TIME and untried.weight == 0
        assert untried.val_ndcg10 is None and untried.params == {}
        assert name not in chosen.models
    assert chosen.candidates["transitions"].val_ndcg10 is not None


def test_the_form_model_is_served_for_forms_and_never_weighted() -> None:
    attributes = sp.csr_matrix((np.ones(N_ITEMS), (np.arange(N_ITEMS),
                                                   np.arange(N_ITEMS) % 5)),
                               shape=(N_ITEMS, 5))
    chosen = _choose(["declared", "transitions"], attributes=attributes)
    assert chosen.weights == {"transitions": 1.0}
    assert isinstance(chosen.form, DeclaredChoices) and "declared" in chosen.models
    declared = chosen.candidates["declared"]
    assert declared.role == "form" and declared.weight == 1.0 and declared.dropped is None
    assert declared.val_ndcg10 is not None  # measured on histories, for the report
    assert chosen.candidates["transitions"].role == "history"
    assert list(chosen.history) == ["transitions"]


def test_too_few_customers_serve_every_model_at_equal_weights() -> None:
    chosen = _choose(["most", "rest", "noise"], journeys=_journeys(20))
    assert chosen.validation_customers == 0
    assert chosen.weights == {"most": 1.0, "rest": 1.0, "noise": 1.0}
    assert set(chosen.models) == {"most", "rest", "noise"}
    for report in chosen.candidates.values():
        assert report.val_ndcg10 is None and report.weight == 1.0 and report.dropped is None
    assert chosen.served.val_ndcg10 is None


def test_models_that_cannot_be_fitted_here_are_left_out_with_their_reason() -> None:
    big = 25_001  # past EASE's dense bound (EASE.max_dense_items)
    chosen = _choose(["ease", "transitions", "sasrec-missing"], n_items=big,
                     journeys=[np.array([0, 1, 2]), np.array([5, 6])])
    assert chosen.weights == {"transitions": 1.0}
    assert chosen.candidates["ease"].dropped == TOO_LARGE
    assert chosen.candidates["sasrec-missing"].dropped == NOT_INSTALLED
    assert set(chosen.models) == {"transitions"}


def test_every_reason_is_a_stable_code_with_a_sentence() -> None:
    runs = [_choose(["noise", "transitions"]), _choose(["most", "rest"], budget_ms=0.0),
            _choose(["dear", "transitions"], seconds=0.0)]
    reasons = {c.dropped for run in runs for c in run.candidates.values() if c.dropped}
    assert reasons == {"not_better", "over_budget", "out_of_time"}
    # Reports store the code, never the sentence: rewording a sentence orphans no report.
    codes = (NOT_BETTER, OVER_BUDGET, OUT_OF_TIME, TOO_LARGE, NOT_INSTALLED, NO_JOURNEYS,
             EVIDENCE_ONLY)
    assert set(REASONS) == set(codes) and len(set(codes)) == 7
    assert all(code.islower() and code.replace("_", "").isalpha() for code in codes)
    assert len(set(REASONS.values())) == 7
    assert all(sentence.endswith(".") and sentence[0].isupper()
               for sentence in REASONS.values())


def test_no_journeys_serve_no_form_model() -> None:
    # Anonymous counters only: nobody went from one item to another.
    chosen = _choose(["transitions", "declared"], journeys=[np.array([3])],
                     attributes=sp.csr_matrix(np.eye(N_ITEMS)))
    assert chosen.form is None and set(chosen.models) == {"transitions"}
    assert chosen.candidates["declared"].dropped == NO_JOURNEYS
