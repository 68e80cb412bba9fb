"""From a voucher to the exact Fiken request bodies. Pure: no I/O.

Journal mode (fiken-api.md §1.2–1.3, the shapes verified on a live company): every voucher line
becomes one two-sided journal line against the vendor's settlement account, so each line balances
by itself. On a side that carries a VAT code the amount is net and Fiken adds the VAT; the
settlement side then receives net + Fiken's VAT. The difference between Fiken's VAT and the VAT
in the source data is predicted here and moved to the rounding account, so the settlement account
nets to exactly zero.

Cash-sale mode: one Fiken cash sale with explicit net and VAT per (account, VAT code), paid to the
settlement account, plus a journal entry for what the sale cannot carry (the payment-method
split, tips, gift cards, rounding, and revenue groups whose day is negative).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.domain.keys import PAYMENTS_PART, part_key, voucher_description
from settlement.domain.vat import rate_on, vat_on_net
from settlement.domain.voucher import Voucher, VoucherLine

# Fiken's vatType names for sales, by standard VAT code (fiken-api.md §5).
# Fiken allows 200 characters in a description and prefixes "Fri postering registrert via API: " (34).
MAX_DESCRIPTION = 166

VAT_TYPES = {
    "3": "HIGH", "31": "MEDIUM", "33": "LOW", "32": "RAW_FISH", "5": "EXEMPT", "51": "EXEMPT_REVERSE",
    "52": "EXEMPT_IMPORT_EXPORT", "6": "OUTSIDE", "7": "NONE",
}


@dataclass(frozen=True)
class FikenPosting:
    """What is sent to Fiken for one vendor-day version.

    Attributes:
        mode: "journal" or "cash_sale".
        key: the settlement key: the journal entry's description (journal mode) or the sale's
            saleNumber (cash_sale mode).
        sale: the cash-sale body (cash_sale mode with positive revenue), else None.
        journal: the general journal entry body, else None.
    """

    mode: str
    key: str
    sale: dict | None
    journal: dict | None

    def requests(self, company: str) -> list[dict]:
        """The requests in the order they are sent, for `preview --fiken`."""
        out = []
        if self.sale is not None:
            out.append({"method": "POST", "path": f"/companies/{company}/sales", "body": self.sale})
        if self.journal is not None:
            out.append({"method": "POST", "path": f"/companies/{company}/generalJournalEntries", "body": self.journal})
        return out


def journal_key(key: str, mode: str) -> str:
    """The key in a journal entry's description: the day's key in journal mode; in cash-sale mode
    the key with the part "betalinger", so the payment split is never taken for the sale."""
    return part_key(key, PAYMENTS_PART) if mode == "cash_sale" else key


def _journal_line(amount: int, debit: str, credit: str, debit_vat: str | None = None, credit_vat: str | None = None) -> dict:
    line: dict = {"amount": amount, "debitAccount": debit, "creditAccount": credit}
    if debit_vat is not None:
        line["debitVatCode"] = int(debit_vat)
    if credit_vat is not None:
        line["creditVatCode"] = int(credit_vat)
    return line


class _JournalBuilder:
    """Collects two-sided lines against the settlement account and tracks its balance."""

    def __init__(self, settlement: str, rounding: str, day: date):
        self.settlement, self.rounding, self.day = settlement, rounding, day
        self.lines: list[dict] = []
        self.settlement_balance = 0  # debit positive
        self.vat_shift = 0  # how much more the settlement account receives because of Fiken's VAT
        self.rounding_credit = 0  # the source data's own rounding, credit positive

    def coded(self, account: str, vat_code: str, net: int, source_vat: int, is_credit: bool) -> None:
        """A revenue (credit) or return (debit) group: net on the coded side, Fiken adds the VAT."""
        if net <= 0:
            return
        fiken_vat = vat_on_net(net, rate_on(vat_code, self.day))
        sign = 1 if is_credit else -1
        if is_credit:
            self.lines.append(_journal_line(net, self.settlement, account, credit_vat=vat_code))
        else:
            self.lines.append(_journal_line(net, account, self.settlement, debit_vat=vat_code))
        self.settlement_balance += sign * (net + fiken_vat)
        self.vat_shift += sign * (fiken_vat - source_vat)

    def plain(self, account: str, amount: int, is_credit: bool) -> None:
        """A VAT-free line: credit lines are funded by the settlement account, debit lines fund it."""
        if amount <= 0 or account == self.settlement:
            return
        if is_credit:
            self.lines.append(_journal_line(amount, self.settlement, account))
            self.settlement_balance += amount
        else:
            self.lines.append(_journal_line(amount, account, self.settlement))
            self.settlement_balance -= amount

    def close(self, expected_balance: int) -> None:
        """One rounding line: the data's rounding minus the VAT shift, leaving the settlement account
        at expected_balance. The two ways of computing it must agree, or the voucher was not balanced."""
        total = self.rounding_credit - self.vat_shift
        if total != expected_balance - self.settlement_balance:
            raise AssertionError(
                f"settlement account would not net out: balance {self.settlement_balance}, rounding {total}, "
                f"expected {expected_balance}"
            )
        self.plain(self.rounding, abs(total), is_credit=total > 0)


def _add_plain_lines(builder: _JournalBuilder, lines: list[VoucherLine]) -> None:
    for line in lines:
        if line.section == "rounding":
            builder.rounding_credit += line.credit - line.debit
        elif line.vat_code is None:
            builder.plain(line.account, line.gross, is_credit=bool(line.credit))


def _journal_body(description: str, day: date, lines: list[dict]) -> dict:
    return {
        "description": description,
        "open": False,
        "journalEntries": [{"description": description, "date": day.isoformat(), "lines": lines}],
    }


def build_journal_posting(voucher: Voucher, vendor_name: str, settlement: str, rounding: str, key: str) -> FikenPosting:
    """Journal mode: one general journal entry with one self-balancing line per voucher line."""
    builder = _JournalBuilder(settlement, rounding, voucher.day)
    for line in voucher.lines:
        if line.vat_code is not None:
            builder.coded(line.account, line.vat_code, line.net, line.vat, is_credit=bool(line.credit))
    _add_plain_lines(builder, list(voucher.lines))
    builder.close(expected_balance=0)
    description = voucher_description(vendor_name, voucher.day, key, MAX_DESCRIPTION)
    journal = _journal_body(description, voucher.day, builder.lines) if builder.lines else None
    return FikenPosting("journal", key, None, journal)


def build_cash_sale_posting(
    voucher: Voucher, vendor_name: str, settlement: str, rounding: str, key: str, project_id: int | None,
    account_names: dict[str, str],
) -> FikenPosting:
    """Cash-sale mode: a cash sale for positive revenue groups, a journal entry for the rest."""
    groups: dict[tuple[str, str], list[int]] = {}
    for line in voucher.lines:
        if line.vat_code is not None:
            sign = 1 if line.credit else -1
            net_vat = groups.setdefault((line.account, line.vat_code), [0, 0])
            net_vat[0] += sign * line.net
            net_vat[1] += sign * line.vat
    builder = _JournalBuilder(settlement, rounding, voucher.day)
    sale_lines, total_paid = [], 0
    for (account, vat_code), (net, vat) in sorted(groups.items()):
        if net > 0 or (net == 0 and vat > 0):
            sale_lines.append(
                {
                    "description": f"{account_names.get(account, account)} ({VAT_TYPES[vat_code].lower()})"[:200],
                    "netPrice": net, "vat": vat, "account": account, "vatType": VAT_TYPES[vat_code],
                }
            )
            total_paid += net + vat
        elif net < 0:
            builder.coded(account, vat_code, -net, -vat, is_credit=False)
    _add_plain_lines(builder, list(voucher.lines))
    # The sale debits the settlement account with total_paid; the journal must credit it back.
    builder.close(expected_balance=-total_paid)
    sale = None
    if sale_lines:
        sale = {
            "date": voucher.day.isoformat(), "kind": "cash_sale", "paid": True, "totalPaid": total_paid,
            "currency": "NOK", "lines": sale_lines, "paymentAccount": settlement,
            "paymentDate": voucher.day.isoformat(), "saleNumber": key,
        }
        if project_id is not None:
            sale["projectId"] = project_id
    description = voucher_description(vendor_name, voucher.day, journal_key(key, "cash_sale"), MAX_DESCRIPTION,
                                      prefix="Dagsoppgjør betalinger")
    journal = _journal_body(description, voucher.day, builder.lines) if builder.lines else None
    return FikenPosting("cash_sale", key, sale, journal)
