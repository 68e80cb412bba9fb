"""Keeping tokens out of logs.

Our own code never logs a token. The libraries underneath do at DEBUG level: requests-oauthlib logs
the token request's headers (HTTP Basic client credentials), the token response body and the token
itself. `RedactingFilter` rewrites such records before any handler sees them; `install_redaction()`
attaches it to the loggers that can carry secrets. It is idempotent, so every client and OAuth helper
simply calls it when built.
"""

from __future__ import annotations

import re

from settlement.targets.redaction import RedactingFilter as _Filter

# Loggers known to log credentials or token bodies at DEBUG level.
SECRET_CARRYING_LOGGERS = (
    "settlement.targets.fiken",
    "requests_oauthlib",
    "requests_oauthlib.oauth2_session",
    "oauthlib",
    "oauthlib.oauth2.rfc6749.clients.base",
    "oauthlib.oauth2.rfc6749.parameters",
    "urllib3.connectionpool",
)

_PATTERNS = (
    # Authorization: Bearer xyz / 'Authorization': 'Basic xyz'
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[^'\"\s,}]+"), r"\1\2 [REDACTED]"),
    # a bearer/basic credential anywhere else (e.g. a header dict printed under another key)
    (re.compile(r"\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{8,}"), r"\1 [REDACTED]"),
    # token fields in JSON, dict reprs or form bodies: "access_token": "…", refresh_token=…
    (
        re.compile(
            r"(?i)(['\"]?\b(?:access_token|refresh_token|id_token|client_secret|code|token)\b['\"]?\s*[:=]\s*['\"]?)"
            r"[^'\"&\s,}]+"
        ),
        r"\1[REDACTED]",
    ),
)


class RedactingFilter(_Filter):
    """The filter with Fiken's patterns, on the loggers that can carry Fiken's secrets."""

    patterns = _PATTERNS
    loggers = SECRET_CARRYING_LOGGERS


redact = RedactingFilter.redact
install_redaction = RedactingFilter.install
