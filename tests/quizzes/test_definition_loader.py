"""Loading definitions: every malformed case gives a clear error at its exact path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.errors import FieldError, InvalidInput
from prefero.quizzes.definition import QuizDefinition, SetBudget
from prefero.quizzes.loader import load_definition, load_definition_file

SCHEMA = load_facet_schema()


def _valid() -> dict[str, Any]:
    """A small definition that loads; each test breaks one thing in a copy."""
    return copy.deepcopy({
        "id": "camera",
        "kind": "guided_selling",
        "title": "Find your camera",
        "scope": {"facet": "category", "values": ["Electronics > Cameras"]},
        "questions": [
            {"id": "use", "type": "single", "text": "What for?", "options": [
                {"id": "photo", "label": "Photos", "effects": [
                    {"type": "set_weight", "facet": "use", "value": "photo", "weight": 1}]},
                {"id": "video", "label": "Video", "effects": [
                    {"type": "set_weight", "facet": "use", "value": "video", "weight": 1},
                    {"type": "upvote", "where": {"facet": "category",
                                                 "values": ["Electronics > Cameras"]}}]},
            ]},
            {"id": "budget", "type": "range", "text": "Budget?",
             "range": {"min": 500, "max": 9000, "default": 3000,
                       "effects": [{"type": "budget", "from_answer": "max"}]}},
            {"id": "weight", "type": "range", "text": "Weight?",
             "show_if": {"question": "use", "any_of": ["video"]},
             "range": {"min": 100, "max": 1000,
                       "effects": [{"type": "numeric_bound", "facet": "weight_g",
                                    "bound": "max"}]}},
            {"id": "words", "type": "text", "text": "Anything else?", "required": False},
        ],
    })


def _errors(document: Any, *, source: str = "camera.yaml",
            schema: FacetSchema = SCHEMA) -> list[FieldError]:
    text = document if isinstance(document, str) else yaml.safe_dump(document)
    with pytest.raises(InvalidInput) as caught:
        load_definition(text, source=source, schema=schema)
    assert caught.value.errors, "an InvalidInput must say where"
    return list(caught.value.errors)


def _only(document: Any) -> FieldError:
    errors = _errors(document)
    assert len(errors) == 1, errors
    return errors[0]


def test_the_valid_definition_loads_from_yaml_and_json_alike() -> None:
    from_yaml = load_definition(yaml.safe_dump(_valid()), source="c.yaml", schema=SCHEMA)
    from_json = load_definition(json.dumps(_valid()).encode(), source="c.json", schema=SCHEMA)
    assert isinstance(from_yaml, QuizDefinition)
    assert from_yaml == from_json
    assert isinstance(from_yaml.questions[1].range.effects[0], SetBudget)  # type: ignore[union-attr]


def test_yes_and_no_stay_text_in_yaml() -> None:
    # YAML 1.1 would read `id: no` as False, a trap for every yes/no question.
    document = _valid()
    document["questions"][0]["options"][0]["id"] = "PLACEHOLDER"
    text = yaml.safe_dump(document).replace("PLACEHOLDER", "no")
    definition = load_definition(text, source="c.yaml", schema=SCHEMA)
    assert definition.questions[0].options[0].id == "no"


def test_malformed_yaml_gives_one_error_with_line_and_column() -> None:
    error = _only("id: camera\nkind: quiz\n  title: [unclosed\n")
    assert error.loc == ("camera.yaml",)
    assert error.msg.startswith("line 3, column 8: ")


def test_malformed_json_gives_line_and_column() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_definition('{"id": "camera",\n "kind": }', source="c.json", schema=SCHEMA)
    [error] = caught.value.errors
    assert error.loc == ("c.json",) and error.msg.startswith("line 2, column 10")


def test_duplicate_yaml_keys_are_refused() -> None:
    error = _only("id: a\nid: b\n")
    assert "duplicate key 'id'" in error.msg and "line 2" in error.msg


def test_a_document_that_is_not_a_mapping() -> None:
    error = _only("- just\n- a list\n")
    assert error.loc == ("camera.yaml",) and "mapping" in error.msg


def test_not_utf8() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_definition(b"id: caf\xe9", source="c.yaml", schema=SCHEMA)
    assert caught.value.errors[0].msg == "byte 7 is not UTF-8"


def test_unknown_facet_in_an_effect() -> None:
    document = _valid()
    document["questions"][0]["options"][1]["effects"][0]["facet"] = "colour"
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 0, "options", 1, "effects", 0, "facet")
    assert error.msg == "no facet 'colour' in the facet schema"


def test_unknown_facet_in_a_condition_and_the_scope() -> None:
    document = _valid()
    document["questions"][0]["options"][1]["effects"][1]["where"]["facet"] = "kind"
    document["scope"]["facet"] = "department"
    locs = [error.loc for error in _errors(document)]
    assert locs == [
        ("camera.yaml", "questions", 0, "options", 1, "effects", 1, "where", "facet"),
        ("camera.yaml", "scope", "facet"),
    ]


def test_non_preferable_facet() -> None:
    document = _valid()
    document["questions"][0]["options"][0]["effects"].append(
        {"type": "constraint", "op": "must", "facet": "size", "values": ["M"]})
    error = _only(document)
    assert error.loc[-3:] == ("effects", 1, "facet")
    assert error.msg.startswith("customers cannot state preferences on 'size'")


def test_numeric_bound_needs_a_numeric_facet() -> None:
    document = _valid()
    document["questions"][2]["range"]["effects"][0]["facet"] = "brand"
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 2, "range", "effects", 0, "facet")
    assert error.msg == "'brand' is not numeric (categorical)"


def test_numeric_bound_only_on_a_range_answer() -> None:
    document = _valid()
    document["questions"][0]["options"][0]["effects"].append(
        {"type": "numeric_bound", "facet": "weight_g", "bound": "max"})
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 0, "options", 0, "effects", 1, "type")
    assert "range" in error.msg


def test_category_values_must_be_paths() -> None:
    document = _valid()
    document["scope"]["values"] = ["Electronics >> Cameras"]
    document["questions"][0]["options"][0]["effects"].append(
        {"type": "sizes", "category": "Fashion > ", "values": ["M"]})
    locs = {error.loc: error.msg for error in _errors(document)}
    assert set(locs) == {
        ("camera.yaml", "questions", 0, "options", 0, "effects", 1, "category"),
        ("camera.yaml", "scope", "values", 0),
    }
    assert all("is not a category path" in msg for msg in locs.values())


def test_unusable_boolean_value() -> None:
    document = _valid()
    document["questions"][0]["options"][0]["effects"][0] = {
        "type": "set_weight", "facet": "eco", "value": "maybe", "weight": 1}
    error = _only(document)
    assert error.loc[-1] == "value" and "not a usable value of 'eco'" in error.msg


def test_duplicate_question_ids() -> None:
    document = _valid()
    document["questions"][3]["id"] = "use"
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 3, "id")
    assert error.msg == "question id 'use' is already used by questions[0]"


def test_duplicate_option_ids() -> None:
    document = _valid()
    document["questions"][0]["options"][1]["id"] = "photo"
    document["questions"][2].pop("show_if")  # it names the renamed option
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 0, "options", 1, "id")
    assert error.msg == "option id 'photo' is already used by options[0]"


def test_show_if_pointing_forward() -> None:
    document = _valid()
    document["questions"][0]["show_if"] = {"question": "budget", "min": 100}
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 0, "show_if", "question")
    assert error.msg == "'budget' comes later; a condition can only look at earlier questions"


def test_show_if_naming_no_question() -> None:
    document = _valid()
    document["questions"][2]["show_if"] = {"any": [
        {"question": "use", "any_of": ["video"]}, {"question": "lens", "any_of": ["x"]}]}
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 2, "show_if", "any", 1, "question")
    assert error.msg == "'lens' is not a question of this quiz"


def test_show_if_pointing_to_an_unknown_option() -> None:
    document = _valid()
    document["questions"][2]["show_if"]["any_of"] = ["video", "drone"]
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 2, "show_if", "any_of", 1)
    assert error.msg == "question 'use' has no option 'drone'"


def test_show_if_with_the_wrong_comparison() -> None:
    document = _valid()
    document["questions"][2]["show_if"] = {"question": "use", "min": 3}
    error = _only(document)
    assert error.loc[-1] == "min" and "not a range question" in error.msg


def test_range_min_not_below_max() -> None:
    document = _valid()
    document["questions"][1]["range"].update(min=9000, max=500)
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 1, "range", "min")
    assert error.msg == "min (9000) must be below max (500)"


def test_range_default_outside() -> None:
    document = _valid()
    document["questions"][1]["range"]["default"] = 10_000
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 1, "range", "default")
    assert error.msg == "default (10000) must lie within min (500) and max (9000)"


def test_choice_question_with_fewer_than_two_options() -> None:
    document = _valid()
    del document["questions"][0]["options"][1]
    document["questions"][2].pop("show_if")
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 0, "options")
    assert error.msg == "a single question needs at least two options, got 1"


def test_range_question_without_a_range() -> None:
    document = _valid()
    del document["questions"][1]["range"]
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 1, "range")


def test_budget_from_answer_on_a_non_range_question() -> None:
    document = _valid()
    document["questions"][0]["options"][0]["effects"].append(
        {"type": "budget", "from_answer": "max"})
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 0, "options", 0, "effects", 1,
                         "from_answer")
    assert "range" in error.msg


def test_budget_needs_something() -> None:
    document = _valid()
    document["questions"][0]["options"][0]["effects"].append({"type": "budget"})
    error = _only(document)
    assert error.msg == "a budget effect needs min, max or from_answer"


def test_text_question_takes_no_effects() -> None:
    document = _valid()
    document["questions"][3]["options"] = [
        {"id": "a", "label": "A", "effects": [
            {"type": "set_weight", "facet": "use", "value": "photo", "weight": 1}]},
        {"id": "b", "label": "B"}]
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 3, "options")
    assert "no options, so no effects" in error.msg


def test_unknown_effect_type() -> None:
    document = _valid()
    document["questions"][0]["options"][0]["effects"][0] = {"type": "like", "facet": "use"}
    error = _only(document)
    assert error.loc == ("camera.yaml", "questions", 0, "options", 0, "effects", 0, "type")
    assert error.msg.startswith("unknown effect type 'like'; expected one of ")


def test_effect_without_a_type() -> None:
    document = _valid()
    document["questions"][0]["options"][0]["effects"][0] = {"facet": "use"}
    error = _only(document)
    assert error.loc[-1] == "type" and error.msg.startswith("an effect needs a type")


def test_extra_keys_everywhere() -> None:
    document = _valid()
    document["colour"] = "red"
    document["questions"][0]["options"][0]["effects"][0]["strength"] = 2
    errors = _errors(document)
    assert [(e.loc, e.msg) for e in errors] == [
        (("camera.yaml", "colour"), "unknown key 'colour'"),
        # The effect's type ("set_weight") is not part of the path: it is not a key.
        (("camera.yaml", "questions", 0, "options", 0, "effects", 0, "strength"),
         "unknown key 'strength'"),
    ]


def test_field_errors_from_pydantic_keep_their_path() -> None:
    document = _valid()
    document["questions"][0]["options"][0]["effects"][0]["weight"] = 5
    document["kind"] = "survey"
    locs = [error.loc for error in _errors(document)]
    assert locs == [
        ("camera.yaml", "kind"),
        ("camera.yaml", "questions", 0, "options", 0, "effects", 0, "weight"),
    ]


def test_every_problem_is_reported_at_once() -> None:
    document = _valid()
    document["questions"][3]["id"] = "use"                            # duplicate question
    document["questions"][0]["options"][1]["id"] = "photo"            # duplicate option
    document["questions"][2]["show_if"]["any_of"] = ["drone"]         # unknown option
    document["questions"][1]["range"]["min"] = 99_999                 # min >= max
    document["questions"][2]["range"]["effects"][0]["facet"] = "nope"  # unknown facet
    document["questions"][0]["options"][0]["effects"][0]["type"] = "bogus"
    assert len(_errors(document)) == 6


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_numbers_are_refused(bad: float) -> None:
    document = _valid()
    document["questions"][1]["range"]["max"] = bad
    errors = _errors(document)
    assert any(e.loc == ("camera.yaml", "questions", 1, "range", "max")
               and e.msg == "numbers must be finite" for e in errors)


def test_nul_characters_are_refused() -> None:
    document = _valid()
    document["title"] = "Find\x00"
    assert any(e.loc == ("camera.yaml", "title") and "NUL" in e.msg
               for e in _errors(json.dumps(document)))


def test_alias_bombs_are_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    error = _only("\n".join(lines))
    assert error.loc == ("camera.yaml",) and "too large" in error.msg


def test_a_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "camera.json"
    document = _valid()
    document["questions"][0]["options"][0]["effects"][0]["facet"] = "nope"
    path.write_text(json.dumps(document))
    with pytest.raises(InvalidInput) as caught:
        load_definition_file(path, schema=SCHEMA)
    assert caught.value.errors[0].loc[0] == str(path)
    path.write_text(json.dumps(_valid()))
    assert load_definition_file(path, schema=SCHEMA).id == "camera"
