"""``prefero evaluate`` end to end on tiny generated files: the documented JSON, and bad
input refused with exit code 2 and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from prefero.cli.app import app

CONTRACT = {"HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "coverage@10",
            "train_s", "infer_ms_per_user"}


def _sequences(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    lines = [" ".join([f"user{u}", *(str(i) for i in rng.integers(1, 40, 6))]) for u in range(30)]
    lines.append("short 1 2")  # fewer than 3 items: skipped
    path = tmp_path / "seq.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _interactions(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(4)
    rows = ["user_id,item_id,timestamp,value"]
    for user in range(25):
        for step in range(int(rng.integers(3, 8))):
            rows.append(f"c{user},sku{rng.integers(0, 30)},{1000 * user + step},1")
    rows.append("lonely,sku1,5,1")  # a single interaction: skipped
    log = tmp_path / "log.csv"
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    items = tmp_path / "items.csv"
    items.write_text("item_id,category\n" + "".join(
        f"sku{i},{'shoes' if i % 2 else 'tents|camping'}\n" for i in range(30)), "utf-8")
    return log, items


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["evaluate", *args])
    return result.exit_code, result.output


def test_interactions_and_items_write_the_contract(tmp_path: Path) -> None:
    log, items = _interactions(tmp_path)
    out = tmp_path / "out.json"
    code, output = _run("--interactions", str(log), "--items", str(items),
                        "--models", "poprec,popularity,trending", "--output", str(out))
    assert code == 0, output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report) == {"dataset", "models", "best"}
    rows = len(log.read_text(encoding="utf-8").splitlines()) - 1
    assert report["dataset"] == {"users": 25, "items": 30, "interactions": rows,
                                 "skipped_users": 1, "attributes": 3,
                                 "items_with_attributes": 30}
    assert list(report["models"]) == ["poprec", "popularity", "trending"]
    for row in report["models"].values():
        assert set(row) >= CONTRACT
        assert {"diversity@10", "novelty@10", "val_NDCG@10"} <= set(row)
    assert report["best"] in {"popularity", "trending"}  # the reference is never chosen
    assert "Best on the validation item" in output and "trending" in output


def test_sequences_and_item_attributes_still_work(tmp_path: Path) -> None:
    attrs = tmp_path / "attrs.json"
    attrs.write_text(json.dumps({"1": ["a"], "2": ["b", "c"]}), encoding="utf-8")
    out = tmp_path / "out.json"
    code, output = _run("--sequences", str(_sequences(tmp_path)), "--item-attributes",
                        str(attrs), "--models", "poprec,popularity", "--output", str(out),
                        "--seed", "1")
    assert code == 0, output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["dataset"]["users"] == 30 and report["dataset"]["skipped_users"] == 1
    assert report["dataset"]["attributes"] == 3
    assert report["best"] == "popularity"


def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    log, _ = _interactions(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("user_id,item_id,timestamp\nu,a,1\nu,b,noon\n", encoding="utf-8")
    out = tmp_path / "out.json"
    cases = [
        (["--interactions", str(bad)], ["bad.csv", "line 3", "'timestamp'", "'noon'"]),
        (["--interactions", str(log), "--sequences", str(_sequences(tmp_path))],
         ["exactly one of --sequences and --interactions"]),
        ([], ["exactly one of --sequences and --interactions"]),
        (["--interactions", str(log), "--models", "nope"], ["unknown model 'nope'"]),
        (["--interactions", str(log), "--item-columns", "colour"], ["--items only"]),
    ]
    for args, fragments in cases:
        models = [] if "--models" in args else ["--models", "popularity"]
        code, output = _run(*args, *models, "--output", str(out))
        assert code == 2, (args, output)
        flat = " ".join(output.split())
        for fragment in fragments:
            assert fragment in flat, (args, output)
        assert not out.exists()


def test_cold_start_needs_attributes(tmp_path: Path) -> None:
    log, _ = _interactions(tmp_path)
    code, output = _run("--interactions", str(log), "--models", "popularity", "--cold-start")
    assert code == 2 and "--cold-start needs item attributes" in " ".join(output.split())


def test_cold_start_adds_its_table_to_the_contract(tmp_path: Path) -> None:
    log, items = _interactions(tmp_path)
    out = tmp_path / "out.json"
    code, output = _run("--interactions", str(log), "--items", str(items), "--models",
                        "poprec,popularity,transitions,blend", "--cold-start",
                        "--output", str(out))
    assert code == 0, output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report) >= {"dataset", "models", "best", "cold_start"}
    table = report["cold_start"]
    assert report["cold_start_details"]["users"] > 0
    assert "Cold start: NDCG@10" in output and "Cold start: HR@10" in output
    assert "h=2 + k=3" in output
    for k in (1, 3, 5):
        row = table[f"k={k}"]
        assert {"PopRec", "content", "transitions"} <= set(row)
        assert "blend" not in row
        assert all(set(cell) >= {"NDCG@10", "HR@10"} for cell in row.values())
