"""The message catalogs: which language a person reads, and loading its translations.

The catalogs are settlement/locale/<language>/LC_MESSAGES/settlement.po, compiled to .mo at build
time (`make catalogs`, the Dockerfile). English is the source language and needs no catalog. A
source tree whose .mo was never compiled still shows bokmål: the .po is then compiled in memory
with Babel.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from settlement.domain import text

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "settlement"
DEFAULT = "nb"
# The languages one can choose, by the code SETTLEMENT_LANGUAGE takes.
LANGUAGES = {"nb": "norsk bokmål", "en": "English"}
_ALIASES = {"no": "nb", "nob": "nb", "nb_no": "nb", "nb-no": "nb", "bokmål": "nb", "bokmal": "nb", "norsk": "nb",
            "eng": "en", "en_gb": "en", "en-gb": "en", "en_us": "en", "en-us": "en", "english": "en"}


class UnknownLanguage(ValueError):
    """A SETTLEMENT_LANGUAGE that is not one of LANGUAGES."""


def normalize(code: str | None) -> str:
    """The language code for a setting's value ('' or None: the default, bokmål).

    Raises UnknownLanguage naming the choices for anything else.
    """
    wanted = (code or "").strip().lower()
    if not wanted:
        return DEFAULT
    wanted = _ALIASES.get(wanted, wanted)
    if wanted not in LANGUAGES:
        raise UnknownLanguage(f"unknown language {code!r}; choose one of {', '.join(LANGUAGES)}")
    return wanted


@dataclass(frozen=True)
class Catalog:
    """A language read from its compiled catalog."""

    code: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


_loaded: dict[str, text.Language] = {}


def load(code: str) -> text.Language:
    """The language `code` (already normalized), its catalog read once per process."""
    if code == "en":
        return text.ENGLISH
    if code not in _loaded:
        _loaded[code] = Catalog(code, _translations(code))
    return _loaded[code]


def _translations(code: str) -> gettext.NullTranslations:
    compiled = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    source = compiled.with_suffix(".po")
    if compiled.exists() and (not source.exists() or compiled.stat().st_mtime >= source.stat().st_mtime):
        with compiled.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    return gettext.GNUTranslations(compile_po(source))


def compile_po(source: Path) -> io.BytesIO:
    """The .mo bytes of a .po file, compiled with Babel.

    Not `pybabel compile`: its check of %-placeholders takes "25 % of" for one ("% o"), although
    our texts have {named} values, which tests/test_translations.py checks instead.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return compiled


def install(code: str | None) -> str:
    """Show every text from now on in the language a setting names; the code installed.

    An unknown value installs the default and raises UnknownLanguage, so the caller can report
    it as a configuration error in the language the user will read.
    """
    try:
        chosen = normalize(code)
    except UnknownLanguage:
        text.install(load(DEFAULT))
        raise
    text.install(load(chosen))
    return chosen


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every <language>/LC_MESSAGES/settlement.po below `locale_dir` to its .mo (build time)."""
    written = []
    for source in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        target = source.with_suffix(".mo")
        target.write_bytes(compile_po(source).getvalue())
        written.append(target)
    return written


if __name__ == "__main__":  # `python -m settlement.i18n`: what `make catalogs` and the Dockerfile run
    for path in compile_catalogs():
        print(f"compiled {path}")
