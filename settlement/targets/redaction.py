"""Keeping credentials out of logs: the filter every ledger target puts on the loggers that can carry
its secrets. Each ledger's own redaction module names those loggers and the patterns of its secrets
(Fiken's OAuth tokens, Tripletex's token parameters, PowerOffice's keys).
"""

from __future__ import annotations

import logging
import re

Patterns = tuple[tuple[re.Pattern[str], str], ...]  # (pattern, replacement) pairs, applied in order


def redact_with(patterns: Patterns, text: str) -> str:
    """`text` with every match of `patterns` replaced by its replacement."""
    for pattern, replacement in patterns:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Formats the record's message once and stores the redacted text in its place. A ledger
    subclasses it with its `patterns` and `loggers`, so that one logger (urllib3's) can carry each
    ledger's filter."""

    patterns: Patterns = ()
    loggers: tuple[str, ...] = ()  # the loggers known to carry the ledger's secrets

    @classmethod
    def redact(cls, text: str) -> str:
        """`text` with the ledger's secrets replaced by [REDACTED]."""
        return redact_with(cls.patterns, text)

    @classmethod
    def install(cls) -> None:
        """Attach one filter of this kind to each of `loggers` (no-op where one is already attached);
        every client calls it when built."""
        for name in cls.loggers:
            logger = logging.getLogger(name)
            if not any(isinstance(f, cls) for f in logger.filters):
                logger.addFilter(cls())

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix; leave it to the handler
            return True
        cleaned = self.redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True
