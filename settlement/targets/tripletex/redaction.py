"""Keeping Tripletex's tokens out of logs.

The consumer and employee tokens travel as query parameters of PUT /token/session/:create, and
urllib3 logs request lines at DEBUG; the session token travels as Basic credentials and comes back
in the :create answer. `install_redaction()` puts a filter on the loggers that can carry them.
"""

from __future__ import annotations

import re

from settlement.targets.redaction import RedactingFilter as _Filter
from settlement.targets.redaction import install_filter, redact_with

SECRET_CARRYING_LOGGERS = ("settlement.targets.tripletex", "urllib3.connectionpool", "requests")

_PATTERNS = (
    (re.compile(r"(?i)\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 [REDACTED]"),
    (re.compile(r"(?i)\b(consumerToken|employeeToken|sessionToken|token)=([^&\s'\"]+)"), r"\1=[REDACTED]"),
    (re.compile(r"(?i)(['\"](?:token|consumerToken|employeeToken|encryptionKey)['\"]\s*:\s*['\"])[^'\"]+"),
     r"\1[REDACTED]"),
)


def redact(text: str) -> str:
    """`text` with Basic/Bearer credentials and token parameters or fields replaced by [REDACTED]."""
    return redact_with(_PATTERNS, text)


class RedactingFilter(_Filter):
    """The filter with Tripletex's patterns."""

    patterns = _PATTERNS


def install_redaction() -> None:
    """Attach one RedactingFilter to each secret-carrying logger (no-op when already attached)."""
    install_filter(RedactingFilter, SECRET_CARRYING_LOGGERS)
