"""The web page in English (SETTLEMENT_LANGUAGE=en) beside the same installation's page in bokmål.

The installation of tests/test_web_http.py (its page in bokmål, the default), and a second
`settlement web` process on the same database with SETTLEMENT_LANGUAGE=en, both over real HTTP:
the English page shows the English texts (the templates' and the views'), the bokmål page its
Norwegian, and both the same days in the same states.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.test_web_http import PERIOD, PASSWORDS, Site, build_site, csrf_of, start_page

NORWEGIAN = ("Oversikt", "Butikk", "Omsetning", "Trenger en person først", "Feilet", "Logg ut", "Perioden")


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(the bokmål page's site, the English page's site) of one installation."""
    site = build_site(tmp_path_factory.mktemp("web-en"))
    english = Site(site.path, dict(site.env, SETTLEMENT_LANGUAGE="en"), "", site.sandbox)
    try:
        english.process, english.url = start_page(english)
        yield site, english
    finally:
        for running in (english, site):
            if running.process is not None:
                running.process.terminate()
                running.process.wait(timeout=10)
        site.sandbox.stop()


def _login(site: Site, name: str, welcome: str) -> requests.Session:
    session = requests.Session()
    page = session.get(site.url + "login", timeout=10)
    answer = session.post(site.url + "login", data={"csrf": csrf_of(page.text), "username": name,
                                                    "password": PASSWORDS[name]}, timeout=30)
    assert answer.status_code == 200 and welcome in answer.text, answer.text[:400]
    return session


def _states(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-day="([^"]+)" data-state="([^"]+)"', html)


def test_the_overview_in_english_and_in_bokmal(sites):
    norwegian, english = sites
    page = _login(english, "victor", "Overview").get(english.url + PERIOD, timeout=30).text
    assert '<html lang="en">' in page
    assert "<title>Overview · Daily settlement</title>" in page
    for shown in ("<h2>Needs a person first</h2>", "<th>Store</th>", "<th>Takings</th>", "<h2>The period</h2>",
                  "Log out", "(viewer)", '<option value="">All</option>', "<button>Show</button>"):
        assert shown in page, shown
    assert re.search(r"Takings [\d  ]+,\d\d kr in 2 store\(s\)\.", page), page
    # A cell's label and hint, and the failed day's badge, from states.py.
    assert re.search(r'data-state="failed"><a href="[^"]+" title="Failed[^"]*">Failed', page), page
    assert '<span class="badge st-held">Held</span>' in page
    for word in NORWEGIAN:
        assert word not in page, word

    bokmal = _login(norwegian, "victor", "Oversikt").get(norwegian.url + PERIOD, timeout=30).text
    assert '<html lang="nb">' in bokmal and "<title>Oversikt · Dagsoppgjør</title>" in bokmal
    for shown in ("<h2>Trenger en person først</h2>", "<th>Butikk</th>", "(leser)", "Holdt tilbake"):
        assert shown in bokmal, shown
    assert re.search(r"Omsetning [\d  ]+,\d\d kr i 2 butikk\(er\)\.", bokmal)
    assert "Needs a person first" not in bokmal
    # The same days in the same states, whichever language shows them.
    assert _states(page) == _states(bokmal) and ("2026-11-04", "failed") in _states(page)


def test_a_day_page_in_english(sites):
    norwegian, english = sites
    operator = _login(english, "anna", "Overview")
    page = operator.get(english.url + "store/oslo-sentrum/day/2026-11-04", timeout=30).text
    assert "Oslo Sentrum <small>Wednesday 2026-11-04</small>" in page  # the weekday in English, the date as ever
    assert 'data-state="failed">Failed</span>' in page
    for shown in ("<dt>Key</dt>", "<dt>Ledger</dt>", "<dt>Voucher (PDF)</dt>", ">daily settlement as PDF</a>",
                  "<dt>Receipts</dt>", "<h2>Actions</h2>", '<button id="retry">Try again</button>',
                  "<h2>Log</h2>", "<th>Time (UTC)</th><th>What</th><th>Key</th><th>Details</th>"):
        assert shown in page, shown
    assert "Prøv igjen" not in page and "Handlinger" not in page and "onsdag" not in page

    posted = operator.get(english.url + "store/oslo-sentrum/day/2026-11-02", timeout=30).text
    line = re.search(r'class="refs-link" data-line="(\d+)"', posted).group(1)  # the first line with receipts
    posted = operator.get(english.url + f"store/oslo-sentrum/day/2026-11-02?line={line}", timeout=30).text
    assert "<h2>The voucher as it is posted</h2>" in posted and '<th class="num">Debit</th>' in posted
    assert re.search(rf"<h3>Behind line {int(line) + 1} \([^)]*\): \d+ receipt\(s\), page 1 of \d+</h3>", posted), posted
    assert "<h2>Sources and deviations</h2>" in posted and re.search(r"</strong>: \d+ receipt\(s\)", posted)
    assert "kvittering(er)" not in posted and "Bilaget slik det er bokført" not in posted

    bokmal = _login(norwegian, "anna", "Oversikt").get(norwegian.url + "store/oslo-sentrum/day/2026-11-04", timeout=30).text
    assert "Oslo Sentrum <small>onsdag 04.11.2026</small>" in bokmal and '<button id="retry">Prøv igjen</button>' in bokmal
    assert 'data-state="failed">Feilet</span>' in bokmal and "<h2>Handlinger</h2>" in bokmal


def test_an_action_says_what_it_did_in_english(sites):
    _norwegian, english = sites
    operator = _login(english, "anna", "Overview")
    page = operator.get(english.url + "store/oslo-sentrum/day/2026-11-03", timeout=30).text
    answer = operator.post(english.url + "store/oslo-sentrum/day/2026-11-03/close",
                           data={"csrf": csrf_of(page), "reason": "no"}, timeout=30)
    assert 'id="message">the day has sales data: closing is for a day without data</p>' in answer.text
    # A day closed from the English page: its audit detail is written in English.
    page = operator.get(english.url + "store/bergen-bryggen/day/2026-11-05", timeout=30).text
    answer = operator.post(english.url + "store/bergen-bryggen/day/2026-11-05/close",
                           data={"csrf": csrf_of(page), "reason": "stocktaking"}, timeout=30)
    assert answer.status_code == 200 and 'data-state="empty">Empty day</span>' in answer.text
    assert "closed by anna on the web page: stocktaking" in answer.text


def test_refusals_and_the_login_in_english(sites):
    _norwegian, english = sites
    login = requests.get(english.url + "login", timeout=10).text
    assert "<h1>Log in</h1>" in login and "User name" in login and "Password" in login
    session = requests.Session()
    page = session.get(english.url + "login", timeout=10)
    answer = session.post(english.url + "login", data={"csrf": csrf_of(page.text), "username": "victor",
                                                       "password": "wrong"}, timeout=30)
    assert answer.status_code == 401 and "Wrong user name or password." in answer.text
    viewer = _login(english, "victor", "Overview")
    page = viewer.get(english.url + "store/bergen-bryggen/day/2026-11-04", timeout=30).text
    answer = viewer.post(english.url + "store/bergen-bryggen/day/2026-11-04/close",
                         data={"csrf": csrf_of(page), "reason": "viewer tries"}, timeout=30)
    assert answer.status_code == 403
    assert "<title>No access · Daily settlement</title>" in answer.text
    assert "victor is a viewer: only an operator can do this." in answer.text
    answer = viewer.post(english.url + "store/bergen-bryggen/day/2026-11-04/close", data={"csrf": "forged"}, timeout=30)
    assert "The form has expired or is forged (CSRF): reload the page and try again." in answer.text


def test_the_store_and_payouts_pages_in_english(sites):
    _norwegian, english = sites
    viewer = _login(english, "victor", "Overview")
    store = viewer.get(english.url + "store/oslo-sentrum", timeout=60).text
    for shown in ("<h2>Daily takings, the last 60 days</h2>", 'aria-label="Daily takings, 60 days"', ">max ",
                  "<h2>Setup</h2>", '<dt>Credential</dt><dd id="credential">the Fiken credential</dd>', "<dt>Open days</dt><dd>Mon, Tue", "<h2>Chart of accounts</h2>",
                  "Connection to the ledger", 'id="connection-none">Not tested since the service started.</p>'):
        assert shown in store, shown
    assert re.search(r"<figcaption>Total [\d  ]+,\d\d kr</figcaption>", store)
    assert "Dagsomsetning" not in store and "maks " not in store and "man, tir" not in store
    payouts = viewer.get(english.url + "payouts", timeout=60).text
    assert "<h1>Payouts <small>from Stripe, Vipps and Klarna</small></h1>" in payouts
    assert "No store has payout accounts (<code>payouts</code> in vendors.toml)." in payouts


def test_a_payout_reason_is_shown_in_the_installed_language():
    """The reasons `payouts status` gives are English ids the page translates (the JSON keeps them)."""
    from settlement import i18n
    from settlement.domain import payout_matching as m
    from settlement.domain import text
    from settlement.web.payouts_view import REASONS, shown_reason

    assert shown_reason(m.NOT_PAID_OUT) == m.NOT_PAID_OUT == "sale not paid out (yet)"
    assert shown_reason("Fiken said no") == "Fiken said no"  # not one of the known reasons: as it is
    try:
        text.install(i18n.load("nb"))
        assert shown_reason(m.NOT_PAID_OUT) == "salget er ikke utbetalt (ennå)"
        assert shown_reason("in transit: booked on its bank date") == "underveis: bokføres på bankdatoen"
        assert all(shown_reason(reason) != reason for reason in REASONS)  # every known one has its bokmål
        assert shown_reason("Fiken said no") == "Fiken said no"
    finally:
        text.install(text.ENGLISH)


def test_dates_and_audit_times_follow_the_language(sites):
    """The same day page in bokmål (04.11.2026, the log in the store's zone with its offset) and in
    English (2026-11-04, the log in UTC as ever); links, the PDF's file name and data keep ISO."""
    import json
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    norwegian, english = sites
    path = "store/oslo-sentrum/day/2026-11-04"
    bokmal = _login(norwegian, "victor", "Oversikt").get(norwegian.url + path, timeout=30)
    page = _login(english, "victor", "Overview").get(english.url + path, timeout=30)
    assert bokmal.status_code == page.status_code == 200
    assert "<title>Oslo Sentrum 04.11.2026 · Dagsoppgjør</title>" in bokmal.text
    assert "<small>onsdag 04.11.2026</small>" in bokmal.text and "<small>Wednesday 2026-11-04</small>" in page.text
    assert "<title>Oslo Sentrum 2026-11-04 · Daily settlement</title>" in page.text and "04.11.2026" not in page.text
    for html in (bokmal.text, page.text):  # what a machine reads stays ISO in both
        assert 'href="/store/oslo-sentrum/day/2026-11-04/report.pdf"' in html

    # The audit rows of the day, as `settlement audit --json` gives them (UTC), shown on the page.
    rows = json.loads(norwegian.cli("audit", "--vendor", "oslo-sentrum", "--date", "2026-11-04", "--json").stdout)
    assert rows and rows[0]["action"] == "sending", rows  # then refused: Fiken said no
    at = datetime.fromisoformat(rows[0]["at"])
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    local = at.astimezone(ZoneInfo("Europe/Oslo"))  # oslo-sentrum's timezone in vendors.toml
    offset = local.strftime("%z")
    shown = f"{local:%d.%m.%Y %H:%M} {offset[:3]}:{offset[3:]}"
    assert offset in ("+0100", "+0200")
    assert re.findall(r'<td class="at">([^<]*)</td>', bokmal.text)[0] == shown, bokmal.text
    assert "<th>Tid</th><th>Hva</th>" in bokmal.text and "Tid (UTC)" not in bokmal.text
    utc = at.astimezone(timezone.utc)
    assert re.findall(r'<td class="at">([^<]*)</td>', page.text)[0] == f"{utc:%Y-%m-%d %H:%M:%S}"
    assert "<th>Time (UTC)</th>" in page.text
    # What happened: the action itself in English (as `audit` names it), its label in bokmål.
    actions = [row["action"] for row in rows]
    assert actions[:2] == ["sending", "refused"], actions
    assert re.findall(r'<td title="([a-z-]+)">([^<]*)</td>', bokmal.text)[:2] == [
        ("sending", "Sendes"), ("refused", "Avvist av regnskapet")], bokmal.text
    assert re.findall(r'<td title="([a-z-]+)">([^<]*)</td>', page.text)[:2] == [
        ("sending", "sending"), ("refused", "refused")]

    # The overview: the period and the grid's headings; the form's dates and the cells' data stay ISO.
    overview = _login(norwegian, "victor", "Oversikt").get(norwegian.url + PERIOD, timeout=30).text
    assert "<small>01.11.2026 – 07.11.2026</small>" in overview and '<th class="date">ons 04.11</th>' in overview
    assert 'name="from" value="2026-11-01"' in overview and 'data-day="2026-11-04"' in overview
    overview = _login(english, "victor", "Overview").get(english.url + PERIOD, timeout=30).text
    assert "<small>2026-11-01 – 2026-11-07</small>" in overview and '<th class="date">04.11</th>' in overview

    pdf = _login(norwegian, "victor", "Oversikt").get(norwegian.url + path + "/report.pdf", timeout=60)
    assert pdf.headers["Content-Disposition"] == 'inline; filename="dagsoppgjor-oslo-sentrum-2026-11-04.pdf"'

    # A receipt's time: local in bokmål with the offset (10:10 in Oslo), UTC in English as ever.
    receipt = "store/oslo-sentrum/day/2026-11-02/receipt/OS-02000"
    shown = _login(norwegian, "victor", "Oversikt").get(norwegian.url + receipt, timeout=30).text
    assert "<td class=\"at\">02.11.2026 10:10 +01:00</td>" in shown and ">02.11.2026</a>" in shown, shown
    assert 'href="/store/oslo-sentrum/day/2026-11-02"' in shown
    shown = _login(english, "victor", "Overview").get(english.url + receipt, timeout=30).text
    assert "<td class=\"at\">09:10:00 UTC</td>" in shown and ">2026-11-02</a>" in shown, shown

    # The store page: the chart's dates and the first day in bokmål.
    store = _login(norwegian, "victor", "Oversikt").get(norwegian.url + "store/oslo-sentrum", timeout=60).text
    assert "<dt>Fra</dt><dd>01.11.2026</dd>" in store, store
    assert re.search(r"<title>\d\d\.\d\d\.20\d\d: [\d  ]+,\d\d kr</title>", store)
    assert re.search(r'class="axis">\d\d\.\d\d\.20\d\d</text>', store)
    store = _login(english, "victor", "Overview").get(english.url + "store/oslo-sentrum", timeout=60).text
    assert re.search(r"<title>20\d\d-\d\d-\d\d: [\d  ]+,\d\d kr</title>", store)


def test_the_voucher_sections_follow_the_language(sites):
    norwegian, english = sites
    path = "store/oslo-sentrum/day/2026-11-02"
    bokmal = _login(norwegian, "victor", "Oversikt").get(norwegian.url + path, timeout=30).text
    page = _login(english, "victor", "Overview").get(english.url + path, timeout=30).text

    def sections(html: str) -> set[str]:
        table = html[html.index('<table id="lines">'):]
        return set(re.findall(r"<tr><td>([^<]*)</td><td>\d{4}", table[:table.index("</tbody>")]))

    assert {"Salg", "Betaling"} <= sections(bokmal) and "sale" not in sections(bokmal), sections(bokmal)
    assert {"Sale", "Payment"} <= sections(page), sections(page)
