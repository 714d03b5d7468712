"""The evaluator is right only if the reference PopRec reproduces the published row
(S3-Rec full-ranking table, Amazon Sports) to four decimals."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefero.evaluation.baselines import PopRec
from prefero.evaluation.data import leave_one_out, read_sequences
from prefero.models.ranking import evaluate_ranking

SPORTS = (
    Path(__file__).resolve().parents[2].parent
    / "shared" / "datasets" / "amazon-sports" / "Sports_and_Outdoors.txt"
)
PUBLISHED = {
    "HR@5": 0.0056, "NDCG@5": 0.0041, "HR@10": 0.0094,
    "NDCG@10": 0.0053, "HR@20": 0.0192, "NDCG@20": 0.0078,
}


@pytest.mark.skipif(not SPORTS.is_file(), reason=f"dataset not present at {SPORTS}")
def test_poprec_reproduces_the_published_sports_row() -> None:
    split = leave_one_out(read_sequences(SPORTS))
    assert (split.n_users, split.n_items, split.skipped_users) == (35598, 18357, 0)
    model = PopRec().fit(split)
    result = evaluate_ranking(
        lambda users, histories: model.score(histories), targets=split.test,
        histories=split.test_histories(), n_items=split.n_items, ties=model.ties,
        coverage=False,
    )
    measured = {k: round(v, 4) for k, v in result.metrics().items() if k in PUBLISHED}
    assert measured == PUBLISHED
