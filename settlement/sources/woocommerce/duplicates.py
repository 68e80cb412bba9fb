"""The rule for "this webshop order was also imported through the POS" (counted twice).

A line from another source (POS CSV, SAF-T) mentions webshop order number N when
- its receipt id is N, or contains N as a separate token (not inside a longer word or number):
  "1234", "WEB-1234", "wc_1234/2" match; "51234" and "1234a" do not; or
- its origin (e.g. a transaction description carried into the origin) has N right after the word
  "order", "ordre", "bestilling" or "#": "order 1234", "Ordre #1234", "#1234" match. A bare
  number in the origin does not, because origins also carry file line numbers ("sales.csv:1234").
Lines within one business day either side of the order's day are checked.
"""

from __future__ import annotations

import re


def _token(number: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(number)}(?![0-9A-Za-z])", re.IGNORECASE)


def _after_word(number: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?:\b(?:order|ordre|bestilling)\b[\s:#.-]*|#\s*){re.escape(number)}(?![0-9A-Za-z])", re.IGNORECASE
    )


def mentions_order(number: str, receipt_id: str, origin: str) -> bool:
    """True when a line with this receipt id and origin refers to webshop order `number`."""
    if not number:
        return False
    return bool(_token(number).search(receipt_id) or _after_word(number).search(origin))
