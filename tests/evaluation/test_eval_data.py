"""Parsing, id remapping and the leave-one-out split."""

from __future__ import annotations

import json
from pathlib import Path

from prefero.evaluation.data import leave_one_out, read_item_attributes, read_sequences


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
