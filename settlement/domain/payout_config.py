"""A vendor's payment-provider accounts (vendors.toml `payouts`): which provider account pays out
the money that the vendor's daily vouchers put on which clearing account. Pure: no I/O.

Example::

    payouts = [
      { provider = "stripe", account = "acct_123", payment = "payment_stripe" },
      { provider = "vipps", account = "123456", payment = "payment_vipps", store_ref = "Oslo" },
    ]

One provider account may serve several vendors: each names the `store_ref` (sales unit, store id)
its share of a payout carries, where the provider's report carries one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from settlement.domain.text import tr

PROVIDERS = ("stripe", "vipps", "klarna")
# Where the net of a payout is booked: the bank, or money on its way to it (the bank
# reconciliation then moves it), by ledger key.
NET_KEYS = ("payout_bank", "payout_in_transit")
_LEDGER_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_FIELDS = {"provider", "account", "payment", "store_ref", "fee_vat", "net_to", "adjustments"}


@dataclass(frozen=True, slots=True)
class PayoutAccount:
    """One provider account of a vendor.

    provider: "stripe", "vipps" or "klarna".
    account: the provider's id of the account (Stripe acct_…, Vipps merchant serial number or
        sales unit, Klarna merchant id), as the payouts carry it.
    payment: the ledger key of the clearing account the daily vouchers debit for this provider's
        payment method ("payment_stripe"); the payout voucher credits it the gross.
    store_ref: the vendor's share of a shared account ("" : the whole account is this vendor's).
    fee_vat: the VAT code of the provider's fees (None: no VAT, payment fees are financial services).
    net_to: the ledger key the net is debited to ("payout_bank", or "payout_in_transit" when the
        bank reconciliation matches the transfer later).
    adjustments: the ledger key for adjustments and chargebacks ("" : the clearing account, where
        they stay listed as open items for the accountant).
    """

    provider: str
    account: str
    payment: str
    store_ref: str = ""
    fee_vat: str | None = None
    net_to: str = "payout_bank"
    adjustments: str = ""

    def serves(self, provider: str, account: str, store_ref: str = "") -> bool:
        """Whether an item of `provider`/`account` with `store_ref` belongs to this account's vendor."""
        if provider != self.provider or account != self.account:
            return False
        return not self.store_ref or store_ref == self.store_ref


def _text(entry: dict, name: str, where: str, required: bool = True) -> str:
    value = entry.get(name, "")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a Vipps merchant serial number written as a number
    if not isinstance(value, str) or (required and not value.strip()):
        if required:
            raise ValueError(tr("{where}: {name!r} must be a non-empty text", where=where, name=name))
        raise ValueError(tr("{where}: {name!r} must be a text", where=where, name=name))
    return value.strip()


def _key(entry: dict, name: str, where: str, default: str) -> str:
    value = _text(entry, name, where, required=False) or default
    if value and not _LEDGER_KEY.fullmatch(value):
        raise ValueError(tr('{where}: {name!r} must be a ledger key such as "payment_stripe" (got {value!r})',
                            where=where, name=name, value=value))
    return value


def parse_payouts(value: Any) -> tuple[PayoutAccount, ...]:
    """vendors.toml `payouts`: a list of tables (or one table); ValueError names the entry and field."""
    entries = [value] if isinstance(value, dict) else value
    if not isinstance(entries, list) or not entries:
        raise ValueError(tr("must be a list of tables such as {example}",
                            example='[{ provider = "stripe", account = "acct_1", payment = "payment_stripe" }]'))
    accounts: list[PayoutAccount] = []
    for number, entry in enumerate(entries, start=1):
        where = tr("entry {number}", number=number)
        if not isinstance(entry, dict):
            raise ValueError(tr("{where} must be a table with provider, account and payment", where=where))
        unknown = sorted(set(entry) - _FIELDS)
        if unknown:
            raise ValueError(tr("{where}: unknown field(s) {fields}; allowed: {allowed}", where=where,
                                fields=", ".join(unknown), allowed=", ".join(sorted(_FIELDS))))
        provider = _text(entry, "provider", where)
        if provider not in PROVIDERS:
            raise ValueError(tr("{where}: provider {provider!r} is not one of {options}", where=where, provider=provider,
                                options=", ".join(PROVIDERS)))
        fee_vat = _text(entry, "fee_vat", where, required=False) or None
        if fee_vat is not None and not fee_vat.isdigit():
            raise ValueError(tr('{where}: fee_vat must be a VAT code such as "1" (got {value!r})', where=where, value=fee_vat))
        net_to = _key(entry, "net_to", where, "payout_bank")
        if net_to not in NET_KEYS:
            raise ValueError(tr("{where}: net_to must be one of {options}", where=where, options=", ".join(NET_KEYS)))
        account = PayoutAccount(
            provider=provider, account=_text(entry, "account", where), payment=_key(entry, "payment", where, ""),
            store_ref=_text(entry, "store_ref", where, required=False), fee_vat=fee_vat, net_to=net_to,
            adjustments=_key(entry, "adjustments", where, ""),
        )
        if not account.payment:
            raise ValueError(tr("{where}: missing field 'payment' (the clearing account's ledger key, e.g. payment_stripe)",
                                where=where))
        if any(a.provider == account.provider and a.account == account.account and a.store_ref == account.store_ref
               for a in accounts):
            raise ValueError(tr("{where}: {provider} account {account!r} is named twice", where=where, provider=provider,
                                account=account.account))
        accounts.append(account)
    return tuple(accounts)


def account_for(accounts: tuple[PayoutAccount, ...], provider: str, account: str, store_ref: str = "") -> PayoutAccount | None:
    """The vendor's account that an item of `provider`/`account`/`store_ref` belongs to, if any."""
    return next((a for a in accounts if a.serves(provider, account, store_ref)), None)
