"""Stripe payouts through the real CLI into the Fiken sandbox: imported from the reconciliation
report, matched to the posted days, booked once as a balanced voucher (net to the bank, fees to
payment_fee, gross off the clearing account), documented, corrected as v2 when the report changes;
the clearing account in Fiken equals the open balance `payouts status` shows."""

from __future__ import annotations

import json

from tests.fixtures_posting import ledger_effect
from tests.test_payouts_support import Row, sales_csv, stripe_csv, with_payouts

VENDOR, SLUG = "bergen-bryggen", "demo-as"
KEY = "[settlement:payout:stripe:po_1:v1]"
CLEARING, BANK, FEE = "1583", "1920:10001", "7770"


def _prepare(ws) -> None:
    with_payouts(ws)
    ws.write("in/sales.csv", sales_csv([
        ("R1", "2026-11-02T10:00:00", 50000), ("R2", "2026-11-02T11:00:00", 12500),
        ("R3", "2026-11-03T12:00:00", 30000), ("R4", "2026-11-03T13:00:00", 9900),
    ]))
    status, out, err = ws.invoke("import", "sales", "in/sales.csv", "--vendor", VENDOR)
    assert status == 0, out + err
    for day in ("2026-11-02", "2026-11-03"):
        status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", day)
        assert status == 0, out + err


def _report(rows: list[Row]) -> str:
    return stripe_csv(rows)


# po_1 pays R1 (by order number), R2 and R3 (by day and amount); R4 is not paid out yet.
PO_1 = [
    Row("po_1", "2026-11-05", "txn_1", "2026-11-02 09:00:05", 50000, 1270, order="R1"),
    Row("po_1", "2026-11-05", "txn_2", "2026-11-02 10:00:07", 12500, 465),
    Row("po_1", "2026-11-05", "txn_3", "2026-11-03 11:00:09", 30000, 795),
]


def _import(ws, rows, name="po.csv") -> tuple[int, str]:
    path = ws.write(f"in/{name}", _report(rows))
    status, out, err = ws.invoke("import", "payouts", str(path), "--provider", "stripe", "--vendor", VENDOR)
    return status, out + err


def _status(ws) -> dict:
    status, out, err = ws.invoke("payouts", "status", "--vendor", VENDOR, "--json")
    assert status == 0, out + err
    (account,) = json.loads(out)
    return account


def test_a_payout_is_booked_once_balanced_and_matched(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    status, out = _import(ws, PO_1)
    assert status == 0, out
    assert "1 stripe payout(s): 1 new, 0 changed, 0 unchanged" in out

    status, out, err = ws.invoke("payouts", "post", "--vendor", VENDOR)
    assert status == 0, out + err
    assert "documented" in out and KEY in out

    effect = ledger_effect(sb, SLUG, KEY)
    net = 50000 + 12500 + 30000 - 1270 - 465 - 795
    assert effect[BANK] == net  # Σ net of the rows is what reached the bank
    assert effect[FEE] == 1270 + 465 + 795
    assert effect[CLEARING] == -(50000 + 12500 + 30000)
    assert sum(effect.values()) == 0
    assert len(sb.attachments(SLUG)) == 3  # two days and the payout

    account = _status(ws)
    assert account["sales_booked"] == 50000 + 12500 + 30000 + 9900
    assert account["paid_out"] == net and account["fees"] == 2530
    assert account["open_balance"] == 9900 and account["explained"]
    (item,) = account["open_items"]
    assert (item["ref"], item["amount"], item["day"]) == ("R4", 9900, "2026-11-03")
    assert item["reason"].startswith("sale not paid out")
    assert account["oldest_unpaid_day"] == "2026-11-03"
    # The clearing account in Fiken, from everything this product booked, is the open balance.
    assert _clearing_in_fiken(sb) == account["open_balance"]

    # Again: nothing to do, nothing sent.
    before = len(sb.requests)
    status, out, err = ws.invoke("payouts", "post", "--vendor", VENDOR)
    assert status == 0 and "already settled" in out
    assert len(sb.requests) == before


def _clearing_in_fiken(sb) -> int:
    total = 0
    for entry in sb.journal_entries(SLUG):
        if "[settlement:" in (entry.get("description") or ""):
            total += sum(line["amount"] for line in entry["lines"] if line["account"] == CLEARING)
    return total


def test_a_changed_report_reverses_and_reposts_the_payout_as_v2(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    assert _import(ws, PO_1)[0] == 0
    assert ws.invoke("payouts", "post")[0] == 0
    # Same file again: unchanged, nothing posted.
    status, out = _import(ws, PO_1, "again.csv")
    assert status == 0 and "0 new, 0 changed, 1 unchanged" in out
    # Stripe's report now also settles R4 (a later download of the same payout).
    changed = PO_1 + [Row("po_1", "2026-11-05", "txn_4", "2026-11-03 12:00:00", 9900, 300)]
    status, out = _import(ws, changed, "changed.csv")
    assert status == 0 and "0 new, 1 changed" in out
    status, out, err = ws.invoke("payouts", "post")
    assert status == 0, out + err
    assert "[settlement:payout:stripe:po_1:v2]" in out
    assert set(ledger_effect(sb, SLUG, KEY, live_only=False).values()) == {0}, "v1 and its reversal cancel out"
    v2 = ledger_effect(sb, SLUG, "[settlement:payout:stripe:po_1:v2]")
    assert v2[CLEARING] == -(50000 + 12500 + 30000 + 9900)
    account = _status(ws)
    assert account["open_balance"] == 0 and account["open_items"] == [] and account["oldest_unpaid_day"] is None
    assert _clearing_in_fiken(sb) == 0
    status, out, err = ws.invoke("payouts", "audit", "--payout", "po_1")
    assert "reversed" in out and out.count(" documented ") == 2


def test_bad_rows_are_named_and_nothing_is_stored(posting_ws):
    ws = posting_ws
    with_payouts(ws)
    rows = _report(PO_1).splitlines()
    rows[1] = rows[1].replace(",500.00,", ",5O0.00,")
    rows[2] = rows[2].replace("120.35", "120.36")  # net is not gross − fee
    path = ws.write("in/bad.csv", "\n".join(rows) + "\n")
    status, out, err = ws.invoke("import", "payouts", str(path), "--provider", "stripe", "--vendor", VENDOR)
    assert status == 1
    assert f"{path}:2: not a decimal amount: '5O0.00'" in err and "(column 'gross', value '5O0.00')" in err
    assert f"{path}:3: gross 125.00 − fee 4.65 is not net 120.36 (column 'net', value '120.36')" in err
    assert "nothing imported" in out
    assert ws.invoke("payouts", "post")[1].strip() == "no payouts due"


def test_catch_up_posts_the_due_payouts_after_the_days(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    with_payouts(ws)
    ws.write("in/sales.csv", sales_csv([("R1", "2026-11-02T10:00:00", 50000)]))
    assert ws.invoke("import", "sales", "in/sales.csv", "--vendor", VENDOR)[0] == 0
    assert _import(ws, PO_1[:1])[0] == 0
    status, out, err = ws.invoke("catch-up", "--vendor", VENDOR)
    assert "payouts: 1 checked, 1 posted" in out, out + err
    assert ledger_effect(sb, SLUG, KEY)["1583"] == -50000
    assert _status(ws)["open_balance"] == 0


def test_the_attached_report_the_status_text_and_the_xlsx(posting_ws):
    from io import BytesIO

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from settlement.domain import text as language

    ws, sb = posting_ws, posting_ws.sandbox
    _prepare(ws)
    # A description that would be a formula in a spreadsheet, on an item no sale explains.
    rows = PO_1 + [Row("po_1", "2026-11-05", "txn_x", "2026-11-03 15:00:00", 1234, 0, order="=HYPERLINK(1)")]
    assert _import(ws, rows)[0] == 0
    # The attached report is read in bokmål (its Norwegian texts); the commands after it in English.
    ws.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    try:
        assert ws.invoke("payouts", "post")[0] == 0
    finally:
        ws.extra_env["SETTLEMENT_LANGUAGE"] = "en"
        language.install(language.ENGLISH)
    pdf = ws.path / "data" / "reports" / VENDOR / "payouts" / "utbetaling-stripe-po_1-v1.pdf"
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Utbetaling Stripe po_1" in text and "Bergen Bryggen" in text
    assert "Salgsdager dekket: 02.11.2026, 03.11.2026" in text and "Bankdato 05.11.2026" in text and "Utbetalt netto" in text and "Gebyrer" in text
    assert "Netto til bank 912,04" in text and "1920:10001" in text and "7770" in text and "ch_3" in text
    # Stripe's times are UTC; the report shows them in the vendor's zone (Oslo, +01:00 in November).
    assert "03.11.2026 16:00 +01:00 Betaling ch_x =HYPERLINK(1) 12,34" in text
    assert sb.attachments(SLUG)[-1] is not None

    status, out, err = ws.invoke("payouts", "status", "--vendor", VENDOR)
    assert "bergen-bryggen stripe acct_bergen → 1583 (payment_stripe)" in out
    assert "open 2026-11-03 R4: 99,00 — sale not paid out (yet)" in out
    assert "open 2026-11-03 =HYPERLINK(1) payout po_1: -12,34 — capture with no sale" in out

    target = ws.path / "out" / "payouts.xlsx"
    status, out, err = ws.invoke("report", "--payouts", "--from", "2026-11-01", "--to", "2026-11-30",
                                 "--format", "xlsx", "--output", str(target))
    assert status == 0, out + err
    sheet = load_workbook(BytesIO(target.read_bytes()))["Utbetalinger"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["butikk", "leverandør", "leverandørkonto", "konto", "dato"]
    cells = {row[6]: row for row in values[1:]}
    assert cells["=HYPERLINK(1)"][8] == -12.34 and cells["R4"][8] == 99
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str))
    status, out, err = ws.invoke("report", "--payouts", "--from", "2026-11-01", "--to", "2026-11-30")
    assert ";'=HYPERLINK(1);" in out and ";99,00;" in out
