"""The Polish catalogue is complete: every shopper-facing message marked in the code and the
templates has a Polish translation that keeps the message's placeholders."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_dir

from prefero.i18n.catalogues import catalogue, translations

SOURCE = Path(str(resources.files("prefero")))
# t("...") in templates and page code, t.plural(one, many, n) (tn in templates) and
# ngettext for counted things, N_("...") where a message is defined apart from where it is
# translated (tables of messages).
KEYWORDS = {"t": None, "plural": (1, 2), "tn": (1, 2), "ngettext": (1, 2), "N_": None}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _marked() -> dict[str, str]:
    """Every marked msgid (a plural's singular) → where it is first marked."""
    found: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            SOURCE, METHODS, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True):
        key = message[0] if isinstance(message, tuple) else message
        if key:
            found.setdefault(key, f"{filename}:{line}")
    return found


def test_the_extraction_finds_the_pages_and_the_reasons() -> None:
    marked = _marked()
    assert "Why this?" in marked  # a template
    assert "Matches your preferences ({likes})" in marked  # a table of reason messages
    assert len(marked) > 250


def test_every_marked_message_has_a_polish_translation() -> None:
    polish = catalogue("pl")
    missing = sorted(f"{where}: {key!r}" for key, where in _marked().items()
                     if key not in polish or not _complete(polish[key].string))
    assert not missing, "untranslated:\n" + "\n".join(missing)


def _complete(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def test_translations_keep_every_placeholder() -> None:
    broken = []
    for message in catalogue("pl"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) - wanted:
                broken.append((ids[0], string))
    assert not broken


def test_polish_plurals_follow_the_cldr_rule() -> None:
    polish = translations("pl")
    one, many = ("{n} product hidden by your preferences",
                 "{n} products hidden by your preferences")
    forms = [polish.ngettext(one, many, n).split()[1] for n in (1, 2, 5, 12, 22, 25)]
    assert forms == ["produkt", "produkty", "produktów", "produktów", "produkty", "produktów"]
