"""The bokmål catalog is complete and faithful, and SETTLEMENT_LANGUAGE chooses the language.

Complete: every text the code marks (tr, ntr, N_; settlement/domain/text.py) is in the catalog,
translated, not fuzzy, and the catalog holds nothing the code no longer says. Faithful: each
translation keeps the English text's {values}, so filling it in can neither fail nor lose one.
"""

from __future__ import annotations

import re
import string

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from settlement import i18n
from settlement.domain import text
from tests.conftest import ROOT

CATALOG = ROOT / "settlement" / "locale" / "nb" / "LC_MESSAGES" / "settlement.po"
# What `make messages` passes to pybabel extract: tr, ntr and N_ of the Python, and Jinja's own
# _, gettext and ngettext of the web page's templates (babel.cfg).
KEYWORDS = {"tr": None, "ntr": (1, 2), "N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}
# The templates' values are written %(name)s (Jinja's new-style gettext, settlement/web/app.py).
PERCENT_FIELD = re.compile(r"%\((\w+)\)[sd]")


def _said_in_code() -> dict[str, str]:
    """Each marked text of the code (plural: its singular) → where it is first said."""
    found: dict[str, str] = {}
    mapping = [("settlement/*_sandbox/**", "ignore"), ("settlement/**.py", "python"),
               ("settlement/web/templates/**.html", "jinja2")]
    options = {"settlement/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=mapping, options_map=options, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        singular = message[0] if isinstance(message, tuple) else message
        found.setdefault(singular, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="nb")


def _fields(template: str) -> set[str]:
    """The {values} of a text, and its %(values)s (a template's)."""
    return {f"{name}!{conversion}" if conversion else name
            for _literal, name, _spec, conversion in string.Formatter().parse(template) if name is not None
            } | {f"%({name})" for name in PERCENT_FIELD.findall(template)}


def test_every_text_of_the_code_is_in_the_catalog(catalog):
    said = _said_in_code()
    missing = sorted(f"{where}: {message!r}" for message, where in said.items() if message not in catalog)
    assert not missing, "not in the catalog (run `make messages` and translate them):\n" + "\n".join(missing)


def test_the_catalog_holds_nothing_the_code_no_longer_says(catalog):
    said = _said_in_code()
    stale = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id)
    stale = [message for message in stale if message not in said]
    assert not stale, "in the catalog but no longer in the code (run `make messages`):\n" + "\n".join(stale)


def test_every_text_is_translated_and_keeps_its_values(catalog):
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            wrong.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            wrong.append(f"not translated: {ids[0]!r}")
            continue
        wanted = set().union(*(_fields(i) for i in ids)) - {"n"}
        for translated in strings:
            try:
                got = _fields(translated) - {"n"}
            except ValueError as exc:
                wrong.append(f"{ids[0]!r}: {translated!r} is not a format string ({exc})")
                continue
            if got != wanted:
                wrong.append(f"{ids[0]!r}: {translated!r} has values {sorted(got)}, the English {sorted(wanted)}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalog_is_the_catalog(catalog):
    """What the product loads (the .mo `make catalogs` compiled, or the .po compiled in memory)."""
    loaded = i18n.load("nb")
    for message in catalog:
        if message.id and isinstance(message.id, str):
            assert loaded.gettext(message.id) == message.string, message.id


def test_a_setting_chooses_the_language():
    assert i18n.normalize(None) == "nb"
    assert i18n.normalize(" NO ") == "nb"
    assert i18n.normalize("en_GB") == "en"
    with pytest.raises(i18n.UnknownLanguage, match="choose one of nb, en"):
        i18n.normalize("sv")


def test_values_are_shown_the_languages_way():
    from datetime import date, datetime, timedelta, timezone

    moment = datetime(2026, 11, 20, 22, 5, 9, tzinfo=timezone(timedelta(hours=1)))
    try:
        text.install(i18n.load("nb"))
        assert text.tr("value {value!r}", value=date(2026, 11, 20)) == "verdi '20.11.2026'"
        assert text.show_moment(moment) == "20.11.2026 22:05 +01:00"
        assert text.tr("warning: ") == "advarsel: "
    finally:
        text.install(text.ENGLISH)
    assert text.tr("value {value!r}", value=date(2026, 11, 20)) == "value '2026-11-20'"
    assert text.show_moment(moment) == "2026-11-20 22:05:09+01:00"


def test_placeholders_are_named():
    """A positional {} cannot be reordered by a translation: every value has a name."""
    unnamed = [message for message in _said_in_code() if re.search(r"\{(![rsa])?(:[^}]*)?\}", message)]
    assert not unnamed, unnamed
