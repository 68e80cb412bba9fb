"""Where a big SAF-T file is split between two readers, and how the second one starts there.

The second reader would otherwise parse the whole first part again just to know the master data
and the register its first transaction belongs to. Instead it parses a stand-in for the first
part: the file's own bytes up to the first <location> (header and master data), the opening of
the location and cash register enclosing the split point (copied from the file), newlines up to
the split line (so every line number stays the file's own), then the file from the split point on.

The split point is the start of a line that opens a <cashtransaction>. Finding the enclosing
location and register scans bytes, which a comment or CDATA section could mislead; so the first
reader reports what it saw at the split point (the transaction's line, the register, the master
data) and `parallel` refuses to use the second reader's part unless they agree.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_TRANSACTION_LINE = re.compile(rb"\n[ \t]*<(?:[A-Za-z_][\w.-]*:)?cashtransaction[\s>]")
_LOCATION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?location[\s>]")
_REGISTER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?cashregister[\s>]")
_REGISTER_CONTENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:cashregister|event|cashtransaction)[\s>]")
_CHUNK = 1 << 22
# Newlines between comments: a run of blank text stays far below libxml2's text node limit.
_PADDING_RUN = 4096


@dataclass(frozen=True)
class SplitPoint:
    """The first line of the second part, and the byte offset where that line starts."""

    line: int
    offset: int


def find_split(path: str, fraction: float) -> SplitPoint | None:
    """The first line at or after `fraction` of the file's bytes that opens a <cashtransaction>.

    None when there is none (e.g. a file cut short before its second half's transactions).
    """
    size = os.path.getsize(path)
    target = int(size * fraction)
    with open(path, "rb") as handle:
        lines, position = 1, 0
        while position < target:
            chunk = handle.read(min(_CHUNK, target - position))
            if not chunk:
                return None
            lines += chunk.count(b"\n")
            position += len(chunk)
        # position == target; look from the byte before it so a newline right there counts.
        handle.seek(max(target - 1, 0))
        if target > 0:
            lines -= handle.read(1).count(b"\n")
        start = max(target - 1, 0)
        handle.seek(start)
        carry = b""
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return None
            data = carry + chunk
            match = _TRANSACTION_LINE.search(data)
            if match is not None:
                return SplitPoint(lines + data.count(b"\n", 0, match.start()) + 1, start + match.start() + 1)
            keep = min(len(data), 512)  # a match may straddle two chunks
            lines += data.count(b"\n", 0, len(data) - keep)
            start += len(data) - keep
            carry = data[-keep:]


def _last_before(path: str, pattern: re.Pattern, end: int) -> int | None:
    """The offset of the last match of `pattern` that starts before `end`."""
    with open(path, "rb") as handle:
        stop = end
        while stop > 0:
            begin = max(0, stop - _CHUNK)
            handle.seek(begin)
            data = handle.read(min(end, stop + 512) - begin)  # overlap: matches straddling chunks
            found = [m.start() for m in pattern.finditer(data) if begin + m.start() < stop]
            if found:
                return begin + found[-1]
            stop = begin
    return None


def _first_after(path: str, pattern: re.Pattern, start: int, end: int) -> int | None:
    with open(path, "rb") as handle:
        position = start
        while position < end:
            handle.seek(position)
            data = handle.read(min(_CHUNK + 512, end - position))
            match = pattern.search(data, 1 if position == start else 0)
            if match is not None:
                return position + match.start()
            position += max(len(data) - 512, 1)
    return None


def context_before(path: str, split: SplitPoint) -> bytes | None:
    """The stand-in for everything before the split line, ending just before that line.

    None when the enclosing location or register cannot be found by scanning the bytes.
    """
    register = _last_before(path, _REGISTER, split.offset)
    location = _last_before(path, _LOCATION, register) if register is not None else None
    if register is None or location is None:
        return None
    first_location = _first_after(path, _LOCATION, 0, location + 64) if location > 0 else 0
    if first_location is None:
        return None
    location_end = _first_after(path, _REGISTER, location, split.offset)
    register_end = _first_after(path, _REGISTER_CONTENT, register, split.offset + 64)
    if location_end is None or register_end is None or register_end > split.offset:
        return None
    with open(path, "rb") as handle:
        parts = []
        for begin, end in ((0, first_location), (location, location_end), (register, register_end)):
            handle.seek(begin)
            parts.append(handle.read(end - begin))
    head = b"".join(parts)
    missing = split.line - 1 - head.count(b"\n")
    if missing < 0:
        return None
    padding = bytearray(head)
    while missing > 0:
        run = min(missing, _PADDING_RUN)
        padding += b"\n" * run
        missing -= run
        if missing:
            padding += b"<!---->"
    return bytes(padding)


class JoinedSource:
    """A file-like object reading `head`, then the file from `offset` on (for lxml's iterparse)."""

    def __init__(self, head: bytes, path: str, offset: int):
        self.head, self.position = head, 0
        self.handle = open(path, "rb")
        self.handle.seek(offset)

    def read(self, size: int = -1) -> bytes:
        if self.position < len(self.head):
            end = len(self.head) if size is None or size < 0 else min(len(self.head), self.position + size)
            data = self.head[self.position : end]
            self.position = end
            return data
        return self.handle.read(size)

    def close(self) -> None:
        self.handle.close()
