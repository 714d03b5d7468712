"""Read the shop's configurators (YAML or JSON) and check them, every problem at once.

Each problem is a ``FieldError`` whose ``loc`` starts with the source (a file name) and
follows the document down to the value at fault::

    ("configurators.yaml", "configurators", 0, "rules", 2, "needs", 1)

The habits are the quiz loader's (``prefero.quizzes.loader``, whose reader this module
shares: YAML 1.2 booleans, duplicate keys refused, size limits): pydantic checks the shape;
the cross-references (rules naming options, defaults, duplicate keys, the base product in the
catalogue) are checked on the raw document so that their paths are exact and they are
reported together with the shape errors instead of after them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from prefero.configurators.definition import Configurator, ConfiguratorSet
from prefero.errors import FieldError, InvalidInput

# The quiz loader's reader and limits: one document format for the shop's data files.
from prefero.quizzes.loader import _scan, raise_problems, read_mapping

__all__ = ["DEFAULT_SOURCE", "load_configurators", "load_configurators_file"]

DEFAULT_SOURCE = "configurators.yaml"

Loc = tuple[str | int, ...]
Add = Callable[[Loc, str], None]
_RULE_TAGS = ("requires", "excludes")
_RULE_TARGETS = {"requires": "needs", "excludes": "excludes"}


def _dicts(value: Any) -> Iterable[tuple[int, dict[str, Any]]]:
    """The mappings of a list with their positions; anything else is pydantic's to report."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _unique(items: Iterable[tuple[int, dict[str, Any]]], field: str, at: Loc, noun: str,
            add: Add) -> dict[str, int]:
    """The first position of each key; a repeated key is reported where it repeats."""
    first: dict[str, int] = {}
    for i, item in items:
        key = item.get(field)
        if not isinstance(key, str):
            continue
        if key in first:
            add((*at, i, field), f"{noun} {key!r} is already used by {at[-1]}[{first[key]}]")
        else:
            first[key] = i
    return first


class _Options:
    """The groups and options of one raw configurator, for resolving ``"group.option"``."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.groups: dict[str, dict[str, Any]] = {}
        self.options: dict[str, set[str]] = {}
        for _, group in _dicts(raw.get("groups")):
            key = group.get("key")
            if isinstance(key, str) and key not in self.groups:
                self.groups[key] = group
                self.options[key] = {o["key"] for _, o in _dicts(group.get("options"))
                                     if isinstance(o.get("key"), str)}

    def problem(self, ref: Any) -> str | None:
        """Why ``ref`` names no option (``None`` when it does, or is pydantic's to report)."""
        if not isinstance(ref, str) or "." not in ref:
            return None
        group, _, option = ref.partition(".")
        if group not in self.groups:
            return f"no group {group!r} in this configurator"
        if option not in self.options[group]:
            return f"group {group!r} has no option {option!r}"
        return None

    def single(self, group: str) -> bool:
        return not self.groups.get(group, {}).get("multiple", False)

    def required(self, group: str) -> bool:
        return bool(self.groups.get(group, {}).get("required", True))


def _check_groups(raw: dict[str, Any], at: Loc, add: Add) -> None:
    groups = list(_dicts(raw.get("groups")))
    _unique(groups, "key", (*at, "groups"), "group key", add)
    for j, group in groups:
        options = list(_dicts(group.get("options")))
        keys = _unique(options, "key", (*at, "groups", j, "options"), "option key", add)
        default = group.get("default")
        if isinstance(default, str) and keys and default not in keys:
            add((*at, "groups", j, "default"),
                f"{default!r} is not an option of group {group.get('key')!r}")


def _check_rules(raw: dict[str, Any], at: Loc, known: _Options, add: Add) -> None:
    rules = list(_dicts(raw.get("rules")))
    _unique(rules, "key", (*at, "rules"), "rule key", add)
    for r, rule in rules:
        kind = rule.get("type")
        if kind not in _RULE_TAGS:
            continue
        here: Loc = (*at, "rules", r)
        subject = rule.get("option")
        if (reason := known.problem(subject)) is not None:
            add((*here, "option"), reason)
            subject = None
        target = _RULE_TARGETS[kind]
        refs = rule.get(target)
        for k, ref in enumerate(refs if isinstance(refs, list) else []):
            if (reason := known.problem(ref)) is not None:
                add((*here, target, k), reason)
            elif isinstance(ref, str) and ref == subject:
                verb = "need" if kind == "requires" else "exclude"
                add((*here, target, k), f"{ref!r} cannot {verb} itself")
            elif (isinstance(ref, str) and isinstance(subject, str) and kind == "requires"
                  and ref.partition(".")[0] == subject.partition(".")[0]
                  and known.single(ref.partition(".")[0])):
                add((*here, target, k),
                    f"{ref!r} is in the same single-choice group as {subject!r}: the two "
                    "can never be chosen together")


def _dead_options(raw: dict[str, Any], known: _Options) -> dict[str, str]:
    """Options no configuration can contain, whatever the stock, with why: an option that
    needs only dead options, or that excludes every live option of a required
    single-choice group. Worked out to a fixed point."""
    dead: dict[str, str] = {}
    rules = [rule for _, rule in _dicts(raw.get("rules"))
             if rule.get("type") in _RULE_TAGS and known.problem(rule.get("option")) is None
             and isinstance(rule.get("option"), str)]

    def targets(rule: dict[str, Any]) -> list[str]:
        refs = rule.get(_RULE_TARGETS[rule["type"]])
        return [ref for ref in (refs if isinstance(refs, list) else [])
                if isinstance(ref, str) and known.problem(ref) is None and "." in ref]

    excluded: dict[str, set[str]] = {}
    for rule in rules:
        if rule["type"] == "excludes":
            for ref in targets(rule):
                excluded.setdefault(rule["option"], set()).add(ref)
                excluded.setdefault(ref, set()).add(rule["option"])
    changed = True
    while changed:
        changed = False
        for rule in rules:
            subject = rule["option"]
            if subject in dead or rule["type"] != "requires":
                continue
            needs = targets(rule)
            if needs and all(ref in dead or (ref.partition(".")[0] == subject.partition(".")[0]
                                             and known.single(ref.partition(".")[0]))
                             for ref in needs):
                dead[subject] = (f"{subject!r} needs {', '.join(map(repr, needs))}, and none "
                                 "of them can be chosen")
                changed = True
        for subject, others in excluded.items():
            if subject in dead:
                continue
            own = subject.partition(".")[0]
            for group, options in known.options.items():
                if group == own or not known.required(group) or not known.single(group):
                    continue
                live = {f"{group}.{o}" for o in options} - set(dead)
                if live and live <= others:
                    dead[subject] = (f"{subject!r} excludes every option of the required "
                                     f"group {group!r}")
                    changed = True
                    break
    return dead


def _check_required(raw: dict[str, Any], at: Loc, known: _Options, add: Add) -> None:
    dead = _dead_options(raw, known)
    for j, group in _dicts(raw.get("groups")):
        key = group.get("key")
        if not isinstance(key, str) or not known.required(key) or known.groups.get(key) \
                is not group:
            continue
        refs = [f"{key}.{o}" for o in sorted(known.options[key])]
        if refs and all(ref in dead for ref in refs):
            add((*at, "groups", j), f"every option of the required group {key!r} is ruled out "
                                    f"by the rules: {'; '.join(dead[ref] for ref in refs)}")


def _check_configurators(document: dict[str, Any], add: Add, *, currency: str | None,
                         products: Collection[str] | None) -> None:
    items = list(_dicts(document.get("configurators")))
    _unique(items, "product_id", ("configurators",), "product", add)
    for i, raw in items:
        at: Loc = ("configurators", i)
        product_id = raw.get("product_id")
        if products is not None and isinstance(product_id, str) and product_id not in products:
            add((*at, "product_id"), f"no product {product_id!r} in the catalogue")
        code = raw.get("currency")
        if currency is not None and isinstance(code, str) and code != currency:
            add((*at, "currency"), f"prices must be in the shop's currency {currency}, "
                                   f"not {code}")
        known = _Options(raw)
        _check_groups(raw, at, add)
        _check_rules(raw, at, known, add)
        _check_required(raw, at, known, add)


def _pydantic_errors(exc: ValidationError) -> list[tuple[Loc, str]]:
    found: list[tuple[Loc, str]] = []
    for error in exc.errors(include_url=False):
        raw = tuple(error["loc"])
        # Drop the rule type pydantic adds after a rule's index.
        loc: Loc = tuple(part for n, part in enumerate(raw)
                         if not (n >= 2 and part in _RULE_TAGS and raw[n - 2] == "rules"
                                 and isinstance(raw[n - 1], int)))
        kind, msg = error["type"], error["msg"]
        ctx = error.get("ctx") or {}
        if kind == "union_tag_invalid":
            loc, msg = (*loc, "type"), (f"unknown rule type {ctx.get('tag')!r}; expected "
                                        f"{' or '.join(_RULE_TAGS)}")
        elif kind == "union_tag_not_found":
            loc, msg = (*loc, "type"), f"a rule needs a type: {' or '.join(_RULE_TAGS)}"
        elif kind == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}" if loc else msg
        elif kind == "greater_than_equal" and loc and loc[-1] in ("price", "base_price"):
            msg = "a price cannot be negative"
        found.append((loc, msg))
    return found


def load_configurators(data: bytes | str, *, source: str, currency: str | None = None,
                       products: Collection[str] | None = None,
                       format: Literal["json", "yaml"] | None = None) -> ConfiguratorSet:
    """Parse and check a configurators document; ``InvalidInput`` lists every problem.

    ``currency`` (the shop's) and ``products`` (the catalogue's ids) are checked when given.

    >>> text = '''
    ... configurators:
    ...   - product_id: p1
    ...     title: {en: Desk, pl: Biurko}
    ...     base_price: 100
    ...     currency: PLN
    ...     groups:
    ...       - key: top
    ...         label: {en: Top, pl: Blat}
    ...         options:
    ...           - {key: oak, label: {en: Oak, pl: Dąb}, price: 50}
    ...     rules:
    ...       - {type: requires, key: r1, option: top.oak, needs: [legs.steel]}
    ... '''
    >>> try:
    ...     load_configurators(text, source="c.yaml")
    ... except InvalidInput as exc:
    ...     print(exc.errors[0].loc, exc.errors[0].msg)
    ('c.yaml', 'configurators', 0, 'rules', 0, 'needs', 0) no group 'legs' in this configurator
    """
    document = read_mapping(data, source=source, format=format,
                            what="a configurators document",
                            shape="expected a mapping with a list under 'configurators'")
    precise: list[tuple[Loc, str]] = []

    def add(loc: Loc, msg: str) -> None:
        precise.append((loc, msg))

    found: list[tuple[Loc, str]] = []
    configurators: list[Configurator] = []
    unknown = sorted(set(document) - {"configurators"})
    for key in unknown:
        add((key,), f"unknown key {key!r}")
    if _scan(document, add):
        _check_configurators(document, add, currency=currency, products=products)
        raw = document.get("configurators")
        if not isinstance(raw, list):
            add(("configurators",), "a list of configurators is needed")
        else:
            for i, item in enumerate(raw):
                try:
                    configurators.append(Configurator.model_validate(item))
                except ValidationError as exc:
                    found.extend((("configurators", i, *loc), msg)
                                 for loc, msg in _pydantic_errors(exc))
    raise_problems(found + precise, source=source, what="the configurators")
    return ConfiguratorSet(configurators={c.product_id: c for c in configurators})


def load_configurators_file(path: Path | None = None, *, currency: str | None = None,
                            products: Collection[str] | None = None) -> ConfiguratorSet:
    """``load_configurators`` on a file (the packaged ``catalog/configurators.yaml`` when
    ``path`` is ``None``); errors name the file as given.

    The packaged file is the demo shop's, priced in PLN: a shop selling in another currency
    gets none of its configurators rather than a refusal to start.

    >>> sorted(load_configurators_file().configurators)
    ['cfg-laptop-14', 'cfg-shirt']
    >>> load_configurators_file(currency="EUR").configurators
    {}
    """
    if path is None:
        data = resources.files("prefero.catalog").joinpath(DEFAULT_SOURCE).read_bytes()
        packaged = load_configurators(data, source=DEFAULT_SOURCE, products=products)
        return ConfiguratorSet(configurators={
            pid: c for pid, c in packaged.configurators.items()
            if currency is None or c.currency == currency})
    fmt: Literal["json"] | None = "json" if path.suffix.lower() == ".json" else None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read", [FieldError(
            (str(path),), exc.strerror or str(exc))]) from None
    return load_configurators(data, source=str(path), currency=currency, products=products,
                              format=fmt)
