"""``prefero bench live``'s quiz scope on a small demo shop: the floor the figure must hold
(issue 11: 100 % of quiz results and add-ons in scope, no guided-selling session ending with
nothing; the full figures are in docs/evaluation.md)."""

from __future__ import annotations

from prefero.bench.live_quiz import answer_paths, quiz_scope
from prefero.catalog.facets import load_facet_schema
from prefero.quizzes.loader import load_definition
from prefero.quizzes.publish import library_files
from prefero.runtime import Runtime


def test_every_library_quiz_stays_in_scope_and_never_ends_empty(demo_shop: Runtime) -> None:
    figures = quiz_scope(demo_shop, paths=8, seed=0, customers=20)
    assert set(figures["quizzes"]) == {"big-five", "camera-finder", "fashion-style",
                                       "grocery-setup", "laptop-finder"}
    assert figures["sessions"] >= 5 * 9
    assert figures["picks"] > 0 and figures["add_ons"] > 0
    assert figures["picks_in_scope_share"] == 1.0, figures["strays"]
    assert figures["add_ons_in_scope_share"] == 1.0, figures["strays"]
    assert figures["empty_endings"] == 0, figures["empty_examples"]
    assert figures["unnamed_empty_sets"] == 0 and figures["unlabelled_closest"] == 0
    # The small budget of the finding is among the paths, and it is answered with
    # labelled closest matches rather than nothing.
    assert figures["quizzes"]["camera-finder"]["closest_endings"] >= 1


def test_the_paths_include_first_options_and_the_smallest_budget() -> None:
    files = {f.name: f for f in library_files()}
    camera = load_definition(files["camera-finder.yaml"].read_bytes(), source="camera",
                             schema=load_facet_schema())
    paths = answer_paths(camera, paths=3, seed=1)
    assert [p.kind for p in paths] == ["first options", "smallest budget", "random", "random",
                                       "random"]
    first = {a.question_id: a for a in paths[0].answers}
    assert first["experience"].option_ids == ("new",) and first["budget"].value == 800
    assert {a.question_id: a for a in paths[1].answers}["budget"].value == 800
    assert answer_paths(camera, paths=3, seed=1) == paths  # seeded
