"""Interaction and item tables (delimited text and RecBole atomic files) with known answers,
and the precise errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefero.evaluation.data import SequenceData
from prefero.evaluation.interactions import InputFileError, read_interactions, read_items

ML_100K = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "ml-100k"


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _lists(data: SequenceData) -> list[list[int]]:
    return [s.tolist() for s in data.sequences]


def test_csv_sorted_by_time_equal_times_keep_file_order(tmp_path: Path) -> None:
    path = _file(tmp_path, "log.csv", "user_id,item_id,timestamp,value\n"
                 "u1,a,30,1\nu1,b,10,2\nu2,b,5,1\n\nu1,c,10,5\nu2,a,7.5,1\n")
    data = read_interactions(path)
    assert data.user_ids == ["u1", "u2"] and data.item_ids == ["a", "b", "c"]
    assert _lists(data) == [[1, 2, 0], [1, 0]]  # u1: b(10), c(10), a(30); u2: b, a
    assert data.timestamps is not None and data.weights is not None
    assert [t.tolist() for t in data.timestamps] == [[10, 10, 30], [5, 7.5]]
    assert [w.tolist() for w in data.weights] == [[2, 5, 1], [1, 1]]


def test_delimiter_is_sniffed_and_value_is_optional(tmp_path: Path) -> None:
    for name, sep in (("log.tsv", "\t"), ("log.txt", ";")):
        path = _file(tmp_path, name, sep.join(["timestamp", "item_id", "user_id", "extra"])
                     + "\n" + sep.join(["2", "x", "u", "ignored"]) + "\n"
                     + sep.join(["1", "y", "u", ""]) + "\n")
        data = read_interactions(path)
        assert _lists(data) == [[1, 0]] and data.weights is None


def test_quoted_csv_cells_may_hold_the_delimiter(tmp_path: Path) -> None:
    path = _file(tmp_path, "log.csv", 'user_id,item_id,timestamp\n"Doe, J.","sku,1",1\n')
    data = read_interactions(path)
    assert data.user_ids == ["Doe, J."] and data.item_ids == ["sku,1"]


def test_recbole_atomic_files(tmp_path: Path) -> None:
    inter = _file(tmp_path, "toy.inter",
                  "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
                  "7\t100\t4\t900\n7\t200\t5\t800\n8\t100\t1\t100\n")
    data = read_interactions(inter)
    assert data.user_ids == ["7", "8"] and data.item_ids == ["100", "200"]
    assert _lists(data) == [[1, 0], [0]]
    assert data.weights is not None and [w.tolist() for w in data.weights] == [[5, 4], [1]]
    item = _file(tmp_path, "toy.item",
                 "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
                 '100\tHe Said "Hi"\t1995\tAnimation Comedy\n'
                 "200\tHeat\t1995\tCrime\n999\tNot Rated\t2000\tDrama\n")
    assert read_items(item, data, columns=["class", "release_year"]) == [
        ("class=Animation", "class=Comedy", "release_year=1995"),
        ("class=Crime", "release_year=1995"),
    ]
    titles = read_items(item, data)[0]
    assert titles[:3] == ("movie_title=He", "movie_title=Said", 'movie_title="Hi"')


def test_items_csv_multi_values_blank_cells_and_unknown_items(tmp_path: Path) -> None:
    data = SequenceData(user_ids=["u"], item_ids=["a", "b", "c"], sequences=[])
    path = _file(tmp_path, "items.csv", "item_id,genre,year\n"
                 "a,Comedy|Drama|Comedy,1995\nb,,\nz,Horror,2001\n")
    assert read_items(path, data) == [
        ("genre=Comedy", "genre=Drama", "year=1995"), (), (),
    ]


@pytest.mark.skipif(not (ML_100K / "ml-100k.inter").is_file(), reason="ml-100k not present")
def test_movielens_100k_reads_as_published() -> None:
    data = read_interactions(ML_100K / "ml-100k.inter")
    assert (len(data.user_ids), data.n_items, data.n_interactions) == (943, 1682, 100_000)
    assert data.timestamps is not None
    assert all((t[1:] >= t[:-1]).all() for t in data.timestamps)
    attributes = read_items(ML_100K / "ml-100k.item", data, columns=["class"])
    toy_story = attributes[data.item_index()["1"]]
    assert toy_story == ("class=Animation", "class=Children's", "class=Comedy")


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("user_id,item_id\nu,a\n", 1, None, "missing column 'timestamp'"),
        ("user_id,item_id,timestamp\nu,a,1\nu,b,yesterday\n", 3, "timestamp",
         "expected a number, found 'yesterday'"),
        ("user_id,item_id,timestamp\nu,a,nan\n", 2, "timestamp", "expected a number"),
        ("user_id,item_id,timestamp,value\nu,a,1,\n", 2, "value", "expected a number"),
        ("user_id,item_id,timestamp\nu,a,1\n\nu,b\n", 4, None, "expected 3 fields"),
        ("user_id,item_id,timestamp\nu, ,1\n", 2, "item_id", "empty identifier"),
        ("user_id,item_id,user_id,timestamp\n", 1, None, "appears twice"),
        ("", 1, None, "empty file"),
        ("user_id,item_id,timestamp\n", None, None, "no interactions"),
    ],
)
def test_bad_interactions_name_file_line_and_column(
    tmp_path: Path, text: str, line: int | None, column: str | None, fragment: str,
) -> None:
    path = _file(tmp_path, "bad.csv", text)
    with pytest.raises(InputFileError) as caught:
        read_interactions(path)
    error = caught.value
    assert (error.path, error.line, error.column) == (path, line, column)
    assert str(error).startswith(str(path)) and fragment in str(error)
    if line is not None:
        assert f"line {line}" in str(error)


def test_bad_items_name_file_line_and_column(tmp_path: Path) -> None:
    data = SequenceData(user_ids=[], item_ids=["a"], sequences=[])
    twice = _file(tmp_path, "items.csv", "item_id,genre\na,x\nb,y\na,z\n")
    with pytest.raises(InputFileError, match=r"line 4, column 'item_id': item 'a' is listed "
                                             r"twice \(first on line 2\)"):
        read_items(twice, data)
    with pytest.raises(InputFileError, match=r"line 1: missing column 'colour'"):
        read_items(twice, data, columns=["colour"])
    no_id = _file(tmp_path, "noid.csv", "sku,genre\na,x\n")
    with pytest.raises(InputFileError, match=r"missing column 'item_id' \(the header has: "
                                             r"sku, genre\)"):
        read_items(no_id, data)
