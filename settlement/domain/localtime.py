"""Local wall-clock times without an offset, read in a vendor's time zone with the DST changes named.

Sources (SAF-T transTime, CSV timestamps) often write local time without an offset. On the two
daylight-saving Sundays such a time may not exist (spring: 02:00-02:59 in Europe/Oslo is skipped)
or occur twice (autumn: 02:00-02:59 is lived through twice). The rule the docs state:

* a time that does not exist is refused: no instant is right, and guessing moves a sale by an hour;
  `GAP` comes with the instant read with the offset before the change, only to tell which
  business day the refusal blocks;
* a time that occurs twice is taken as its first occurrence (`AMBIGUOUS`, counted in a note);
* a time written with its own offset is exact and never either.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

EXACT, AMBIGUOUS, GAP = "", "ambiguous", "gap"


def local_kind(naive: datetime, tz: ZoneInfo) -> str:
    """Whether a naive local time is EXACT, AMBIGUOUS (occurs twice) or in a GAP (never occurs) in `tz`."""
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return EXACT
    back = first.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    return AMBIGUOUS if back == naive else GAP


def read_local(moment: datetime, tz: ZoneInfo) -> tuple[datetime, str]:
    """(aware UTC instant, kind) of a parsed timestamp; a naive one is local time in `tz`.

    AMBIGUOUS: its first occurrence; GAP: read with the offset before the change (not a real
    instant: the caller refuses it and uses it only to find the business day).
    """
    if moment.tzinfo is not None:
        return moment.astimezone(timezone.utc), EXACT
    kind = local_kind(moment, tz)
    return moment.replace(tzinfo=tz, fold=0).astimezone(timezone.utc), kind


def offset_text(instant: datetime, tz: ZoneInfo) -> str:
    """'+02:00 (CEST)': the offset a UTC instant has in `tz`, for notes."""
    local = instant.astimezone(tz)
    offset = local.strftime("%z")
    return f"{offset[:3]}:{offset[3:]} ({local.tzname()})"
