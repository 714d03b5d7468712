"""Discovered segments in the staff's words: a cluster's name from its most distinctive
declared values ("Diet: vegan + Eco-friendly + Use: sport") and what sets it apart ("92% like
Diet: vegan vs 18% of all"), in English or Polish.

Values are spoken as the shop speaks them to shoppers (``prefero.recommend.wording``): facet
labels and value translations from the facet schema, the catalogue's display forms, money
and percentages in the language's formats. No stored value ("true", an id) reaches the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from babel.numbers import format_percent

from prefero.catalog.facets import FacetSchema
from prefero.i18n.catalogues import N_, translations
from prefero.i18n.formats import money
from prefero.recommend.query import LikedValue
from prefero.recommend.wording import RULE_MESSAGES, liked_value
from prefero.segments.discovery_profiles import BUDGET_BANDS, DeclaredValue

__all__ = ["MIXED", "NAME_JOINER", "SETS_APART", "Wording"]

#: Between the values of a name, as the issue writes it: "vegan + eco + running".
NAME_JOINER = " + "
#: The name of a cluster no declared value sets apart.
MIXED = N_("Mixed preferences")
# One distinctive value with its share in the cluster and among everyone who took part.
SETS_APART: Mapping[str, str] = {
    "like": N_("{share} like {what} vs {overall} of all"),
    "dislike": N_("{share} dislike {what} vs {overall} of all"),
    "never": N_("{share} never want {what} vs {overall} of all"),
    "must": N_("{share} want only {what} vs {overall} of all"),
    "budget": N_("{share} set a budget up to {amount} vs {overall} of all"),
    "budget_open": N_("{share} set a budget over {amount} vs {overall} of all"),
}
_NOT = N_("not {what}")
_BUDGET_OVER = N_("budget over {amount}")


@dataclass(frozen=True)
class Wording:
    """How one language speaks declared values.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> words = Wording(schema=load_facet_schema(), labels={}, language="pl", currency="PLN")
    >>> words.name([DeclaredValue("like", "diet", "vegan"), DeclaredValue("like", "eco", "true")])
    'Dieta: wegańska + Przyjazne środowisku'
    >>> words.apart(DeclaredValue("never", "allergens", "gluten"), share=0.92, overall=0.18)
    '92% wyklucza Alergeny: gluten, wobec 18% wszystkich'
    """

    schema: FacetSchema
    #: The catalogue's display forms, (facet, stored value) → shown (``CatalogIndex.labels``).
    labels: Mapping[tuple[str, str], str]
    language: str
    currency: str

    def _say(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def _what(self, value: DeclaredValue) -> str:
        shown = self.labels.get((value.facet, value.value), value.value)
        return liked_value(self.schema, LikedValue(facet=value.facet, value=value.value,
                                                   label=shown), self.language)

    def _amount(self, value: DeclaredValue) -> str:
        edge = BUDGET_BANDS[-1] if value.value.endswith("+") else int(value.value)
        return money(edge, self.currency, self.language)

    def value(self, value: DeclaredValue) -> str:
        """One declared value on its own: "Diet: vegan", "not Nike", "never Allergens:
        gluten", "only Diet: vegan", "budget up to PLN 250.00"."""
        if value.kind == "like":
            return self._what(value)
        if value.kind == "dislike":
            return self._say(_NOT).format(what=self._what(value))
        if value.kind in ("never", "must"):
            return self._say(RULE_MESSAGES[value.kind]).format(what=self._what(value))
        if value.value.endswith("+"):
            return self._say(_BUDGET_OVER).format(amount=self._amount(value))
        return self._say(RULE_MESSAGES["budget:max"]).format(amount=self._amount(value))

    def name(self, values: Sequence[DeclaredValue]) -> str:
        """The values joined by " + ", or "Mixed preferences" when there are none."""
        if not values:
            return self._say(MIXED)
        said: list[str] = []
        for value in values:
            # A brand and an ecosystem may share a name ("Apple"): said once.
            text = self.value(value)
            if text.casefold() not in (seen.casefold() for seen in said):
                said.append(text)
        return NAME_JOINER.join(said)

    def percent(self, share: float) -> str:
        """A share as the language writes percentages; a share that rounds to 0 % but is
        not zero reads "<1%"."""
        if 0 < share < 0.005:
            return "<" + format_percent(0.01, locale=self.language)
        return format_percent(share, locale=self.language)

    def apart(self, value: DeclaredValue, *, share: float, overall: float) -> str:
        """What one distinctive value says about the cluster against everyone."""
        key: str = value.kind
        if value.kind == "budget" and value.value.endswith("+"):
            key = "budget_open"
        fields = {"share": self.percent(share), "overall": self.percent(overall)}
        if value.kind == "budget":
            fields["amount"] = self._amount(value)
        else:
            fields["what"] = self._what(value)
        return self._say(SETS_APART[key]).format(**fields)
