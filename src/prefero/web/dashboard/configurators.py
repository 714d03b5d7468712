"""The configurators page, read-only: each configurable product with its base price, its
option groups and options (price, live stock left) and its compatibility rules in words.

The definitions come from the YAML file ``PREFERO_CONFIGURATORS_FILE`` names (the packaged
``catalog/configurators.yaml`` when unset), read once when the server starts
(``runtime.configurators``); the stock left is ``prefero.configurators.service
.stock_levels``: the live count of ``configurator_stock`` once an option has sold, else the
file's count. Rules are worded by the configurator's own messages, as shoppers read them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.configurators.definition import Configurator, ExcludesRule, Group, RequiresRule
from prefero.configurators.service import stock_levels
from prefero.configurators.wording import labels, option_names, price_text
from prefero.i18n.catalogues import N_
from prefero.web.dashboard.access import Staff
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="configurators", path="/dashboard/configurators",
                        label=N_("Configurators"), role="read_only", order=72))
router = APIRouter()


def _rule(definition: Configurator, rule: RequiresRule | ExcludesRule, language: str
          ) -> dict[str, Any]:
    """A rule as shoppers read it, and the shop's own wording when it has one."""
    def name(refs: list[str]) -> Any:
        return lambda lang: option_names(definition, refs, lang)

    if isinstance(rule, RequiresRule):
        worded = labels("requires", values={"option": name([rule.option]),
                                            "needs": name(list(rule.needs))})
    else:
        worded = labels("excludes", values={"option": name([rule.option]),
                                            "other": name(list(rule.excludes))})
    return {"key": rule.key, "text": worded.text(language),
            "message": rule.message.text(language) if rule.message is not None else None}


def _group(definition: Configurator, group: Group, stock: dict[tuple[str, str], int | None],
           t: Translator, n: Numbers) -> dict[str, Any]:
    options = []
    for option in group.options:
        left = stock.get((group.key, option.key))
        options.append({
            "key": option.key, "label": option.label.text(t.language),
            "price": (t(N_("Included")) if option.price == Decimal(0) else
                      "+" + price_text(option.price, definition.currency, t.language)),
            "left": t(N_("Unlimited")) if left is None else n.count(left),
            "out": left == 0, "default": option.key == group.default,
            "lead_days": (t.plural("+{n} day to build", "+{n} days to build",
                                   option.lead_days) if option.lead_days else None)})
    if group.multiple:
        kind = t(N_("Several may be chosen")) if not group.required else \
            t(N_("At least one must be chosen; several may be"))
    else:
        kind = t(N_("Exactly one must be chosen")) if group.required else \
            t(N_("At most one may be chosen"))
    return {"key": group.key, "label": group.label.text(t.language), "kind": kind,
            "options": options}


def _configurator(session: DbSession, definition: Configurator, t: Translator,
                  n: Numbers) -> dict[str, Any]:
    stock = stock_levels(session, definition)
    return {
        "product_id": definition.product_id, "title": definition.title.text(t.language),
        "id": f"cfg-{definition.product_id}",
        "version": n.count(definition.version),
        "base_price": price_text(definition.base_price, definition.currency, t.language),
        "lead_days": t.plural("{n} day", "{n} days", definition.lead_days),
        "groups": [_group(definition, group, stock, t, n) for group in definition.groups],
        "rules": [_rule(definition, rule, t.language) for rule in definition.rules]}


@router.get(PAGE.path)
def configurators(request: Request, staff: Staff, session: DbSession, runtime: Rt
                  ) -> Response:
    t = translator(language_of(request))
    n = Numbers(t)
    found = runtime.configurators.configurators
    return dashboard_page(
        request, "dashboard/configurators.html", staff=staff, page=PAGE,
        configurators=[_configurator(session, found[key], t, n) for key in sorted(found)],
        from_file=runtime.settings.configurators_file is not None)
