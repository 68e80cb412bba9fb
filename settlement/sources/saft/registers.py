"""Which vendor (store) a cash register in a SAF-T file belongs to.

`--vendor V` on the command line assigns every register of the file to V. Otherwise each
register is looked up in the vendors' `saft_registers` entries (company, location, register;
an empty field matches any value). The most specific matching entry wins; two vendors matching
equally well, or none, is an error naming the register.
"""

from __future__ import annotations

from typing import Iterable

from settlement.domain.text import tr
from settlement.domain.vendors import SaftRegister, Vendor


def _matches(entry: SaftRegister, company: str, location: str, register: str) -> bool:
    return (
        (not entry.register or entry.register == register)
        and (not entry.company or entry.company == company)
        and (not entry.location or entry.location == location)
    )


def _specificity(entry: SaftRegister) -> int:
    return bool(entry.register) * 4 + bool(entry.company) * 2 + bool(entry.location)


def vendor_for_register(
    vendors: Iterable[Vendor], company: str, location: str, register: str
) -> tuple[Vendor | None, str | None]:
    """The vendor a register belongs to, or None and the reason it has none."""
    best: dict[str, tuple[int, Vendor]] = {}
    for vendor in vendors:
        for entry in vendor.saft_registers:
            if _matches(entry, company, location, register):
                score = _specificity(entry)
                if score > best.get(vendor.id, (-1, vendor))[0]:
                    best[vendor.id] = (score, vendor)
    where = tr("register {register!r} (company {company!r}, location {location!r})",
               register=register, company=company, location=location)
    if not best:
        return None, tr(
            "{where} belongs to no vendor: add it to a vendor's saft_registers in vendors.toml "
            "(e.g. saft_registers = [{{company = \"{company}\", register = \"{register}\"}}]) or use --vendor",
            where=where, company=company, register=register,
        )
    top = max(score for score, _ in best.values())
    winners = sorted(vendor.id for score, vendor in best.values() if score == top)
    if len(winners) > 1:
        return None, tr("{where} matches the saft_registers of several vendors equally: {vendors}",
                        where=where, vendors=", ".join(winners))
    return best[winners[0]][1], None


def profile_for_register(vendor: Vendor, company: str, location: str, register: str) -> frozenset[str]:
    """The SAF-T quirks a register is read with: its most specific saft_registers entry's
    `profile` when it has one, else the vendor's saft_profile (empty: the standard)."""
    entries = [e for e in vendor.saft_registers if e.profile is not None and _matches(e, company, location, register)]
    if entries:
        return frozenset(max(entries, key=_specificity).profile or ())
    return frozenset(vendor.saft_profile)
