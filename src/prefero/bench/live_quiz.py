"""Quiz scope, measured as shoppers meet the quiz library (part of ``prefero bench live``).

Every library quiz runs on the demo shop along many answer paths, drawn with a seed, plus the
paths the issue names: each question's first option, the smallest budget a budget question
allows, and a visitor whose own budget is 50. The paths are taken by visitors without rules
and by demo customers with their declared rules. For each ending:

- every pick lies in the quiz's scope, and every add-on service is a service the scope offers
  (its ``add_ons``, else one of its departments);
- the ending is not empty ("guided selling never ends on an empty page");
- a set emptied on the way was named (``Narrowing.emptied``), and closest matches say what
  they miss.

Scope is checked here from each product's raw category and facet values, not through the
masks or the results module's own second check, so a leak in both would still be caught.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from prefero.catalog.facets import CATEGORY_SEPARATOR
from prefero.customers.models import Preference
from prefero.quizzes.definition import FacetCondition, Question, QuizDefinition, SetBudget
from prefero.quizzes.engine import Answer, next_question
from prefero.quizzes.loader import load_definition
from prefero.quizzes.publish import library_files
from prefero.quizzes.results import narrowing, quiz_results
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.profile import CustomerProfile
from prefero.runtime import Runtime

__all__ = ["Path", "answer_paths", "quiz_scope"]

#: The visitor's own budget in the issue's finding ("with a 50 zł budget").
SMALL_BUDGET = 50.0
_WORDS = ("chocolate", "oat", "black", "travel", "waterproof", "organic", "light", "zzzz")


@dataclass(frozen=True)
class Path:
    """One way through a quiz: how it was drawn (``kind``) and the answers given."""

    kind: str
    answers: tuple[Answer, ...]


def _sets_budget(question: Question) -> bool:
    return question.range is not None and any(isinstance(e, SetBudget)
                                              for e in question.range.effects)


def _walk(definition: QuizDefinition, choose: Any) -> tuple[Answer, ...]:
    answers: list[Answer] = []
    while (question := next_question(definition, answers)) is not None:
        answers.append(choose(question))
    return tuple(answers)


def _first(question: Question) -> Answer:
    """Each question's first option; a range at its lowest; free text left empty."""
    if question.range is not None:
        return Answer(question.id, value=question.range.min)
    if question.options:
        return Answer(question.id, (question.options[0].id,))
    return Answer(question.id) if not question.required else Answer(question.id, text="x")


def _random(rng: random.Random) -> Any:
    def choose(question: Question) -> Answer:
        if not question.required and rng.random() < 0.2:
            return Answer(question.id)
        if question.range is not None:
            spec = question.range
            steps = round((spec.max - spec.min) / spec.step)
            return Answer(question.id, value=round(spec.min + rng.randint(0, steps) * spec.step,
                                                   6))
        if question.type == "multiple":
            k = rng.randint(1, min(3, len(question.options)))
            return Answer(question.id, tuple(o.id for o in rng.sample(question.options, k)))
        if question.options:
            return Answer(question.id, (rng.choice(question.options).id,))
        return Answer(question.id, text=rng.choice(_WORDS))
    return choose


def answer_paths(definition: QuizDefinition, *, paths: int, seed: int) -> list[Path]:
    """The fixed paths (first options; smallest budget) and ``paths`` random ones.

    >>> from prefero.quizzes.definition import Option
    >>> quiz = QuizDefinition(id="q", kind="quiz", title="Q", questions=[Question(
    ...     id="a", type="single", text="A?", options=[Option(id="x", label="X"),
    ...                                                Option(id="y", label="Y")])])
    >>> [(p.kind, p.answers[0].option_ids) for p in answer_paths(quiz, paths=1, seed=0)][0]
    ('first options', ('x',))
    """
    rng = random.Random(seed)
    found = [Path("first options", _walk(definition, _first))]
    if any(_sets_budget(q) for q in definition.questions):
        pick = _random(rng)
        found.append(Path("smallest budget", _walk(
            definition, lambda q: _first(q) if _sets_budget(q) else pick(q))))
    found.extend(Path("random", _walk(definition, _random(rng))) for _ in range(paths))
    return found


def _holds(raw: object, facet: str, value: str) -> bool:
    if raw is None:
        return False
    if facet == "category":
        path, wanted = str(raw).casefold(), value.casefold()
        return path == wanted or path.startswith(wanted + CATEGORY_SEPARATOR)
    if isinstance(raw, bool):
        return value.casefold() == str(raw).casefold()
    items = raw if isinstance(raw, list) else [raw]
    return any(str(item).casefold() == value.casefold() for item in items)


def _meets(index: CatalogIndex, position: int, condition: FacetCondition) -> bool:
    raw = (index.categories[position] if condition.facet == "category"
           else index.facet_values[position].get(condition.facet))
    return any(_holds(raw, condition.facet, value) for value in condition.values)


def _is_service(index: CatalogIndex, position: int) -> bool:
    tags = index.facet_values[position].get("tags") or []
    parts = index.categories[position].split(CATEGORY_SEPARATOR)
    return "service" in [str(t).casefold() for t in tags] or any(
        p.strip().casefold() == "services" for p in parts)


class _Scope:
    """One quiz's scope over the raw catalogue."""

    def __init__(self, index: CatalogIndex, definition: QuizDefinition) -> None:
        self.index = index
        self.scope = definition.scope
        products = [p for p in range(index.size) if self.holds(p)
                    and not _is_service(index, p)]
        self.departments = {index.categories[p].split(CATEGORY_SEPARATOR)[0]
                            for p in products}

    def holds(self, position: int) -> bool:
        if self.scope is None:
            return True
        return all(_meets(self.index, position, c) for c in self.scope.conditions)

    def offers(self, position: int) -> bool:
        if not _is_service(self.index, position):
            return False
        if self.scope is None:
            return True
        if self.scope.add_ons is not None:
            return _meets(self.index, position, self.scope.add_ons)
        return self.index.categories[position].split(CATEGORY_SEPARATOR)[0] in self.departments


def _library(runtime: Runtime) -> list[QuizDefinition]:
    return [load_definition(f.read_bytes(), source=f.name, schema=runtime.facet_schema)
            for f in library_files()]


def _customers(runtime: Runtime, rng: random.Random, count: int) -> list[str]:
    with runtime.session() as session:
        who = sorted(session.scalars(select(Preference.customer_id).distinct()))
    return rng.sample(who, min(count, len(who)))


def quiz_scope(runtime: Runtime, *, paths: int = 60, seed: int = 0, customers: int = 40,
               quizzes: Sequence[str] | None = None) -> dict[str, Any]:
    """Over every library quiz (or those named in ``quizzes``): the share of picks and of
    add-on services inside the quiz's scope, and the sessions that end with no pick, along
    the fixed paths (taken by a visitor, and by a visitor whose budget is 50) and ``paths``
    random ones (each taken by a visitor or one of ``customers`` demo customers with rules),
    all drawn with ``seed``."""
    rng = random.Random(seed)
    engine = runtime.recommender
    schema = runtime.facet_schema
    currency = runtime.shop_currency
    report: dict[str, Any] = {"paths": paths, "seed": seed, "quizzes": {}}
    totals = {"sessions": 0, "picks": 0, "picks_in_scope": 0, "add_ons": 0,
              "add_ons_in_scope": 0, "empty_endings": 0, "guided_empty_endings": 0,
              "closest_endings": 0, "unnamed_empty_sets": 0, "unlabelled_closest": 0}
    with runtime.session() as session:
        index, _ = engine.snapshot(session)
        if index.size == 0:
            raise RuntimeError("an empty catalogue: load the demo")
        visitor = engine.profile(session, None)
        people: list[CustomerProfile] = [engine.profile(session, who)
                                         for who in _customers(runtime, rng, customers)]
        session.rollback()
    strays: list[dict[str, Any]] = []
    empties: list[dict[str, Any]] = []
    for definition in _library(runtime):
        if quizzes is not None and definition.id not in quizzes:
            continue
        scope = _Scope(index, definition)
        row = dict.fromkeys(totals, 0)
        takers: list[tuple[str, Path, CustomerProfile]] = []
        for path in answer_paths(definition, paths=paths, seed=rng.randrange(2**31)):
            if path.kind == "random":
                person = rng.choice([visitor, *people]) if people else visitor
                takers.append(("visitor" if person is visitor else "customer", path, person))
            else:
                takers.append(("visitor", path, visitor))
                takers.append((f"budget {SMALL_BUDGET:g}", path,
                               replace(visitor, budget_max=SMALL_BUDGET)))
        for who, path, person in takers:
            found = quiz_results(index, definition, path.answers, customer=person,
                                 schema=schema, currency=currency)
            row["sessions"] += 1
            for pick in found.picks:
                position = index.position[pick.product_id]
                row["picks"] += 1
                if scope.holds(position) and not _is_service(index, position):
                    row["picks_in_scope"] += 1
                elif len(strays) < 10:
                    strays.append({"quiz": definition.id, "path": path.kind, "taker": who,
                                   "item": pick.title,
                                   "category": index.categories[position]})
                if pick.match == "closest" and not pick.misses:
                    row["unlabelled_closest"] += 1
            for service in found.add_on_services:
                position = index.position[service.product_id]
                row["add_ons"] += 1
                if scope.offers(position):
                    row["add_ons_in_scope"] += 1
                elif len(strays) < 10:
                    strays.append({"quiz": definition.id, "path": path.kind, "taker": who,
                                   "add_on": service.title,
                                   "category": index.categories[position]})
            if found.closest_matches:
                row["closest_endings"] += 1
            if not found.picks:
                row["empty_endings"] += 1
                if definition.kind == "guided_selling":
                    row["guided_empty_endings"] += 1
                if len(empties) < 10:
                    empties.append({"quiz": definition.id, "path": path.kind, "taker": who,
                                    "answers": [a.as_json() for a in path.answers]})
            if found.exact == 0:
                narrowed = narrowing(index, definition, path.answers, customer=person,
                                     schema=schema, currency=currency)
                if narrowed.count == 0 and narrowed.emptied is None:
                    row["unnamed_empty_sets"] += 1
        for key in totals:
            totals[key] += row[key]
        report["quizzes"][definition.id] = {**row, **_shares(row)}
    report.update({**totals, **_shares(totals), "strays": strays, "empty_examples": empties})
    return report


def _shares(row: dict[str, int]) -> dict[str, float]:
    """In-scope shares (1.0 when nothing was shown: nothing left the scope) and the share of
    empty endings."""
    def share(part: int, whole: int, *, empty: float) -> float:
        return round(part / whole, 4) if whole else empty

    return {"picks_in_scope_share": share(row["picks_in_scope"], row["picks"], empty=1.0),
            "add_ons_in_scope_share": share(row["add_ons_in_scope"], row["add_ons"],
                                            empty=1.0),
            "empty_share": share(row["empty_endings"], row["sessions"], empty=0.0)}
