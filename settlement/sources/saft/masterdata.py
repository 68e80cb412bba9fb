"""SAF-T master data that decides how transactions are read: basics, VAT codes and articles.

In the schema's element order these come before the first <location>, so they are complete by the
time transactions stream past.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.saft.records import Record

# The longest code the sales store holds (settlement.store.tables: code, fallback_code).
MAX_CODE = 128

# basicType values (Skatteetaten's code list "BasicType").
ARTICLE_GROUP = "04"
LINE_TYPE = "05"
RAISE = "10"
TRANSACTION = "11"
PAYMENT = "12"
EVENT = "13"

TIP_PREDEFINED = "10001"
Z_REPORT_PREDEFINED = "13009"
# Line types whose description or id says the line sells (loads) a gift card. The code lists have
# no predefined ticket-line codes, so the exporter's own wording is all there is to go on.
_GIFT_CARD_WORDS = re.compile(r"gift|gavekort|voucher", re.IGNORECASE)
# Raise types that are tips when the exporter gives no predefined 10001.
_TIP_WORDS = re.compile(r"\btips?\b|gratuity|driks", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Basic:
    """One entry of <basics>: the exporter's own code, its type, and Skatteetaten's code if given."""

    basic_id: str
    basic_type: str
    predefined: str
    description: str


@dataclass
class MasterData:
    """Everything read from <company> before the locations."""

    company: str = ""
    basics: dict[str, Basic] = field(default_factory=dict)
    vat_codes: dict[str, str] = field(default_factory=dict)
    article_groups: dict[str, str] = field(default_factory=dict)
    # (vatCode, vatPerc as written, business day) → (standard code, % in thousandths, warning or "").
    # Filled by the transaction reader: a file repeats a handful of combinations millions of times.
    vat_resolved: dict[tuple, tuple[str, int | None, str]] = field(default_factory=dict)
    # Answers of is_gift_card_line / is_tip by code, likewise asked once per line; cleared when a basic is added.
    _gift_card: dict[str, bool] = field(default_factory=dict, repr=False)
    _tip: dict[str, bool] = field(default_factory=dict, repr=False)

    def add_basic(self, rec: Record, file: str) -> Problem | None:
        basic_id = rec.get("basicID", "")
        if not basic_id:
            return error(tr("<basic> has no <basicID>"), file=file, line=rec.line, column="basicID")
        for name in ("basicID", "predefinedBasicID"):  # both can become a stored code
            if len(rec.get(name, "")) > MAX_CODE:
                return error(tr("<{name}> is {length} characters long; at most {limit} are stored",
                                name=name, length=len(rec[name]), limit=MAX_CODE),
                             file=file, line=rec.line_of(name), column=name, value=rec[name])
        basic_type = rec.get("basicType", "").zfill(2)  # some exporters write "4" for "04"
        self._gift_card.clear()
        self._tip.clear()
        self.basics[basic_id] = Basic(basic_id, basic_type, rec.get("predefinedBasicID", ""), rec.get("basicDesc", ""))
        return None

    def add_vat_code(self, rec: Record, file: str) -> Problem | None:
        code, standard = rec.get("vatCode", ""), rec.get("standardVatCode", "")
        if not code or not standard:
            missing = "vatCode" if not code else "standardVatCode"
            return error(tr("<{element}> has no <{name}>", element="vatCodeDetail", name=missing),
                         file=file, line=rec.line, column=missing)
        known = self.vat_codes.get(code)
        if known is not None and known != standard:
            return error(
                tr("VAT code {code} is mapped to standard codes {known} and {standard}", code=code, known=known,
                   standard=standard),
                file=file, line=rec.line, column="standardVatCode", value=standard,
            )
        self.vat_codes[code] = standard
        return None

    def add_article(self, rec: Record) -> None:
        art_id, group = rec.get("artID", ""), rec.get("artGroupID", "")
        if art_id and group:
            self.article_groups[art_id] = group

    def of_type(self, basic_id: str, basic_type: str) -> Basic | None:
        """The basic with this id if it has the given type."""
        basic = self.basics.get(basic_id)
        return basic if basic is not None and basic.basic_type == basic_type else None

    def payment_by_description(self, description: str) -> Basic | None:
        """The one payment basic (type 12) whose basicDesc is `description` (case and spaces
        aside), for saft_profile payment_types_by_description; None when none or several are."""
        wanted = " ".join(description.split()).casefold()
        found = [b for b in self.basics.values()
                 if b.basic_type == PAYMENT and " ".join(b.description.split()).casefold() == wanted]
        return found[0] if len(found) == 1 else None

    def predefined(self, basic_id: str, basic_type: str) -> str:
        basic = self.of_type(basic_id, basic_type)
        return basic.predefined if basic is not None else ""

    def is_gift_card_line(self, line_type: str) -> bool:
        known = self._gift_card.get(line_type)
        if known is None:
            known = self._gift_card[line_type] = self._is_gift_card_line(line_type)
        return known

    def _is_gift_card_line(self, line_type: str) -> bool:
        basic = self.basics.get(line_type)
        text = f"{line_type} {basic.description}" if basic is not None else line_type
        return bool(_GIFT_CARD_WORDS.search(text))

    def is_tip(self, raise_type: str) -> bool:
        known = self._tip.get(raise_type)
        if known is None:
            known = self._tip[raise_type] = self._is_tip(raise_type)
        return known

    def _is_tip(self, raise_type: str) -> bool:
        basic = self.basics.get(raise_type)
        if basic is not None and basic.predefined:
            return basic.predefined == TIP_PREDEFINED
        text = f"{raise_type} {basic.description}" if basic is not None else raise_type
        return bool(_TIP_WORDS.search(text))
