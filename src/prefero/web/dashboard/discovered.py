"""Discovered segments: groups of customers who declared alike (``prefero.segments.
discovery`` finds and names them, and caches them per data revision), each with what sets
it apart and the rule that describes it, and a form to save a group as a rule segment
(marketers and administrators; ``prefero.segments.discovery_save`` stores it and the
segments service audits it under the staff member's name).

A save names the listing's data revision: when anyone's declared data or consents changed
since the page was shown, the groups may have changed too, and nothing is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Form, Query
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match

from prefero.api.deps import DbSession, Rt
from prefero.errors import Conflict, InvalidInput, NotFound, PreferoError
from prefero.i18n.catalogues import N_
from prefero.runtime import Runtime
from prefero.segments.discovery import (
    DEFAULT_SEED,
    K_RANGE,
    STABILITY_RUNS,
    STABLE_ARI,
    DiscoveredCluster,
    Discovery,
    discover,
)
from prefero.segments.discovery_profiles import DeclaredValue
from prefero.segments.discovery_rules import value_condition
from prefero.segments.discovery_save import SaveDiscovered, save_discovered
from prefero.segments.service import (
    KEY_PATTERN,
    MAX_KEY,
    MAX_SEGMENTS,
    RESERVED_KEYS,
    SegmentOut,
    get_segment,
)
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.access import Staff, require
from prefero.web.dashboard.charts import Chart, Series
from prefero.web.dashboard.figures import Figure, figure
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "SAVE", "router"]

PAGE = register(NavPage(key="discovered", path="/dashboard/discovered",
                        label=N_("Discovered segments"), order=45))
SAVE = f"{PAGE.path}/save"
router = APIRouter()
Marketer = Annotated[StaffOut, Depends(require("marketer"))]

_KEY = re.compile(KEY_PATTERN)
# A group's number as the form sends it (ASCII digits: str.isdigit() also admits "²").
_NUMBER = re.compile(r"[0-9]{1,2}")
# A stability this high means the runs with other seeds draw nearly the same groups.
_VERY_STABLE = 0.9
# Below this, other seeds draw groups that only partly overlap.
_SOMEWHAT_STABLE = 0.5

_CHOSEN_BY = {
    "silhouette": N_("Of the numbers of groups from {low} to {high} that come out the same "
                     "whatever the random start, this one sets the groups most clearly "
                     "apart."),
    "stability": N_("No number of groups from {low} to {high} came out the same across "
                    "random starts; this one came closest. Treat the groups as rough."),
    "request": N_("The number of groups was chosen by hand."),
}
_KEY_WORDS = N_("Use lowercase letters and digits, with single hyphens or underscores "
                "between them, at most {max} characters: for example vegan-eco.")
_KEY_HINT = N_("Lowercase letters and digits, with a single - or _ between them, such as "
               "vegan-eco.")
_KEY_RESERVED = N_("This key is a word the shop's addresses use: choose another.")
_KEY_TAKEN = N_("Another segment has this key.")
_CHANGED = N_("Customers' declared preferences or consents changed since the page was "
              "shown, so the groups may have changed: here they are as they are now. "
              "Nothing was saved.")
_NO_CLUSTER = N_("This group is no longer there or has no rule to save. Nothing was saved.")
_TOO_MANY = N_("The shop keeps at most {max} segments: delete one first. Nothing was saved.")


# --------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class RuleWords:
    """A cluster's rule as the page says it: its values (as shoppers' words name them),
    joined by "and" or "or", with how well it fits the group."""

    values: tuple[str, ...]
    join: str
    fit: str


def _rule_values(cluster: DiscoveredCluster) -> tuple[list[str], bool]:
    """The rule's values in words and whether any of them is enough (an "or" rule). The
    rule combines the cluster's distinctive values (``discovery_rules``), so each of its
    parts is worded as that value is; a part that is not one of them (a newer kind of rule)
    is left unnamed rather than shown as stored."""
    assert cluster.rule is not None
    found = cluster.rule.condition.get("conditions")
    parts: list[object] = list(found)[2:] if isinstance(found, list) else []  # after who
    either = len(parts) == 1 and isinstance(parts[0], dict) and parts[0].get("type") == "or"
    if either and isinstance(parts[0], dict) and isinstance(parts[0].get("conditions"), list):
        parts = list(parts[0]["conditions"])
    words = {str(value_condition(DeclaredValue(v.kind, v.facet, v.value))): v.text
             for v in cluster.distinctive}
    return [words[str(part)] for part in parts if str(part) in words], either


def _rule(cluster: DiscoveredCluster, t: Translator, n: Numbers) -> RuleWords | None:
    if cluster.rule is None:
        return None
    values, either = _rule_values(cluster)
    rule = cluster.rule
    return RuleWords(
        values=tuple(values), join=t("or") if either else t("and"),
        fit=t.plural("It selects {n} customer now: {precision} of them are in this group "
                     "(precision), and it finds {recall} of the group (recall).",
                     "It selects {n} customers now: {precision} of them are in this group "
                     "(precision), and it finds {recall} of the group (recall).",
                     rule.selected, precision=n.share(rule.precision),
                     recall=n.share(rule.recall)))


def _stability(found: Discovery, t: Translator) -> str | None:
    if found.stability is None:
        return None
    mean, least = found.stability.mean_ari, found.stability.min_ari
    if mean >= _VERY_STABLE:
        verdict = t("Very stable: runs with other random starts find nearly the same groups.")
    elif mean >= STABLE_ARI:
        verdict = t("Stable: runs with other random starts find much the same groups.")
    elif mean >= _SOMEWHAT_STABLE:
        verdict = t("Somewhat stable: runs with other random starts draw the groups partly "
                    "differently.")
    else:
        verdict = t("Unstable: runs with other random starts draw quite different groups.")
    agreement = t("Agreement between {runs} runs (adjusted Rand index, where 1 means the same "
                  "groups): {mean} on average, {least} at the lowest.",
                  runs=t.number(STABILITY_RUNS), mean=_decimal(mean, t),
                  least=_decimal(least, t))
    return f"{verdict} {agreement}"


def _decimal(value: float, t: Translator) -> str:
    return format_decimal(value, "0.00", locale=t.language)


def _sizes(found: Discovery, t: Translator, n: Numbers) -> Figure:
    names = [t("Group {number}: {name}", number=n.count(c.number), name=c.name)
             for c in found.clusters]
    return figure(
        Chart(key="groups", title=t("Customers per group"),
              labels=[t("Group {number}", number=n.count(c.number)) for c in found.clusters],
              series=[Series(t("Customers"), [c.size for c in found.clusters])],
              number=n.count),
        columns=[t("Group"), t("Customers"), t("Share")],
        rows=[[name, n.count(c.size), n.share(c.share)]
              for name, c in zip(names, found.clusters, strict=True)])


# --------------------------------------------------------------------------- the page


def _segment_href(key: str) -> str | None:
    """The dashboard's page of segment ``key``, when the dashboard has one (the segments
    page may come later than this one)."""
    # Imported here: the package imports this module to list it among its pages.
    from prefero.web.dashboard import MODULES

    path = f"/dashboard/segments/{quote(key, safe='')}"
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    for module in MODULES:
        for route in module.router.routes:
            if isinstance(route, APIRoute) and route.matches(scope)[0] is Match.FULL:
                return path
    return None


def _saved(session: Session, key: str | None) -> tuple[str, str] | None:
    """(name, address) of the segment just saved, when it exists and has a page."""
    if not key or len(key) > MAX_KEY or not _KEY.match(key):
        return None
    href = _segment_href(key)
    if href is None:
        return None
    try:
        return get_segment(session, key).name, href
    except NotFound:
        return None


def _discovery(session: Session, runtime: Runtime, language: str) -> Discovery:
    index, _model = runtime.recommender.snapshot(session)
    return discover(session, settings=runtime.settings, schema=runtime.facet_schema,
                    labels=index.labels, language=language, seed=DEFAULT_SEED)


def _page(request: Request, staff: StaffOut, session: Session, runtime: Runtime, *,
          status_code: int = 200, errors: dict[str, str] | None = None,
          failed: int | None = None, typed: str = "", saved: str | None = None) -> Response:
    t = translator(language_of(request))
    n = Numbers(t)
    found = _discovery(session, runtime, t.language)
    chosen = (t(_CHOSEN_BY[found.k_chosen_by], low=n.count(K_RANGE.start),
                high=n.count(K_RANGE.stop - 1)) if found.k is not None else None)
    summary = [
        (t("Customers who declared anything"), n.count(found.customers_declared)),
        (t("Left out: no consent, or personalization off"), n.count(found.left_out_consent)),
        (t("Left out: too few shared values"), n.count(found.left_out_few_values)),
        (t("Grouped"), n.count(found.participants)),
    ]
    return dashboard_page(
        request, "dashboard/discovered.html", staff=staff, page=PAGE, status_code=status_code,
        found=found, summary=summary, chosen=chosen, stability=_stability(found, t),
        groups=_groups(found, t),
        figures=[_sizes(found, t, n)] if found.clusters else [],
        rules={c.number: _rule(c, t, n) for c in found.clusters},
        may_save=allows(staff.role, "marketer"), errors=errors or {}, failed=failed,
        typed=typed, saved=_saved(session, saved), max_key=MAX_KEY,
        key_hint=t(_KEY_HINT))


def _groups(found: Discovery, t: Translator) -> str | None:
    """"3 groups" in the page's language; None when there are none."""
    if found.k is None:
        return None
    return t.plural("{n} group", "{n} groups", found.k)


@router.get(PAGE.path)
def discovered(request: Request, staff: Staff, session: DbSession, runtime: Rt,
               saved: Annotated[str | None, Query()] = None) -> Response:
    return _page(request, staff, session, runtime, saved=saved)


def _form_errors(key: str, number: int | None, t: Translator) -> dict[str, str]:
    """What is wrong with the form itself, before the groups are read."""
    errors = {}
    if number is None:
        errors["form"] = t(_NO_CLUSTER)
    if not key or len(key) > MAX_KEY or not _KEY.match(key):
        errors["key"] = t(_KEY_WORDS, max=t.number(MAX_KEY))
    elif key in RESERVED_KEYS:
        errors["key"] = t(_KEY_RESERVED)
    return errors


def _refusal(exc: PreferoError, *, key: str, revision: str, found: Discovery,
             session: Session, t: Translator) -> dict[str, str]:
    """Why the services refused a save, as the page says it (their own messages are for
    the API and the command line, in English)."""
    if isinstance(exc, Conflict):
        if revision != found.revision:
            return {"form": t(_CHANGED)}
        try:
            get_segment(session, key)
        except NotFound:
            return {"form": t(_TOO_MANY, max=t.number(MAX_SEGMENTS))}
        return {"key": t(_KEY_TAKEN)}
    fields = {str(error.loc[0]) for error in exc.errors if error.loc}
    if "key" in fields:
        return {"key": t(_KEY_WORDS, max=t.number(MAX_KEY))}
    return {"form": t(_NO_CLUSTER)}


@router.post(SAVE)
def save(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
         key: Annotated[str, Form()] = "", cluster: Annotated[str, Form()] = "",
         revision: Annotated[str, Form()] = "") -> Response:
    t = translator(language_of(request))
    key = key.strip()
    number = int(cluster) if _NUMBER.fullmatch(cluster) else None
    errors = _form_errors(key, number, t)
    stored: SegmentOut | None = None
    if not errors and number is not None:
        try:
            choice = SaveDiscovered(key=key, cluster=number, revision=revision[:64] or None,
                                    seed=DEFAULT_SEED)
            stored = save_discovered(
                session, settings=runtime.settings, schema=runtime.facet_schema,
                labels=runtime.recommender.snapshot(session)[0].labels, language=t.language,
                choice=choice, actor=staff.actor,
                client=request.client.host if request.client else None)
        except ValidationError:
            errors = {"form": t(_NO_CLUSTER)}  # a group number no listing shows
        except (InvalidInput, Conflict) as exc:
            session.rollback()
            errors = _refusal(exc, key=key, revision=revision, session=session, t=t,
                              found=_discovery(session, runtime, t.language))
    if errors or stored is None:
        return _page(request, staff, session, runtime, status_code=422, errors=errors,
                     failed=number, typed=key[:MAX_KEY + 20])
    flash(request, N_("Saved as the segment “{name}” (key {key})."), name=stored.name,
          key=stored.key)
    return RedirectResponse(f"{PAGE.path}?{urlencode({'saved': stored.key})}",
                            status_code=303)
