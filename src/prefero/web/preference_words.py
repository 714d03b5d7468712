"""What the preference center holds, in the visitor's words: stored values by their labels,
category paths, quiz titles, traits, event types, decisions, shares and times in the page's
language. A stored value ("lindt", "combination", "Groceries > Sweets"), a quiz id or a code
("in_progress", "rejected") never reaches the page as it is stored: labels come from the
facet schema, the catalogue's display forms, the quiz definitions and the message catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from babel.core import Locale
from babel.dates import format_datetime
from babel.numbers import format_percent
from sqlalchemy.orm import Session
from starlette.requests import Request

from prefero.catalog.facets import FacetSchema
from prefero.customers.preferences import SIZE_FACET
from prefero.errors import NotFound
from prefero.i18n.catalogues import N_
from prefero.quizzes.publish import get_version
from prefero.quizzes.sessions import KeptOut
from prefero.quizzes.texts import localized
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.query import LikedValue
from prefero.recommend.wording import liked_value
from prefero.runtime import Runtime
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["DECISIONS", "EVENT_NAMES", "QUIZ_STATUSES", "TRAIT_NAMES", "Words", "page_words"]

EVENT_NAMES: dict[str, str] = {
    "view": N_("Product views"), "add_to_cart": N_("Added to cart"),
    "remove_from_cart": N_("Removed from cart"), "purchase": N_("Purchases"),
    "search": N_("Searches"), "rating": N_("Ratings"),
    "rec_click": N_("Recommendation clicks"), "rec_dismiss": N_("“Not for me”"),
    "refund": N_("Refunds"),
    "return": N_("Returns"),
}
# The traits quizzes measure (prefero.quizzes.definition.TRAITS).
TRAIT_NAMES: dict[str, str] = {
    "openness": N_("Openness"), "conscientiousness": N_("Conscientiousness"),
    "extraversion": N_("Extraversion"), "agreeableness": N_("Agreeableness"),
    "neuroticism": N_("Emotional sensitivity"), "growth_mindset": N_("Growth mindset"),
}
# A quiz session's status: "discarded" is a quiz finished without personalization consent,
# whose results were shown once and not kept.
QUIZ_STATUSES: dict[str, str] = {
    "active": N_("in progress"), "completed": N_("completed"),
    "discarded": N_("finished, results not kept"),
}
DECISIONS: dict[str, str] = {"accepted": N_("accepted"), "rejected": N_("rejected")}
# Where a stored row came from, by the kinds of source that are not quizzes.
_SOURCES: dict[str, str] = {
    "declared": N_("you told us"), "suggestion": N_("a suggestion you accepted"),
    "preference_center": N_("this page"), "rec_dismiss": N_("“Not for me”"),
}
# What a code the tables above do not know yet reads as (a type or status added later).
_DECLARED = _SOURCES["declared"]
_OTHER_SOURCE = N_("the shop")
_OTHER_EVENT = N_("Other activity")
_OTHER_TRAIT = N_("Personality trait")
_OTHER_STATUS = N_("finished")
_OTHER_DECISION = N_("answered")


def _size_shown(value: str) -> str:
    """A size code's letters capitalised ("eu 43" → "EU 43", "xl" → "XL"); a size in words
    ("one size", "3 months") stays as it is.

    >>> _size_shown("eu 43"), _size_shown("xl"), _size_shown("one size")
    ('EU 43', 'XL', 'one size')
    """
    parts = value.split(" ")
    if any(part.isalpha() and len(part) > 3 for part in parts):
        return value
    return " ".join(part.upper() if part.isalpha() else part for part in parts)


@dataclass
class Words:
    """One page's words: the facet schema and the catalogue snapshot the values come from,
    the visitor's translator, and the session to read quiz titles with (read once each).

    >>> words = Words(schema=schema, index=index, t=translator("pl"), session=session)
    ... # doctest: +SKIP
    >>> words.what("brand", "lindt"), words.path("Groceries > Sweets")  # doctest: +SKIP
    ('Lindt', 'Spożywcze › Słodycze')
    """

    schema: FacetSchema
    index: CatalogIndex
    t: Translator
    session: Session
    _quizzes: dict[str, str | None] = field(default_factory=dict, repr=False)

    @property
    def language(self) -> str:
        return self.t.language

    # ------------------------------------------------------------------- facet values

    def facet(self, name: str) -> str:
        """A facet's name ("Typ skóry")."""
        return self.schema.label_in(name, self.language)

    def path(self, path: str) -> str:
        """A whole category path, each segment by its label ("Spożywcze › Słodycze")."""
        return self.schema.path_in(path, self.language)

    def _is_path(self, facet: str) -> bool:
        definition = self.schema.get(facet)
        return facet == "category" or (definition is not None
                                       and definition.type == "category_path")

    def value(self, facet: str, value: str) -> str:
        """A value shown after its facet's name ("Brand: Lindt", "Sugar-free: Yes"), as the
        pickers list it."""
        definition = self.schema.get(facet)
        if definition is not None and definition.type == "boolean":
            return self.t("Yes") if value == "true" else self.t("No")
        if self._is_path(facet):
            return self.path(value)
        return self.schema.value_in(facet, value, self.language,
                                    shown=self.index.label(facet, value))

    def sizes(self, values: list[str]) -> str:
        """Sizes as the catalogue writes them ("EU 43, M"): stored sizes are case-folded, so
        one no product carries has its short letter groups ("eu", "xl") capitalised back.

        >>> Words.sizes(words, ["eu 43", "m", "one size"])  # doctest: +SKIP
        'EU 43, M, one size'
        """
        return ", ".join(self.index.labels.get((SIZE_FACET, value)) or _size_shown(value)
                         for value in values)

    def what(self, facet: str, value: str) -> str:
        """A value on its own, where no facet name precedes it (notices, button labels):
        "Lindt", "Skin type: combination", "Sugar-free", a category by its whole path."""
        if self._is_path(facet):
            return self.path(value)
        return liked_value(self.schema, LikedValue(facet=facet, value=value,
                                                   label=self.index.label(facet, value)),
                           self.language)

    # ------------------------------------------------------------------- other things held

    def product(self, product_id: str | None) -> str:
        """A product by its title; one that left the catalogue says so."""
        position = self.index.position.get(product_id) if product_id else None
        if position is None:
            return self.t("A product that is no longer in the shop")
        return self.index.titles[position]

    def quiz(self, quiz_id: str) -> str | None:
        """The quiz's title in the visitor's language (its latest version); None for a quiz
        the shop no longer has."""
        if quiz_id not in self._quizzes:
            try:
                _, definition = get_version(self.session, quiz_id)
            except NotFound:
                self._quizzes[quiz_id] = None
            else:
                self._quizzes[quiz_id] = localized(definition, self.language).title
        return self._quizzes[quiz_id]

    def quiz_heading(self, quiz_id: str) -> str:
        title = self.quiz(quiz_id)
        if title is None:
            return self.t("A quiz that is no longer offered")
        return self.t("Quiz “{name}”", name=title)

    def source(self, text: str | None) -> str:
        """Where a stored row came from ("you told us", "quiz “Grocery set-up”")."""
        if not text:
            return self.t(_DECLARED)
        if text.startswith("quiz:"):
            title = self.quiz(text.removeprefix("quiz:").split("@")[0])
            return (self.t("quiz “{name}”", name=title) if title is not None
                    else self.t("a quiz that is no longer offered"))
        # The API, the demo's loader, a later feature: the shop recorded it.
        return self.t(_SOURCES.get(text, _OTHER_SOURCE))

    def event(self, kind: str) -> str:
        return self.t(EVENT_NAMES.get(kind, _OTHER_EVENT))

    def trait(self, trait: str) -> str:
        return self.t(TRAIT_NAMES.get(trait, _OTHER_TRAIT))

    def status(self, status: str) -> str:
        return self.t(QUIZ_STATUSES.get(status, _OTHER_STATUS))

    def decision(self, decision: str) -> str:
        return self.t(DECISIONS.get(decision, _OTHER_DECISION))

    def kept(self, kept: KeptOut) -> str:
        """A quiz answer that was not saved because the profile says otherwise."""
        if kept.kind == "budget":
            return self.t("Budget")
        if kept.kind == "size":
            return self.t("sizes in {category}: {sizes}", category=self.path(kept.facet),
                          sizes=kept.value)
        what = self.what(kept.facet, kept.value)
        if kept.kind == "never":
            return self.t("never {what}", what=what)
        if kept.kind == "must":
            return self.t("only {what}", what=what)
        return what

    # ------------------------------------------------------------------- numbers and times

    def number(self, value: float) -> str:
        """A score rounded to two places, as the language writes numbers ("0,75")."""
        return self.t.number(round(value, 2))

    def share(self, fraction: float) -> str:
        """A share of 0..1 as a percentage ("12%", "12 %" where the language spaces it)."""
        return format_percent(fraction, locale=self.language)

    def moment(self, moment: datetime) -> str:
        """A time as the language writes it, to the minute ("20 lis 2026, 12:05")."""
        locale = Locale.parse(self.language)
        date = locale.date_formats["medium"].pattern
        time = locale.time_formats["short"].pattern
        pattern = str(locale.datetime_formats["medium"]).replace("{1}", date).replace(
            "{0}", time)
        return format_datetime(moment, pattern, locale=locale)


def page_words(request: Request, session: Session, runtime: Runtime) -> Words:
    """The words of one page: the visitor's language over the current catalogue snapshot."""
    return Words(schema=runtime.facet_schema, index=runtime.recommender.snapshot(session)[0],
                 t=translator(language_of(request)), session=session)
