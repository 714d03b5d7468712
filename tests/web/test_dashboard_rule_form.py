"""The merchandising editor's form, without a server: whatever is typed, reading it either
gives a rule the service's checks accept or names only the form's own fields (never a
crash); and a stored rule written into the form and read back is the same rule, in any time
zone and either language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.merchandising.checks import checked
from prefero.merchandising.schemas import ALL_PLACEMENTS, Condition, Rule, RuleIn
from prefero.merchandising.service import check_rule
from prefero.web.dashboard.rule_form import ACTIONS, FIELDS, RuleForm, form_of, read_form
from prefero.web.i18n import translator

SCHEMA = load_facet_schema()
WARSAW = ZoneInfo("Europe/Warsaw")
ZONES: list[tzinfo] = [UTC, WARSAW]
CREATED = datetime(2026, 1, 1, tzinfo=UTC)

texts = st.text(max_size=30) | st.sampled_from(
    ["", " ", "1", "0", "-3", "1,5", "nan", "inf", "1e309", "2026-03-29T02:30",
     "2026-10-25T02:30", "0001-01-01T00:00", "9999-12-31T23:59", "2026-13-01T00:00",
     "brand", "eco", "price", "Tak", "Yes", "home", "\x00"])


@settings(max_examples=300, deadline=None)
@given(name=texts, action=st.sampled_from([*ACTIONS, "", "shout"]),
       match=st.sampled_from(["facet", "products", "", "both"]),
       facet=st.sampled_from(["", "brand", "color", "eco", "category", "megapixels", "nope"]),
       values=texts, product_ids=texts,
       placements=st.lists(st.sampled_from([*ALL_PLACEMENTS, "attic", ""]), max_size=6),
       starts_at=texts, ends_at=texts, strength=texts, position=texts, priority=texts,
       enabled=st.booleans(), zone=st.sampled_from(ZONES),
       language=st.sampled_from(["en", "pl"]))
def test_reading_any_form_gives_a_valid_rule_or_names_its_fields(
        name: str, action: str, match: str, facet: str, values: str, product_ids: str,
        placements: list[str], starts_at: str, ends_at: str, strength: str, position: str,
        priority: str, enabled: bool, zone: tzinfo, language: str) -> None:
    form = RuleForm(name=name, action=action, match=match, facet=facet, values=values,
                    product_ids=product_ids, placements=placements, starts_at=starts_at,
                    ends_at=ends_at, strength=strength, position=position,
                    priority=priority, enabled=enabled)
    rule, errors = read_form(form, schema=SCHEMA, zone=zone, t=translator(language))
    if rule is None:
        assert errors and set(errors) <= set(FIELDS)
        assert all(message.strip() for message in errors.values())
    else:
        assert errors == {}
        assert check_rule(rule, schema=SCHEMA) == []
        assert rule.name == name and rule.action == action and rule.enabled is enabled


moments = st.none() | st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1),
    timezones=st.just(UTC)).map(lambda m: m.replace(second=0, microsecond=0))


@st.composite
def stored_rules(draw: st.DrawFn) -> Rule:
    action = draw(st.sampled_from(ACTIONS))
    if draw(st.booleans()):
        facet, values = draw(st.sampled_from([
            ("brand", ["Acme", "H&M"]), ("color", ["red"]), ("eco", ["true"]),
            ("sugar_free", ["false"]), ("category", ["Fashion > Shoes"])]))
        condition = Condition(facet=facet, values=values)
    else:
        condition = Condition(product_ids=draw(st.lists(
            st.text("abc-_1", min_size=1, max_size=8), min_size=1, max_size=4, unique=True)))
    starts, ends = draw(moments), draw(moments)
    if starts is not None and ends is not None and ends <= starts:
        starts, ends = ends - timedelta(minutes=1), starts
    rule_in = RuleIn(
        name=draw(st.text(min_size=1, max_size=20).filter(lambda s: s.strip() == s != "")),
        action=action, condition=condition,
        placements=draw(st.lists(st.sampled_from(ALL_PLACEMENTS), min_size=1, unique=True)),
        starts_at=starts, ends_at=ends,
        strength=draw(st.floats(0.0001, 10).filter(lambda x: x > 0))
        if action in ("boost", "bury") else None,
        position=draw(st.integers(1, 100)) if action == "pin" else None,
        enabled=draw(st.booleans()), priority=draw(st.integers(-1000, 1000)))
    stored, errors = checked(rule_in, schema=SCHEMA)
    assert errors == []
    return Rule.model_validate({**rule_in.model_dump(), "condition": stored, "id": 1,
                                "created_at": CREATED, "updated_at": CREATED,
                                "placements": tuple(rule_in.placements)})


@settings(max_examples=200, deadline=None)
@given(rule=stored_rules(), zone=st.sampled_from(ZONES), language=st.sampled_from(["en", "pl"]))
def test_a_stored_rule_written_into_the_form_reads_back_the_same(
        rule: Rule, zone: tzinfo, language: str) -> None:
    t = translator(language)
    read, errors = read_form(form_of(rule, schema=SCHEMA, zone=zone, t=t), schema=SCHEMA,
                             zone=zone, t=t)
    assert errors == {} and read is not None
    stored, _ = checked(read, schema=SCHEMA)
    assert stored == rule.condition
    assert (read.name, read.action, tuple(read.placements), read.position, read.enabled,
            read.priority) == (rule.name, rule.action, rule.placements, rule.position,
                               rule.enabled, rule.priority)
    assert read.strength == rule.strength
    for typed, kept in ((read.starts_at, rule.starts_at), (read.ends_at, rule.ends_at)):
        # A wall-clock time the autumn change repeats is read as its first occurrence: a
        # datetime-local field cannot tell the two apart.
        assert typed == kept or (
            zone is WARSAW and kept is not None
            and typed == kept - timedelta(hours=1)
            and kept.astimezone(WARSAW).replace(tzinfo=None)
            == typed.astimezone(WARSAW).replace(tzinfo=None))


def test_the_page_words_for_yes_and_no_are_read_in_a_yes_no_facet() -> None:
    form = RuleForm(name="Eco", action="hide", facet="eco", values="Tak\nnie")
    rule, errors = read_form(form, schema=SCHEMA, zone=UTC, t=translator("pl"))
    assert errors == {} and rule is not None
    assert checked(rule, schema=SCHEMA)[0].values == ["true", "false"]
    english, errors = read_form(replace(form, values="Yes"), schema=SCHEMA, zone=UTC,
                                t=translator("en"))
    assert english is not None and english.condition.values == ["true"]
