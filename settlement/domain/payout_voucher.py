"""The payout voucher: one vendor's share of one payout as balanced account lines. Pure: no I/O.

Debit the bank (or the money-on-its-way account) the net, debit the fee account the fees, credit the
clearing account the gross (what the daily vouchers put there and the payout now takes off), and
adjustments and chargebacks to the account the vendor names for them (else the clearing account,
where they stay as open items). The net is the sum of the items, so the voucher balances by itself.
It is a Voucher like a day's, so every ledger target renders it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from collections.abc import Callable, Iterable, Mapping

from settlement.domain.chart import LedgerRow
from settlement.domain.payout_config import PayoutAccount
from settlement.domain.payouts import ItemKind, Payout, payout_key
from settlement.domain.posting_rules import DayState
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.domain.vat import UnknownVatCode, rate_on, vat_in_gross
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher, VoucherLine

# Items booked to the vendor's `adjustments` key when it names one.
ADJUSTING = (ItemKind.ADJUSTMENT, ItemKind.CHARGEBACK)
FEE_KEY = "payment_fee"


@dataclass
class PayoutState(DayState):
    """A vendor's share of a payout as the posting engine keeps it: a DayState (its business_day
    is the date the voucher is booked on) with the payout it is for, so the engine's steps (record,
    send, find and adopt, complete, reverse) serve a payout exactly as they serve a day."""

    provider: str = ""
    payout_id: str = ""

    @property
    def subject(self) -> str:
        """'stripe po_123' in messages."""
        return f"{self.provider} {self.payout_id}"


def share_of(payout: Payout, account: PayoutAccount) -> Payout:
    """The vendor's part of a payout: the items carrying its store_ref on a shared account (every
    item otherwise), with the net they add up to."""
    if not account.store_ref:
        return payout
    items = tuple(item for item in payout.items if item.store_ref == account.store_ref)
    return Payout(payout.provider, payout.payout_id, payout.account, payout.paid_on, sum(i.amount for i in items),
                  items, payout.currency, payout.source)


def key_id(payout: Payout, account: PayoutAccount, vendor_id: str) -> str:
    """The payout id in the voucher's key: the vendor's id is added for a shared account, so two
    vendors' shares of one payout never carry the same key."""
    return f"{payout.payout_id}@{vendor_id}" if account.store_ref else payout.payout_id


def voucher_key(payout: Payout, account: PayoutAccount, vendor_id: str, version: int) -> str:
    return payout_key(payout.provider, key_id(payout, account, vendor_id), version)


def _line(section: str, key: str, row: LedgerRow, debit_signed: int, refs: tuple[str, ...], count: int,
          vat_code: str | None = None, vat: int = 0) -> VoucherLine:
    return VoucherLine(section=section, key=key, account=row.account, name=row.name, vat_code=vat_code,
                       debit=max(debit_signed, 0), credit=max(-debit_signed, 0), vat=vat, fiken_vat=vat,
                       codes=(), lines=count, refs=refs)


def keys_used(account: PayoutAccount) -> tuple[str, ...]:
    """The ledger keys a payout voucher of `account` books to: net, fees, clearing, adjustments."""
    return tuple(key for key in (account.net_to, FEE_KEY, account.payment, account.adjustments) if key)


def payout_key_problems(vendors: Iterable[Vendor], ledger_of: Callable[[str], Mapping[str, LedgerRow]],
                        vendors_file: str) -> list[Problem]:
    """A vendor's `payouts` entry that names a ledger key its chart does not have, found before a
    payout is read (`accounts check`): each payout voucher of that account would be blocked."""
    problems = []
    for vendor in vendors:
        ledger = ledger_of(vendor.id) if vendor.payouts else {}
        for account in vendor.payouts:
            for key in keys_used(account):
                if key not in ledger:
                    problems.append(error(
                        tr("vendor {vendor}: payouts of {provider} account {account} book to ledger key {key!r}, "
                           "which the chart of accounts does not have", vendor=vendor.id, provider=account.provider,
                           account=account.account, key=key),
                        file=vendors_file, line=vendor.source_line, column="payouts", value=key, ref=vendor.id))
    return problems


def build_payout_voucher(vendor_id: str, payout: Payout, account: PayoutAccount,
                         ledger: Mapping[str, LedgerRow]) -> Voucher:
    """The balanced voucher of a vendor's share of a payout (share_of), dated its bank date.

    A payout whose items do not add up to its net, a ledger key missing, or a fee VAT code without
    a known rate blocks the voucher (errors), as a day's voucher is blocked.
    """
    errors: list[Problem] = list(payout.consistency_problems())
    for key in keys_used(account):
        if key not in ledger:
            errors.append(error(tr("{provider} payout {payout}: ledger key {key!r} is not in the ledger of {vendor}",
                                   provider=payout.provider, payout=payout.payout_id, key=key, vendor=vendor_id),
                                ref=payout.payout_id))
    if errors:
        return Voucher(vendor_id, payout.paid_on, (), (), tuple(errors))
    fees = [i for i in payout.items if i.kind is ItemKind.FEE]
    moved = [i for i in payout.items if account.adjustments and i.kind in ADJUSTING]
    clearing = [i for i in payout.items if i.kind is not ItemKind.FEE and i not in moved]
    lines: list[VoucherLine] = []
    if payout.net:
        lines.append(_line("payout", account.net_to, ledger[account.net_to], payout.net, (payout.payout_id,), 1))
    fee_total = -sum(i.amount for i in fees)
    if fee_total:
        vat = 0
        if account.fee_vat is not None:
            try:
                vat = vat_in_gross(abs(fee_total), rate_on(account.fee_vat, payout.paid_on)) * (1 if fee_total > 0 else -1)
            except UnknownVatCode as exc:
                return Voucher(vendor_id, payout.paid_on, (), (), (error(
                    tr("{provider} payout {payout}: fee_vat {code!r}: {problem}", provider=payout.provider,
                       payout=payout.payout_id, code=account.fee_vat, problem=str(exc)), ref=payout.payout_id),))
        lines.append(_line("fee", FEE_KEY, ledger[FEE_KEY], fee_total, tuple(sorted({i.reference for i in fees})),
                           len(fees), account.fee_vat, abs(vat)))
    moved_total = -sum(i.amount for i in moved)
    if moved_total:
        lines.append(_line("adjustment", account.adjustments, ledger[account.adjustments], moved_total,
                           tuple(sorted({i.reference for i in moved})), len(moved)))
    gross = sum(i.amount for i in clearing)
    if gross:
        lines.append(_line("clearing", account.payment, ledger[account.payment], -gross,
                           tuple(sorted({i.order_ref or i.reference for i in clearing})), len(clearing)))
    residual = sum(line.debit - line.credit for line in lines)
    if residual:  # cannot happen with consistent items; never post a voucher that does not balance
        return Voucher(vendor_id, payout.paid_on, (), (), (error(
            tr("{provider} payout {payout}: the voucher does not balance ({residual} øre)", provider=payout.provider,
               payout=payout.payout_id, residual=residual)),))
    return Voucher(vendor_id, payout.paid_on, tuple(lines))


def booking_date(payout: Payout, today: date) -> date | None:
    """The date the payout's voucher is booked on, or None while it is not due: a payout is booked
    on its bank date, once that date has come."""
    return payout.paid_on if payout.paid_on <= today else None
