"""Measurements are sensitive and used for nothing but fit: no segment rule, content
targeting, messaging or training code can name or read them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import prefero
from prefero.content.targeting import Targeting
from prefero.fit.measurements import MEASURES
from prefero.segments.conditions import PROFILE_FIELDS, ProfileField

SOURCE = Path(prefero.__file__).parent
# The only packages that may import the fit tables or services: fit itself, the consent
# ledger (deletion on withdrawal), the merge of a visitor into an account, ingest (feedback
# from returns), the data export and erasure, the API and pages that show them, checkout
# (orders) and the ORM registry.
ALLOWED = ("fit/", "customers/consent.py", "customers/merge_shop.py", "events/service.py",
           "privacy/", "api/routes/fit.py", "web/routes/measurements.py",
           "web/routes/storefront.py", "orders/", "db/models.py", "web/routes/orders.py")
FIT_IMPORT = re.compile(r"^\s*from prefero\.fit[\. ]|^\s*import prefero\.fit", re.MULTILINE)


def test_segment_and_targeting_fields_do_not_expose_measurements() -> None:
    sensitive = {*MEASURES, "fit", "measurements"}
    assert not sensitive & set(PROFILE_FIELDS)
    assert not sensitive & set(get_args(ProfileField))
    assert not sensitive & set(Targeting.model_fields)


def test_no_other_module_reads_the_fit_data() -> None:
    readers = sorted(str(path.relative_to(SOURCE)) for path in SOURCE.rglob("*.py")
                     if FIT_IMPORT.search(path.read_text(encoding="utf-8")))
    strays = [path for path in readers if not path.startswith(ALLOWED)]
    assert strays == [], f"only fit's own callers may read measurements: {strays}"
