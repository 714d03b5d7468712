"""The recency-weighted item-to-item transition model."""

from __future__ import annotations

import numpy as np

from prefero.evaluation.data import LeaveOneOut, SequenceData, leave_one_out
from prefero.evaluation.runner import MODELS, evaluate_models
from prefero.evaluation.transitions import Transitions


def _split(sequences: list[list[int]], n_items: int) -> LeaveOneOut:
    data = SequenceData(
        user_ids=[f"u{i}" for i in range(len(sequences))],
        item_ids=[str(i) for i in range(n_items)],
        sequences=[np.asarray(s, dtype=np.int64) for s in sequences],
    )
    return leave_one_out(data)


def _chain_split() -> LeaveOneOut:
    # Everyone goes a(0) -> b(1) -> c(2) -> d(3) -> e(4); item 5 is popular but never follows.
    rng = np.random.default_rng(7)
    sequences = []
    for _ in range(40):
        noise = [5] * int(rng.integers(1, 4))
        sequences.append([*noise, 0, 1, 2, 3, 4])
    return _split(sequences, 6)


def test_registered() -> None:
    assert isinstance(MODELS["transitions"](0), Transitions)


def test_known_answer_after_a_b_comes_c() -> None:
    model = Transitions(0).fit(_chain_split())
    scores = model.score(np.array([0]), [np.array([0, 1])])
    assert int(np.argmax(scores[0])) == 2
    scores = model.score(np.array([0]), [np.array([5, 0])])
    assert int(np.argmax(scores[0])) == 1


def test_deterministic_under_a_seed() -> None:
    split = _chain_split()
    histories = [np.array([0, 1]), np.array([5])]
    first = Transitions(3, tuning_users=10).fit(split)
    second = Transitions(3, tuning_users=10).fit(split)
    assert first.params == second.params
    np.testing.assert_array_equal(
        first.score(np.arange(2), histories), second.score(np.arange(2), histories)
    )


def test_no_exact_ties_and_popularity_breaks_them() -> None:
    model = Transitions(0).fit(_chain_split())
    scores = model.score(np.array([0]), [np.array([4])])[0]
    assert len(np.unique(scores)) == len(scores)
    assert int(np.argmax(scores)) == 5  # nothing follows e: the most popular item wins


def test_history_is_masked_by_the_evaluator() -> None:
    split = _chain_split()
    report = evaluate_models(split, ["transitions"])
    row = report["models"]["transitions"]
    # Validation target is d after "..., a, b, c"; test target e after "..., c, d".
    assert row["val_NDCG@10"] == 1.0
    assert row["HR@5"] == 1.0 and row["NDCG@5"] == 1.0


def test_selection_never_reads_the_test_item() -> None:
    split = _chain_split()
    rewritten = LeaveOneOut(
        users=split.users,
        train=split.train,
        valid=split.valid,
        test=np.full_like(split.test, 5),  # an item the validation never rewards
        full=[np.concatenate([s[:-1], [5]]) for s in split.full],
        n_items=split.n_items,
        skipped_users=split.skipped_users,
    )
    a = Transitions(0).fit(split)
    b = Transitions(0).fit(rewritten)
    assert a.params == b.params
    assert a.validation == b.validation
    history = [np.array([0, 1, 2])]
    np.testing.assert_array_equal(a.score(np.array([0]), history),
                                  b.score(np.array([0]), history))


def test_fit_works_without_any_test_item_at_all() -> None:
    split = _chain_split()
    blind = LeaveOneOut(
        users=split.users,
        train=split.train,
        valid=split.valid,
        test=np.empty(0, dtype=np.int64),
        full=[],
        n_items=split.n_items,
        skipped_users=split.skipped_users,
    )
    a = Transitions(0).fit(split)
    b = Transitions(0).fit(blind)
    assert a.params == b.params and a.validation == b.validation
