"""Logging setup for long-running commands (`settlement serve`): human lines or JSON lines.

Lines about a vendor-day carry `vendor`, `day` and `key` (the settlement key) as record extras;
the human format prints them as `vendor=… day=… key=…`, the JSON format as fields. A human line
is always one line: characters that are not printable (a newline in a file name, escape
sequences) are escaped as `\n`, `\x1b`, …, and a context value that holds such characters, spaces
or quotes is printed quoted (`file='a b.csv'`); JSON escapes them by being JSON. Every line
passes through the Fiken redaction (settlement.targets.fiken.redaction) and a mask of the configured
credential values at the handler, so a credential that reached a message by any road is still
masked.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone
from typing import Iterable, TextIO

from settlement.targets.fiken.redaction import redact

# Record extras that name what a line is about, in the order they are printed.
CONTEXT_FIELDS = ("vendor", "day", "key", "file")
LOG_FORMATS = ("human", "json")
_UNSAFE_IN_JSON = re.compile("[\u0085\u2028\u2029\ud800-\udfff]")


class _Masking:
    """Masks known credential values (the configured tokens and secrets) wherever they appear."""

    def __init__(self, secrets: Iterable[str] = ()):
        # Very short values would mask ordinary words; real credentials are long.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return redact(text)


def one_line(text: str) -> str:
    """`text` with every character that is not printable escaped (`\\n`, `\\x1b`, `\\u2028`)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _field(value: str) -> str:
    """A context value as printed in a human line: as is, or quoted when it could be misread."""
    if value.isprintable() and not any(c.isspace() or c in "'\"\\" for c in value):
        return value
    return repr(value)


def _context(record: logging.LogRecord) -> dict[str, str]:
    return {name: str(getattr(record, name)) for name in CONTEXT_FIELDS if getattr(record, name, None) not in (None, "")}


class HumanFormatter(logging.Formatter):
    """`2026-11-23 22:30:01 INFO settlement.serve vendor=x day=2026-11-22 key=[…] message`."""

    def __init__(self, masking: _Masking | None = None):
        super().__init__()
        self.masking = masking or _Masking()

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        context = " ".join(f"{k}={_field(v)}" for k, v in _context(record).items())
        text = f"{stamp} {record.levelname} {record.name} " + (context + " " if context else "") + one_line(record.getMessage())
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return self.masking.mask(text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, context fields."""

    def __init__(self, masking: _Masking | None = None):
        super().__init__()
        self.masking = masking or _Masking()

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.masking.mask(record.getMessage()),
        }
        entry.update({k: self.masking.mask(v) for k, v in _context(record).items()})
        if record.exc_info:
            entry["exception"] = self.masking.mask(self.formatException(record.exc_info))
        # JSON escapes control characters; these too: line breaks for readers that split on them, and
        # the undecodable bytes of a file name (lone surrogates), which no UTF-8 stream can carry.
        return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(entry, ensure_ascii=False))


def setup_logging(
    log_format: str = "human", level: str = "INFO", stream: TextIO | None = None, secrets: Iterable[str] = ()
) -> None:
    """Send every log record to `stream` (stderr) in the chosen format; replaces earlier handlers.
    `secrets`: credential values that must never be printed (masked as [REDACTED])."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r} is not one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    masking = _Masking(secrets)
    handler.setFormatter(JsonFormatter(masking) if log_format == "json" else HumanFormatter(masking))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # APScheduler logs every job start/finish at INFO; ours say more, so keep its warnings only.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
