"""What PowerOffice Go will book for a manual voucher body, line by line. Pure.

Read back from the body that is sent (payloads.py): Go splits each gross line into the net on its
account and the VAT on its VAT account (predicted as payloads.predicted_vat does: UNCERTAIN until
seen live); rounding and every other line are booked as sent.
"""

from __future__ import annotations

from datetime import date

from settlement.domain.voucher import Voucher
from settlement.posting.ledger import BookedLine, LineNamer, arrange
from settlement.targets.poweroffice.amounts import ore
from settlement.targets.poweroffice.payloads import NO_VAT, SUBLEDGERS, predicted_vat

# Where Go books the output VAT of a code. Not documented (UNCERTAIN): NS 4102's 2701-2703, as the
# sandbox models them.
VAT_ACCOUNTS = {"3": "2701", "31": "2702", "32": "2702", "33": "2703"}


def _account(line: dict) -> str:
    """The account a line books, with the customer or supplier it names ("1500:10001")."""
    number = str(line["AccountNo"])
    for field in SUBLEDGERS.values():
        if field in line:
            return f"{number}:{line[field]}"
    return number


def poweroffice_booked(body: dict, voucher: Voucher, rounding_account: str) -> tuple[BookedLine, ...]:
    """The booked lines of a ManualVoucherPostDto (as rendered, with numbers)."""
    day = date.fromisoformat(body["VoucherDate"])
    namer = LineNamer(voucher)
    rounding_number = rounding_account.partition(":")[0]
    lines: list[BookedLine] = []
    for line in body["VoucherLines"]:
        gross = ore(line["CurrencyAmount"])
        code = line["VatCode"]
        account = _account(line)
        if code == NO_VAT:
            booked = namer.line(account, None, gross, fallback=line.get("Description", ""))
            if booked.key is None and account == rounding_number:
                booked = LineNamer.rounding(account, gross)
            lines.append(booked)
            continue
        vat = predicted_vat(gross, code, day)
        lines.append(namer.line(account, code, gross - vat, amounts=(abs(gross), abs(gross - vat))))
        lines.append(BookedLine.vat(VAT_ACCOUNTS.get(code, "2700"), code, vat, day))
    return arrange(lines, day)
