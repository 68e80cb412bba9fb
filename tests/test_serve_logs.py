"""The log formats of `serve`: human lines and JSON lines, context fields, credentials masked."""

from __future__ import annotations

import io
import json
import logging

import pytest

from settlement.logs import setup_logging

TOKEN = "personal-Zq8s0aVbXk3LmN"


@pytest.fixture
def capture():
    """A stream to log into; the root logger's handlers and level are put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield io.StringIO()
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_a_posting(stream: io.StringIO) -> list[str]:
    log = logging.getLogger("settlement.serve")
    extra = {"vendor": "bergen-bryggen", "day": "2026-11-22", "key": "[settlement:bergen-bryggen:2026-11-22:v1]"}
    log.info("documented (%s)", "transaction 7", extra=extra)
    log.warning("token %s leaked, header Authorization: Bearer abcdefghijkl", TOKEN)
    log.debug("not shown at INFO")
    return stream.getvalue().splitlines()


def test_json_lines_carry_vendor_day_and_key_as_fields(capture):
    setup_logging("json", "INFO", capture, secrets=[TOKEN, "short"])
    first, second = (json.loads(line) for line in _log_a_posting(capture))
    assert first["message"] == "documented (transaction 7)"
    assert (first["vendor"], first["day"], first["key"]) == ("bergen-bryggen", "2026-11-22", "[settlement:bergen-bryggen:2026-11-22:v1]")
    assert first["level"] == "INFO" and first["logger"] == "settlement.serve" and first["time"].endswith("+00:00")
    assert second["message"] == "token [REDACTED] leaked, header Authorization: Bearer [REDACTED]"
    assert "vendor" not in second


def test_human_lines_name_the_context_before_the_message(capture):
    setup_logging("human", "INFO", capture, secrets=[TOKEN])
    first, second = _log_a_posting(capture)
    assert first.endswith(
        " INFO settlement.serve vendor=bergen-bryggen day=2026-11-22 "
        "key=[settlement:bergen-bryggen:2026-11-22:v1] documented (transaction 7)"
    )
    assert TOKEN not in second and "abcdefghijkl" not in second


def test_unknown_format_is_refused(capture):
    with pytest.raises(ValueError, match="'xml' is not one of human, json"):
        setup_logging("xml", "INFO", capture)
