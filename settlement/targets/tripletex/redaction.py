"""Keeping Tripletex's tokens out of logs.

The consumer and employee tokens travel as query parameters of PUT /token/session/:create, and
urllib3 logs request lines at DEBUG; the session token travels as Basic credentials and comes back
in the :create answer. `install_redaction()` puts a filter on the loggers that can carry them.
"""

from __future__ import annotations

import re

from settlement.targets.redaction import RedactingFilter as _Filter

SECRET_CARRYING_LOGGERS = ("settlement.targets.tripletex", "urllib3.connectionpool", "requests")

_PATTERNS = (
    (re.compile(r"(?i)\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 [REDACTED]"),
    (re.compile(r"(?i)\b(consumerToken|employeeToken|sessionToken|token)=([^&\s'\"]+)"), r"\1=[REDACTED]"),
    (re.compile(r"(?i)(['\"](?:token|consumerToken|employeeToken|encryptionKey)['\"]\s*:\s*['\"])[^'\"]+"),
     r"\1[REDACTED]"),
)


class RedactingFilter(_Filter):
    """The filter with Tripletex's patterns, on the loggers that can carry Tripletex's secrets."""

    patterns = _PATTERNS
    loggers = SECRET_CARRYING_LOGGERS


redact = RedactingFilter.redact
install_redaction = RedactingFilter.install
