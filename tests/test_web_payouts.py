"""The web page's payouts page and the store page's checks, over plain HTTP (requests).

The installation is real: Bergen's receipts paid by Stripe settled into the Fiken sandbox, one
Stripe payout imported from its reconciliation report and booked (`payouts post`), a second one
still in transit; a chart override per store with a code `accounts check` warns about. Then
`settlement web` as a process on 127.0.0.1. The page's figures are compared with what
`settlement payouts status --json`, `accounts check --json` and `test-connection --json` say.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
import requests

from settlement.fiken_sandbox import FikenSandbox
from tests.test_payouts_support import Row, sales_csv, stripe_csv, with_payouts
from tests.test_web_http import ROOT, Site, _env, csrf_of, login, start_page

VENDOR, OTHER = "bergen-bryggen", "oslo-sentrum"
# po_1 pays R1, R2 and R3; R4 waits for po_2, which reaches the bank only in 2030 (in transit).
PO_1 = [
    Row("po_1", "2026-11-05", "txn_1", "2026-11-02 09:00:05", 50000, 1270, order="R1"),
    Row("po_1", "2026-11-05", "txn_2", "2026-11-02 10:00:07", 12500, 465),
    Row("po_1", "2026-11-05", "txn_3", "2026-11-03 11:00:09", 30000, 795),
]
PO_2 = [Row("po_2", "2030-01-02", "txn_4", "2026-11-03 12:00:00", 9900, 300)]
# A 4-digit code that is a SAF-T code with its leading zero lost: a warning of `accounts check`, one per store.
OVERRIDES = {VENDOR: "source;code;key\npayment;2001;payment_stripe\n",
             OTHER: "source;code;key\npayment;2002;payment_stripe\n"}


class _Workspace:
    """What tests.test_payouts_support.with_payouts needs of a workspace."""

    def __init__(self, path: Path):
        self.path = path

    def write(self, name: str, text: str) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target


def _ok(done) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def build_payouts_site(path: Path) -> Site:
    ws = _Workspace(path)
    shutil.copytree(ROOT / "chart_of_accounts", path / "chart_of_accounts")
    shutil.copy(ROOT / "vendors.toml", path / "vendors.toml")
    with_payouts(ws)
    for vendor, text in OVERRIDES.items():
        ws.write(f"chart_of_accounts/vendors/{vendor}.mapping.csv", text)
    ws.write("in/sales.csv", sales_csv([
        ("R1", "2026-11-02T10:00:00", 50000), ("R2", "2026-11-02T11:00:00", 12500),
        ("R3", "2026-11-03T12:00:00", 30000), ("R4", "2026-11-03T13:00:00", 9900),
    ]))
    ws.write("in/po_1.csv", stripe_csv(PO_1))
    ws.write("in/po_2.csv", stripe_csv(PO_2))
    sandbox = FikenSandbox.start(port=0, max_seconds=900)
    site = Site(path, _env(path, sandbox), "", sandbox)
    for name, role, password in (("anna", "operator", "anna-operator-pw"), ("victor", "viewer", "victor-viewer-pw")):
        _ok(site.cli("web", "adduser", name, "--role", role, "--password-stdin", stdin=password + "\n"))
    _ok(site.cli("import", "sales", "--vendor", VENDOR, "in/sales.csv"))
    for day in ("2026-11-02", "2026-11-03"):
        _ok(site.cli("run", "--vendor", VENDOR, "--date", day))
    for name in ("po_1", "po_2"):
        _ok(site.cli("import", "payouts", f"in/{name}.csv", "--provider", "stripe", "--vendor", VENDOR))
    assert "documented" in _ok(site.cli("payouts", "post", "--vendor", VENDOR))
    site.process, site.url = start_page(site)
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = build_payouts_site(tmp_path_factory.mktemp("web-payouts"))
    try:
        yield site
    finally:
        if site.process is not None:
            site.process.terminate()
            site.process.wait(timeout=10)
        site.sandbox.stop()


def _text(element) -> str:
    return " ".join(element.text_content().split())


def test_the_payouts_page_shows_what_payouts_status_says(site):
    (status,) = json.loads(_ok(site.cli("payouts", "status", "--vendor", VENDOR, "--json")))
    assert status["open_balance"] == 9900 and status["fees"] == 2530  # the installation is what we think
    session = login(site, "victor")
    assert 'href="/payouts"' in session.get(site.url, timeout=30).text  # linked from the overview's navigation
    page = session.get(site.url + "payouts", timeout=60)
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.text)
    (section,) = tree.xpath(f".//section[@id='payouts-{VENDOR}']")
    (clearing,) = section.xpath(".//div[@class='clearing']")
    assert clearing.get("data-provider") == "stripe" and clearing.get("data-account") == status["provider_account"]
    assert status["clearing_account"] in _text(clearing.xpath(".//h3")[0])
    for field in ("opening_balance", "sales_booked", "paid_out", "fees", "open_balance"):
        (cell,) = clearing.xpath(f".//td[@data-field='{field}']")
        assert int(cell.get("data-ore")) == status[field], field
    # The page shows the day in bokmål; the JSON keeps ISO.
    assert status["oldest_unpaid_day"] == "2026-11-03"
    assert _text(clearing.xpath(".//td[@data-field='oldest_unpaid_day']")[0]) == "03.11.2026"
    assert _text(clearing.xpath(".//td[@data-field='payouts_booked']")[0]) == str(status["payouts_booked"])
    assert "99,00" in _text(clearing.xpath(".//td[@data-field='open_balance']")[0])  # kroner with a decimal comma
    rows = clearing.xpath(".//tr[@class='open-item']")
    assert [(_text(r.xpath(".//td[@class='ref']")[0]), r.xpath(".//td[@class='reason']")[0].get("data-reason"))
            for r in rows] == [(i["ref"], i["reason"]) for i in status["open_items"]]
    assert _text(rows[0].xpath(".//td[@class='reason']")[0]) == "salget er ikke utbetalt (ennå)"  # in Norwegian
    assert [int(r.xpath(".//td[@data-ore]")[0].get("data-ore")) for r in rows] == [i["amount"] for i in status["open_items"]]
    assert [_text(r.xpath(".//td[@class='date']")[0]) for r in rows] == ["03.11.2026"]

    payouts = {row.get("data-payout"): row for row in section.xpath(".//tr[@class='payout']")}
    assert set(payouts) == {"po_1", "po_2"}
    booked, transit = payouts["po_1"], payouts["po_2"]
    assert booked.get("data-state") == "documented" and "Bokført med bilag" in _text(booked)
    assert _text(booked.xpath(".//td[@class='date']")[0]) == "05.11.2026"  # the bank date in bokmål
    assert _text(payouts["po_2"].xpath(".//td[@class='date']")[0]) == "02.01.2030"
    assert "[settlement:payout:stripe:po_1:v1]" in _text(booked.xpath(".//td[@class='ledger-ref']")[0])
    assert "Fiken" in _text(booked.xpath(".//td[@class='ledger-ref']")[0])
    assert transit.get("data-state") == "waiting" and "underveis: bokføres på bankdatoen" in _text(transit)
    (waiting,) = status["waiting"]
    assert waiting["payout_id"] == "po_2" and transit.xpath(".//*[@class='reason']")[0].get("data-reason") == waiting["reason"]
    # Read-only for both roles: no form but logging out.
    for name in ("victor", "anna"):
        text = (session if name == "victor" else login(site, "anna")).get(site.url + "payouts", timeout=60).text
        assert re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', text) == ["/logout"]


def test_the_payouts_page_needs_a_login(site):
    answer = requests.get(site.url + "payouts", allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_the_store_page_shows_its_own_accounts_check_problems(site):
    problems = json.loads(site.cli("accounts", "check", "--json").stdout)
    own = [p for p in problems if p["file"] and Path(p["file"]).name == f"{VENDOR}.mapping.csv"]
    assert len(own) == 1 and own[0]["severity"] == "warning" and "'2001'" in own[0]["message"]
    session = login(site, "victor")
    tree = lxml.html.fromstring(session.get(site.url + f"store/{VENDOR}", timeout=60).text)
    (listed,) = tree.xpath(".//*[@id='check-own']")
    text = _text(listed)
    assert "Advarsel" in text and "'2001'" in text and "12001" in text and f"{VENDOR}.mapping.csv:2" in text
    assert "'2002'" not in _text(tree.xpath(".//*[@id='accounts-check']")[0])  # the other store's problem is not shown here
    other = lxml.html.fromstring(session.get(site.url + f"store/{OTHER}", timeout=60).text)
    assert "'2002'" in _text(other.xpath(".//*[@id='check-own']")[0]) and "'2001'" not in _text(other.xpath(".//*[@id='accounts-check']")[0])

    # Computed when the page is shown: the override fixed, the warning is gone at the next look.
    override = site.path / "chart_of_accounts" / "vendors" / f"{VENDOR}.mapping.csv"
    override.write_text("source;code;key\npayment;02001;payment_stripe\n", encoding="utf-8")
    try:
        tree = lxml.html.fromstring(session.get(site.url + f"store/{VENDOR}", timeout=60).text)
        assert not tree.xpath(".//*[@id='check-own']") and tree.xpath(".//*[@id='check-ok']")
    finally:
        override.write_text(OVERRIDES[VENDOR], encoding="utf-8")


def test_only_an_operator_tests_the_connection_with_a_valid_form(site):
    url = site.url + f"store/{VENDOR}/test-connection"
    viewer = login(site, "victor")
    page = viewer.get(site.url + f"store/{VENDOR}", timeout=60).text
    assert "Test tilkoblingen" not in page and 'id="connection-none"' in page
    answer = viewer.post(url, data={"csrf": csrf_of(page)}, allow_redirects=False, timeout=30)
    assert answer.status_code == 403 and "operatør" in answer.text
    operator = login(site, "anna")
    for data in ({}, {"csrf": "forged-token"}):
        answer = operator.post(url, data=data, allow_redirects=False, timeout=30)
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert requests.post(url, data={"csrf": "x"}, timeout=10).status_code == 403  # no session
    audit = _ok(site.cli("audit", "--vendor", VENDOR))
    assert "web-test-connection" not in audit  # nothing refused was run or audited


def test_the_connection_test_shows_the_ledgers_checks_with_its_time(site):
    # In the page's language: a check's name is text a person reads.
    expected = json.loads(_ok(site.cli("test-connection", "--vendor", VENDOR, "--json", language="nb")))[0]
    operator = login(site, "anna")
    page = operator.get(site.url + f"store/{VENDOR}", timeout=60).text
    assert "Test tilkoblingen" in page
    answer = operator.post(site.url + f"store/{VENDOR}/test-connection", data={"csrf": csrf_of(page)},
                           allow_redirects=False, timeout=120)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/store/{VENDOR}#connection")
    tree = lxml.html.fromstring(operator.get(site.url + f"store/{VENDOR}", timeout=60).text)
    (result,) = tree.xpath(".//*[@id='connection-result']")
    assert result.get("data-passed") == ("yes" if expected["passed"] else "no") == "yes"
    # When it ran, in the store's zone with its offset (Europe/Oslo: +01:00 or +02:00).
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d \+0[12]:00 \(anna\)", _text(result)), _text(result)
    shown = [(li.get("data-status"), _text(li)) for li in tree.xpath(".//*[@id='connection-checks']/li")]
    assert [status for status, _ in shown] == [c["status"] for c in expected["checks"]]
    for (_, text), check in zip(shown, expected["checks"]):
        assert check["name"] in text
    assert "i minnet" in _text(tree.xpath(".//*[@id='connection']")[0])  # the page says where the result is kept
    # Another store has not been tested; a viewer sees the kept result too.
    viewer = login(site, "victor")
    assert 'id="connection-none"' in viewer.get(site.url + f"store/{OTHER}", timeout=60).text
    assert 'id="connection-result"' in viewer.get(site.url + f"store/{VENDOR}", timeout=60).text
    audit = _ok(site.cli("audit", "--vendor", VENDOR))
    assert "web-test-connection" in audit and "bedt om av anna på nettsiden" in audit  # written in bokmål


def test_a_failing_ledger_shows_as_failed(site):
    operator = login(site, "anna")
    page = operator.get(site.url + f"store/{OTHER}", timeout=60).text
    site.sandbox.faults.error_rate(1.0, statuses=(401,))  # Fiken refuses the token
    try:
        answer = operator.post(site.url + f"store/{OTHER}/test-connection", data={"csrf": csrf_of(page)}, timeout=180)
    finally:
        site.sandbox.faults.clear()
    assert answer.status_code == 200
    tree = lxml.html.fromstring(answer.text)
    (result,) = tree.xpath(".//*[@id='connection-result']")
    assert result.get("data-passed") == "no" and "Ikke bestått" in _text(result)
    assert any(li.get("data-status") == "FAILED" for li in tree.xpath(".//*[@id='connection-checks']/li"))
    assert html.escape(site.sandbox.personal_token) not in answer.text  # no secret rendered
