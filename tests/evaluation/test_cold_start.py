"""Cold start from declared preferences: the simulated form, the held-out users, the mix
weight chosen on validation, and a known answer on clustered data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from models.synthetic import clustered
from prefero.evaluation import cold_start
from prefero.evaluation.cold_start import (
    DECLARED,
    HISTORY,
    MIX_WEIGHTS,
    SCENARIOS,
    declared_values,
    evaluate_cold_start,
    held_out_users,
    rank_normalised,
)
from prefero.evaluation.data import LeaveOneOut, SequenceData, leave_one_out
from prefero.models.base import TrainingData
from prefero.models.content import AttributeProfile
from prefero.models.declared import DeclaredChoices, top_attributes
from prefero.models.ranking import ranking_metrics


def _clustered_split() -> tuple[LeaveOneOut, list[tuple[str, ...]]]:
    sequences, n_items, _ = clustered()
    data = SequenceData([f"u{i}" for i in range(len(sequences))],
                        [f"i{i}" for i in range(n_items)], sequences)
    # The cluster is the item's one attribute, plus one that every item carries.
    attributes = [("shop", f"cluster{i // 10}") for i in range(n_items)]
    return leave_one_out(data), attributes


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    split, attributes = _clustered_split()
    return evaluate_cold_start(split, attributes, models=["transitions"], seed=0)


# ---- the simulated form -------------------------------------------------------------------
def test_declared_values_are_the_implied_form() -> None:
    # item 0: x y, item 1: y z, item 2: z
    matrix = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float))
    # y is carried by three history items, z by two, x by one (item 1 counts twice).
    assert declared_values(np.array([0, 1, 1]), matrix=matrix, k=2) == [1, 2]
    assert declared_values(np.array([0, 1, 1]), matrix=matrix, k=5) == [1, 2, 0]
    assert declared_values(np.array([], dtype=np.int64), matrix=matrix, k=3) == []
    # The form the "declared" model learns other customers' answers by is the same one.
    history = np.array([2, 0, 1])
    assert declared_values(history, matrix=matrix, k=3) == top_attributes(
        history, matrix=matrix, k=3)


def test_held_out_groups_are_seeded_disjoint_and_cover_everyone() -> None:
    groups = held_out_users(23, share=0.2, seed=3)
    assert [len(g) for g in groups] == [5, 5, 5, 5, 3]
    joined = np.concatenate(groups)
    assert sorted(joined.tolist()) == list(range(23))
    assert all(np.all(np.diff(g) > 0) for g in groups)
    again = held_out_users(23, share=0.2, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(groups, again, strict=True))
    other = held_out_users(23, share=0.2, seed=4)
    assert not np.array_equal(groups[0], other[0])
    with pytest.raises(ValueError):
        held_out_users(10, share=1.0, seed=0)


def test_rank_normalised_depends_on_order_only() -> None:
    scores = np.array([[0.3, 9.0, -1.0, 2.0]])
    normalised = rank_normalised(scores)
    np.testing.assert_allclose(normalised, rank_normalised(scores * 1000 + 7))
    assert np.argsort(-normalised[0]).tolist() == [1, 3, 0, 2]
    assert normalised[0, 1] == 1.0 and normalised[0, 2] == pytest.approx(0.0)


# ---- the known answer ---------------------------------------------------------------------
def test_declaring_the_cluster_finds_the_next_item_where_popularity_cannot(
        report: dict[str, Any]) -> None:
    table = report["cold_start"]
    assert list(table) == list(SCENARIOS) == [
        "k=1", "k=3", "k=5", "history=1+k=3", "history=2+k=3"]
    for scenario in SCENARIOS:
        # Popularity is nearly flat over 60 items: about one in six.
        assert table[scenario]["PopRec"]["HR@10"] <= 0.35, scenario
        # "shop" and the cluster tie in every history; the tie goes to the rarer cluster.
        # Declaring it leaves its 10 items, and the next item is one of them.
        assert table[scenario]["content"]["HR@10"] >= 0.95, scenario
        # What other customers who declared the cluster chose next is in it too.
        assert table[scenario]["declared"]["HR@10"] >= 0.95, scenario
    for row in ("content", "declared"):
        assert report[f"k=3 {row} / PopRec"] == pytest.approx(
            table["k=3"][row]["NDCG@10"] / table["k=3"]["PopRec"]["NDCG@10"])
        assert report[f"k=3 {row} / PopRec"] >= 3.0


def test_report_has_every_row_and_says_what_it_did(report: dict[str, Any]) -> None:
    table = report["cold_start"]
    for k in DECLARED:
        assert set(table[f"k={k}"]) == {"PopRec", "popularity", "content", "declared",
                                        "transitions"}
        # With no history a behaviour-only model has one answer, whatever was declared.
        assert table[f"k={k}"]["transitions"] == table["k=1"]["transitions"]
    for h in HISTORY:
        assert set(table[f"history={h}+k=3"]) == {
            "PopRec", "popularity", "content", "declared", "transitions",
            "content+transitions", "declared+transitions"}
        for mix in ("content+transitions", "declared+transitions"):
            assert report["mix_weights"][f"history={h}+k=3"][mix][0] in MIX_WEIGHTS
    for row in table["k=3"].values():
        assert set(row) == {"NDCG@10", "HR@10"}
    assert report["users"] == 48 and report["training_users"] == 192
    # Each item carries two attributes: nobody can declare five (or three) of them.
    assert any("fewer than 3" in note for note in report["notes"])
    assert any("fewer than 5" in note for note in report["notes"])
    assert not any("fewer than 1 " in note for note in report["notes"])


# ---- honesty ------------------------------------------------------------------------------
def test_held_out_users_never_reach_any_training_data(monkeypatch: pytest.MonkeyPatch) -> None:
    split, attributes = _clustered_split()
    cold = held_out_users(split.n_users, share=0.2, seed=0)[0]
    seen: list[TrainingData] = []

    class Spy(AttributeProfile):
        def fit(self, data: TrainingData, *, validation: Any = None) -> Any:
            seen.append(data)
            if validation is not None:
                for history in validation.histories:
                    seen.append(TrainingData([history], data.n_items))
            return super().fit(data, validation=validation)

    class FormSpy(DeclaredChoices):
        def fit(self, data: TrainingData, *, validation: Any = None) -> Any:
            seen.append(data)
            return super().fit(data, validation=validation)

    monkeypatch.setattr(cold_start, "AttributeProfile", Spy)
    monkeypatch.setattr(cold_start, "DeclaredChoices", FormSpy)
    evaluate_cold_start(split, attributes, seed=0)
    # content: fit (with its validation histories) and refit; declared: one fit per k
    assert len(seen) > 2 + len(DECLARED)
    cold_arrays = [split.full[u] for u in cold]
    for data in seen:
        for sequence in data.sequences:
            assert not any(np.shares_memory(sequence, c) for c in cold_arrays)
    assert len(seen[0].sequences) == split.n_users - len(cold)


def test_mix_weight_is_chosen_on_validation_only(monkeypatch: pytest.MonkeyPatch) -> None:
    split, attributes = _clustered_split()
    cold = held_out_users(split.n_users, share=0.2, seed=0)[0]
    calls: list[tuple[np.ndarray, tuple[float, ...], dict[float, np.ndarray]]] = []
    real = cold_start.mixed_ranks

    def spy(*args: Any, **kwargs: Any) -> dict[float, np.ndarray]:
        out = real(*args, **kwargs)
        calls.append((np.asarray(kwargs["targets"]), tuple(kwargs["weights"]), out))
        return out

    monkeypatch.setattr(cold_start, "mixed_ranks", spy)
    result = evaluate_cold_start(split, attributes, models=["transitions"], seed=0)
    mixes = [(h, side) for h in HISTORY for side in ("declared", "content")]
    assert len(calls) == 2 * len(mixes)
    for (valid_targets, grid, ranks), (test_targets, chosen, _), (h, side) in zip(
            calls[::2], calls[1::2], mixes, strict=True):
        # The grid is scored on the validation item, one weight on the test item.
        assert np.array_equal(valid_targets, split.valid[cold]) and grid == MIX_WEIGHTS
        assert np.array_equal(test_targets, split.test[cold]) and len(chosen) == 1
        best = max(ranking_metrics(ranks[w], (10,))["NDCG@10"] for w in MIX_WEIGHTS)
        assert ranking_metrics(ranks[chosen[0]], (10,))["NDCG@10"] == best
        assert result["mix_weights"][f"history={h}+k=3"][f"{side}+transitions"] == [chosen[0]]


def test_rotation_evaluates_every_user_once_and_progress_counts_them() -> None:
    split, attributes = _clustered_split()
    steps: list[int] = []
    result = evaluate_cold_start(split, attributes, seed=1, rotate=True,
                                 progress=steps.append)
    assert result["users"] == split.n_users and result["folds"] == 5
    assert sum(steps) == split.n_users * len(SCENARIOS)
    assert len(result["content_params"]) == len(result["declared_params"]) == 5


def test_bad_input_is_refused_before_any_fitting() -> None:
    split, attributes = _clustered_split()
    with pytest.raises(ValueError, match="attribute rows"):
        evaluate_cold_start(split, attributes[:-1])
    with pytest.raises(KeyError, match="unknown model"):
        evaluate_cold_start(split, attributes, models=["no-such-model"])
