"""Keeping Tripletex's tokens out of logs.

The consumer and employee tokens travel as query parameters of PUT /token/session/:create, and
urllib3 logs request lines at DEBUG; the session token travels as Basic credentials and comes back
in the :create answer. `install_redaction()` puts a filter on the loggers that can carry them.
"""

from __future__ import annotations

import logging
import re

SECRET_CARRYING_LOGGERS = ("settlement.targets.tripletex", "urllib3.connectionpool", "requests")

_PATTERNS = (
    (re.compile(r"(?i)\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 [REDACTED]"),
    (re.compile(r"(?i)\b(consumerToken|employeeToken|sessionToken|token)=([^&\s'\"]+)"), r"\1=[REDACTED]"),
    (re.compile(r"(?i)(['\"](?:token|consumerToken|employeeToken|encryptionKey)['\"]\s*:\s*['\"])[^'\"]+"),
     r"\1[REDACTED]"),
)


def redact(text: str) -> str:
    """`text` with Basic/Bearer credentials and token parameters or fields replaced by [REDACTED]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Formats the record's message once and stores the redacted text in its place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def install_redaction() -> None:
    """Attach one RedactingFilter to each secret-carrying logger (idempotent)."""
    for name in SECRET_CARRYING_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
