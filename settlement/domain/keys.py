"""Settlement keys: the unique marker by which our postings are found again in Fiken.

A key names the vendor, the business day and a version, e.g. "[settlement:oslo-sentrum:2026-11-02:v1]".
A correction posts the new voucher under the next version, so no two live postings share a key.

A cash-sale day books two things under one key: the sale (whose saleNumber is the key) and the
journal entry that splits the payments. That entry carries the key with a part,
"[settlement:oslo-sentrum:2026-11-02:v1:betalinger]", so that the lookup after an interrupted
run can never take the sale's own booking (whose text in Fiken may contain the saleNumber) for
the payment split. A plain key is not a substring of a key with a part, nor the other way round.
"""

from __future__ import annotations

import re
from datetime import date


# How every key starts: the mark of a booking this job made, in any ledger.
MARKER_PREFIX = "[settlement:"

_KEY = re.compile(r"\[settlement:([a-z0-9_-]+):(\d{4}-\d{2}-\d{2}):v(\d+)(?::([a-z]+))?\]")
# The part of a cash-sale day's key carried by its payment-split journal entry.
PAYMENTS_PART = "betalinger"


def settlement_key(vendor_id: str, day: date, version: int) -> str:
    """The key of a vendor-day's posting version."""
    return f"{MARKER_PREFIX}{vendor_id}:{day.isoformat()}:v{version}]"


def part_key(key: str, part: str) -> str:
    """The key of one part of a posting: "[settlement:v:d:v1]" → "[settlement:v:d:v1:betalinger]"."""
    if not key.endswith("]") or not part.isalpha() or not part.islower():
        raise ValueError(f"cannot add part {part!r} to key {key!r}")
    return f"{key[:-1]}:{part}]"


def parse_key(text: str | None) -> tuple[str, date, int, str | None] | None:
    """(vendor, day, version, part or None) from a text containing a key, or None."""
    match = _KEY.search(text or "")
    if match is None:
        return None
    return match.group(1), date.fromisoformat(match.group(2)), int(match.group(3)), match.group(4)


def voucher_description(vendor_name: str, day: date, key: str, limit: int, prefix: str = "Dagsoppgjør") -> str:
    """A description that names vendor and day and always keeps the whole key within `limit`
    characters (the ledger's; the vendor's name is shortened when it must be)."""
    tail = f" {day.isoformat()} {key}"
    room = limit - len(prefix) - 1 - len(tail)
    name = vendor_name if len(vendor_name) <= room else vendor_name[: max(room - 1, 0)] + "…"
    return f"{prefix} {name}{tail}"
