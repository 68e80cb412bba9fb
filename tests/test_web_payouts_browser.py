"""The payouts page in a real browser (Debian's Chromium, headless, through Selenium), over the
installation of tests/test_web_payouts.py: from the overview's navigation to the payouts page,
its figures and its payouts. Screenshot web-payouts.png (SETTLEMENT_WEB_SCREENSHOTS=docs keeps it
as docs/web-payouts.png). Skipped, saying why, where no browser is installed (as test_web_browser).
"""

from __future__ import annotations

import pytest

from tests.test_web_browser import browser, follow, log_in, shoot  # noqa: F401: browser is a fixture
from tests.test_web_payouts import VENDOR, build_payouts_site

from selenium.webdriver.common.by import By  # noqa: E402: after test_web_browser's skip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = build_payouts_site(tmp_path_factory.mktemp("web-payouts-browser"))
    try:
        yield site
    finally:
        site.process.terminate()
        site.process.wait(timeout=10)
        site.sandbox.stop()


def test_the_payouts_page_from_the_overview(site, browser, tmp_path):  # noqa: F811
    log_in(browser, site, "victor", then="/")
    follow(browser, browser.find_element(By.ID, "nav-payouts"))
    assert browser.current_url.endswith("/payouts")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Utbetalinger")
    section = browser.find_element(By.ID, f"payouts-{VENDOR}")
    figures = {td.get_attribute("data-field"): td.text for td in section.find_elements(By.CSS_SELECTOR, "td[data-field]")}
    assert figures["open_balance"] == "99,00" and figures["fees"] == "25,30"
    assert figures["oldest_unpaid_day"] == "03.11.2026"  # in bokmål (payouts status --json keeps ISO)
    items = section.find_elements(By.CSS_SELECTOR, "tr.open-item")
    assert [i.find_element(By.CSS_SELECTOR, ".ref").text for i in items] == ["R4"]
    states = {tr.get_attribute("data-payout"): tr.get_attribute("data-state")
              for tr in section.find_elements(By.CSS_SELECTOR, "tr.payout")}
    assert states == {"po_1": "documented", "po_2": "waiting"}
    assert not browser.find_elements(By.ID, "test-connection")  # nothing to act on here
    shoot(browser, tmp_path, "web-payouts")


def test_an_operator_tests_the_connection_from_the_store_page(site, browser, tmp_path):  # noqa: F811
    log_in(browser, site, "anna", then=f"/store/{VENDOR}")
    assert browser.find_element(By.ID, "connection-none")
    assert "'2001'" in browser.find_element(By.ID, "check-own").text  # the store's accounts check warning
    follow(browser, browser.find_element(By.ID, "test-connection"))
    assert browser.current_url.endswith(f"/store/{VENDOR}#connection")
    result = browser.find_element(By.ID, "connection-result")
    assert result.get_attribute("data-passed") == "yes" and "(anna)" in result.text
    assert browser.find_elements(By.CSS_SELECTOR, "#connection-checks li[data-status='OK']")
    # Only kept in the test's folder: docs/web-store.png stays the one of test_web_browser.
    browser.find_element(By.ID, "accounts-check").find_element(By.XPATH, "..").screenshot(str(tmp_path / "store-checks.png"))
    print(tmp_path / "store-checks.png")
