"""``prefero bench train``: every stage of training reported with its seconds and peak memory
(figures, not assertions on speed)."""

from __future__ import annotations

import time

from prefero.bench.training import PeakMemory, bench_training
from prefero.runtime import Runtime


def test_each_stage_is_reported(demo_shop: Runtime) -> None:
    figures = bench_training(demo_shop, models=["transitions", "als"], tune=False)
    stages = figures["stages"]
    assert list(stages) == ["input", "co-occurrence", "model transitions", "model als"]
    assert stages["input"]["events"] > 0 and stages["input"]["customers"] > 0
    assert all(row["peak_rss_gib"] > 0 for row in stages.values())
    assert figures["tuned"] is False and stages["model als"]["settings_tried"] == 1


def test_tuning_tries_several_settings(demo_shop: Runtime) -> None:
    figures = bench_training(demo_shop, models=["transitions"], tune=True)
    assert figures["tuned"] is True
    assert figures["stages"]["model transitions"]["settings_tried"] > 1


def test_the_peak_covers_memory_taken_and_freed_within_the_stage() -> None:
    with PeakMemory(every=0.01).watch() as peak:
        before = peak.bytes
        block = bytearray(50_000_000)
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(0.1)  # several samples while it is held
        del block
    assert peak.bytes >= before + 40_000_000
