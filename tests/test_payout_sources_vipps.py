"""Vipps MobilePay payouts: the report files (XML, CSV, XLSX) read to the øre, every bad field named by
line and field (or sheet and cell), and the Report API read from its sandbox over real HTTP."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from settlement.domain.payouts import ItemKind
from settlement.sources.payouts.vipps import (
    FILE_SOURCES_VIPPS, VippsAuthError, VippsCsvSource, VippsReportApiSource, VippsXlsxSource, VippsXmlSource)
from tests.conftest import shared_file
from tests.fixtures_payout_sandboxes import VIPPS_SPEC, contract_problems, load_spec, vipps_client

NS = {"v": "http://vipps.no/xmlschema/SettlementReport-3.0.xsd"}


def ore(text: str) -> int:
    """Independent of the product's parser: Decimal, exact."""
    value = Decimal(text) * 100
    assert value == value.to_integral_value()
    return int(value)


def errors(read) -> list[str]:
    return [str(p) for p in read.problems if p.is_error]


# --- XML ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Example-Net.xml", "Example-Gross.xml", "Vipps-oppgjorsrapport-16655-2018-09-23.xml"])
def test_shared_xml_reports_read_to_the_ore(name):
    data = shared_file(f"payments/vipps/{name}").read_bytes()
    read = VippsXmlSource().read(data, name)
    assert read.ok, errors(read)
    root = ET.fromstring(data)
    expected = {}
    for details in root.findall("v:SettlementDetailsInfo", NS):
        msn = details.findtext("v:SerialNumber", namespaces=NS)
        for settlement in details.iterfind(".//v:SettlementInfo", NS):
            transactions = settlement.findall("v:TransactionInfo", NS)
            net_type = settlement.findtext("v:SettlementType", namespaces=NS) == "Net"
            expected[settlement.findtext("v:SettlementID", namespaces=NS)] = dict(
                account=msn, net=ore(settlement.findtext("v:SettledAmount", namespaces=NS)),
                gross=sum(ore(t.findtext("v:TransactionGrossAmount", namespaces=NS)) for t in transactions),
                fees=-sum(ore(t.findtext("v:TransactionFeeAmount", namespaces=NS)) for t in transactions) if net_type else 0,
                paid_on=date.fromisoformat(settlement.findtext("v:SettlementDate", namespaces=NS)),
                orders=sorted(t.findtext("v:OrderID", namespaces=NS) or t.findtext("v:TransactionID", namespaces=NS)
                              for t in transactions))
    got = {p.payout_id: dict(account=p.account, net=p.net, gross=p.gross, fees=p.fees, paid_on=p.paid_on,
                             orders=sorted(i.reference for i in p.items if i.kind is not ItemKind.FEE
                                           and (i.kind is ItemKind.CAPTURE or i.amount)))
           for p in read.payouts}
    for payout in read.payouts:
        assert sum(i.amount for i in payout.items) == payout.net
        assert all(i.store_ref == payout.account for i in payout.items)
    # a transaction that is only a refund makes no capture item: compare the references it made
    for key in expected:
        expected[key]["orders"] = sorted(set(expected[key]["orders"]))
        got[key]["orders"] = sorted(set(got[key]["orders"]))
    assert got == expected


def _xml(transactions: str, *, settled: str = "97.75", extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<SettlementReport xmlns="http://vipps.no/xmlschema/SettlementReport-3.0.xsd">
  <SettlementDetailsInfo>
    <SaleUnitName>Butikk</SaleUnitName>
    <SerialNumber>123455</SerialNumber>
    <OrganizationName>Butikk AS</OrganizationName>
    <OrganizationNumber>987654321</OrganizationNumber>
    <MainAddress>Gata 1</MainAddress>
    <MainAddressZipCode>0150</MainAddressZipCode>
    <MainAddressCity>Oslo</MainAddressCity>
    <MainAddressCountryCode>NOR</MainAddressCountryCode>
    <PaymentsInfo>
      <ReportDateFrom>2026-11-01</ReportDateFrom>
      <ReportDateTo>2026-11-02</ReportDateTo>
      <SettlementCurrencyCode>NOK</SettlementCurrencyCode>
      <SettlementAccountNum>15037654733</SettlementAccountNum>
      <SettlementInfo>
        <SettlementDate>2026-11-02</SettlementDate>
        <SettlementID>2000042</SettlementID>
        <SettlementCurrencyCode>NOK</SettlementCurrencyCode>
        <SettlementType>Net</SettlementType>
{transactions}
        <NumOfTransactions>1</NumOfTransactions>
        <CaptureSettlementAmount>100.00</CaptureSettlementAmount>
        <RefundSettlementAmount>0.00</RefundSettlementAmount>
        <GrossSettlementAmount>100.00</GrossSettlementAmount>
        <NetSettlementAmount>97.75</NetSettlementAmount>
        <FeeSettlementAmount>2.25</FeeSettlementAmount>
        <SettledAmount>{settled}</SettledAmount>{extra}
      </SettlementInfo>
      <NumOfSettlements>1</NumOfSettlements>
    </PaymentsInfo>
  </SettlementDetailsInfo>
  <VippsInfo><Name>Vipps AS</Name><WebSite>vipps.no</WebSite><VisitingAddress>x</VisitingAddress><PostBox/>
    <PostAddress>N-0191 Oslo</PostAddress><Country>Norway</Country></VippsInfo>
</SettlementReport>""".encode()


GOOD_TRANSACTION = """        <TransactionInfo>
          <TransactionTime>2026-11-01T18:43:57.437+01:00</TransactionTime>
          <TransactionCaptureAmount>100.00</TransactionCaptureAmount>
          <TransactionRefundAmount>0.00</TransactionRefundAmount>
          <TransactionGrossAmount>100.00</TransactionGrossAmount>
          <TransactionNetAmount>97.75</TransactionNetAmount>
          <TransactionFeeAmount>2.25</TransactionFeeAmount>
          <SettlementCurrencyCode>NOK</SettlementCurrencyCode>
          <TransactionID>5584146378</TransactionID>
          <OrderID>WOO-1001</OrderID>
        </TransactionInfo>"""


def test_generated_xml_reads_with_order_id_as_reference_and_fee_item():
    read = VippsXmlSource().read(_xml(GOOD_TRANSACTION), "good.xml")
    assert read.ok, errors(read)
    (payout,) = read.payouts
    assert (payout.payout_id, payout.account, payout.net, payout.paid_on) == ("2000042", "123455", 9775, date(2026, 11, 2))
    assert [(i.kind, i.amount, i.reference, i.order_ref, i.line) for i in payout.items] == [
        (ItemKind.CAPTURE, 10000, "WOO-1001", "WOO-1001", 22), (ItemKind.FEE, -225, "WOO-1001", "WOO-1001", 22)]
    assert payout.items[0].occurred.isoformat() == "2026-11-01T18:43:57.437000+01:00"


def test_bad_xml_fields_are_named_by_line_and_element_and_yield_no_payout():
    bad = (GOOD_TRANSACTION.replace("<TransactionNetAmount>97.75", "<TransactionNetAmount>97.70")
           .replace("<TransactionFeeAmount>2.25", "<TransactionFeeAmount>-2.25")
           .replace("          <OrderID>WOO-1001</OrderID>\n", "")
           .replace("<TransactionID>5584146378", "<TransactionID>55x"))
    read = VippsXmlSource().read(_xml(bad, extra="\n        <Surprise>1</Surprise>"), "bad.xml")
    assert read.payouts == ()
    found = {(p.line, p.column) for p in read.problems if p.is_error}
    assert (28, "TransactionFeeAmount") in found  # negative where the XSD says positiveMoney
    assert (30, "TransactionID") in found  # not an xs:long
    assert (22, "OrderID") in found  # missing: named at its <TransactionInfo>
    assert (39, "Surprise") in found  # not in the XSD's sequence (line 40 less the missing OrderID's)
    messages = errors(read)
    assert any("bad.xml:28: <TransactionFeeAmount> must not be negative" in m for m in messages), messages


def test_an_xml_settlement_that_does_not_add_up_names_its_elements():
    wrong = GOOD_TRANSACTION.replace("<TransactionNetAmount>97.75", "<TransactionNetAmount>97.70")
    read = VippsXmlSource().read(_xml(wrong, settled="97.70"), "sum.xml")
    assert read.payouts == ()
    messages = errors(read)
    assert any(m.startswith("sum.xml:27: <TransactionNetAmount> is 97,70 but gross 100,00 − fee 2,25 is 97,75")
               for m in messages), messages
    assert any("sum.xml:" in m and "<NetSettlementAmount> is 97,75 but the settlement's transactions add up to 97,70"
               in m for m in messages), messages
    assert any("<SettledAmount> is 97,70 but a net settlement pays NetSettlementAmount 97,75" in m for m in messages)


def test_xml_with_a_dtd_is_refused():
    data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><SettlementReport/>'
    read = VippsXmlSource().read(data, "evil.xml")
    assert read.payouts == () and "document type declaration" in errors(read)[0]


def test_xml_v2_is_read():
    data = f"""<?xml version="1.0"?>
<SettlementReport xmlns="http://vipps.dnb.no/XMLSchema/SettlementReport.xsd">
 <SettlementDetailsInfo>
  <SaleUnitName>B</SaleUnitName><SerialNumber>555</SerialNumber><OrganizationName>B AS</OrganizationName>
  <OrganizationNumber>1</OrganizationNumber><MainAddress>a</MainAddress><MainAddressZipCode>1</MainAddressZipCode>
  <MainAddressCity>Oslo</MainAddressCity><MainAddressCountryCode>NO</MainAddressCountryCode>
  <PaymentsInfo>
   <ReportDateFrom>2017-01-01</ReportDateFrom><ReportDateTo>2017-01-02</ReportDateTo>
   <SettlementCurrencyCode>NOK</SettlementCurrencyCode><TotalSettledGrossAmount>150.00</TotalSettledGrossAmount>
   <TotalSettledNetAmount>147.00</TotalSettledNetAmount><TotalSettledFeeAmount>3.00</TotalSettledFeeAmount>
   <TotalSettledRefundAmount>-50.00</TotalSettledRefundAmount><SettlementAccountNum>1</SettlementAccountNum>
   <NumOfSettlements>1</NumOfSettlements>
   <SettlementInfo>
    <SettlementBatchDate>2017-01-02</SettlementBatchDate><SettlementID>900</SettlementID>
    <SettlementCurrencyCode>NOK</SettlementCurrencyCode><GrossSettlementAmount>150.00</GrossSettlementAmount>
    <NetSettlementAmount>147.00</NetSettlementAmount><FeeSettlementAmount>3.00</FeeSettlementAmount>
    <NumOfTransactions>2</NumOfTransactions>
    <TransactionInfo><TransactionDate>2017-01-01</TransactionDate><TransactionGrossAmount>200.00</TransactionGrossAmount>
     <TransactionNetAmount>197.00</TransactionNetAmount><TransactionFeeAmount>3.00</TransactionFeeAmount>
     <SettlementCurrencyCode>NOK</SettlementCurrencyCode><TransactionID>1</TransactionID><OrderID>o1</OrderID></TransactionInfo>
    <TransactionInfo><TransactionDate>2017-01-01</TransactionDate><TransactionGrossAmount>-50.00</TransactionGrossAmount>
     <TransactionNetAmount>-50.00</TransactionNetAmount><TransactionFeeAmount>0.00</TransactionFeeAmount>
     <SettlementCurrencyCode>NOK</SettlementCurrencyCode><TransactionID>2</TransactionID><OrderID>o0</OrderID></TransactionInfo>
   </SettlementInfo>
  </PaymentsInfo>
 </SettlementDetailsInfo>
 <VippsInfo><Name>V</Name><WebSite>vipps.no</WebSite><VisitingAddress>x</VisitingAddress><PostBox/><PostAddress>x</PostAddress><Country>Norway</Country></VippsInfo>
</SettlementReport>""".encode()
    read = VippsXmlSource().read(data, "v2.xml")
    assert read.ok, errors(read)
    (payout,) = read.payouts
    assert (payout.net, payout.gross, payout.fees) == (14700, 15000, -300)
    assert [i.kind for i in payout.items] == [ItemKind.CAPTURE, ItemKind.FEE, ItemKind.REFUND]


# --- CSV ---------------------------------------------------------------------------------------------

def test_shared_csv_sample_is_refused_with_every_mismatch_named():
    path = shared_file("payments/vipps/settlement-report.csv")
    read = VippsCsvSource().read(path.read_bytes(), path.name)
    assert read.payouts == ()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    transactions = [(n, r) for n, r in enumerate(rows, start=1) if r and r[0] == "TransactionInfo"
                    and r[1] != "SalesDate"]
    stray = {n for n, r in transactions if r[5] != "2000001"}  # SettlementId differs from the SettlementInfo's
    found = {p.line for p in read.problems if p.is_error and p.column == "SettlementId" and "does not list" in p.message}
    assert found == stray and len(found) == 7
    # The refund row's Net leaves out its Refund: named, with the independent difference.
    refund_rows = [n for n, r in transactions if ore(r[11]) != 0]
    assert refund_rows == [14]
    assert any(p.line == 14 and p.column == "Net" for p in read.problems if p.is_error)
    # The repaired decimal comma is a warning on the SettlementInfo line, the net read whole.
    (repair,) = [p for p in read.problems if not p.is_error]
    assert (repair.line, repair.value) == (6, "16450,62")


def _csv(transactions: list[str], *, net: str = "345.00", gross: str = "400.00", fee: str = "-5.00",
         refund: str = "-50.00", count: str = "2") -> bytes:
    lines = [
        "OrganizationNumber,MerchantName", "918713867,Vipps AS",
        "SettlementInfo,SalesUnitName,SaleUnitNumber,SettlementDate,SettlementID,SettlementAccount,Gross,Currency,Fee,"
        "Refund,Net,NumberOfTransactions",
        f"SettlementInfo,Butikk,123455,03.11.2026,2000077,15039794613,{gross},NOK,{fee},{refund},{net},{count}",
        "TransactionInfo,SalesDate,SaleUnitName,SaleUnitNumber,TransactionId,SettlementId,OrderID,SettlementDate,Gross,"
        "Currency,Fee,Refund,Net",
        *transactions,
    ]
    return ("\n".join(lines) + "\n").encode()


GOOD_ROWS = [
    "TransactionInfo,01.11.2026,Butikk,123455,2178112104,2000077,WOO-1,03.11.2026,400.00,NOK,-5.00,0.00,395.00",
    "TransactionInfo,02.11.2026,Butikk,123455,2178112105,2000077,WOO-0,03.11.2026,0.00,NOK,0.00,-50.00,-50.00",
]


def test_generated_csv_reads_to_the_ore():
    read = VippsCsvSource().read(_csv(GOOD_ROWS), "good.csv")
    assert read.ok, errors(read)
    (payout,) = read.payouts
    assert (payout.payout_id, payout.account, payout.paid_on, payout.net, payout.gross, payout.fees) == (
        "2000077", "123455", date(2026, 11, 3), 34500, 35000, -500)
    assert [(i.kind, i.amount, i.order_ref, i.line) for i in payout.items] == [
        (ItemKind.CAPTURE, 40000, "WOO-1", 6), (ItemKind.FEE, -500, "WOO-1", 6), (ItemKind.REFUND, -5000, "WOO-0", 7)]


def test_bad_csv_rows_are_named_by_line_and_field_together():
    rows = [GOOD_ROWS[0].replace("400.00,NOK", "4OO.00,NOK"), GOOD_ROWS[1].replace("02.11.2026", "2026/11/02"),
            GOOD_ROWS[1].replace(",2000077,", ",2999999,")]
    read = VippsCsvSource().read(_csv(rows), "bad.csv")
    assert read.payouts == ()
    found = {(p.line, p.column) for p in read.problems if p.is_error}
    assert {(6, "Gross"), (7, "SalesDate"), (8, "SettlementId")} <= found


def test_a_csv_settlement_that_does_not_add_up_is_an_error_naming_the_payout():
    read = VippsCsvSource().read(_csv(GOOD_ROWS, net="355.00"), "sum.csv")
    assert read.payouts == ()
    assert "sum.csv: vipps payout 2000077: its items add up to 345,00 but the payout is 355,00 (difference 10,00)" \
        in errors(read)


# --- XLSX --------------------------------------------------------------------------------------------

def test_shared_xlsx_reads_to_the_ore():
    path = shared_file("payments/vipps/vipps-settlement-example.xlsx")
    read = VippsXlsxSource().read(path.read_bytes(), path.name)
    assert read.ok, errors(read)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    expected: dict[str, dict] = {}
    for row in sheet.iter_rows(min_row=9, values_only=True):
        if not row or row[0] is None:
            continue
        entry = expected.setdefault(row[10], {"gross": 0, "fees": 0, "net": None, "account": row[2]})
        if str(row[0]).startswith("Til utbetaling"):
            entry["net"] = ore(str(row[12]))
        else:
            entry["gross"] += ore(str(row[6]))
            entry["fees"] += ore(str(row[7]))
    got = {p.payout_id: {"gross": p.gross, "fees": p.fees, "net": p.net, "account": p.account} for p in read.payouts}
    assert got == expected and len(got) == 4


def test_shared_xlsx_and_xml_of_one_settlement_agree():
    xml = shared_file("payments/vipps/Vipps-oppgjorsrapport-16655-2018-09-23.xml")
    xlsx = shared_file("payments/vipps/Vipps-oppgjorsrapport-16655-2018-09-23.xlsx")
    (from_xml,) = VippsXmlSource().read(xml.read_bytes(), xml.name).payouts
    read = VippsXlsxSource().read(xlsx.read_bytes(), xlsx.name)  # a stylesheet openpyxl refuses: read without it
    assert read.ok, errors(read)
    (from_xlsx,) = read.payouts
    assert (from_xlsx.payout_id, from_xlsx.account, from_xlsx.net, from_xlsx.gross, from_xlsx.fees, from_xlsx.paid_on) \
        == (from_xml.payout_id, from_xml.account, from_xml.net, from_xml.gross, from_xml.fees, from_xml.paid_on)


def _xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Rapport"
    sheet.append(["Oppgjørsrapport"])
    sheet.append([])
    sheet.append(["Salgsdato", "Salgssted", "Vippsnummer", "Produkt", "Transaksjons-ID", "Ordre-ID", "Brutto",
                  "Gebyr", "Netto", "Transaksjonstype", "Oppgjørs-ID", "Oppgjørsdato", "Oppgjørssum", "Oppgjørskonto"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_bad_xlsx_cells_are_named_by_sheet_and_cell():
    rows = [
        ["01.11.2026", "B", "2142", "Vipps", "1", "", 100, -1.5, 98.5, "Salg", "7", "03.11.2026"],
        ["01.11.2026", "B", "2142", "Vipps", "2", "", 50, 0.75, 50.75, "Salg", "7", "03.11.2026"],
        ["01.11.2026", "B", "2142", "Vipps", "3", "", "tjue", -0.3, 19.7, "Kjøp", "7", "03.11.2026"],
        ["Til utbetaling netto", "B", "2142", None, None, None, None, None, None, None, "7", "03.11.2026", 168.95],
    ]
    read = VippsXlsxSource().read(_xlsx(rows), "bad.xlsx")
    assert read.payouts == ()
    columns = {p.column for p in read.problems if p.is_error}
    assert {"Rapport!H5 (Gebyr)", "Rapport!G6 (Brutto)", "Rapport!J6 (Transaksjonstype)"} <= columns, columns


def test_xlsx_read_exactly():
    rows = [["01.11.2026", "B", "2142", "Vipps", "1", "W1", 12.345, -0.3, 12.045, "Salg", "7", "03.11.2026"],
            ["Til utbetaling netto", "B", "2142", None, None, None, None, None, None, None, "7", "03.11.2026", 0]]
    read = VippsXlsxSource().read(_xlsx(rows), "float.xlsx")
    # a cell holding more than two decimals is refused, never rounded
    assert read.payouts == ()
    assert any(p.column == "Rapport!G4 (Brutto)" and "more than two decimals" in p.message
               for p in read.problems if p.is_error)


def test_the_file_sources_sniff_their_own_formats_only(tmp_path: Path):
    samples = {"xml": _xml(GOOD_TRANSACTION), "csv": _csv(GOOD_ROWS), "xlsx": _xlsx([])}
    for kind, data in samples.items():
        claimed = [s.name for s in FILE_SOURCES_VIPPS if s.sniff(data, f"f.{kind}")]
        assert claimed == [{"xml": VippsXmlSource, "csv": VippsCsvSource, "xlsx": VippsXlsxSource}[kind].name]


# --- Report API --------------------------------------------------------------------------------------

def _two_ledgers(vipps):
    vipps.ledgers.add_ledger("302321", "123455")
    vipps.ledgers.add_ledger("302322", "57860", vippsnummer=True)
    first = vipps.ledgers.add_day("302321", date(2026, 11, 2), [(10000, "WOO-1"), (25050, "WOO-2")], [(5000, "WOO-0")])
    second = vipps.ledgers.add_day("302321", date(2026, 11, 3), [(999, "WOO-3")])
    vipps.ledgers.add_day("302321", date(2026, 11, 4), [(1234, "WOO-4")], payout=False)  # still open
    third = vipps.ledgers.add_day("302322", date(2026, 11, 2), [(20000, "")])
    return first, second, third


def test_report_api_reads_every_ledger_by_cursor(vipps):
    first, second, third = _two_ledgers(vipps)
    source = VippsReportApiSource(vipps_client(vipps))
    read = source.fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok, errors(read)
    got = {p.payout_id: (p.account, p.paid_on, p.net, p.gross, p.fees) for p in read.payouts}
    # independent: what the sandbox booked, fees at 1.5 % rounded half up per capture
    assert got == {
        first.settlement_number: ("123455", date(2026, 11, 2), 10000 + 25050 - 5000 - 150 - 376, 30050, -526),
        second.settlement_number: ("123455", date(2026, 11, 3), 999 - 15, 999, -15),
        third.settlement_number: ("57860", date(2026, 11, 2), 20000 - 300, 20000, -300),
    }
    for payout in read.payouts:
        assert sum(i.amount for i in payout.items) == payout.net
    fees = [i for i in read.payouts[0].items if i.kind is ItemKind.FEE]
    assert [(f.amount, f.order_ref) for f in fees] == [(-150, "WOO-1"), (-376, "WOO-2")]  # per capture, from the fees feed
    paths = [r.path for r in vipps.requests]
    assert paths.count("/settlement/v1/ledgers") == 2  # one ledger per page: the cursor was followed
    funds = [r for r in vipps.requests if r.path == "/report/v2/ledgers/302321/funds/feed"]
    assert len(funds) == 6 and funds[0].query == {} and all(r.query.get("cursor") for r in funds[1:])
    assert funds[-1].response["tryLater"] is True


def test_report_api_only_returns_payouts_in_the_range(vipps):
    first, second, _ = _two_ledgers(vipps)
    read = VippsReportApiSource(vipps_client(vipps), ledger_ids=["302321"]).fetch(date(2026, 11, 3), date(2026, 11, 3))
    assert [p.payout_id for p in read.payouts] == [second.settlement_number]


def test_report_api_honours_a_429_burst_and_retries_a_5xx(vipps):
    _two_ledgers(vipps)
    sleeps: list[float] = []
    vipps.faults.burst_429(2, retry_after=2)
    read = VippsReportApiSource(vipps_client(vipps, sleeps=sleeps)).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok and len(read.payouts) == 3
    assert [r.status for r in vipps.requests[1:3]] == [429, 429]
    assert len(sleeps) == 2 and all(s >= 2 for s in sleeps)  # Retry-After waited for, jitter on top

    vipps.faults.error_rate(1.0, statuses=(503,))
    waits: list[float] = []
    client = vipps_client(vipps)
    client.sleep = lambda s: (waits.append(s), vipps.faults.clear())  # the outage ends while we wait
    read = VippsReportApiSource(client).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok and len(read.payouts) == 3 and len(waits) == 1
    assert any(r.status == 503 for r in vipps.requests)


def test_report_api_names_refused_credentials(vipps):
    _two_ledgers(vipps)
    with pytest.raises(VippsAuthError, match="SETTLEMENT_VIPPS_CLIENT_ID"):
        VippsReportApiSource(vipps_client(vipps, secret="wrong")).fetch(date(2026, 11, 1))
    client = vipps_client(vipps)
    client.ledgers()
    vipps.revoke_tokens()  # the token dies early: one new token, then the read goes on
    assert len(client.ledgers()) == 2
    assert [r.path for r in vipps.requests].count("/accesstoken/get") == 3


def test_report_api_entries_that_do_not_add_up_are_named(vipps):
    vipps.ledgers.add_ledger("1", "9")
    vipps.ledgers.add_day("1", date(2026, 11, 2), [(10000, "A")], fee_basis_points=0, payout=False)
    vipps.ledgers.add_entry("1", "funds", {"pspReference": "x1", "time": "2026-11-02T20:00:00Z", "ledgerDate": "2026-11-02",
                                           "entryType": "mystery-credit", "reference": "", "currency": "NOK", "amount": 500,
                                           "recipientHandle": "api:9"})
    vipps.ledgers.add_entry("1", "funds", {"pspReference": "x2", "time": "2026-11-02T21:00:00Z", "ledgerDate": "2026-11-02",
                                           "entryType": "scheduled-for-payout", "reference": "Vipps utbet. 2000999 Vippsnr 9",
                                           "currency": "NOK", "amount": -10400, "balanceBefore": 10500,
                                           "balanceAfter": 0, "recipientHandle": "api:9"})
    read = VippsReportApiSource(vipps_client(vipps)).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.payouts == ()
    messages = [str(p) for p in read.problems]
    assert any("/report/v2/ledgers/1/funds/feed:3: balanceBefore 105,00 + amount -104,00 is not balanceAfter 0,00" in m
               for m in messages), messages
    assert any("warning: entry type 'mystery-credit'" in m for m in messages)
    assert any("vipps payout 2000999: its items add up to 105,00 but the payout is 104,00" in m for m in messages)


def test_report_api_sandbox_answers_match_the_swagger(vipps):
    spec = load_spec(VIPPS_SPEC)
    _two_ledgers(vipps)
    client = vipps_client(vipps)
    VippsReportApiSource(client).fetch(date(2026, 11, 1), date(2026, 11, 30))
    client.get("/report/v2/ledgers/302321/funds/dates/2026-11-02")
    client.get("/report/v2/ledgers/302321/fees/dates/2026-11-02")
    problems, checked = contract_problems(vipps, spec)
    # The spec's own example ledger has `currency`, which its Ledger schema forgot: served as the example shows.
    problems = [p for p in problems if "'currency' was unexpected" not in p]
    assert problems == [] and checked >= 10


def test_the_sandbox_stops_by_itself():
    from settlement.vipps_sandbox import VippsSandbox

    sandbox = VippsSandbox.start(max_seconds=0.3)
    assert sandbox.wait(5), "the sandbox kept running past max_seconds"


def test_report_api_keeps_fees_retained_when_the_fees_feed_disagrees(vipps):
    vipps.ledgers.add_ledger("1", "9")
    result = vipps.ledgers.add_day("1", date(2026, 11, 2), [(10000, "A"), (20000, "B")])
    vipps.ledgers.by_id["1"].fees[0]["amount"] -= 1  # the fees feed's first capture fee one øre off
    read = VippsReportApiSource(vipps_client(vipps)).fetch(date(2026, 11, 1), date(2026, 11, 30))
    assert read.ok, errors(read)
    (payout,) = read.payouts
    assert payout.net == result.net and [i.amount for i in payout.items if i.kind is ItemKind.FEE] == [result.fees]
    assert any("capture fees add up to -4,51, the funds feed retained -4,50" in str(p) for p in read.problems)


# --- through the CLI ---------------------------------------------------------------------------------

def _with_vipps_account(ws, account: str) -> None:
    from tests.test_payouts_support import with_payouts

    with_payouts(ws, {"bergen-bryggen": f'payouts = [{{ provider = "vipps", account = "{account}", '
                                        f'payment = "payment_vipps" }}]'})
    text = (ws.path / "vendors.toml").read_text(encoding="utf-8")
    # the vendor's Stripe line comes first: keep only the Vipps one for it
    ws.write("vendors.toml", text.replace(
        'payouts = [{ provider = "stripe", account = "acct_bergen", payment = "payment_stripe" }]\n', "", 1))


def test_cli_imports_the_shared_xml_report_once(workspace):
    xml = shared_file("payments/vipps/Vipps-oppgjorsrapport-16655-2018-09-23.xml")
    _with_vipps_account(workspace, "16655")
    result = workspace.run("import", "payouts", str(xml), "--provider", "vipps")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 vipps payout(s)" in result.stdout
    again = workspace.run("import", "payouts", str(xml), "--provider", "vipps")
    assert again.returncode == 0 and "unchanged" in again.stdout, again.stdout + again.stderr


def test_cli_names_every_bad_csv_row_and_stores_nothing(workspace):
    _with_vipps_account(workspace, "123455")
    rows = [GOOD_ROWS[0].replace("400.00,NOK", "4OO.00,NOK"), GOOD_ROWS[1].replace(",2000077,", ",2999999,")]
    path = workspace.write("in/bad.csv", _csv(rows).decode())
    status, out, err = workspace.invoke("import", "payouts", str(path), "--provider", "vipps")
    assert status == 1 and "nothing imported" in out
    assert f"{path}:6: Gross: not an amount: '4OO.00'" in err, err
    assert f"{path}:7: transaction 2178112105 belongs to settlement 2999999" in err, err
