"""The Models page: the report of the version served now, worded for a shop owner in
English and Polish (weights and validation figures as percentages, models by what they
do, reasons in words, never a code or a raw number); without a report it says why."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from prefero.recommend.selection import (
    EVIDENCE_ONLY,
    NO_JOURNEYS,
    NOT_BETTER,
    OUT_OF_TIME,
    REASONS,
    TOO_LARGE,
)
from prefero.recommend.training import TrainingConfig
from prefero.runtime import Runtime
from prefero.web.dashboard.model_quality import UNTESTED_BELOW
from quality_reports import sample_quality, write_reported_version
from staff_accounts import staff_browser

PAGE = "/dashboard/models"


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    return staff_browser(client, runtime, "ola@shop.example", "read_only")


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def _figure(html: str, key: str) -> str:
    section = html[html.index(f'id="fig-{key}"'):]
    return section[:section.index("</section>")]


def _not_served(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<li><strong>(.*?)</strong>: (.*?)</li>", html)


def test_the_report_in_a_shop_owners_words(web: TestClient, runtime: Runtime) -> None:
    write_reported_version(runtime.settings.artefact_dir, sample_quality())
    html = web.get(PAGE).text
    summary = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert summary["Hit rate in the top 10"] == "19.6%"
    assert summary["NDCG@10"] == "9.9%"
    assert (summary["Products"], summary["Events"]) == ("1,200", "125,000")
    # Weights 1 and 0.5 serve two thirds and one third of the score: the bar, the served
    # table and the table of every model tried all say so.
    served = _cells(_figure(html, "served"))
    assert served[1:] == [["What shoppers choose next", "66.7%", "18.3%", "9.1%"],
                          ["Similar shoppers&#39; tastes (matrix factorisation, ALS)", "33.3%",
                           "14.1%", "7%"]]
    assert "66.7%" in _figure(html, "served").split("<table")[0]
    tried = {row[0]: row[1:] for row in _cells(_figure(html, "tried"))[1:]}
    assert tried["What shoppers choose next"][-1] == "66.7%"
    assert tried["Similar shoppers&#39; tastes (matrix factorisation, ALS)"][-1] == "33.3%"
    assert tried["Whole-catalogue item relations (EASE)"] == [
        "15%", "7.6%", "40.1 s", "9.5 ms", "0%"]
    assert tried["What customers with these preferences chose"][-1] == "Forms only"
    assert _not_served(html) == [
        ("Whole-catalogue item relations (EASE)",
         "Too slow: the served models would go over their time per request.")]
    assert "within the 4 ms allowed" in html
    assert "for 2,900 customers, the last product each chose was hidden" in html
    assert "chosen on these same hidden products, so the figures flatter them" in html
    assert ("NDCG@10 on the most recent forms went from 8.1% to 10.4%.") in html
    assert "Trained on Nov 20, 2026, 12:00:00\u202fPM (UTC)." in html
    assert "Training took 84.5 s; choosing the models took 61.2 s of the 120 s allowed." in html
    for raw in (">transitions<", ">ease<", ">history<", "over_budget", REASONS["over_budget"],
                ">0.5<", ">None<", "e+"):
        assert raw not in html, raw


def test_in_polish_every_word_and_number_is_polish(web: TestClient, runtime: Runtime) -> None:
    write_reported_version(runtime.settings.artefact_dir, sample_quality())
    web.cookies.set("lang", "pl")
    html = web.get(PAGE).text
    assert '<html lang="pl">' in html
    served = _cells(_figure(html, "served"))
    assert [row[1:] for row in served[1:]] == [["66,7%", "18,3%", "9,1%"],
                                               ["33,3%", "14,1%", "7%"]]
    for english in ("Hit rate in the top 10", "What shoppers choose next", "Training took",
                    "Too slow", "Served models and their weights", "Preference forms",
                    "Forms only", "Models not served", "flatter them"):
        assert english not in html, english


def test_reasons_and_calibrations_of_every_kind_are_worded(web: TestClient,
                                                          runtime: Runtime) -> None:
    report = sample_quality(
        candidates={
            "transitions": {"role": "history", "val_hr10": 0.2, "val_ndcg10": 0.1,
                            "fit_seconds": 1.0, "score_ms": 0.5, "weight": 2.0},
            "bpr": {"role": "history", "fit_seconds": 0.0, "dropped": OUT_OF_TIME},
            "sasrec": {"role": "history", "fit_seconds": 0.0,
                       "dropped": TOO_LARGE},
            "new-model": {"role": "history", "val_hr10": 0.1, "fit_seconds": 2.0,
                          "dropped": NOT_BETTER},
            "cooccurrence": {"role": "history", "val_hr10": 0.1, "fit_seconds": 1.0,
                             "dropped": EVIDENCE_ONLY},
            # A reason a newer trainer wrote, which this console has no words for.
            "ease": {"role": "history", "fit_seconds": 0.0, "dropped": "gpu_missing"},
            # The form model is not served either: its reason is given like any other.
            "declared": {"role": "form", "fit_seconds": 0.0, "dropped": NO_JOURNEYS}},
        served={"val_hr10": 0.2, "val_ndcg10": 0.1, "score_ms": 5.5, "budget_ms": 4.0},
        forms={"real_forms": 12, "minimum": 50, "calibrated": False})
    write_reported_version(runtime.settings.artefact_dir, report)
    html = web.get(PAGE).text
    assert _not_served(html) == [
        ("Similar shoppers&#39; tastes (pairwise ranking, BPR)",
         "Not tried: the time allowed for choosing the models ran out."),
        ("Bought and viewed together",
         "Kept only to count what shoppers chose next (the evidence behind “often chosen "
         "after”); it does not rank."),
        ("What customers with these preferences chose",
         "No customer has gone from one product to another yet: nothing to learn from."),
        ("Whole-catalogue item relations (EASE)",
         "Training did not serve it, for a reason this version of the console does not "
         "know yet."),
        ("Model “new-model”", "It added nothing to the served models on validation "
                              "(weight 0)."),
        ("Shopping sequences (neural, SASRec)", "The catalogue is too large for this model.")]
    assert "gpu_missing" not in html and "no_journeys" not in html
    tried = {row[0]: row[1:] for row in _cells(_figure(html, "tried"))[1:]}
    # Never measured: a dash, not 0 %.
    assert tried["Shopping sequences (neural, SASRec)"][:2] == ["–", "–"]
    # The only served model carries the whole score, whatever its relative weight.
    assert tried["What shoppers choose next"][-1] == "100%"
    assert tried["What customers with these preferences chose"][-1] == "Not served"
    assert "over the 4 ms allowed" in html
    assert "Not calibrated yet: 12 forms filled in before a purchase so far, 50 needed." in html


def test_untested_models_are_not_said_to_be_checked(web: TestClient,
                                                    runtime: Runtime) -> None:
    report = sample_quality(
        validation_customers=0,
        candidates={"transitions": {"role": "history", "fit_seconds": 1.0,
                                    "score_ms": 0.5, "weight": 1.0},
                    "als": {"role": "history", "fit_seconds": 1.0, "score_ms": 0.5,
                            "weight": 1.0}},
        served={"score_ms": 1.0, "budget_ms": 4.0})
    write_reported_version(runtime.settings.artefact_dir, report)
    html = web.get(PAGE).text
    assert ("The models are served untested, with their default settings at equal weights: "
            "fewer than 50 customers had chosen three or more products") in html
    for untrue in ("How the models were checked", "for 0 customers", "flatter them"):
        assert untrue not in html, untrue
    web.cookies.set("lang", "pl")
    assert "Modele są używane bez sprawdzenia" in web.get(PAGE).text


def test_the_untested_threshold_is_trainings() -> None:
    assert TrainingConfig().min_tuning_users == UNTESTED_BELOW


@pytest.mark.parametrize(("weight", "words", "not_words"), [
    # Served models whose time could not be measured (an empty catalogue).
    (1.0, "could not be measured", "No model scores customers"),
    (0.0, "No model scores customers", "could not be measured"),
])
def test_an_unmeasured_time_is_not_said_to_be_no_model(web: TestClient, runtime: Runtime,
                                                      weight: float, words: str,
                                                      not_words: str) -> None:
    report = sample_quality(
        candidates={"transitions": {"role": "history", "fit_seconds": 1.0, "weight": weight,
                                    "dropped": None if weight else NOT_BETTER}},
        served={"score_ms": None, "budget_ms": 4.0})
    write_reported_version(runtime.settings.artefact_dir, report)
    html = web.get(PAGE).text
    assert words in html and not_words not in html


@pytest.mark.parametrize(("quality", "words"), [
    (False, "No recommendation model has been trained yet."),
    (True, "trained before training wrote reports"),
])
def test_without_a_report_the_page_says_why(web: TestClient, runtime: Runtime,
                                            quality: bool, words: str) -> None:
    if quality:
        write_reported_version(runtime.settings.artefact_dir, None)
    answer = web.get(PAGE)
    assert answer.status_code == 200
    assert words in answer.text and "<svg" not in answer.text


def test_the_menu_offers_the_page_to_every_role(web: TestClient) -> None:
    html = web.get("/dashboard").text
    assert 'href="/dashboard/models"' in html
