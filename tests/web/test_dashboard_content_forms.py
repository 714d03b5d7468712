"""The content editor's forms as values: a variant written into its form and read back is
the same variant, every number included; whatever a form posts, each problem lands on a
field the form shows; the preview form reads only what it offers."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from prefero.content.schemas import SlotPatch, VariantIn
from prefero.content.signals import DEVICES, PARTS_OF_DAY, SOURCE_KINDS, WEATHERS
from prefero.web.dashboard.content.forms import (
    LANGUAGES,
    TEXT_FIELDS,
    field_of,
    normal,
    percent_text,
    rows,
    slot_fields,
    slot_values,
    variant_fields,
    variant_values,
)
from prefero.web.dashboard.content.preview_form import profile_of

KEY = st.from_regex(r"[a-z0-9][a-z0-9_\-]{0,20}", fullmatch=True)
# What a form field gives back: the form trims the ends of what was typed.
_LETTERS = string.ascii_letters + string.digits + " .,:;!?'\"-–/()&%ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
WORD = st.text(_LETTERS, min_size=1, max_size=30).map(str.strip).filter(bool)
BODY = st.lists(WORD, max_size=3).map("\n".join)
ADDRESS = st.one_of(st.none(), st.sampled_from(["/c/Groceries", "https://shop.example/a?b=c",
                                                "/search?q=tea"]))
FINITE = st.floats(min_value=-1000, max_value=1000, allow_nan=False)


@st.composite
def texts(draw: st.DrawFn) -> dict[str, Any]:
    return {"title": draw(WORD), "body": draw(BODY), "image": draw(ADDRESS),
            "image_alt": draw(st.one_of(st.just(""), WORD)), "link": draw(ADDRESS),
            "link_text": draw(st.one_of(st.none(), WORD))}


@st.composite
def targeting(draw: st.DrawFn) -> dict[str, Any]:
    found: dict[str, Any] = {
        "segments": draw(st.lists(KEY, max_size=3)),
        "declared": draw(st.lists(st.fixed_dictionaries({
            "facet": st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
            "value": WORD}), max_size=3)),
        "traits": draw(st.lists(st.fixed_dictionaries({
            "trait": st.sampled_from(["openness", "neuroticism", "growth_mindset"]),
            "op": st.sampled_from(["gte", "lte", "gt", "lt"]), "value": FINITE}),
            max_size=6)),
        "mindset": draw(st.sampled_from([None, "fixed", "growth"])),
        "visitor": draw(st.sampled_from([None, "new", "returning"])),
        "device": draw(st.lists(st.sampled_from(DEVICES), max_size=3, unique=True)),
        "time_of_day": draw(st.lists(st.sampled_from(PARTS_OF_DAY), max_size=4, unique=True)),
        "weather": draw(st.lists(st.sampled_from(WEATHERS), max_size=5, unique=True)),
    }
    source = {"kind": draw(st.lists(st.sampled_from(SOURCE_KINDS), max_size=3, unique=True)),
              **{name: draw(st.lists(WORD, max_size=3)) for name in (
                  "utm_source", "utm_medium", "utm_campaign", "referrer_host")}}
    # A source rule with nothing in it means no rule: the form has no way to keep it apart.
    if any(source.values()):
        found["source"] = source
    if draw(st.booleans()):
        found["hours"] = {"start": draw(st.integers(0, 23)), "end": draw(st.integers(0, 24))}
    return found


@st.composite
def variants(draw: st.DrawFn) -> VariantIn:
    languages = draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True))
    return VariantIn.model_validate({
        "key": draw(KEY), "texts": {language: draw(texts()) for language in languages},
        "targeting": draw(targeting()),
        "weight": draw(st.floats(min_value=0, max_value=1000, exclude_min=True)),
        "share": draw(st.floats(min_value=0, max_value=1))})


@given(variants())
def test_a_variant_read_back_from_its_own_form_is_the_same_variant(variant: VariantIn) -> None:
    values = normal(variant_values(variant))
    assert VariantIn.model_validate(variant_fields(values)) == variant
    # Edited: the key comes from the address, not from the form.
    assert VariantIn.model_validate(variant_fields(values, key=variant.key)) == variant


@given(st.builds(SlotPatch, name=WORD, strategy=st.sampled_from(
    ["first_match", "best_score", "split"]), control_share=st.floats(
    min_value=0, max_value=1, exclude_max=True), enabled=st.booleans(),
    fallback=st.one_of(st.none(), KEY)))
def test_slot_settings_read_back_from_their_form_are_the_same(settings: SlotPatch) -> None:
    assert SlotPatch.model_validate(slot_fields(slot_values(settings, key="hero"),
                                                with_key=False)) == settings


def test_numbers_are_read_as_typed_in_either_language() -> None:
    read = variant_fields({"weight": ["2,5"], "share": ["12,5"], "traits.0.trait": ["openness"],
                           "traits.0.op": ["gte"], "traits.0.value": ["-0,25"]})
    assert (read["weight"], read["share"]) == (2.5, 0.125)
    assert read["targeting"]["traits"] == [{"trait": "openness", "op": "gte", "value": -0.25}]
    assert percent_text(0.125) == "12.5" and percent_text(1e-07) == "0.00001"
    # Not a number, or no finite one: left as typed for the schema to refuse by its field.
    for typed in ("lots", "1e999999999", "NaN", "Infinity"):
        assert variant_fields({"share": [typed]})["share"] == typed


# The fields the variant form shows for given values (content_variant_form.html).
def _shown(values: dict[str, list[str]]) -> set[str]:
    shown = {"key", "texts", "segments", "mindset", "visitor", "device", "time_of_day",
             "weather", "weight", "share", "source.kind", "source.utm_source",
             "source.utm_medium", "source.utm_campaign", "source.referrer_host",
             "hours.start", "hours.end"}
    shown |= {f"{language}.{name}" for language in LANGUAGES for name in TEXT_FIELDS}
    for group, parts, most in (("declared", ("facet", "value"), 50),
                               ("traits", ("trait", "op", "value"), 6)):
        filled = sum(1 for name in values if name.startswith(f"{group}.")
                     and name.endswith(f".{parts[0]}"))
        shown |= {f"{group}.{at}.{part}" for at in range(rows(filled, most)) for part in parts}
    return shown


_NAMES = st.sampled_from([
    "key", "en.title", "en.link", "pl.title", "pl.image", "pl.link_text", "segments", "mindset",
    "visitor", "device", "time_of_day", "weather", "weight", "share", "source.kind",
    "source.utm_campaign", "hours.start", "hours.end", "declared.0.facet", "declared.3.value",
    "traits.0.trait", "traits.2.op", "traits.5.value", "traits.4.trait"])
_TYPED = st.one_of(st.text(max_size=12), st.sampled_from(
    ["", "new", "mobile", "openness", "gte", "7", "24", "-3", "1e9", "/ok", "diet", "x" * 250]))


@given(st.dictionaries(_NAMES, st.lists(_TYPED, min_size=1, max_size=2)))
def test_every_problem_with_a_posted_variant_lands_on_a_field_the_form_shows(
        posted: dict[str, list[str]]) -> None:
    values = normal(posted)
    try:
        VariantIn.model_validate(variant_fields(values))
    except ValidationError as exc:
        shown = _shown(values)
        for error in exc.errors():
            assert field_of(error["loc"]) in shown, (error["loc"], values)


def test_the_preview_reads_only_what_its_form_offers() -> None:
    profile, errors = profile_of({"visitor": ["returning"], "source": ["social"],
                                  "device": ["tablet"], "hour": ["23"], "weather": ["snow"],
                                  "segments": ["vegans"], "unit": [" v-1 "]},
                                 segment_names={"vegans": "Vegans"})
    assert errors == {} and profile is not None
    assert (profile.returning, profile.source, profile.device, profile.hour, profile.weather,
            profile.segments, profile.context_allowed, profile.unit) == (
        True, "social", "tablet", 23, "snow", frozenset({"vegans"}), False, "v-1")
    refused = profile_of({"visitor": ["old"], "source": ["tv"], "hour": ["24"],
                          "segments": ["nobody"], "unit": ["a\x00b"]}, segment_names={})
    assert refused[0] is None
    assert set(refused[1]) == {"visitor", "source", "hour", "segments", "unit"}
