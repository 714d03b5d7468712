"""The experiments pages: the list in staff's words, setting up a draft as a marketer with
every wrong field named beside it and nothing stored, editing the draft, starting, stopping
(asked first) and deleting (asked first), every change audited under the staff member's
name; the live results with a known answer (a 52/48 split flagged in words, figures as the
language writes them); the power calculator; a read-only account sees everything and
changes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from experiment_helpers import experiment_body
from experiment_seeding import Arm, seed_experiment
from prefero.audit.models import AuditEntry
from prefero.content.schemas import SlotIn
from prefero.content.slots import create_slot
from prefero.db.base import utcnow
from prefero.experiments.models import Experiment, ExperimentTally
from prefero.experiments.power import proportion_sample_size
from prefero.experiments.results import ArmVerdict, ExperimentSummary
from prefero.experiments.service import (
    create_experiment,
    get_experiment,
    list_experiments,
    stop_experiment,
)
from prefero.runtime import Runtime
from prefero.web.dashboard import experiment_results as experiment_results_page
from prefero.web.dashboard.experiment_results import _shown
from prefero.web.dashboard.experiment_view import metric_name
from prefero.web.i18n import translator
from staff_accounts import staff_browser
from webforms import submit

PAGE = "/dashboard/experiments"
NEW = PAGE + "/new"


def _text(html: str) -> str:
    """The page's visible text, tags taken out, spaces folded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def _error(html: str, field_id: str) -> str:
    """The error shown under ``field_id``, tied to it by aria-describedby."""
    found = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    assert found, f"no error for {field_id}"
    assert re.search(rf'aria-describedby="[^"]*\b{field_id}-error\b', html), field_id
    return unescape(found.group(1))


def _errors(html: str) -> set[str]:
    return set(re.findall(r'<p class="field-error" id="([^"]+)-error">', html))


def _form(**fields: Any) -> dict[str, Any]:
    """A filled-in set-up: two arms of 50 %, the first the control, the second more
    diverse."""
    return {"kind": "recommendations", "key": "home-diversity", "name": "Home diversity",
            "description": "Does a more varied home row sell more?", "target": "home",
            "arm-0-key": "control", "arm-0-name": "As the shop is", "arm-0-share": "50",
            "arm-0-merchandising": "on",
            "arm-1-key": "diverse", "arm-1-name": "More diverse", "arm-1-share": "50",
            "arm-1-diversity": "40", "arm-1-merchandising": "on", "control": "0",
            "primary_metric": "conversion",
            "guardrails": ["not_for_me_rate", "revenue_per_visitor"],
            "pre_period_days": "14", "traffic": "100", **fields}


def _audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("experiments."))
            .order_by(AuditEntry.id))]


def _keys(runtime: Runtime) -> list[str]:
    with runtime.session() as session:
        return [e.key for e in list_experiments(session)]


def test_a_marketer_sets_up_edits_starts_stops_and_deletes_audited(client: TestClient,
                                                                   runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "mara@shop.example", "marketer")
    page = web.get(NEW + "?kind=recommendations")
    assert page.status_code == 200
    answer = submit(web, NEW, _form(), html=page.text, follow_redirects=False)
    assert answer.status_code == 303, _text(answer.text)
    assert answer.headers["location"] == PAGE + "/tests/home-diversity"
    with runtime.session() as session:
        stored = get_experiment(session, "home-diversity")
    assert stored.status == "draft" and stored.target == "home"
    assert [(a.key, a.share, a.control) for a in stored.arms] == [
        ("control", 0.5, True), ("diverse", 0.5, False)]
    assert stored.arms[1].config == {"diversity": 0.4}
    shown = web.get(answer.headers["location"])
    assert "Experiment “Home diversity” saved as a draft." in _text(shown.text)
    assert "Diversity: 40%" in _text(shown.text)

    # Edited while a draft: the page shows the stored figures as typed, in percent.
    edit = web.get(PAGE + "/tests/home-diversity/edit")
    assert 'name="arm-1-diversity" type="text" inputmode="decimal" size="6" ' \
           'autocomplete="off" value="40"' in edit.text
    changed = submit(web, PAGE + "/tests/home-diversity/edit",
                     _form(**{"arm-0-share": "30", "arm-1-share": "70"}), html=edit.text,
                     follow_redirects=False)
    assert changed.status_code == 303
    with runtime.session() as session:
        assert [a.share for a in get_experiment(session, "home-diversity").arms] == [0.3, 0.7]

    one = web.get(PAGE + "/tests/home-diversity")
    started = submit(web, PAGE + "/tests/home-diversity/start", {}, html=one.text,
                     follow_redirects=False)
    assert started.status_code == 303
    running = web.get(PAGE + "/tests/home-diversity")
    assert "Experiment “Home diversity” started." in _text(running.text)
    assert "/tests/home-diversity/edit" not in running.text
    # Once started, the set-up can no longer be edited.
    assert web.get(PAGE + "/tests/home-diversity/edit", follow_redirects=False
                   ).status_code == 303

    confirm = web.get(PAGE + "/tests/home-diversity/stop")
    assert "A stopped experiment cannot start again." in _text(confirm.text)
    with runtime.session() as session:
        assert get_experiment(session, "home-diversity").status == "running"
    assert submit(web, PAGE + "/tests/home-diversity/stop", {}, html=confirm.text,
                  follow_redirects=False).status_code == 303
    with runtime.session() as session:
        assert get_experiment(session, "home-diversity").status == "stopped"

    confirm = web.get(PAGE + "/tests/home-diversity/delete")
    assert "cannot be restored" in _text(confirm.text)
    assert submit(web, PAGE + "/tests/home-diversity/delete", {}, html=confirm.text,
                  follow_redirects=False).status_code == 303
    assert _keys(runtime) == []
    assert _audit(runtime) == [("staff:mara@shop.example", f"experiments.{action}",
                                "home-diversity")
                               for action in ("create", "write", "start", "stop", "delete")]


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"key": "Home Diversity"}, "key", "Use 1 to 64 small letters"),
    ({"name": ""}, "name", "Give it a name"),
    ({"arm-1-share": "40"}, "arms", "The shares must add up to 100% (now 90%)."),
    ({"arm-1-share": "many"}, "arm-1-share", "Enter a share above 0%"),
    ({"control": ""}, "arms", "Mark exactly one arm as the control."),
    ({"arm-1-key": "control"}, "arm-1-key", "Each arm needs a key of its own."),
    ({"arm-1-diversity": "140"}, "arm-1-diversity", "Enter a number from 0 to 100"),
    ({"guardrails": ["conversion"]}, "guardrails", "The primary metric is measured anyway"),
    ({"pre_period_days": "-1"}, "pre_period_days", "Enter a whole number of days"),
    ({"traffic": "0"}, "traffic", "Enter a share above 0%"),
    ({"arm-1-key": "", "arm-1-name": "", "arm-1-share": "", "arm-0-share": "100"}, "arms",
     "Give between 2 and 10 arms."),
])
def test_a_wrong_field_is_named_beside_it_and_nothing_saved(
        client: TestClient, runtime: Runtime, fields: dict[str, Any], field_id: str,
        message: str) -> None:
    web = staff_browser(client, runtime, "mara@shop.example", "marketer")
    page = web.get(NEW + "?kind=recommendations")
    answer = submit(web, NEW, _form(**fields), html=page.text)
    assert answer.status_code == 422
    assert _error(answer.text, field_id).startswith(message)
    assert _errors(answer.text) == {field_id}
    assert "Nothing was saved: check the marked fields." in _text(answer.text)
    assert _keys(runtime) == []
    # What was typed comes back as typed.
    assert 'value="Does a more varied home row sell more?"' not in answer.text  # a textarea
    assert "Does a more varied home row sell more?" in answer.text


def test_the_service_s_findings_are_named_beside_their_field(client: TestClient,
                                                            runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_slot(session, SlotIn.model_validate({
            "key": "hero", "name": "Home hero", "variants": [
                {"key": "spring", "texts": {"en": {"title": "Spring"}}}]}),
            schema=runtime.facet_schema)
        create_experiment(session, experiment_body("taken"))
    web = staff_browser(client, runtime, "mara@shop.example", "marketer")
    page = web.get(NEW + "?kind=content")
    assert '<option value="hero">Home hero</option>' in page.text
    form = {k: v for k, v in _form(kind="content", target="hero").items()
            if "diversity" not in k and "merchandising" not in k}
    # A variant of another slot is refused beside its arm; a key in use beside the key.
    answer = submit(web, NEW, {**form, "arm-1-variant": "autumn"}, html=page.text)
    assert _error(answer.text, "arm-1-variant") == "The chosen slot has no such variant."
    answer = submit(web, NEW, {**form, "arm-1-variant": "spring", "key": "taken"},
                    html=page.text)
    assert _error(answer.text, "key") == "An experiment with this key exists already."
    saved = submit(web, NEW, {**form, "arm-1-variant": "spring"}, html=page.text,
                   follow_redirects=False)
    assert saved.status_code == 303
    shown = _text(web.get(saved.headers["location"]).text)
    assert "Content slot" in shown and "Home hero" in shown and "Variant: spring" in shown


def test_the_list_and_results_show_a_broken_split_in_words(client: TestClient,
                                                           runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        seed_experiment(session, "home-split", name="Home split",
                        control=Arm(units=5200, buyers=520),
                        treatment=Arm(units=4800, buyers=576), target="home")
        create_experiment(session, experiment_body("draft-one"))
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    listing = _text(web.get(PAGE).text)
    assert "Home split Running ⚠ Split is off Recommendations Home page" in listing
    assert "10,000" in listing
    assert "Draft Recommendations Every placement" in listing
    results = _text(web.get(PAGE + "/tests/home-split").text)
    assert ("The split is off: 52% vs 50% expected in the arm “As the shop is” — results "
            "cannot be trusted until the cause is found.") in results
    assert "5,200" in results and "4,800" in results
    assert "Cannot be trusted: the split is off" in results
    # Conversion 10% against 12%: two points, a fifth more; revenue in the shop's currency.
    assert "control 10%, this arm 12%" in results
    assert "+2 pp (95% interval: from" in results
    assert "Relative lift +20%" in results
    assert "No shopper was shown more than one arm." in results
    # (the page's no-break spaces read as spaces here)
    assert "control PLN 4.00, this arm PLN 4.80" in results
    assert "With the shoppers so far (4,800 in each arm)" in results
    assert "No segment has 100 shoppers in every arm yet." in results
    assert "This experiment does not include them" in results
    for raw in ("True", "False", "None", "e+0", "0.1234", "no_clear_difference",
                "not_for_me_rate"):
        assert raw not in results, raw


def test_the_anonymous_totals_are_shown_when_kept(client: TestClient,
                                                 runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        seed_experiment(session, "home-even", control=Arm(units=300, buyers=30),
                        treatment=Arm(units=300, buyers=30), anonymous=1234,
                        anonymous_measurement=True)
        experiment = session.scalar(select(Experiment.id).where(Experiment.key == "home-even"))
        day = utcnow().date()
        session.add_all([ExperimentTally(experiment_id=experiment, arm_key=arm, day=day,
                                         metric="purchase", count=count,
                                         amount=Decimal(count * 30))
                         for arm, count in (("control", 10), ("treatment", 15))])
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    results = _text(web.get(PAGE + "/tests/home-even").text)
    assert "whether or not they were shown it" in results
    # Per share of shoppers (50 % each): 15 purchases against 10 is half as many again.
    assert results.count("As the shop is 1,234 0 0 10 0 PLN 300.00") == 1
    assert results.count("Changed 1,234 0 0 15 (+50% against the control) 0 "
                         "PLN 450.00 (+50% against the control)") == 1
    assert "Split is off" not in results and "Cannot be trusted" not in results
    assert "No clear difference yet" in results


def test_the_polish_results_are_polish(client: TestClient, runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        seed_experiment(session, "home-split", name="Home split",
                        control=Arm(units=5200, buyers=520),
                        treatment=Arm(units=4800, buyers=576), target="home")
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    web.cookies.set("lang", "pl")
    results = _text(web.get(PAGE + "/tests/home-split").text)
    assert ("Podział jest zaburzony: 52% zamiast oczekiwanych 50% w grupie „As the shop is” —"
            " wynikom nie można ufać, dopóki nie znajdzie się przyczyny.") in results
    assert "5 200" in results and "+2 p.p." in results and "10 000 osób" in results
    for english in ("Results", "Shoppers per arm", "Relative lift", "Safe to check any time",
                    "against the control", "Primary metric"):
        assert english not in results, english


def test_the_calculator_answers_in_a_sentence(client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    units = _text(web.get(PAGE + "/power?solve=units&base_rate=10&lift=20&alpha=5&power=80"
                          ).text)
    assert ("To find a lift of 20% (a rate of 12% instead of 10%) in 80% of experiments, at a "
            "significance level of 5%, the experiment needs 3,839 shoppers in each arm.") in units
    power = _text(web.get(PAGE + "/power?solve=power&base_rate=10&lift=20&units=3000&alpha=5"
                          ).text)
    assert "Power: 69.7%" in power and "is found in 69.7% of experiments" in power
    mde = _text(web.get(PAGE + "/power?solve=mde&base_rate=10&units=3000&alpha=5&power=80"
                        ).text)
    assert "Smallest lift found: 22.7%" in mde
    wrong = web.get(PAGE + "/power?solve=units&base_rate=150&lift=0&alpha=5&power=80")
    assert _error(wrong.text, "base_rate").startswith("Enter a rate above 0%")
    assert _error(wrong.text, "lift").startswith("Enter a lift other than 0%")
    web.cookies.set("lang", "pl")
    polish = _text(web.get(PAGE + "/power?solve=units&base_rate=10&lift=20&alpha=5&power=80"
                           ).text)
    assert "eksperyment musi objąć 3 839 osób w każdej grupie." in polish


def test_a_read_only_account_sees_but_is_refused_every_write(client: TestClient,
                                                             runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body("home-test"))
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    one = web.get(PAGE + "/tests/home-test")
    assert one.status_code == 200
    assert "/start" not in one.text and "/edit" not in one.text and "/delete" not in one.text
    assert "Set up an experiment" not in web.get(PAGE).text
    assert web.get(NEW + "?kind=recommendations").status_code == 403
    for path in (NEW, PAGE + "/tests/home-test/edit", PAGE + "/tests/home-test/start",
                 PAGE + "/tests/home-test/stop", PAGE + "/tests/home-test/delete"):
        assert submit(web, path, _form(), html=one.text).status_code == 403, path
    with runtime.session() as session:
        assert get_experiment(session, "home-test").status == "draft"
    assert _audit(runtime) == []


def test_an_address_naming_no_experiment_is_a_404_page(client: TestClient,
                                                       runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "mara@shop.example", "marketer")
    for path in ("/tests/nothing", "/tests/nothing/edit", "/tests/nothing/stop"):
        answer = web.get(PAGE + path)
        assert answer.status_code == 404
        assert "There is no experiment at this address" in _text(answer.text)


def test_the_list_shows_a_breached_guardrail_without_the_whole_results(
        client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    with runtime.session(write=True) as session:
        seed_experiment(session, "home-harm", name="Home harm",
                        control=Arm(units=3000, buyers=600),
                        treatment=Arm(units=3000, buyers=300), target="home")

    def whole(*args: object, **kwargs: object) -> None:
        raise AssertionError("the list computed an experiment's whole results")

    monkeypatch.setattr(experiment_results_page, "experiment_results", whole)
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    listing = _text(web.get(PAGE).text)
    revenue = metric_name("revenue_per_visitor", translator("en"))
    assert f"Guardrail breached: {revenue} worse than the control" in listing
    web.cookies.set("lang", "pl")
    polish = _text(web.get(PAGE).text)
    assert (f"Przekroczona miara ochronna: {metric_name('revenue_per_visitor', translator('pl'))}"
            " gorzej niż w grupie kontrolnej") in polish


def _arm(arm: str, verdict: str, difference: float, p_value: float) -> ArmVerdict:
    return ArmVerdict.model_validate({"metric": "conversion", "arm": arm, "verdict": verdict,
                                      "difference": difference, "relative": None,
                                      "p_value": p_value})


def test_the_list_picks_the_arm_it_shows_on_purpose() -> None:
    worse = _arm("b", "worse", -0.03, 0.0001)
    small = _arm("c", "better", 0.01, 0.01)
    large = _arm("d", "better", 0.02, 0.04)
    unclear = _arm("e", "no_clear_difference", 0.05, 0.3)

    def summary(primary: list[ArmVerdict], breached: list[ArmVerdict]) -> ExperimentSummary:
        return ExperimentSummary(key="x", status="running", units=9000, srm_flagged=False,
                                 verdict_basis="always_valid", primary=primary,
                                 breached=breached)

    # The best of the arms significantly better, though another is more significant and
    # worse; a breached guardrail before everything; a worse arm before "no clear".
    assert _shown(summary([worse, small, large, unclear], [])) == (large, "better")
    harm = _arm("c", "worse", -1.0, 0.01).model_copy(update={"metric": "revenue_per_visitor"})
    assert _shown(summary([worse, small, large], [harm])) == (harm, "breached")
    assert _shown(summary([unclear, worse], [])) == (worse, "worse")
    assert _shown(summary([unclear], [])) == (None, "no_clear_difference")


ALWAYS_VALID_BASIS = r"\(Holm\): p = [\d.]+ — the verdict rests on this"
FIXED_BASIS = r"\(unadjusted: p = [\d.]+\) — the verdict rests on this"


def test_the_results_say_what_the_verdict_rests_on_and_what_segments_are(
        client: TestClient, runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        seed_experiment(session, "home-even", control=Arm(units=300, buyers=30),
                        treatment=Arm(units=300, buyers=30))
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    results = _text(web.get(PAGE + "/tests/home-even").text)
    assert ("While the experiment runs, the verdicts rest on the “safe to check any time” "
            "figures") in results
    # On conversion and revenue (no shopper dismissed anything: nothing to compare there).
    assert len(re.findall(ALWAYS_VALID_BASIS, results)) == 2
    assert not re.findall(FIXED_BASIS, results)
    assert "a segment the change itself moves shoppers into or out of is not a fair" in results
    assert "at a significance level of 5% per comparison" in results
    with runtime.session(write=True) as session:
        stop_experiment(session, "home-even")
    stopped = _text(web.get(PAGE + "/tests/home-even").text)
    assert "The experiment is stopped: the verdicts rest on the fixed-horizon figures" in stopped
    assert len(re.findall(FIXED_BASIS, stopped)) == 2
    assert not re.findall(ALWAYS_VALID_BASIS, stopped)


def test_the_calculator_plans_each_comparison_at_alpha_over_the_comparisons(
        client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    three = _text(web.get(PAGE + "/power?solve=units&base_rate=10&lift=20&alpha=5&power=80"
                          "&arms=3").text)
    needed = proportion_sample_size(base_rate=0.1, relative_lift=0.2, alpha=0.025)
    assert f"the experiment needs {needed:,} shoppers in each arm" in three
    assert "each comparison is planned at a significance level of 2.5% (5% divided by 2)" in three
    wrong = web.get(PAGE + "/power?solve=units&base_rate=10&lift=20&alpha=5&power=80&arms=1")
    assert _error(wrong.text, "arms") == ("Enter a whole number of arms from 2 to 10, the "
                                          "control included.")
    web.cookies.set("lang", "pl")
    polish = _text(web.get(PAGE + "/power?solve=units&base_rate=10&lift=20&alpha=5&power=80"
                           "&arms=3").text)
    assert "planujemy przy poziomie istotności 2,5% (5% podzielone przez 2)" in polish
