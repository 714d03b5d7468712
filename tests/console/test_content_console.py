"""What the content editor reads and changes beyond the slots service: how often each
variant was shown in a window, a variant moved one place, the settings saved apart from the
variants, and the preview's choice for a described visitor."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prefero.console.content_editing import move_variant, replace_settings
from prefero.console.content_exposures import shown_counts
from prefero.console.content_preview import Profile, preview
from prefero.content.decisions import Pending, write_decisions
from prefero.content.schemas import SlotIn, SlotPatch
from prefero.content.slots import compiled_slots, create_slot, get_slot
from prefero.db.base import utcnow
from prefero.errors import InvalidInput, NotFound
from prefero.runtime import Runtime


def _slot(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_slot(session, SlotIn.model_validate({
            "key": "hero", "name": "Hero", "fallback": "c", "variants": [
                {"key": "a", "texts": {"en": {"title": "A"}},
                 "targeting": {"device": ["mobile"], "time_of_day": ["evening"]}},
                {"key": "b", "texts": {"en": {"title": "B"}},
                 "targeting": {"segments": ["vegans"]}, "share": 0.5},
                {"key": "c", "texts": {"en": {"title": "C"}}, "share": 0.5}]}),
            schema=runtime.facet_schema)


def test_shown_counts_hold_the_window_and_leave_out_empty_choices(runtime: Runtime) -> None:
    now = utcnow()

    def shown(slot: str, variant: str | None, at: timedelta, n: int) -> list[Pending]:
        return [Pending(id=f"{slot}{variant}{at}{i}", slot_key=slot, variant_key=variant,
                        strategy="first_match", control=False, reasons=(), context_used=False,
                        customer_id=None, at=now - at) for i in range(n)]

    with runtime.session(write=True) as session:
        write_decisions(session, [*shown("hero", "a", timedelta(hours=1), 2),
                                  *shown("hero", "a", timedelta(days=3), 1),
                                  *shown("hero", "b", timedelta(days=8), 4),
                                  *shown("hero", None, timedelta(hours=1), 5),
                                  *shown("other", "x", timedelta(days=6), 1)])
    with runtime.session() as session:
        assert shown_counts(session, since=now - timedelta(days=7)) == {
            "hero": {"a": 3}, "other": {"x": 1}}
        assert shown_counts(session, since=now - timedelta(days=2)) == {"hero": {"a": 2}}
        assert shown_counts(session, since=now - timedelta(days=30))["hero"] == {"a": 3, "b": 4}


def test_a_variant_moves_one_place_and_stays_at_the_ends(runtime: Runtime) -> None:
    _slot(runtime)
    schema = runtime.facet_schema
    with runtime.session(write=True) as session:
        assert [v.key for v in move_variant(session, "hero", "c", offset=-1,
                                            schema=schema).variants] == ["a", "c", "b"]
        assert [v.key for v in move_variant(session, "hero", "a", offset=-1,
                                            schema=schema).variants] == ["a", "c", "b"]
        assert [v.key for v in move_variant(session, "hero", "b", offset=1,
                                            schema=schema).variants] == ["a", "c", "b"]
        with pytest.raises(NotFound):
            move_variant(session, "hero", "zz", offset=1, schema=schema)


def test_settings_are_saved_apart_from_the_variants_and_checked(runtime: Runtime) -> None:
    _slot(runtime)
    schema = runtime.facet_schema
    with runtime.session(write=True) as session:
        before = get_slot(session, "hero").variants
        saved = replace_settings(session, "hero", SlotPatch(
            name="Split hero", strategy="split", control_share=0.2, fallback="c",
            enabled=False), schema=schema)
        assert (saved.name, saved.strategy, saved.control_share, saved.enabled) == (
            "Split hero", "split", 0.2, False)
        assert [v.model_dump(exclude={"updated_at"}) for v in saved.variants] == [
            v.model_dump(exclude={"updated_at"}) for v in before]
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as refused:
        replace_settings(session, "hero", SlotPatch(name="Hero", fallback="gone"),
                         schema=schema)
    assert [e.loc for e in refused.value.errors] == [("fallback",)]


def test_the_preview_chooses_as_the_request_path_does(runtime: Runtime) -> None:
    _slot(runtime)
    with runtime.session() as session:
        slot = compiled_slots(session)["hero"]
    evening_phone = preview(slot, Profile(device="mobile", hour=19))
    assert evening_phone.variant is not None and evening_phone.variant.key == "a"
    assert [r.code for r in evening_phone.reasons] == ["device_mobile", "time_evening"]
    # Without consent to context the same visit falls to the segment, else the fallback.
    vegan = preview(slot, Profile(device="mobile", hour=19, context_allowed=False,
                                  segments=frozenset({"vegans"}),
                                  segment_names={"vegans": "Vegans"}))
    assert vegan.variant is not None and vegan.variant.key == "b"
    assert vegan.reasons[0].params.segment == "Vegans"
    nobody = preview(slot, Profile(hour=19, context_allowed=False))
    assert nobody.variant is not None and nobody.variant.key == "c"
    assert [r.code for r in nobody.reasons] == ["default"]
