"""The web page in a real browser: Debian's Chromium, headless, driven by Selenium through
/usr/bin/chromedriver over real HTTP on 127.0.0.1 (the installation of tests/test_web_http.py).

Screenshots of each page are written to the test's folder, and with SETTLEMENT_WEB_SCREENSHOTS=DIR
also to DIR (how docs/web-*.png are made). Skipped, saying why, where no browser is installed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.test_web_http import PASSWORDS, build_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PERIOD = "?from=2026-11-01&to=2026-11-07"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e .[test])")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("no Chromium and chromedriver (apt-get install chromium chromium-driver; .ci/run does)",
                allow_module_level=True)

from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = build_site(tmp_path_factory.mktemp("web-browser"), settle_in="nb")
    try:
        yield site
    finally:
        site.process.terminate()
        site.process.wait(timeout=10)
        site.sandbox.stop()


@pytest.fixture
def browser(tmp_path):
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shoot(driver, tmp_path: Path, name: str) -> Path:
    """A screenshot of the whole page (the window made as tall as the page first)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    size = min(max(int(height) + 40, 600), 4000)
    driver.set_window_size(1400, size)
    inner = int(driver.execute_script("return window.innerHeight"))
    if inner < int(height) and size < 4000:  # the window's own bars take part of its height
        driver.set_window_size(1400, min(size + int(height) - inner, 4000))
    driver.execute_script("window.scrollTo(0, 0)")
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    keep = os.environ.get("SETTLEMENT_WEB_SCREENSHOTS")
    if keep:
        shutil.copy(path, Path(keep) / f"{name}.png")
    assert path.stat().st_size > 10_000  # a page was drawn, not a blank window
    return path


def log_in(driver, site, name: str, then: str = PERIOD) -> None:
    driver.get(site.url + then.lstrip("/"))
    assert "/login" in driver.current_url  # no page without login
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[name])
    submit(driver, "login")
    assert "/login" not in driver.current_url, driver.page_source[:400]


def _replaced(element):
    """A wait condition: the page holding `element` has been replaced by the next one. Asking an
    element of a page that is gone raises: StaleElementReferenceException, or, while chromedriver is
    between two documents, "Node with given id does not belong to the document" (a plain
    WebDriverException); both mean the same here."""
    def check(_driver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:
            return True
        return False
    return check


def follow(driver, element) -> None:
    """Click a link (or button) and wait until the next page has replaced this one."""
    element.click()
    WebDriverWait(driver, 120).until(_replaced(element))


def submit(driver, button_id: str) -> None:
    """Click a form's button and wait until the next page has replaced this one."""
    button = driver.find_element(By.ID, button_id)
    button.click()
    WebDriverWait(driver, 120).until(_replaced(button))


def cell(driver, store: str, day: str):
    return driver.find_element(By.CSS_SELECTOR, f'tr[data-store="{store}"] td[data-day="{day}"]')


def test_overview_shows_both_stores_in_their_states(site, browser, tmp_path):
    log_in(browser, site, "victor")
    states = {(row.get_attribute("data-store"), td.get_attribute("data-day")): td.get_attribute("data-state")
              for row in browser.find_elements(By.CSS_SELECTOR, "#grid tbody tr")
              for td in row.find_elements(By.CSS_SELECTOR, "td[data-day]")}
    assert states[("oslo-sentrum", "2026-11-02")] == "documented"
    assert states[("oslo-sentrum", "2026-11-03")] == "documented"
    assert states[("oslo-sentrum", "2026-11-04")] == "failed"
    assert states[("bergen-bryggen", "2026-11-02")] == "documented"
    assert states[("bergen-bryggen", "2026-11-03")] == "held"
    assert states[("bergen-bryggen", "2026-11-04")] == "blocked"
    assert states[("bergen-bryggen", "2026-11-01")] == "empty"  # a Sunday: closed
    assert cell(browser, "oslo-sentrum", "2026-11-04").text.startswith("Feilet")
    attention = browser.find_element(By.ID, "attention").text
    assert "Bergen <i>Bryggen</i> 04.11.2026" in attention and "bitcoin" in attention  # shown as text
    assert "Oslo Sentrum 04.11.2026" in attention  # the date in bokmål; its link keeps ISO
    assert "/store/oslo-sentrum/day/2026-11-04" in browser.find_element(By.LINK_TEXT, "Oslo Sentrum 04.11.2026").get_attribute("href")
    headings = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#grid thead th.date")]
    assert headings[0] == "søn 01.11" and headings[3] == "ons 04.11", headings  # short: weekday and day
    shoot(browser, tmp_path, "web-overview")


def test_a_blocked_day_tells_its_reason(site, browser):
    log_in(browser, site, "victor")
    follow(browser, cell(browser, "bergen-bryggen", "2026-11-04").find_element(By.TAG_NAME, "a"))
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "blocked"
    assert "bitcoin" in browser.find_element(By.ID, "reason").text


def test_a_posted_day_leads_to_a_receipt_behind_a_voucher_line(site, browser, tmp_path):
    log_in(browser, site, "victor")
    follow(browser, cell(browser, "oslo-sentrum", "2026-11-02").find_element(By.TAG_NAME, "a"))
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "documented"
    booked = browser.find_element(By.ID, "booked").text
    assert "1920" in booked or "Bank" in booked or "Salg" in booked
    assert browser.find_element(By.ID, "vat").text and browser.find_element(By.ID, "payments").text
    assert "[settlement:" in browser.find_element(By.ID, "audit").text or "posted" in browser.find_element(By.ID, "audit").text
    links = browser.find_elements(By.CSS_SELECTOR, "a.refs-link")
    assert links
    follow(browser, links[0])
    receipts = browser.find_elements(By.CSS_SELECTOR, "#refs a.receipt")
    assert receipts and all(r.text.startswith("OS-") for r in receipts)
    shoot(browser, tmp_path, "web-day")
    first = receipts[0].text
    follow(browser, receipts[0])
    assert browser.find_element(By.ID, "receipt").text == first
    assert browser.find_elements(By.CSS_SELECTOR, "#receipt-lines tbody tr")


def test_the_store_page_shows_its_configuration_and_takings(site, browser, tmp_path):
    log_in(browser, site, "victor", "/store/oslo-sentrum")
    assert "Fiken-tilgangen" in browser.find_element(By.ID, "credential").text
    assert browser.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar")
    assert browser.find_elements(By.CSS_SELECTOR, "#ledger tbody tr")
    assert site.sandbox.personal_token not in browser.page_source
    shoot(browser, tmp_path, "web-store")


def test_an_operator_retries_a_failed_day_and_the_audit_trail_says_who(site, browser):
    log_in(browser, site, "anna", "/store/oslo-sentrum/day/2026-11-04")
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "failed"
    submit(browser, "retry")  # posting to the sandbox takes a moment
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "documented", browser.page_source[:2000]
    audit = browser.find_element(By.ID, "audit").text
    # Written in bokmål, each action by its label (the action itself is the cell's title).
    assert "Nytt forsøk fra nettsiden" in audit and "bedt om av anna på nettsiden" in audit
    assert "Bokført med bilag" in audit
    assert browser.find_elements(By.CSS_SELECTOR, '#audit td[title="web-retry"]')
    assert not browser.find_elements(By.ID, "retry")


def test_an_operator_approves_a_held_correction_and_the_audit_trail_says_who(site, browser):
    log_in(browser, site, "anna", "/store/bergen-bryggen/day/2026-11-03")
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "held"
    browser.find_element(By.NAME, "reason").send_keys("sen kvittering fra kassen")
    submit(browser, "approve")
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "approved"
    audit = browser.find_element(By.ID, "audit").text
    assert "godkjent av anna på nettsiden: sen kvittering fra kassen" in audit
    assert "Holdt tilbake" in audit  # the run that held it, before
    assert browser.find_elements(By.CSS_SELECTOR, '#audit td[title="held"]')


def test_a_viewer_is_refused_the_same_action(site, browser):
    log_in(browser, site, "victor", "/store/bergen-bryggen/day/2026-11-04")
    assert not browser.find_elements(By.ID, "actions")  # no buttons for a viewer
    token = browser.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
    # The form an operator would get, with the viewer's own valid token, submitted from the page.
    browser.execute_script(
        "const f = document.createElement('form'); f.method = 'post';"
        "f.action = '/store/bergen-bryggen/day/2026-11-04/close';"
        "for (const [k, v] of [['csrf', arguments[0]], ['reason', 'a viewer tries']]) {"
        "  const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }"
        "document.body.appendChild(f); f.submit();", token)
    WebDriverWait(browser, 60).until(lambda driver: "Ingen tilgang" in driver.title)
    assert "viewer" in browser.find_element(By.ID, "message").text


def test_login_is_rate_limited_in_the_browser(site, browser):
    browser.get(site.url + "login")
    for _ in range(6):
        browser.find_element(By.ID, "username").send_keys("browser-guess")
        browser.find_element(By.ID, "password").send_keys("wrong")
        submit(browser, "login")
    assert "For mange" in browser.find_element(By.ID, "error").text
