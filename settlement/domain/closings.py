"""A register's end-of-day report (a SAF-T Z report), and when such reports say a day had no sales.

An open day without data is missing: it waits for its data or for a person's `day close`. The
source itself may say that the day had no sales instead: every register's Z report of that
business day shows zero and the register recorded no sale. Then the day is settled empty with that
as its reason. Only a register that ran its Z report says so: when the vendor lists its registers
(vendors.toml's saft_registers), each listed register must have a zero report of the day, because a
register whose export did not arrive says nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from settlement.domain.text import joined, ntr, tr
from settlement.domain.vendors import SaftRegister


@dataclass(frozen=True, slots=True)
class RegisterClosing:
    """What one register's Z report(s) of one business day said, as a source read it.

    reports: the Z reports' numbers (several on one day are taken together).
    empty: every figure of the reports is zero and the register recorded no sale that day.
    """

    day: date
    company: str
    register: str
    reports: tuple[str, ...]
    empty: bool

    @property
    def label(self) -> str:
        """How the reason names it: 'register 1 (Z 12)'."""
        return tr("register {register} (Z {reports})", register=self.register, reports="+".join(self.reports))


def _covers(closing: RegisterClosing, register: SaftRegister) -> bool:
    # An empty field of a saft_registers entry means any (e.g. every register of one location).
    return ((not register.register or closing.register == register.register)
            and (not register.company or closing.company == register.company))


def confirmed_empty(closings: Sequence[RegisterClosing], registers: Sequence[SaftRegister] = ()) -> str | None:
    """Why the registers' own reports say the day had no sales, or None when they do not.

    closings: every register closing the sources recorded for the vendor-day.
    registers: the vendor's listed registers; each must have an empty closing (none listed: the
        closings there are must all be empty).
    """
    if not closings or not all(c.empty for c in closings):
        return None
    if any(not any(_covers(c, r) for c in closings) for r in registers):
        return None
    labels = [c.label for c in sorted(closings, key=lambda c: (c.company, c.register))]
    return ntr("the Z report of {registers} shows no sales", "the Z reports of {registers} show no sales",
               len(labels), registers=joined(labels))
