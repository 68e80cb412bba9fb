"""Keeping keys and tokens out of logs.

Our code never logs a secret; urllib3 and requests may log headers or bodies at DEBUG level. The
filter rewrites such records before any handler sees them: bearer and basic credentials, the
subscription key header, and token fields in JSON or form bodies. `install_redaction()` is
idempotent; every client calls it when built.
"""

from __future__ import annotations

import re

from settlement.targets.redaction import RedactingFilter as _Filter

SECRET_CARRYING_LOGGERS = ("settlement.targets.poweroffice", "urllib3.connectionpool", "requests")

_PATTERNS = (
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[^'\"\s,}]+"), r"\1\2 [REDACTED]"),
    (re.compile(r"\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{8,}"), r"\1 [REDACTED]"),
    (re.compile(r"(?i)(ocp-apim-subscription-key['\"]?\s*[:=]\s*['\"]?)[^'\"&\s,}]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)(subscription-key=)[^&\s'\"]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)(['\"]?\b(?:access_token|client_key|application_key|token)\b['\"]?\s*[:=]\s*['\"]?)"
                r"[^'\"&\s,}]+"), r"\1[REDACTED]"),
)


class RedactingFilter(_Filter):
    """The filter with PowerOffice's patterns, on the loggers that can carry PowerOffice's secrets."""

    patterns = _PATTERNS
    loggers = SECRET_CARRYING_LOGGERS


redact = RedactingFilter.redact
install_redaction = RedactingFilter.install
