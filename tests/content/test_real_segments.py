"""Content targeting by segment with the real segments package (no stand-in reader): a
customer in the segment sees its variant, explained by the segment's name; one outside it,
or one who turned personalization off, sees the fallback. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from content_helpers import slot_body, variant_body
from factories import customer
from prefero.content.schemas import ContentAnswer, SlotIn
from prefero.content.service import ContentRequest, content_for
from prefero.content.slots import create_slot
from prefero.content.visitor import read_segments
from prefero.runtime import Runtime
from prefero.segments import dirty
from prefero.segments.conditions import parse_condition
from prefero.segments.service import create_segment

VEGAN = {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"}
SLOT = slot_body("home-hero",
                 variant_body("plants", targeting={"segments": ["plant-lovers"]}),
                 variant_body("everyone"), fallback="everyone")


@pytest.fixture
def shop(runtime: Runtime) -> Iterator[Runtime]:
    with runtime.session(write=True) as session:
        customer(session, "ala", likes=[("diet", "vegan", 1.0)])
        customer(session, "ola", likes=[("diet", "keto", 1.0)])
        customer(session, "eli", level="off", likes=[("diet", "vegan", 1.0)])
        # Another segment Ala is in, which no variant names: it must not matter.
        for key, name, condition in (
                ("plant-lovers", "Plant lovers", VEGAN),
                ("known", "Known", {"type": "profile", "field": "anonymous", "op": "eq",
                                    "value": False})):
            create_segment(session, key=key, name=name, condition=parse_condition(condition),
                           actor="test", settings=runtime.settings)
        create_slot(session, SlotIn.model_validate(SLOT), schema=runtime.facet_schema)
    yield runtime
    dirty.take(runtime.engine.pool)


def ask(runtime: Runtime, customer_id: str, language: str = "en") -> ContentAnswer:
    with runtime.session() as session:
        answer, _pending, _exposures = content_for(
            session, slot_key="home-hero", request=ContentRequest(customer_id=customer_id),
            settings=runtime.settings, schema=runtime.facet_schema, language=language)
    return answer


def test_the_real_membership_and_names_are_read(shop: Runtime) -> None:
    with shop.session() as session:
        assert read_segments(session, "ala") == {"plant-lovers": "Plant lovers",
                                                 "known": "Known"}
        assert read_segments(session, "nobody") == {}


def test_a_member_sees_the_segments_variant_named_by_the_segment(shop: Runtime) -> None:
    answer = ask(shop, "ala")
    assert answer.variant is not None and answer.variant.key == "plants"
    assert [r.text for r in answer.reasons] == ["Shown because you are in the group "
                                                "“Plant lovers”"]
    assert [r.params.segment for r in answer.reasons] == ["Plant lovers"]
    polish = ask(shop, "ala", language="pl")
    assert [r.text for r in polish.reasons] == ["Pokazujemy, bo należysz do grupy "
                                                "„Plant lovers”"]


@pytest.mark.parametrize("who", ["ola", "eli", "stranger"])
def test_outside_the_segment_or_with_personalization_off_the_fallback(shop: Runtime,
                                                                      who: str) -> None:
    answer = ask(shop, who)
    assert answer.variant is not None and answer.variant.key == "everyone"
    assert [r.code for r in answer.reasons] == ["default"]
