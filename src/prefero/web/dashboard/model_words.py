"""The quality report's codes in a shop owner's words (message ids; the Models page
translates them): the recommendation models by what they do, and the reasons training
gives for not serving a model.

A model this table does not know yet is named by a generic phrase with its code; a reason
code it does not know (written by a newer trainer) by a generic phrase, never the code.
"""

from __future__ import annotations

from prefero.i18n.catalogues import N_
from prefero.recommend.selection import (
    EVIDENCE_ONLY,
    NO_JOURNEYS,
    NOT_BETTER,
    NOT_INSTALLED,
    OUT_OF_TIME,
    OVER_BUDGET,
    TOO_LARGE,
)

__all__ = ["DROPPED_REASONS", "MODEL_NAMES", "OTHER_MODEL", "OTHER_REASON"]

MODEL_NAMES: dict[str, str] = {
    "popularity": N_("Best sellers"),
    "trending": N_("Trending now"),
    "transitions": N_("What shoppers choose next"),
    "cooccurrence": N_("Bought and viewed together"),
    "als": N_("Similar shoppers' tastes (matrix factorisation, ALS)"),
    "bpr": N_("Similar shoppers' tastes (pairwise ranking, BPR)"),
    "ease": N_("Whole-catalogue item relations (EASE)"),
    "sasrec": N_("Shopping sequences (neural, SASRec)"),
    "content": N_("Products with the preferred features"),
    "declared": N_("What customers with these preferences chose"),
    "blend": N_("Blend of models"),
}
OTHER_MODEL = N_("Model “{code}”")
# The reason codes prefero.recommend.selection writes into a report, each as the shop reads
# it (the sentences are the console's own: REASONS words them for the terminal).
DROPPED_REASONS: dict[str, str] = {
    NOT_BETTER: N_("It added nothing to the served models on validation (weight 0)."),
    OVER_BUDGET: N_("Too slow: the served models would go over their time per request."),
    OUT_OF_TIME: N_("Not tried: the time allowed for choosing the models ran out."),
    TOO_LARGE: N_("The catalogue is too large for this model."),
    NOT_INSTALLED: N_("This model is not installed on the training machine."),
    NO_JOURNEYS: N_("No customer has gone from one product to another yet: nothing to "
                    "learn from."),
    EVIDENCE_ONLY: N_("Kept only to count what shoppers chose next (the evidence behind "
                      "“often chosen after”); it does not rank."),
}
OTHER_REASON = N_("Training did not serve it, for a reason this version of the console does "
                  "not know yet.")
