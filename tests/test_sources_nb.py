"""The import commands in bokmål (SETTLEMENT_LANGUAGE=nb), through the real CLI in a subprocess:
a sales CSV's bad rows, a bad SAF-T file and a bad payout report are each named with file and line
(and column and value) in Norwegian, with the same file:line as in English."""

from __future__ import annotations

import pytest

from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction


@pytest.fixture
def norwegian(workspace):
    workspace.extra_env["SETTLEMENT_LANGUAGE"] = "nb"
    return workspace


HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
GOOD = "OK-1;2026-11-02T10:00:00;sale;high;3;100,00;20,00\nOK-1;2026-11-02T10:00:00;payment;card;;100,00;\n"
# Each bad row (lines 4 to 9 of the file) and the Norwegian problem it gives.
BAD_ROWS = [
    ("X;2026-11-02T10:00:00;sold;high;3;1,00;",
     "ukjent type; forventet en av sale, return, shipping, tip, gift_card_sold, rounding, payment "
     "(kolonne 'type', verdi 'sold')"),
    ("X;2026-11-02T10:00:00;sale;;3;1,00;",
     "code er tom; en rad av typen sale trenger varegruppen sin (kolonne 'code', verdi '')"),
    ("X;2026-11-02T10:00:00;sale;high;3;-5,00;",
     "et beløp av typen sale kan ikke være negativt (en retur har typen 'return') (kolonne 'amount', verdi '-5,00')"),
    ("X;2026-11-02T10:00:00;sale;high;3;5,00;6,00;",
     "mva er større enn beløpet den er en del av (kolonne 'vat', verdi '6,00')"),
    ("X;2026-11-02T10:00:00;tip;;3;5,00;",
     "en rad av typen tip har ikke mva; la vat_code være tom (kolonne 'vat_code', verdi '3')"),
    (";2026-11-02T10:00:00;sale;high;3;1,00;", "receipt_id er tom (kolonne 'receipt_id', verdi '')"),
]


def test_a_sales_csv_with_bad_rows_names_each_by_file_and_line_in_norwegian(norwegian):
    path = norwegian.write("in/sales.csv", HEADER + GOOD + "".join(row + "\n" for row, _ in BAD_ROWS))
    result = norwegian.run("import", "sales", str(path), "--vendor", "bergen-bryggen")

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines() == [f"{path}:{line}: {message}"
                                          for line, (_, message) in enumerate(BAD_ROWS, start=4)]
    assert result.stdout.splitlines() == [f"{path}: 6 rad(er) med feil; ingenting importert fra denne filen"]
    assert norwegian.app().sales.days_with_sales("bergen-bryggen") == []


def test_a_good_sales_csv_says_what_it_stored_in_norwegian(norwegian):
    path = norwegian.write("in/sales.csv", HEADER + GOOD)
    result = norwegian.run("import", "sales", str(path), "--vendor", "bergen-bryggen")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{path}: importerte 1 kvittering(er), 2 linje(r) for bergen-bryggen (0 erstattet en tidligere versjon); "
        "forretningsdager: 02.11.2026"]


def _saft_line(path, text: str, occurrence: int) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            occurrence -= 1
            if occurrence == 0:
                return number
    raise AssertionError(f"{text!r} not in {path}")


def test_a_bad_saft_transaction_names_its_element_in_norwegian(norwegian):
    good = Transaction("1", "2026-11-02", "09:00:00", [Line(10000)], [Payment("CARD", 10000)])
    bad = Transaction(trans_id="2", date="2026-11-02", time="10:00:00", lines=[Line(5000)], amount_override="60.00")
    path = SaftFile([Location("Butikk A", [Register("K1", [good, bad])])]).write(norwegian.path / "kasse.xml")
    result = norwegian.run("import", "saft", str(path), "--vendor", "oslo-sentrum")

    assert result.returncode == 1, result.stdout + result.stderr
    line = _saft_line(path, "<transAmntIn>60.00", 1)
    assert result.stderr.splitlines() == [
        f"{path}:{line}: kasse K1 transaksjon 2: linjene summerer seg til 50,00, men <transAmntIn> er 60,00 "
        "(kolonne 'transAmntIn', verdi '60.00')"]
    assert result.stdout.splitlines() == [  # the file is stored but for its blocked day
        f"{path}: importerte 0 transaksjon(er), 0 linje(r) for oslo-sentrum (0 erstattet en tidligere versjon); "
        "forretningsdager: ingen",
        f"{path}: forretningsdag 02.11.2026 for oslo-sentrum stoppet av 1 feil; ingenting fra den dagen er importert "
        "fra denne filen, de andre dagene er importert"]
    assert norwegian.app().sales.days_with_sales("oslo-sentrum") == []


def test_a_saft_file_of_another_kind_is_named_by_its_root_element_in_norwegian(norwegian):
    path = SaftFile([Location("Butikk A", [Register("K1", [])])],
                    namespace="urn:StandardAuditFile-Taxation-Financial:NO").write(norwegian.path / "finans.xml")
    result = norwegian.run("import", "saft", str(path), "--vendor", "oslo-sentrum")

    assert result.returncode == 1, result.stdout + result.stderr
    line = _saft_line(path, "<auditfile", 1)
    assert result.stderr.splitlines() == [
        f"{path}:{line}: ikke en SAF-T Cash Register-fil: rotelementet er "
        "'{urn:StandardAuditFile-Taxation-Financial:NO}auditfile' (SAF-T Financial, ikke SAF-T Cash Register) "
        "(kolonne 'auditfile', verdi '{urn:StandardAuditFile-Taxation-Financial:NO}auditfile')"]
    assert result.stdout.splitlines() == [f"{path}: 1 feil; ingenting importert fra denne filen"]


VIPPS_CSV = [
    "OrganizationNumber,MerchantName", "918713867,Vipps AS",
    "SettlementInfo,SalesUnitName,SaleUnitNumber,SettlementDate,SettlementID,SettlementAccount,Gross,Currency,Fee,"
    "Refund,Net,NumberOfTransactions",
    "SettlementInfo,Butikk,123455,03.11.2026,2000077,15039794613,400.00,NOK,-5.00,0.00,395.00,1",
    "TransactionInfo,SalesDate,SaleUnitName,SaleUnitNumber,TransactionId,SettlementId,OrderID,SettlementDate,Gross,"
    "Currency,Fee,Refund,Net",
    "TransactionInfo,01.11.2026,Butikk,123455,2178112104,2000077,WOO-1,03.11.2026,400.00,NOK,-5.00,0.00,395.00",
    "TransactionInfo,02.11.2026,Butikk,123455,2178112105,2999999,WOO-0,03.11.2026,0.00,NOK,0.00,-50.00,-50.00",
    "TransactionInfo,02.11.2026,Butikk,123455,2178112106,2000077,WOO-2,03.11.2026,-10.00,NOK,0.00,0.00,-10.00",
]


def test_a_bad_payout_report_names_file_and_line_in_norwegian(norwegian):
    from tests.test_payouts_support import with_payouts

    with_payouts(norwegian, {"bergen-bryggen": 'payouts = [{ provider = "vipps", account = "123455", '
                                               'payment = "payment_vipps" }]'})
    text = (norwegian.path / "vendors.toml").read_text(encoding="utf-8")
    norwegian.write("vendors.toml", text.replace(
        'payouts = [{ provider = "stripe", account = "acct_bergen", payment = "payment_stripe" }]\n', "", 1))
    path = norwegian.write("in/vipps.csv", "\n".join(VIPPS_CSV) + "\n")
    result = norwegian.run("import", "payouts", str(path), "--provider", "vipps")

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines() == [  # in file:line order
        f"{path}:7: transaksjon 2178112105 hører til oppgjør 2999999, som ikke står i rapporten (oppført: 2000077) "
        "(kolonne 'SettlementId', verdi '2999999')",
        f"{path}:8: Gross er negativ (en refusjon hører hjemme i Refund) (kolonne 'Gross', verdi '-10.00')",
    ]
    assert result.stdout.splitlines() == [f"{path}: ingenting importert"]


@pytest.fixture
def bokmal():
    """Installs bokmål in this process when called (after the app is loaded: loading installs the
    settings' language, English in tests), and English again after the test."""
    from settlement import i18n
    from settlement.domain import text

    try:
        yield lambda: text.install(i18n.load("nb"))
    finally:
        text.install(text.ENGLISH)


def test_a_bad_drop_folder_file_has_its_reasons_beside_it_in_norwegian(workspace, bokmal):
    from settlement.serve.dropfolder import REJECTED, process_drop_folder

    app = workspace.app()
    bokmal()
    folder = workspace.path / "drop"
    folder.mkdir()
    (folder / "bad.csv").write_text(HEADER + "R-1;2026-11-02T10:00:00;sold;high;3;10,00;2,00\n"
                                    "R-2;2026-11-02T10:00:00;sale;high;3;5,00;6,00\n", encoding="utf-8")
    (folder / "notes.txt").write_text("hei", encoding="utf-8")
    results = {r.name: r for r in process_drop_folder(app, app.vendor("bergen-bryggen"), folder, settle_seconds=0)}

    assert {name: r.outcome for name, r in results.items()} == {"bad.csv": REJECTED, "notes.txt": REJECTED}
    reasons = (folder / "failed" / "bad.csv.error.txt").read_text(encoding="utf-8").splitlines()
    assert reasons == [
        "bad.csv ble ikke importert: 2 rad(er) med feil; ingenting importert",
        f"{folder / 'bad.csv'}:2: ukjent type; forventet en av sale, return, shipping, tip, gift_card_sold, rounding, "
        "payment (kolonne 'type', verdi 'sold')",
        f"{folder / 'bad.csv'}:3: mva er større enn beløpet den er en del av (kolonne 'vat', verdi '6,00')",
    ]
    assert (folder / "failed" / "notes.txt.error.txt").read_text(encoding="utf-8") == (
        "notes.txt ble ikke importert: verken en SAF-T-eksport (.xml), en generisk kvitterings-CSV (.csv) eller en "
        "utbetalingsrapport dette produktet leser (Vipps MobilePay XML/CSV/XLSX, Stripes payout reconciliation-CSV, "
        "Klarnas settlement-CSV); ingenting importert\n")


def test_saft_read_by_two_processes_speaks_the_importing_process_language(workspace, bokmal):
    """A large SAF-T file is read by two worker processes: their problems are in bokmål too."""
    from tests.test_saft_parallel import described, import_both, shop

    bad = Transaction("99", "2026-11-03", "20:00:00", [Line(5000)], amount_override="60.00")
    path = shop(K4=[bad]).write(workspace.path / "shop.xml")  # K4: in the second process's part
    app = workspace.app()  # loading installs the settings' language (English): bokmål after it
    bokmal()
    workspace.app = lambda: app  # import_both loads the app once more
    (here, _, notes_here), (two, _, notes_two) = import_both(workspace, path)

    assert described(here) == described(two)
    assert notes_here == notes_two
    messages = [p.message for p in two.problems]
    assert "kasse K4 transaksjon 99: linjene summerer seg til 50,00, men <transAmntIn> er 60,00" in messages, messages
    assert any(m.startswith("kasse K4, Z-rapport K4-02 (02.11.2026): ") for m in messages), messages
