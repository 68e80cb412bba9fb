"""Where each clearing account stands: what the days put on it, what the payouts took off, what is
open and why (`settlement payouts status`, `settlement report --payouts`).

All figures come from what this product booked: the posted days' payment lines on the account and
the posted payout vouchers. Their difference is the account's balance in the ledger from these
bookings, and it is exactly the sum of the open items (settlement.domain.payout_matching).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from collections.abc import Iterable

from settlement.domain.money import format_nok
from settlement.domain.payout_matching import Matching, OpenItem
from settlement.domain.payouts import Payout
from settlement.domain.text import ntr, show_day, tr
from settlement.report.reconciliation import neutralise


@dataclass
class ClearingStatus:
    """One vendor's clearing account of one provider account.

    opening: the balance before the period (0 for the whole history: this product's bookings only).
    sales: what the posted days put on the account; cleared: what the posted payouts took off
    (their gross); paid_out: the net they paid to the bank; fees: the fees (positive, paid).
    """

    vendor: str
    provider: str
    provider_account: str
    clearing_key: str
    clearing_account: str
    opening: int = 0
    sales: int = 0
    cleared: int = 0
    paid_out: int = 0
    fees: int = 0
    payouts: int = 0
    open_items: list[OpenItem] = field(default_factory=list)
    waiting: list[tuple[str, str, str]] = field(default_factory=list)  # (payout id, bank date, why not booked)

    @property
    def open_balance(self) -> int:
        return self.opening + self.sales - self.cleared

    @property
    def oldest_unpaid(self) -> date | None:
        days = [item.day for item in self.open_items if item.amount > 0 and not item.payout_id]
        return min(days) if days else None

    @property
    def explained(self) -> bool:
        """Whether the open items add up to the open balance (they do unless the data changed
        after posting)."""
        return sum(item.amount for item in self.open_items) == self.open_balance

    def to_json(self) -> dict:
        return {
            "vendor": self.vendor, "provider": self.provider, "provider_account": self.provider_account,
            "clearing_key": self.clearing_key, "clearing_account": self.clearing_account,
            "opening_balance": self.opening, "sales_booked": self.sales, "cleared": self.cleared,
            "paid_out": self.paid_out, "fees": self.fees, "payouts_booked": self.payouts,
            "open_balance": self.open_balance, "explained": self.explained,
            "oldest_unpaid_day": self.oldest_unpaid.isoformat() if self.oldest_unpaid else None,
            "open_items": [{"reason": i.reason, "amount": i.amount, "day": i.day.isoformat(), "ref": i.ref,
                            "payout_id": i.payout_id} for i in self.open_items],
            "waiting": [{"payout_id": p, "paid_on": d, "reason": r} for p, d, r in self.waiting],
        }


def clearing_status(vendor: str, provider: str, provider_account: str, clearing_key: str, clearing_account: str,
                    sales_total: int, payouts: Iterable[Payout], matching: Matching, cleared: int) -> ClearingStatus:
    """The status of one clearing account from the posted sales' total, the posted payouts (the
    vendor's shares), their matching, and what they took off the clearing account (`cleared`)."""
    booked = list(payouts)
    return ClearingStatus(
        vendor, provider, provider_account, clearing_key, clearing_account, 0, sales_total, cleared,
        sum(p.net for p in booked), -sum(p.fees for p in booked), len(booked), list(matching.open_items))


def to_text(statuses: Iterable[ClearingStatus]) -> str:
    lines = []
    for s in statuses:
        lines.append(f"{s.vendor} {s.provider} {s.provider_account} → {s.clearing_account} ({s.clearing_key})")
        lines.append("  " + ntr("opening {opening}  sales booked {sales}  paid out {paid_out}  fees {fees}  open {open}"
                                "  ({n} payout(s) booked)",
                                "opening {opening}  sales booked {sales}  paid out {paid_out}  fees {fees}  open {open}"
                                "  ({n} payout(s) booked)", s.payouts, opening=format_nok(s.opening),
                                sales=format_nok(s.sales), paid_out=format_nok(s.paid_out), fees=format_nok(s.fees),
                                open=format_nok(s.open_balance)))
        oldest = show_day(s.oldest_unpaid) if s.oldest_unpaid else tr("none")
        lines.append("  " + tr("oldest unpaid day: {day}", day=oldest))
        for item in s.open_items:
            # The reasons are the matching's constants, kept as they are in --json; shown translated here.
            values = dict(day=item.day, ref=item.ref, amount=format_nok(item.amount), reason=tr(item.reason))
            if item.payout_id:
                lines.append("  " + tr("open {day} {ref} payout {payout}: {amount} — {reason}", payout=item.payout_id,
                                       **values))
            else:
                lines.append("  " + tr("open {day} {ref}: {amount} — {reason}", **values))
        for payout_id, paid_on, reason in s.waiting:
            lines.append("  " + tr("waiting payout {payout} ({paid_on}): {reason}", payout=payout_id,
                                   paid_on=_day(paid_on), reason=reason))
        if not s.explained:
            lines.append("  " + tr("warning: the open items do not add up to the open balance (data changed after "
                                   "posting?)"))
    return "\n".join(lines) + ("\n" if lines else "")


def _day(text: str) -> object:
    """A YYYY-MM-DD text as a date (shown the language's way); anything else as it is."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return text


COLUMNS = ("butikk", "leverandør", "leverandørkonto", "konto", "dato", "type", "referanse", "utbetaling", "beløp",
           "årsak")
_AMOUNT = 8


def report_rows(statuses: Iterable[ClearingStatus], start: date, end: date) -> list[tuple]:
    """One row per open item of a business day from `start` to `end`, and one summary row per
    clearing account (type "saldo"), for the accountant's spreadsheet."""
    rows = []
    for s in statuses:
        for item in s.open_items:
            if start <= item.day <= end:
                rows.append((s.vendor, s.provider, s.provider_account, s.clearing_account, item.day.isoformat(),
                             "åpen post", item.ref, item.payout_id, item.amount, item.reason))
        rows.append((s.vendor, s.provider, s.provider_account, s.clearing_account, end.isoformat(), "saldo", "", "",
                     s.open_balance, f"innbetalt {format_nok(s.sales, thousands='')}, utbetalt netto "
                     f"{format_nok(s.paid_out, thousands='')}, gebyrer {format_nok(s.fees, thousands='')}"))
    return rows


def to_csv(rows: Iterable[tuple]) -> str:
    """`;`-separated, decimal commas, UTF-8 with BOM; texts that would start a formula neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = [neutralise(v) if isinstance(v, str) else v for v in row]
        values[_AMOUNT] = format_nok(row[_AMOUNT], thousands="")
        writer.writerow(values)
    return out.getvalue()


def to_xlsx(rows: Iterable[tuple]) -> bytes:
    """A workbook with one sheet "Utbetalinger"; amounts exact decimals in kroner; texts never formulas."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Utbetalinger"
    sheet.append(COLUMNS)
    for row in rows:
        values = list(row)
        values[_AMOUNT] = Decimal(row[_AMOUNT]).scaleb(-2)
        sheet.append(values)
    for sheet_row in sheet.iter_rows():
        for cell in sheet_row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl makes a formula of any text starting with "="
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
