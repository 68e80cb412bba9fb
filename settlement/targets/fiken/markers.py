"""The marker that identifies bookings this job made in Fiken.

The posting feature writes a key such as "[settlement:oslo-sentrum:2026-11-02:v1]" into the
description of each journal entry and into the saleNumber of each cash sale. Anything in Fiken
without it was made by someone else, which `test-connection` reports as a double-booking risk.
"""

from __future__ import annotations

from settlement.domain.keys import MARKER_PREFIX


def is_ours(description_or_sale_number: str | None) -> bool:
    """True when a description or saleNumber carries this job's marker."""
    return bool(description_or_sale_number) and MARKER_PREFIX in description_or_sale_number
