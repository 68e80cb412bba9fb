"""Importing payout report files: read with the provider's file sources, give each payout its
provider account, store all of a file or nothing (settlement.store.payouts).

A payout belongs to vendors through vendors.toml `payouts`; a report that carries no account id
(Stripe's CSV) gets the account of the vendor named with --vendor, or of the one vendor with an
account of that provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from settlement.domain.payouts import Payout, PayoutRead
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor
from settlement.sources.payouts import FILE_SOURCES
from settlement.store.payouts import CHANGED, NEW, UNCHANGED, PayoutStore


@dataclass
class FileImport:
    """What importing one file did."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    stored: dict[tuple[str, str], str] = field(default_factory=dict)  # (provider, payout id) → NEW/CHANGED/UNCHANGED

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    def summary(self) -> str:
        counts = {what: sum(1 for v in self.stored.values() if v == what) for what in (NEW, CHANGED, UNCHANGED)}
        return tr("{new} new, {changed} changed, {unchanged} unchanged",
                  new=counts[NEW], changed=counts[CHANGED], unchanged=counts[UNCHANGED])


def read_file(provider: str, data: bytes, file: str) -> PayoutRead:
    """The file read by the first of the provider's formats that recognises it."""
    sources = FILE_SOURCES.get(provider, [])
    if not sources:
        known = ", ".join(sorted(FILE_SOURCES)) or tr("none")
        return PayoutRead(problems=(error(tr("no report format for provider {provider!r} (known: {known})",
                                             provider=provider, known=known), file=file),))
    for source in sources:
        if source.sniff(data, file):
            return source.read(data, file)
    if len(sources) == 1:  # the one format names what is missing better than "not recognised"
        return sources[0].read(data, file)
    names = "; ".join(s.name for s in sources)
    return PayoutRead(problems=(error(tr("not a {provider} report this product reads ({formats})",
                                         provider=provider, formats=names), file=file),))


def default_account(provider: str, vendors: list[Vendor], vendor: Vendor | None, file: str) -> tuple[str | None, Problem | None]:
    """The account for payouts whose report names none: --vendor's, else the only vendor's."""
    candidates = [vendor] if vendor is not None else vendors
    accounts = sorted({a.account for v in candidates for a in v.payouts if a.provider == provider})
    if len(accounts) == 1:
        return accounts[0], None
    who = tr("vendor {vendor}", vendor=vendor.id) if vendor is not None else "vendors.toml"
    if not accounts:
        return None, error(tr("{who} names no {provider} account under `payouts`; add one", who=who, provider=provider),
                           file=file)
    return None, error(tr("the report names no {provider} account and {who} has {count} "
                          "({accounts}): name the vendor with --vendor", provider=provider, who=who,
                          count=len(accounts), accounts=", ".join(accounts)), file=file)


def import_file(store: PayoutStore, provider: str, path: Path, vendors: list[Vendor],
                vendor: Vendor | None = None, data: bytes | None = None) -> FileImport:
    """Read one file (or its bytes `data`, already read) and store its payouts, all or nothing."""
    file = str(path)
    outcome = FileImport(file)
    try:
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        outcome.problems.append(error(tr("cannot read the file: {reason}", reason=exc.strerror or exc), file=file))
        return outcome
    read = read_file(provider, data, file)
    outcome.problems.extend(read.problems)
    payouts: list[Payout] = []
    for payout in read.payouts:
        if not payout.account:
            account, problem = default_account(provider, vendors, vendor, file)
            if problem is not None:
                outcome.problems.append(problem)
                break
            payout = replace(payout, account=account)
        known = [v for v in vendors if any(a.provider == provider and a.account == payout.account for a in v.payouts)]
        if vendor is not None and vendor not in known:
            outcome.problems.append(error(tr("{provider} payout {payout}: account {account!r} is not "
                                             "vendor {vendor}'s (vendors.toml `payouts`)", provider=provider,
                                             payout=payout.payout_id, account=payout.account, vendor=vendor.id),
                                          file=file, ref=payout.payout_id))
        elif not known:
            outcome.problems.append(error(tr("{provider} payout {payout}: no vendor has account "
                                             "{account!r} under `payouts` in vendors.toml", provider=provider,
                                             payout=payout.payout_id, account=payout.account),
                                          file=file, ref=payout.payout_id))
        outcome.problems.extend(payout.consistency_problems())
        payouts.append(payout)
    if not outcome.ok:
        return outcome
    outcome.stored = store.store(PayoutRead(tuple(payouts))).outcomes
    return outcome
