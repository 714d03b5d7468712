"""The soak report's arithmetic (no timing is asserted: figures go to docs/benchmarks.md)."""

from __future__ import annotations

from prefero.bench.soak import Outcome, SoakPlan, sustainable, tally

PLAN = SoakPlan(rate=10, seconds=2)


def test_every_request_lands_in_exactly_one_bucket() -> None:
    outcomes = ([Outcome("recommendations", 200, 0.010)] * 6
                + [Outcome("search", 201, 0.020), Outcome("events", 429, 0.001),
                   Outcome("events", 503, 0.002), Outcome("search", 500, 0.030),
                   Outcome("events", "timeout", 1.0), Outcome("search", "ConnectError", 0.0)])
    report = tally(outcomes, plan=PLAN, not_sent=3, healthz=[0.004, 0.09],
                   healthz_failures=1, rss_start=[100 * 2**20], rss_end=[150 * 2**20])
    assert report["sent"] == 12
    assert report["ok_2xx"] == 7
    assert report["shed_429_503"] == 2
    assert report["timeouts"] == 1
    assert report["other_errors"] == 2  # the 500 and the refused connection
    assert report["ok_2xx"] + report["shed_429_503"] + report["timeouts"] \
        + report["other_errors"] == report["sent"]
    assert report["not_sent_in_flight_cap"] == 3
    assert report["statuses"]["timeout"] == 1
    assert report["healthz_probes"] == 3
    assert report["healthz_worst_ms"] == 90.0
    assert (report["rss_start_mib"], report["rss_end_mib"]) == ([100.0], [150.0])


def test_latency_percentiles_leave_out_timeouts_and_errors() -> None:
    outcomes = [Outcome("search", 200, 0.010)] * 99 + [Outcome("search", "timeout", 1.0),
                                                        Outcome("events", "ReadError", 5.0)]
    report = tally(outcomes, plan=PLAN)
    assert report["max_ms"] == 10.0
    assert report["search_p99_ms"] == 10.0
    assert report["events_p99_ms"] == 0.0  # no answered event post


def _clean(**changes: object) -> dict[str, object]:
    report = tally([Outcome("search", 200, 0.05)] * 10, plan=PLAN)
    report.update(changes)
    return report


def test_sustainable_needs_no_error_no_timeout_no_shedding_and_p99_within_500_ms() -> None:
    assert sustainable(_clean())
    assert not sustainable(_clean(ok_2xx=9))  # a 503 or a 500 among ten
    assert not sustainable(_clean(timeouts=1))
    assert not sustainable(_clean(not_sent_in_flight_cap=1))
    assert not sustainable(_clean(healthz_failures=1))
    assert not sustainable(_clean(p99_ms=500.1))
    assert sustainable(_clean(p99_ms=500.0))


def test_the_timeline_slices_the_run_by_send_time_and_keeps_every_request() -> None:
    outcomes = [Outcome("search", 200, 0.01, at=0.1), Outcome("events", 503, 0.002, at=9.9),
                Outcome("search", "timeout", 1.0, at=10.0), Outcome("search", 200, 0.02, at=25.0)]
    rows = tally(outcomes, plan=PLAN, window=10.0)["timeline"]
    assert [row["from_s"] for row in rows] == [0.0, 10.0, 20.0]
    assert [(row["sent"], row["ok_2xx"], row["shed_429_503"], row["timeouts"])
            for row in rows] == [(2, 1, 1, 0), (1, 0, 0, 1), (1, 1, 0, 0)]
    assert sum(row["sent"] for row in rows) == len(outcomes)
    assert rows[1]["p99_ms"] == 0.0  # nothing answered in that slice
