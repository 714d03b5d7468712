"""Context first: on a product page, beside a cart or at checkout, the row is about the
page's products.

Candidates there come only from what relates to the anchors: the page signal (co-purchase
and co-view neighbours, items shoppers were seen choosing after them, attribute similarity)
and the anchors' own top-level categories. Declared preferences and behaviour re-rank inside
that set and never bring items from outside it, unless the set is too small to fill the row;
then the general candidates come after every related item (``run_pipeline``).
"""

from __future__ import annotations

import numpy as np

from prefero.recommend.catalog_index import BoolArray, CatalogIndex, FloatArray
from prefero.types import Placement

__all__ = ["CONTEXT_PLACEMENTS", "context_mask", "context_scores"]

#: Placements whose rows are about the page's products (checkout: the order's).
CONTEXT_PLACEMENTS: tuple[Placement, ...] = ("product", "cart", "checkout")


def context_mask(index: CatalogIndex, page: FloatArray, anchors: list[int]) -> BoolArray:
    """Items related to the anchors: a positive page signal, or the same top-level category
    as one of them.

    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> index = SimpleNamespace(vertical_code=np.array([0, 0, 1, 1]),
    ...                         vertical_masks=np.array([[1, 1, 0, 0], [0, 0, 1, 1]], bool))
    >>> context_mask(index, np.array([0.0, 0.0, 0.4, 0.0]), [0]).tolist()
    [True, True, True, False]
    """
    related: BoolArray = page > 0
    # The departments' masks are kept with the snapshot: a gather of every item's code per
    # request cost more than the rest of this function.
    for code in np.unique(index.vertical_code[np.asarray(anchors, dtype=np.int64)]):
        related |= index.vertical_masks[code]
    return related


def context_scores(*, base: FloatArray, page: FloatArray, personal: FloatArray,
                   page_weight: float, personal_weight: float,
                   personal_top: float | None = None) -> FloatArray:
    """Scores on a context placement: the page's relevance leads, the customer's signals
    (scaled to at most ``personal_weight``) re-rank items about as related to the page.
    ``personal_top``: the largest magnitude of the personal signal over the catalogue, where
    the arrays hold only some items' values (by default, the arrays' own).

    >>> import numpy as np
    >>> context_scores(base=np.zeros(2), page=np.array([0.9, 0.5]),
    ...                personal=np.array([0.0, 10.0]), page_weight=3.0,
    ...                personal_weight=1.0).round(2).tolist()
    [2.7, 2.5]
    """
    top = personal_top if personal_top is not None else (
        float(np.abs(personal).max()) if personal.size else 0.0)
    scaled = personal / top * personal_weight if top > 0 else personal
    result: FloatArray = base + page_weight * page + scaled
    return result
