"""A fixture that runs a test in bokmål, the product's default language (the suite runs in English).

For the tests of the texts that were written in Norwegian before they were translated (the PDF
reports, the alerts, the exports): their Norwegian assertions and golden files hold in bokmål.
Use it in a module with

    from tests.bokmal import bokmal  # noqa: F401
    pytestmark = pytest.mark.usefixtures("bokmal")
"""

from __future__ import annotations

import pytest

from settlement import i18n
from settlement.domain import text


@pytest.fixture
def bokmal(request, monkeypatch):
    """Bokmål in this process (installed, and SETTLEMENT_LANGUAGE=nb for a CLI run in it) and in
    the test's workspace (its subprocesses and in-process runs); English again afterwards."""
    monkeypatch.setenv("SETTLEMENT_LANGUAGE", "nb")
    if "workspace" in request.fixturenames:
        request.getfixturevalue("workspace").extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    text.install(i18n.load("nb"))
    try:
        yield
    finally:
        text.install(text.ENGLISH)


@pytest.fixture
def english(bokmal, request, monkeypatch):
    """English again, for a test in a bokmål module that checks other texts (the domain's, the
    commands'), as the rest of the suite reads them."""
    monkeypatch.setenv("SETTLEMENT_LANGUAGE", "en")
    if "workspace" in request.fixturenames:
        request.getfixturevalue("workspace").extra_env["SETTLEMENT_LANGUAGE"] = "en"
    text.install(text.ENGLISH)
