"""Parsing, id remapping, the leave-one-out split and the attribute matrix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from prefero.evaluation.data import (
    SequenceData,
    attribute_matrix,
    leave_one_out,
    read_item_attributes,
    read_sequences,
)


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "seq.txt"
    path.write_text("u1 10 20 30 40\n\nu2 20 50\nu3 30 10 30\nu4\n", encoding="utf-8")
    return path


def test_parse_and_remap_in_order_of_first_appearance(tmp_path: Path) -> None:
    data = read_sequences(_write(tmp_path))
    assert data.user_ids == ["u1", "u2", "u3"]
    assert data.item_ids == ["10", "20", "30", "40", "50"]
    assert [s.tolist() for s in data.sequences] == [[0, 1, 2, 3], [1, 4], [2, 0, 2]]
    assert data.n_items == 5 and data.n_interactions == 9


def test_leave_one_out_and_short_users_skipped(tmp_path: Path) -> None:
    split = leave_one_out(read_sequences(_write(tmp_path)))
    assert split.skipped_users == 1
    assert split.users.tolist() == [0, 2]
    assert [t.tolist() for t in split.train] == [[0, 1], [2]]
    assert split.valid.tolist() == [2, 0]
    assert split.test.tolist() == [3, 2]
    assert [h.tolist() for h in split.test_histories()] == [[0, 1, 2], [2, 0]]


def test_item_attributes_follow_the_remapping(tmp_path: Path) -> None:
    data = read_sequences(_write(tmp_path))
    attrs = tmp_path / "attrs.json"
    attrs.write_text(json.dumps({"30": [7, 8], "50": ["x"], "99": [1]}), encoding="utf-8")
    assert read_item_attributes(attrs, data) == [(), (), ("7", "8"), (), ("x",)]


def test_timestamps_and_weights_follow_the_kept_users() -> None:
    data = SequenceData(
        user_ids=["short", "long"], item_ids=["a", "b", "c", "d"],
        sequences=[np.array([0, 1]), np.array([0, 1, 2, 3])],
        timestamps=[np.array([1.0, 2.0]), np.array([10.0, 20.0, 30.0, 40.0])],
        weights=[np.array([1.0, 1.0]), np.array([5.0, 4.0, 3.0, 2.0])],
    )
    split = leave_one_out(data)
    assert split.users.tolist() == [1]
    assert split.timestamps is not None and split.timestamps[0].tolist() == [10, 20, 30, 40]
    prefix = split.prefix_timestamps(drop=2)
    assert prefix is not None and prefix[0].tolist() == [10.0, 20.0]  # aligned with train
    weights = split.prefix_weights(drop=1)
    assert weights is not None and weights[0].tolist() == [5.0, 4.0, 3.0]  # test histories


def test_sequence_files_have_no_timestamps(tmp_path: Path) -> None:
    split = leave_one_out(read_sequences(_write(tmp_path)))
    assert split.prefix_timestamps(drop=2) is None and split.prefix_weights(drop=1) is None


def test_attribute_matrix_columns_in_order_of_first_appearance() -> None:
    matrix, names = attribute_matrix([("x", "y", "x"), (), ("y", "z")])
    assert names == ["x", "y", "z"]
    assert matrix.toarray().tolist() == [[1, 1, 0], [0, 0, 0], [0, 1, 1]]
