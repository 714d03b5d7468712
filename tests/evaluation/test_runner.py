"""The protocol the runner drives: what each model sees when, how "best" is chosen, and how
missing or broken models are reported."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pytest
from numpy.typing import NDArray

from prefero.evaluation.data import LeaveOneOut, SequenceData, attribute_matrix, leave_one_out
from prefero.evaluation.runner import EvaluationError, evaluate_models, resolve_models
from prefero.models.base import (
    FloatArray,
    IntArray,
    ItemRecommender,
    TrainingData,
    Validation,
    popularity_tiebreak,
)
from prefero.models.registry import MODEL_PATHS, MissingExtra, model_class

CONTRACT = {"HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "coverage@10",
            "train_s", "infer_ms_per_user"}
N_ITEMS = 20
VALID_ITEMS = range(10, 15)
TEST_ITEMS = range(15, 20)


def _split() -> LeaveOneOut:
    """Items 0-9 occur only in training prefixes, 10-14 only as validation items and 15-19
    only as test items, so any leak shows up as an item where it must not be."""
    rng = np.random.default_rng(5)
    sequences, timestamps = [], []
    for user in range(30):
        prefix = rng.integers(0, 10, int(rng.integers(2, 6))).tolist()
        sequences.append(np.array([*prefix, 10 + user % 5, 15 + user % 5], dtype=np.int64))
        timestamps.append(np.arange(len(sequences[-1]), dtype=np.float64) + 100 * user)
    data = SequenceData(user_ids=[f"u{u}" for u in range(30)],
                        item_ids=[str(i) for i in range(N_ITEMS)], sequences=sequences,
                        timestamps=timestamps)
    return leave_one_out(data)


class _Fixed(ItemRecommender):
    """Scores every history alike by a fixed preference order (first = best)."""

    name = "fixed"
    order: ClassVar[tuple[int, ...]] = ()

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(seed=seed, params=params)
        self._scores: FloatArray = np.zeros(0)

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        self.n_items = data.n_items
        rest = [i for i in range(data.n_items) if i not in self.order]
        ranked = [*self.order, *rest]
        self._scores = np.empty(data.n_items)
        self._scores[ranked] = np.arange(data.n_items, 0, -1, dtype=np.float64)
        return self

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        return np.tile(self._scores, (len(histories), 1))

    def _state(self) -> dict[str, NDArray[Any]]:
        return {"scores": self._scores}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self._scores = np.asarray(arrays["scores"])


class Spy(_Fixed):
    """Records everything it is given; claims to have searched one parameter."""

    name = "spy"
    log: ClassVar[list[tuple[str, Any, Any]]] = []

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        Spy.log.append(("fit" if validation is not None else "refit", data, validation))
        if validation is not None:
            self.params = {"window": np.int64(3)}
            self.search_log = [{"window": 3, "val_NDCG@10": 0.5}]
        return super().fit(data, validation=validation)

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        Spy.log.append(("score", [np.array(h) for h in histories], None))
        return np.tile(popularity_tiebreak(np.zeros(self.n_items)), (len(histories), 1))


def _resolver(**classes: type[ItemRecommender]) -> Any:
    def resolve(name: str) -> type[ItemRecommender]:
        if name in classes:
            return classes[name]
        return model_class(name)
    return resolve


def _items(sequences: Sequence[IntArray]) -> set[int]:
    return {int(i) for s in sequences for i in s}


@pytest.fixture()
def spied() -> tuple[LeaveOneOut, dict[str, Any]]:
    Spy.log.clear()
    split = _split()
    attributes = [(f"group{i % 3}",) for i in range(N_ITEMS)]
    report = evaluate_models(split, ["spy"], attributes=attributes,
                             resolve=_resolver(spy=Spy))
    return split, report


def test_fit_never_sees_the_test_item(spied: tuple[LeaveOneOut, dict[str, Any]]) -> None:
    split, _ = spied
    kind, data, validation = Spy.log[0]
    assert kind == "fit"
    assert [s.tolist() for s in data.sequences] == [s.tolist() for s in split.train]
    assert not _items(data.sequences) & {*VALID_ITEMS, *TEST_ITEMS}
    assert [len(t) for t in data.timestamps] == [len(s) for s in data.sequences]
    assert not _items(validation.histories) & set(TEST_ITEMS)
    assert validation.targets.tolist() == split.valid.tolist()
    expected = attribute_matrix([(f"group{i % 3}",) for i in range(N_ITEMS)])[0]
    assert (data.item_attributes != expected).nnz == 0


def test_refit_sees_the_validation_item_but_not_the_test_item(
    spied: tuple[LeaveOneOut, dict[str, Any]],
) -> None:
    split, _ = spied
    refits = [entry for entry in Spy.log if entry[0] == "refit"]
    assert len(refits) == 1
    data = refits[0][1]
    assert [s.tolist() for s in data.sequences] == [s[:-1].tolist() for s in split.full]
    assert set(VALID_ITEMS) <= _items(data.sequences)
    assert not _items(data.sequences) & set(TEST_ITEMS)
    assert [t.tolist() for t in data.timestamps] == [t[:-1].tolist() for t in split.timestamps]
    assert data.item_attributes is not None


def test_scoring_histories_never_hold_the_test_item(
    spied: tuple[LeaveOneOut, dict[str, Any]],
) -> None:
    split, _ = spied
    kinds = [entry[0] for entry in Spy.log]
    first_refit = kinds.index("refit")
    before = [h for kind, h, _ in Spy.log[:first_refit] if kind == "score"]
    after = [h for kind, h, _ in Spy.log[first_refit:] if kind == "score"]
    assert [x.tolist() for batch in before for x in batch] == [s.tolist() for s in split.train]
    assert [x.tolist() for batch in after for x in batch] == [
        s[:-1].tolist() for s in split.full]
    assert not _items([x for batch in before + after for x in batch]) & set(TEST_ITEMS)


def test_row_holds_the_contract_and_the_chosen_params(
    spied: tuple[LeaveOneOut, dict[str, Any]],
) -> None:
    _, report = spied
    row = report["models"]["spy"]
    assert set(row) >= CONTRACT
    assert {"diversity@10", "novelty@10", "val_NDCG@10", "val_HR@10"} <= set(row)
    assert row["params"] == {"window": 3} and type(row["params"]["window"]) is int
    assert report["best"] == "spy" and "skipped" not in report


def test_best_is_chosen_on_validation_even_when_test_disagrees() -> None:
    # Everybody's validation item is 10 and test item 15 (the first user of each group).
    split = _split()
    keep = [u for u in range(split.n_users) if split.valid[u] == 10]
    split = LeaveOneOut(
        users=split.users[keep], train=[split.train[u] for u in keep],
        valid=split.valid[keep], test=split.test[keep], full=[split.full[u] for u in keep],
        n_items=N_ITEMS, skipped_users=0,
    )

    class LovesValidation(_Fixed):
        order = (10,)  # then 0, 1, ... 9, ..., 15 far down: test item ranks poorly

    class LovesTest(_Fixed):
        order = (15, 16, 10)

    report = evaluate_models(split, ["poprec", "a", "b"],
                             resolve=_resolver(a=LovesValidation, b=LovesTest))
    rows = report["models"]
    assert rows["a"]["val_NDCG@10"] == 1.0
    assert rows["b"]["val_NDCG@10"] == pytest.approx(0.5)  # rank 2: 1 / log2(4)
    assert rows["b"]["NDCG@10"] == 1.0 and rows["a"]["NDCG@10"] < rows["b"]["NDCG@10"]
    assert report["best"] == "a"
    # poprec counts the held-out items (10 and 15 in every sequence): it scores best on
    # validation, but a reference is never chosen.
    assert rows["poprec"]["val_NDCG@10"] == 1.0 and rows["poprec"]["reference"] is True


def test_only_a_reference_model_means_no_best() -> None:
    report = evaluate_models(_split(), ["poprec"])
    assert report["best"] is None and set(report["models"]) == {"poprec"}


def test_registered_models_run_end_to_end() -> None:
    report = evaluate_models(_split(), ["poprec", "popularity", "trending"], seed=1)
    assert list(report["models"]) == ["poprec", "popularity", "trending"]
    for row in report["models"].values():
        assert set(row) >= CONTRACT and "diversity@10" not in row  # no attributes given
        assert all(0.0 <= row[k] <= 1.0 for k in CONTRACT - {"train_s", "infer_ms_per_user"})
    assert "half_life" in report["models"]["trending"]["params"]
    assert "params" not in report["models"]["popularity"]
    assert report["best"] in {"popularity", "trending"}


def test_missing_extra_is_skipped_and_recorded() -> None:
    def resolve(name: str) -> type[ItemRecommender]:
        if name == "sasrec":
            raise MissingExtra("model 'sasrec' needs torch: pip install 'prefero[sequential]'")
        return model_class(name)

    report = evaluate_models(_split(), ["popularity", "sasrec"], resolve=resolve)
    assert set(report["models"]) == {"popularity"}
    assert report["skipped"] == {
        "sasrec": "model 'sasrec' needs torch: pip install 'prefero[sequential]'"}


def test_unknown_and_unimportable_models_are_clear_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(EvaluationError, match=r"unknown model 'nope'; known: poprec, "):
        resolve_models(["popularity", "nope"])
    monkeypatch.setitem(MODEL_PATHS, "broken", "prefero.models.does_not_exist:Broken")
    with pytest.raises(EvaluationError, match=r"model 'broken' cannot be imported: "
                                              r".*prefero\.models\.does_not_exist"):
        resolve_models(["broken"])
    with pytest.raises(EvaluationError, match="no model"):
        resolve_models([])


def test_no_user_long_enough_is_an_error() -> None:
    data = SequenceData(user_ids=["u"], item_ids=["a", "b"], sequences=[np.array([0, 1])])
    with pytest.raises(EvaluationError, match="3 interactions"):
        evaluate_models(leave_one_out(data), ["popularity"])


def test_progress_reports_each_stage_in_protocol_order() -> None:
    class Record:
        def __init__(self) -> None:
            self.stages: list[tuple[str, int | None]] = []
            self.steps = 0

        def stage(self, description: str, total: int | None) -> None:
            self.stages.append((description, total))

        def advance(self, steps: int) -> None:
            self.steps += steps

    record = Record()
    split = _split()
    evaluate_models(split, ["poprec", "popularity"], progress=record)
    n = split.n_users
    assert record.stages == [
        ("[1/2] poprec: fit", None), ("[1/2] poprec: validation", n), ("[1/2] poprec: test", n),
        ("[2/2] popularity: fit", None), ("[2/2] popularity: validation", n),
        ("[2/2] popularity: refit", None), ("[2/2] popularity: test", n),
    ]
    assert record.steps == 4 * n


def test_a_blend_reuses_the_run_s_fits_and_never_sees_the_test_item() -> None:
    Spy.log.clear()
    split = _split()
    report = evaluate_models(split, ["popularity", "spy", "transitions", "blend"],
                             resolve=_resolver(spy=Spy))
    fits = [entry for entry in Spy.log if entry[0] in ("fit", "refit")]
    assert [entry[0] for entry in fits] == ["fit", "refit"], "each model is fitted once"
    scored = [h for kind, histories, _ in Spy.log if kind == "score" for h in histories]
    assert scored and not _items(scored) & set(TEST_ITEMS)
    row = report["models"]["blend"]
    assert set(row) >= CONTRACT
    weights = row["params"]["weights"]
    assert set(weights) == {"spy", "transitions"}, "popularity adds nothing to a blend"
    # The weights start from the best single part, so the blend is at least as good on
    # the validation item as the part it leads with.
    assert row["val_NDCG@10"] >= report["models"]["transitions"]["val_NDCG@10"] - 1e-9 or \
        weights["spy"] == 1.0


def test_worker_processes_give_the_same_report_as_one_process() -> None:
    split = _split()
    attributes = [(f"a{i % 4}",) for i in range(N_ITEMS)]
    names = ["poprec", "popularity", "transitions", "content", "blend"]
    alone = evaluate_models(split, names, attributes=attributes)
    side_by_side = evaluate_models(split, names, attributes=attributes, jobs=2)
    assert side_by_side["best"] == alone["best"]
    assert list(side_by_side["models"]) == names
    timings = {"train_s", "infer_ms_per_user"}
    for name in names:
        got, expected = side_by_side["models"][name], alone["models"][name]
        assert set(got) == set(expected), name
        for key in set(expected) - timings - {"params"}:
            assert got[key] == pytest.approx(expected[key]), (name, key)
        assert got.get("params") == expected.get("params"), name


def test_a_model_failing_in_a_worker_fails_the_run() -> None:
    with pytest.raises(KeyError, match="unknown model"):
        evaluate_models(_split(), ["popularity", "transitions"], jobs=2,
                        resolve=_unknown_in_worker)


def _unknown_in_worker(name: str) -> type[ItemRecommender]:
    """Resolves in the main process (names are checked there first) but not in a worker."""
    import multiprocessing

    if multiprocessing.parent_process() is not None and name == "transitions":
        raise KeyError(f"unknown model {name!r}")
    return model_class(name)
