"""A condition in the staff's words, in English or Polish, for the console's list of
segments: "all of: likes Diet: vegan; consents to Marketing e-mails; Purchases: at least 1
time in the last 90 days".

Nothing stored reaches the text as stored: facet values by their labels (the facet schema,
as shoppers read them), codes (levels, purposes, events, traits) by their names, quizzes by
their own texts in the language, money and numbers in the language's formats.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.errors import NotFound
from prefero.i18n.catalogues import N_, translations
from prefero.i18n.formats import money, number
from prefero.quizzes.publish import get_version
from prefero.quizzes.texts import localized
from prefero.recommend.query import LikedValue
from prefero.recommend.wording import liked_value
from prefero.segments.conditions import (
    And,
    Behaviour,
    Condition,
    ConsentCondition,
    Declared,
    Not,
    Or,
    ProfileCondition,
    QuizAnswer,
    Rfm,
    TraitCondition,
)

__all__ = ["describe"]

_ALL, _ANY, _NOT = N_("all of: {items}"), N_("any of: {items}"), N_("not: {item}")
# The same words the dashboard and the preference center use for these codes (one
# translation each): declared here, since segments sit below the web layer.
_FIELDS = {
    "level": N_("Personalization level"), "exploration": N_("Something different"),
    "anonymous": N_("Anonymous visitor"), "budget_min": N_("Budget from"),
    "budget_max": N_("Budget up to"), "time_zone": N_("Time zone"),
    "created_days_ago": N_("Days since the profile was created"),
}
_LEVELS = {"off": N_("Off (editorial only)"), "declared": N_("Declared only"),
           "balanced": N_("Balanced"), "full": N_("Full")}
_PURPOSES = {
    "tracking": N_("Behavioural tracking"),
    "personalization": N_("Personalization by declared preferences"),
    "context": N_("Contextual signals"), "marketing_email": N_("Marketing e-mails"),
    "marketing_push": N_("Push notifications"),
    "marketing_inbox": N_("Messages in the account's inbox"),
    "marketing_webhook": N_("Messages through the shop's sender"),
    "fit": N_("Measurements for fit"),
}
_EVENTS = {
    "view": N_("Product views"), "add_to_cart": N_("Added to cart"),
    "remove_from_cart": N_("Removed from cart"), "purchase": N_("Purchases"),
    "search": N_("Searches"), "rating": N_("Ratings"),
    "rec_click": N_("Recommendation clicks"), "rec_dismiss": N_("“Not for me”"),
    "refund": N_("Refunds"),
    "return": N_("Returns"),
}
_TRAITS = {
    "openness": N_("Openness"), "conscientiousness": N_("Conscientiousness"),
    "extraversion": N_("Extraversion"), "agreeableness": N_("Agreeableness"),
    "neuroticism": N_("Emotional sensitivity"), "growth_mindset": N_("Growth mindset"),
}
_DECLARED = {"like": N_("likes {what}"), "dislike": N_("dislikes {what}"),
             "never": N_("never wants {what}"), "must": N_("wants only {what}")}
_SIZE = N_("wears size {size} in {category}")
_YES, _NO = N_("yes"), N_("no")
_IN = N_("{field}: one of {values}")
_SET, _UNSET = N_("{field}: given"), N_("{field}: not given")
_CONSENTS, _REFUSES = N_("consents to {purpose}"), N_("does not consent to {purpose}")
_QUIZ = N_("answered “{option}” to “{question}” in {quiz}")
_RECENCY = N_("days since the last purchase {op} {value}")
_FREQUENCY = N_("purchases {op} {value}")
_MONETARY = N_("spent {op} {amount}")
_SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


class _Words:
    def __init__(self, *, language: str, schema: FacetSchema, currency: str,
                 session: Session | None) -> None:
        self.language, self.schema, self.currency = language, schema, currency
        self.session = session
        self.catalogue = translations(language)

    def say(self, message: str, **values: str) -> str:
        return self.catalogue.gettext(message).format(**values)

    def counted(self, chosen: str, n: int, **values: str) -> str:
        """``chosen`` (the plural form ``ngettext`` picked for ``n``) filled in."""
        return chosen.format(n=number(n, self.language), **values)

    def window(self, days: int) -> str:
        return self.counted(self.catalogue.ngettext("in the last day", "in the last {n} days",
                                                    days), days)

    def value(self, field: str, value: object) -> str:
        if isinstance(value, bool):
            return self.say(_YES if value else _NO)
        if field == "level" and isinstance(value, str):
            return self.say(_LEVELS.get(value, value))
        if field in ("budget_min", "budget_max") and isinstance(value, int | float):
            return money(value, self.currency, self.language)
        if isinstance(value, int | float):
            return number(value, self.language)
        return str(value)  # a time zone's IANA name reads the same in every language

    def profile(self, c: ProfileCondition) -> str:
        field = self.say(_FIELDS[c.field])
        if c.op == "exists":
            return self.say(_SET if c.value else _UNSET, field=field)
        if c.op == "in":
            values = c.value if isinstance(c.value, list) else [c.value]
            return self.say(_IN, field=field,
                            values=", ".join(self.value(c.field, v) for v in values))
        return f"{field} {_SYMBOLS[c.op]} {self.value(c.field, c.value)}"

    def what(self, facet: str, value: str) -> str:
        return liked_value(self.schema, LikedValue(facet=facet, value=value, label=value),
                           self.language)

    def declared(self, c: Declared) -> str:
        if c.kind == "size":
            return self.say(_SIZE, size=c.value, category=self.what("category", c.facet))
        return self.say(_DECLARED[c.kind], what=self.what(c.facet, c.value))

    def quiz(self, c: QuizAnswer) -> str:
        quiz, question, option = c.quiz_id, c.question, c.option
        if self.session is not None:
            try:
                _row, definition = get_version(self.session, c.quiz_id)
            except NotFound:
                definition = None  # a quiz since removed: its ids are all there is
            if definition is not None:
                shown = localized(definition, self.language)
                quiz = shown.title
                for q in shown.questions:
                    if q.id == c.question:
                        question = q.text
                        option = next((o.label for o in q.options if o.id == c.option),
                                      option)
        return self.say(_QUIZ, option=option, question=question, quiz=quiz)

    def behaviour(self, c: Behaviour) -> str:
        low, high = c.min, c.max
        if high is None:
            count = (self.counted(self.catalogue.ngettext(
                "at least {n} time", "at least {n} times", low), low)
                if low else self.say(N_("any number of times")))
        elif low == high:
            count = self.counted(self.catalogue.ngettext(
                "exactly {n} time", "exactly {n} times", low), low)
        elif low == 0:
            count = self.counted(self.catalogue.ngettext(
                "at most {n} time", "at most {n} times", high), high)
        else:
            count = self.counted(self.catalogue.ngettext(
                "{low} to {n} time", "{low} to {n} times", high), high,
                low=number(low, self.language))
        return f"{self.say(_EVENTS[c.event.value])}: {count} {self.window(c.days)}"

    def rfm(self, c: Rfm) -> str:
        op = _SYMBOLS[c.op]
        if c.measure == "recency_days":
            text = self.say(_RECENCY, op=op, value=number(c.value, self.language))
        elif c.measure == "frequency":
            text = self.say(_FREQUENCY, op=op, value=number(c.value, self.language))
        else:
            text = self.say(_MONETARY, op=op,
                            amount=money(c.value, self.currency, self.language))
        return f"{text} {self.window(c.days)}"

    def __call__(self, c: Condition, *, nested: bool = False) -> str:
        if isinstance(c, And | Or):
            items = "; ".join(self(child, nested=True) for child in c.conditions)
            text = self.say(_ALL if isinstance(c, And) else _ANY, items=items)
            return f"({text})" if nested else text
        if isinstance(c, Not):
            return self.say(_NOT, item=self(c.condition, nested=True))
        if isinstance(c, ProfileCondition):
            return self.profile(c)
        if isinstance(c, Declared):
            return self.declared(c)
        if isinstance(c, TraitCondition):
            return (f"{self.say(_TRAITS[c.trait])} {_SYMBOLS[c.op]} "
                    f"{number(c.value, self.language)}")
        if isinstance(c, ConsentCondition):
            return self.say(_CONSENTS if c.granted else _REFUSES,
                            purpose=self.say(_PURPOSES[c.purpose]))
        if isinstance(c, QuizAnswer):
            return self.quiz(c)
        if isinstance(c, Behaviour):
            return self.behaviour(c)
        return self.rfm(c)

def describe(condition: Condition, *, language: str, schema: FacetSchema, currency: str,
             session: Session | None = None) -> str:
    """``condition`` as a sentence for the shop's staff in ``language``; with a
    ``session``, quiz answers read by the quiz's own texts.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.segments.conditions import parse_condition
    >>> vegans = parse_condition({"type": "and", "conditions": [
    ...     {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"},
    ...     {"type": "behaviour", "event": "purchase", "min": 2, "days": 30}]})
    >>> describe(vegans, language="en", schema=load_facet_schema(), currency="PLN")
    'all of: likes Diet: vegan; Purchases: at least 2 times in the last 30 days'
    """
    return _Words(language=language, schema=schema, currency=currency, session=session)(
        condition)
