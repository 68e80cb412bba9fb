"""Cash-sale mode (vendors with Fiken projects): one cash sale per day with the project, the rest in
a VAT-free journal entry; corrections delete the sale and reverse the entry."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures_posting import fiken_posts, ledger_effect

GOLDEN = Path(__file__).parent / "golden" / "voucher"
SLUG, VENDOR, PROJECT = "demo-prosjekt-as", "butikk-sentrum", 73408301
VENDOR_TOML = f"""
[[vendors]]
id = "{VENDOR}"
name = "Butikk Sentrum"
closing_time = "20:00"
enabled_since = 2026-11-01
fiken_company = "{SLUG}"
posting = "cash_sale"
fiken_project = {PROJECT}
"""


def day_effect(sb, key: str, live_only: bool = True) -> dict[str, int]:
    """What a cash-sale day books: the sale's booking (under the key) and the payment split
    (under the key with the part `betalinger`)."""
    totals = ledger_effect(sb, SLUG, key, live_only)
    for account, amount in ledger_effect(sb, SLUG, key[:-1] + ":betalinger]", live_only).items():
        totals[account] = totals.get(account, 0) + amount
    return totals


def _setup(ws, *csv_names: str) -> None:
    ws.write("vendors.toml", VENDOR_TOML)
    for name in csv_names:
        status, out, err = ws.invoke("import", "sales", str(GOLDEN / name), "--vendor", VENDOR)
        assert status == 0, out + err


def test_cash_sale_carries_the_project_and_the_journal_entry_the_payment_split(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, "normal_day.csv")
    key = f"[settlement:{VENDOR}:2026-11-02:v1]"
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", "2026-11-02")
    assert status == 0, out + err
    [sale] = sb.sales(SLUG)
    assert sale["saleNumber"] == key and sale["kind"] == "cash_sale" and sale["project"]["projectId"] == PROJECT
    assert [p["account"] for p in sale["salePayments"]] == ["1901"]
    # Net and VAT per line come from the source data, not from Fiken's arithmetic.
    lines = {(line["account"], line["vatType"]): (line["netPrice"], line["vat"]) for line in sale["lines"]}
    assert lines[("3000", "HIGH")] == (24489 - 4898, 4898) and lines[("3030", "MEDIUM")] == (28750 - 3750, 3750)
    effect = day_effect(sb, key)
    assert effect.get("1901", 0) == 0, "the settlement account nets to zero over sale and entry"
    assert effect["1580"] == 18250 and effect["1581"] == 9990 and effect["1900"] == 24999
    assert effect["2701"] == -(4898 + 3750) and sum(effect.values()) == 0
    writes = [r.path.rsplit("/", 2)[-2:] for r in fiken_posts(sb)]
    assert writes[0] == ["demo-prosjekt-as", "sales"] and writes[1] == ["demo-prosjekt-as", "generalJournalEntries"]
    # The report goes on the sale: that is where the accountant opens the day.
    [(owner_kind, owner_id, filename, content)] = sb.attachments(SLUG)
    assert owner_id == sale["saleId"] and filename.endswith(".pdf") and content.startswith(b"%PDF")
    row = json.loads(ws.invoke("status", "--json")[1])[0]
    day = next(d for d in row["days"] if d["date"] == "2026-11-02")
    assert day["status"] == "documented" and day["mode"] == "cash_sale" and day["sale_id"] == sale["saleId"]


def test_returns_exceeding_sales_go_to_the_journal_entry(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, "returns_exceed_sales.csv")
    status, out, err = ws.invoke("preview", "--vendor", VENDOR, "--date", "2026-11-03", "--fiken")
    assert status == 0, out + err
    requests = json.loads(out)
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", "2026-11-03")
    assert status == 0, out + err
    sent = [r.body for r in fiken_posts(sb) if not r.path.endswith("attachments")]
    assert sent == [r["body"] for r in requests], "preview --fiken shows exactly what run sends"
    key = "[settlement:butikk-sentrum:2026-11-03:v1]"
    effect = day_effect(sb, key)
    assert effect.get("1901", 0) == 0 and sum(effect.values()) == 0
    for sale in sb.sales(SLUG):
        assert all(line["netPrice"] >= 0 for line in sale["lines"])


def test_correction_deletes_the_sale_and_reverses_the_entry(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _setup(ws, "normal_day.csv")
    ws.invoke("run", "--vendor", VENDOR, "--date", "2026-11-02")
    late = ws.write("in/late.csv", "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
                    "LATE-1;2026-11-02T19:00:00;sale;high;3;50,00;10,00\nLATE-1;2026-11-02T19:00:00;payment;card;;50,00;\n")
    ws.invoke("import", "sales", str(late), "--vendor", VENDOR)
    status, out, err = ws.invoke("run", "--vendor", VENDOR, "--date", "2026-11-02")
    assert status == 0, out + err
    v1, v2 = (f"[settlement:{VENDOR}:2026-11-02:v{n}]" for n in (1, 2))
    sales = {s["saleNumber"]: s for s in sb.sales(SLUG)}
    assert sales[v1]["deleted"] and not sales[v2].get("deleted")
    assert set(day_effect(sb, v1, live_only=False).values()) <= {0}
    effect = day_effect(sb, v2)
    assert effect["1580"] == 18250 + 5000 and effect.get("1901", 0) == 0 and sum(effect.values()) == 0
    patches = [r for r in fiken_posts(sb) if r.method == "PATCH"]
    assert len(patches) == 2 and all("Korrigering" in r.query["description"] for r in patches)
