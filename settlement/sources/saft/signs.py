"""Which way an amount goes: exporters disagree on signs and on what amntTp C/D means.

The official example writes a return as negative amounts with amntTp D, and sales as positive
amounts with amntTp C. Other exporters write absolute values and use D for sales and C for returns.
So an amount written with a minus sign is taken as written; a non-negative amount takes its
direction from its amntTp, read with the letter this exporter uses for sales.

That letter is learnt from the file itself, from the first transaction whose direction is
certain: one written with a negative amount (its letter marks returns), or one whose transType
resolves to a predefined sale (11001, 11002, 11015) or return (11006, 11013) code. Until then the
official convention (C = sale) is assumed; if evidence later shows the other convention, the
file is refused rather than stored half one way and half the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from settlement.domain.text import tr

SALE_TRANSACTIONS = frozenset({"11001", "11002", "11015"})
RETURN_TRANSACTIONS = frozenset({"11006", "11013"})
OFFICIAL_SALE_LETTER = "C"
LETTERS = ("C", "D")


def other(letter: str) -> str:
    return "D" if letter == "C" else "C"


@dataclass
class SignConvention:
    """The amntTp letter an exporter writes for sales, learnt while the file streams."""

    sale_letter: str | None = None
    learnt_from: str = ""
    assumed_by: str = ""  # the first transaction read before the convention was known

    def sale_letter_for(self, ref: str, letter: str, written: int, transaction_type: str) -> tuple[str, str | None]:
        """The sale letter to read transaction `ref` with, and an error message if it contradicts.

        Args:
            letter: the transaction's amntTp.
            written: its transAmntIn as written (øre, sign as in the file).
            transaction_type: the predefined 11xxx code of its transType, or "".
        """
        implied = None
        if written < 0:
            implied = other(letter)
        elif written > 0 and transaction_type in SALE_TRANSACTIONS:
            implied = letter
        elif written > 0 and transaction_type in RETURN_TRANSACTIONS:
            implied = other(letter)
        if implied is None:
            if self.sale_letter is None:
                self.assumed_by = self.assumed_by or ref
                return OFFICIAL_SALE_LETTER, None
            return self.sale_letter, None
        if self.sale_letter is None:
            self.sale_letter, self.learnt_from = implied, ref
            if self.assumed_by and implied != OFFICIAL_SALE_LETTER:
                return implied, tr(
                    "transaction {assumed_by} was read with amntTp C as a sale (the official convention), "
                    "but transaction {ref} shows this exporter writes {implied} for sales",
                    assumed_by=self.assumed_by, ref=ref, implied=implied,
                )
            return implied, None
        if implied != self.sale_letter:
            return implied, tr(
                "amntTp {letter} contradicts the sign convention: transaction {learnt_from} showed "
                "this exporter writes {sale_letter} for sales, this one implies {implied}",
                letter=letter, learnt_from=self.learnt_from, sale_letter=self.sale_letter, implied=implied,
            )
        return implied, None


def signed(written: int, letter: str, sale_letter: str) -> int:
    """An amount with its direction: negative as written stays; otherwise the letter decides."""
    if written <= 0 or letter == sale_letter:
        return written
    return -written
