"""Corrections people see coming: which settled days an import changed, and what the next run
does with each (reverse and repost, wait for `settlement approve`, or post a day settled empty).

Read from the posting state and the days' vouchers as the store holds them now, so an import can
say it right after storing (and `--dry-run` on a copy of the database, without storing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from settlement.domain.posting_rules import CORRECTABLE, DOCUMENTED, EMPTY, HELD, POSTED, voucher_digest
from settlement.domain.text import tr
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher
from settlement.store.posting_state import PostingState


@dataclass(frozen=True)
class Foreseen:
    """A settled day whose data now differs from what was settled.

    status: what the day was settled as; key: the posted version's settlement key ("" for an
    empty day); next_version: the version the correction posts; held: the vendor's corrections
    wait for a person (corrections = "hold") and this one is not approved yet.
    """

    vendor: str
    day: date
    status: str
    key: str
    next_version: int
    held: bool

    def line(self) -> str:
        """What the next run does with the day, in one line."""
        if self.status == EMPTY:
            return tr("{vendor} {day}: was settled empty and has data now: the next run posts it", vendor=self.vendor,
                      day=self.day)
        if self.held:
            return tr("{vendor} {day}: posted as {key}; its data changed: held (corrections = \"hold\") until "
                      "settlement approve --vendor {vendor} --date {date}; then the next run reverses it and posts "
                      "v{version}", vendor=self.vendor, day=self.day, key=self.key, date=self.day.isoformat(),
                      version=self.next_version)
        return tr("{vendor} {day}: posted as {key}; its data changed: the next run reverses it and posts v{version}",
                  vendor=self.vendor, day=self.day, key=self.key, version=self.next_version)


def foresee_corrections(state: PostingState, vendor: Vendor, days: Iterable[date],
                        vouchers: Callable[[Vendor, date], Voucher]) -> list[Foreseen]:
    """The settled days among `days` whose current voucher differs from what was settled, by day.

    A day whose voucher is blocked now is left out: the import says so, and nothing is corrected
    until its data is valid again.
    """
    found = []
    for day in sorted(set(days)):
        current = state.get(vendor.id, day)
        posted = current.status in CORRECTABLE and current.posted_somewhere
        if not posted and current.status != EMPTY:
            continue
        voucher = vouchers(vendor, day)
        if voucher.blocked or voucher_digest(voucher, vendor.posting) == current.digest:
            continue
        # As next_step decides: an approved day, or one whose reversal failed, is corrected anyway.
        held = posted and vendor.corrections == "hold" and current.status in (POSTED, DOCUMENTED, HELD)
        found.append(Foreseen(vendor.id, day, str(current.status), current.settlement_key if posted else "",
                              current.version + 1, held))
    return found
