"""The boxes the shop offers: a key, a name the shopper reads, and the catalogue's category
paths the items come from (``Settings.box_themes``; the defaults match the demo catalogue)."""

from __future__ import annotations

from dataclasses import dataclass

from prefero.config import Settings
from prefero.errors import FieldError, InvalidInput
from prefero.i18n.catalogues import N_

__all__ = ["Theme", "require_theme", "theme_name", "themes"]

#: Names of the default themes, marked for translation; a shop's own key is shown as written.
_NAMES: dict[str, str] = {
    "snacks": N_("Snack box"),
    "cosmetics": N_("Cosmetics box"),
    "coffee": N_("Coffee box"),
}


@dataclass(frozen=True, slots=True)
class Theme:
    key: str
    #: The English name (``gettext`` it for the page's language).
    name: str
    categories: tuple[str, ...]


def theme_name(key: str) -> str:
    """The name of a theme in English, to be translated where shown.

    >>> theme_name("coffee"), theme_name("tea")
    ('Coffee box', 'Tea')
    """
    return _NAMES.get(key, key.replace("_", " ").replace("-", " ").capitalize())


def themes(settings: Settings) -> tuple[Theme, ...]:
    """Every box on offer, in the settings' order."""
    return tuple(Theme(key=key, name=theme_name(key), categories=tuple(paths))
                 for key, paths in settings.box_themes.items() if paths)


def require_theme(settings: Settings, key: str, *, at: tuple[str | int, ...] = ("theme",)
                  ) -> Theme:
    """The theme ``key`` names, or ``InvalidInput`` pointing at ``at``."""
    for theme in themes(settings):
        if theme.key == key:
            return theme
    offered = ", ".join(theme.key for theme in themes(settings))
    raise InvalidInput(f"no box named {key!r}",
                       [FieldError(at, f"Not a box the shop offers (one of: {offered})")])
