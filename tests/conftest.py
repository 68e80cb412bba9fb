"""Shared test fixtures. Feature-specific fixtures live in their own plugin modules listed here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# The tests read the English source texts unless they choose bokmål (the product's default) for
# what they check: the catalog's completeness and the Norwegian texts have their own tests
# (tests/test_translations.py and the tests that set SETTLEMENT_LANGUAGE=nb).
os.environ["SETTLEMENT_LANGUAGE"] = "en"

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

pytest_plugins = [
    "tests.fixtures_core",
    "tests.fixtures_posting",
    "tests.fixtures_woo",
    "tests.fixtures_fiken",
    "tests.fixtures_tripletex",
    "tests.fixtures_contract",
    "tests.fixtures_poweroffice",
    "tests.fixtures_pg",
    "tests.fixtures_payout_sandboxes",
]


def shared_file(relative: str) -> Path:
    """A file from ../shared, or skip the test with the reason when it is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"../shared/{relative} is not present (the reference material sits beside the clone)")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Captured output as text a worker can send: pytest-xdist sends each report as UTF-8, and the
    tests of undecodable file names (bytes that are not UTF-8) capture lone surrogates."""
    outcome = yield
    report = outcome.get_result()
    report.sections = [(name, content.encode("utf-8", "backslashreplace").decode("utf-8"))
                       for name, content in report.sections]
