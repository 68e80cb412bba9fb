"""Bad SAF-T files through the real CLI: each error names the file, the line and the element.

A file that cannot be read (or whose day cannot be told) stores nothing; a transaction whose
figures are wrong blocks its business day: nothing of that day is stored, not even its good
transactions, while the file's other days are (settlement.sources.importing)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.saft_builder import Line, Location, Payment, Register, SaftFile, Transaction

GOOD_DAY, GOOD_DAY_BEFORE = date(2026, 11, 2), date(2026, 11, 1)
GOOD = Transaction("1", "2026-11-02", "09:00:00", [Line(10000)], [Payment("CARD", 10000)])


def one_register(*transactions: Transaction, **options) -> SaftFile:
    return SaftFile([Location("Butikk A", [Register("K1", [GOOD, *transactions])])], **options)


def second(**fields) -> Transaction:
    """Transaction 2 of register K1: a 50.00 cash sale at 25 %, with the given fields changed."""
    defaults = dict(trans_id="2", date="2026-11-02", time="10:00:00", lines=[Line(5000)])
    return Transaction(**{**defaults, **fields})


def line_of(path: Path, text: str, occurrence: int = 1) -> int:
    """The 1-based line of the file where `text` occurs for the `occurrence`-th time."""
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if text in line:
            occurrence -= 1
            if occurrence == 0:
                return number
    raise AssertionError(f"{text!r} not in {path}")


def truncated(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


# case id → (file, (text, occurrence) on the line the error must point at (None: the file's last line),
#            message, column/value detail). Sums that do not add up point at their <cashtransaction>.
TRANSACTION_2 = ("<cashtransaction>", 2)
CASES = {
    "doctype-with-external-entity": (
        one_register(doctype='<!DOCTYPE auditfile [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'),
        ("<!DOCTYPE", 1),
        "the file has a <!DOCTYPE> declaration; SAF-T files never have one, so it is refused",
        "",
    ),
    "danish-namespace": (
        one_register(namespace="urn:StandardAuditFile-Taxation-CashRegister:DK"),
        ("<auditfile", 1),
        "not a SAF-T Cash Register file: the root element is '{urn:StandardAuditFile-Taxation-CashRegister:DK}auditfile' "
        "(the Danish cash register format)",
        "(column 'auditfile'",
    ),
    "unknown-namespace": (
        one_register(namespace="urn:example:kasse"),
        ("<auditfile", 1),
        "not a SAF-T Cash Register file: the root element is '{urn:example:kasse}auditfile' "
        '(expected <auditfile xmlns="urn:StandardAuditFile-Taxation-CashRegister:NO">)',
        "(column 'auditfile'",
    ),
    "unknown-payment-type": (
        one_register(second(payments=[Payment("BITCOIN", 5000)])),
        ("<paymentType>BITCOIN", 1),
        "register K1 transaction 2: payment type 'BITCOIN' is not a payment type in <basics>",
        "(column 'paymentType', value 'BITCOIN')",
    ),
    "payment-type-of-another-kind": (
        one_register(second(payments=[Payment("SAL", 5000)])),
        ("<paymentType>SAL", 1),
        "register K1 transaction 2: payment type 'SAL' is not a payment type in <basics> (it is a basic of type 05, not 12)",
        "(column 'paymentType', value 'SAL')",
    ),
    "comma-amount": (
        one_register(second(amount_override="50,00")),
        ("<transAmntIn>50,00", 1),
        "register K1 transaction 2: <transAmntIn> is not an amount (expected e.g. 123.45 or -16.40)",
        "(column 'transAmntIn', value '50,00')",
    ),
    "word-amount": (
        one_register(second(amount_override="femti")),
        ("<transAmntIn>femti", 1),
        "register K1 transaction 2: <transAmntIn> is not an amount",
        "(column 'transAmntIn', value 'femti')",
    ),
    "missing-amount": (
        one_register(second(amount_override="")),
        ("<transAmntIn></transAmntIn>", 1),
        "register K1 transaction 2: <cashtransaction> has no <transAmntIn>",
        "(column 'transAmntIn')",
    ),
    "lines-do-not-add-up": (
        one_register(second(amount_override="60.00")),
        ("<transAmntIn>60.00", 1),
        "register K1 transaction 2: the lines add up to 50,00 but <transAmntIn> is 60,00",
        "(column 'transAmntIn', value '60.00')",
    ),
    "payments-do-not-add-up": (
        one_register(second(payments=[Payment("CASH", 4000)])),
        TRANSACTION_2,
        "register K1 transaction 2: payments add up to 40,00, but the amount is 50,00 and the rounding 0,00",
        "(column 'paidAmnt')",
    ),
    "line-vat-differs-from-transaction-vat": (  # 0,01 is tolerated (tests/test_sources_saft_days.py)
        one_register(second(summary_vat_delta=2)),
        TRANSACTION_2,
        "register K1 transaction 2: the lines carry VAT 10,00 but the transaction's <vat> adds up to 10,02; "
        "more than 0,01 per VAT rate apart",
        "(column 'vatAmnt')",
    ),
    "truncated": (
        one_register(second()),
        None,
        "the file ends before the XML is complete (truncated export?)",
        "",
    ),
}


# Cases whose error is a transaction's with its day read: they block 2026-11-02, not the file.
DAY_CASES = {"unknown-payment-type", "payment-type-of-another-kind", "comma-amount", "word-amount", "missing-amount",
             "lines-do-not-add-up", "payments-do-not-add-up", "line-vat-differs-from-transaction-vat",
             "amount-beyond-int64", "line-amount-beyond-bound", "non-ascii-digits", "fullwidth-vat-percent",
             "200-character-transid"}


def assert_refused(path: Path, case: str, out: str) -> None:
    """The whole file refused, or (DAY_CASES) its one day blocked."""
    if case in DAY_CASES:
        assert f"{path}: business day 2026-11-02 of oslo-sentrum blocked by 1 error(s); nothing of that day " \
               "imported from this file" in out, out
    else:
        assert f"{path}: 1 error(s); nothing imported from this file" in out


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_names_file_line_and_element_and_stores_nothing(workspace, case):
    saft, line_text, message, detail = CASES[case]
    path = saft.write(workspace.path / f"{case}.xml")
    if case == "truncated":
        truncated(path)
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")

    assert status == 1
    assert_refused(path, case, out)
    expected_line = line_of(path, *line_text) if line_text else len(path.read_bytes().splitlines())
    assert err.startswith(f"{path}:{expected_line}: {message}"), err
    assert detail in err
    assert err.count("\n") == 1  # exactly one problem
    assert workspace.app().sales.days_with_sales("oslo-sentrum") == []  # not even transaction 1


def test_all_bad_transactions_are_reported_together_and_earlier_imports_stay(workspace):
    day_before = SaftFile([Location("Butikk A", [Register("K1", [Transaction("9", "2026-11-01", "12:00:00", [Line(700)])])])])
    workspace.invoke("import", "saft", str(day_before.write(workspace.path / "ok.xml")), "--vendor", "oslo-sentrum")
    summary_before = workspace.app().sales.summary("oslo-sentrum", GOOD_DAY_BEFORE)

    bad = one_register(
        second(payments=[Payment("BITCOIN", 5000)]),
        second(trans_id="3", amount_override="12.345"),
        Transaction("9", "2026-11-01", "12:00:00", [Line(99900)]),  # replaces the stored receipt 9: its day is good
    )
    path = bad.write(workspace.path / "bad.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")

    assert status == 1 and "business day 2026-11-02 of oslo-sentrum blocked by 2 error(s)" in out
    assert f"{path}:{line_of(path, '<paymentType>BITCOIN')}: register K1 transaction 2: payment type 'BITCOIN'" in err
    assert f"{path}:{line_of(path, '<transAmntIn>12.345')}: register K1 transaction 3: <transAmntIn> is not an amount" in err
    app = workspace.app()
    assert app.sales.days_with_sales("oslo-sentrum") == [GOOD_DAY_BEFORE]  # nothing of the blocked day
    assert summary_before != app.sales.summary("oslo-sentrum", GOOD_DAY_BEFORE)
    assert sum(r.amount for r in app.sales.summary("oslo-sentrum", GOOD_DAY_BEFORE) if r.type == "sale") == 99900


def test_a_repeated_transaction_id_in_one_file_is_an_error(workspace):
    path = one_register(GOOD).write(workspace.path / "twice.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert status == 1
    assert f"{path}: transaction 999999999/K1/1 occurs more than once in the file" in err
    assert workspace.app().sales.days_with_sales("oslo-sentrum") == []


def test_xml_decimal_forms_are_read_exactly(workspace):
    """xs:decimal allows '50', '50.' and '50.000'; all are 50,00 kr."""
    files = [one_register(second(trans_id=str(n), amount_override=text)) for n, text in ((2, "50"), (3, "50."), (4, "50.000"))]
    for number, saft in enumerate(files):
        # Each file repeats transaction 1; give each its own register so ids stay unique per file.
        saft.locations[0].registers[0].register_id = f"K{number + 1}"
        status, out, err = workspace.invoke("import", "saft", str(saft.write(workspace.path / f"d{number}.xml")), "--vendor", "oslo-sentrum")
        assert status == 0, err
    rows = workspace.app().sales.summary("oslo-sentrum", GOOD_DAY)
    assert sum(r.amount for r in rows if r.type == "sale") == 3 * (10000 + 5000)


def test_an_error_after_batches_were_written_blocks_only_its_day(workspace):
    """Big files are stored in batches inside one transaction; a late error on another day keeps
    the early batches, and a corrected file unblocks its day."""
    from settlement.sources.importing import import_file
    from settlement.sources.saft import SaftSource

    early = [Transaction(str(n), "2026-11-02", f"09:{n:02d}:00", [Line(1000 * n)], [Payment("CASH", 1000 * n)]) for n in range(2, 8)]
    late = Transaction("99", "2026-11-03", "09:00:00", [Line(5000)], [Payment("BITCOIN", 5000)])
    path = one_register(*early, late).write(workspace.path / "late.xml")
    app = workspace.app()

    outcome = import_file(app.sales, app.vendors, SaftSource(batch_lines=4), path, vendor=app.vendor("oslo-sentrum"))

    late_day = date(2026, 11, 3)
    assert outcome.stored and list(outcome.blocked["oslo-sentrum"]) == [late_day]
    assert [p.message for p in outcome.problems] == ["register K1 transaction 99: payment type 'BITCOIN' is not a payment type in <basics>"]
    assert app.sales.days_with_sales("oslo-sentrum") == [GOOD_DAY]
    assert sum(r.amount for r in app.sales.summary("oslo-sentrum", GOOD_DAY) if r.type == "payment") == 10000 + sum(1000 * n for n in range(2, 8))
    assert app.voucher("oslo-sentrum", late_day).blocked

    # The corrected file stores the late day too and unblocks it.
    late.payments = [Payment("CASH", 5000)]
    path = one_register(*early, late).write(workspace.path / "good.xml")
    outcome = import_file(app.sales, app.vendors, SaftSource(batch_lines=4), path, vendor=app.vendor("oslo-sentrum"))
    assert outcome.stored and outcome.blocked == {} and outcome.vendors["oslo-sentrum"].receipts == 8
    assert app.sales.days_with_sales("oslo-sentrum") == [GOOD_DAY, late_day]
    assert not app.voucher("oslo-sentrum", late_day).errors


# Hostile files (the adversary): each is a problem naming the file, the line and the element,
# never a traceback, and nothing of the file is stored. (name → (file bytes from the good file,
# text on the line the error points at, message, element)).
def _hostile(workspace, name: str) -> tuple[bytes, str, str, str | None]:
    good = one_register(second()).write(workspace.path / "good.xml").read_bytes()

    def sub(old: bytes, new: bytes) -> bytes:
        assert good.count(old) >= 1, old
        return good.replace(old, new, 1)

    transaction_2 = b"<transID>2</transID>"
    cases = {
        "amount-beyond-int64": (sub(b"<transAmntIn>50.00", b"<transAmntIn>99999999999999999999.00"), "<transAmntIn>9999",
                                "register K1 transaction 2: <transAmntIn> is larger than the plausible bound of "
                                "100 000 000,00 NOK per amount", "transAmntIn"),
        "line-amount-beyond-bound": (sub(b"<lineAmntIn>50.00", b"<lineAmntIn>100000000.01"), "<lineAmntIn>1000",
                                     "register K1 transaction 2: <lineAmntIn> is larger than the plausible bound", "lineAmntIn"),
        "non-ascii-digits": (sub(b"<transAmntIn>50.00", "<transAmntIn>٥٠.00".encode()), "<transAmntIn>٥",
                             "register K1 transaction 2: <transAmntIn> is not an amount", "transAmntIn"),
        "fullwidth-vat-percent": (sub(b"<vatPerc>25.00", "<vatPerc>２5.00".encode()), "<vatPerc>２",
                                  "register K1 transaction 1: <vatPerc> is not a percentage", "vatPerc"),
        "year-0001": (sub(b"<transDate>2026-11-02</transDate>\n<transTime>10:00:00",
                          b"<transDate>0001-01-01</transDate>\n<transTime>00:00:00"), "<transDate>0001",
                      "register K1 transaction 2: <transDate> 0001-01-01 is outside the plausible years 1900-2999", "transDate"),
        "year-9999": (sub(b"<transDate>2026-11-02</transDate>\n<transTime>10:00:00",
                          b"<transDate>9999-12-31</transDate>\n<transTime>23:59:59-12:00"), "<transDate>9999",
                      "register K1 transaction 2: <transDate> 9999-12-31 is outside the plausible years 1900-2999", "transDate"),
        "time-not-a-time": (sub(b"<transDate>2026-11-02</transDate>\n<transTime>10:00:00", b"<transDate>2026-13-45</transDate>\n<transTime>10:00:00"), "<transDate>2026-13",
                             "register K1 transaction 2: <transDate>/<transTime> is not a date and time", "transDate"),
        "nul-in-transid": (sub(transaction_2, b"<transID>2\x00</transID>"), "<transID>2",
                           "not well-formed XML in <transID>: a character XML 1.0 does not allow: U+0000 NUL", "transID"),
        "control-character-in-transid": (sub(transaction_2, b"<transID>2\x07</transID>"), "<transID>2",
                                         "not well-formed XML in <transID>: a character XML 1.0 does not allow: "
                                         "U+0007 a control character", "transID"),
        "nul-as-character-reference": (sub(transaction_2, b"<transID>2&#0;</transID>"), "<transID>2",
                                       "not well-formed XML in <transID>: a character XML 1.0 does not allow: U+0000 NUL "
                                       "(written as &#0;)", "transID"),
        "200-character-transid": (sub(transaction_2, b"<transID>" + b"7" * 200 + b"</transID>"), "<transID>7777",
                                  "register K1 transaction 7777777777777777777777777777777777777777… (200 characters): "
                                  "the receipt id <companyIdent>/<registerID>/<transID> is 213 characters long; "
                                  "at most 128 are stored", "transID"),
        "undefined-entity": (sub(transaction_2, b"<transID>&foo;</transID>"), "<transID>&foo;",
                             "not well-formed XML in <transID>: the entity &foo; is not defined", "transID"),
        "byte-undefined-in-cp1252": (sub(b'encoding="UTF-8"', b'encoding="windows-1252"').replace(b"Butikk A", b"Butikk \x81"),
                                     "<name>Butikk", "not well-formed XML in <name>: bytes that are not valid windows-1252 "
                                     "(the encoding the file declares): 0x81", "name"),
        "invalid-utf-8": (sub(b"Butikk A", b"Butikk \xc3\x28"), "<name>Butikk",
                          "not well-formed XML in <name>: bytes that are not valid UTF-8 (the encoding the file declares): 0xc3",
                          "name"),
        "10-mb-text": (sub(transaction_2, b"<transID>" + b"2" * (10 * 1024 * 1024 + 1) + b"</transID>"), "<transID>2222",
                       "not well-formed XML in <transID>: a text of more than 10 MB", "transID"),
        "deeply-nested": (sub(transaction_2, transaction_2 + b"<x>" * 300 + b"</x>" * 300), "<transID>2",
                          "not well-formed XML in <x>: elements nested more than 256 deep", "x"),
        "not-xml": (b"Kvittering;Dato;Belop\n1;2026-11-02;50,00\n", "Kvittering",
                    "not XML at all: the file does not start with an XML element", None),
        "empty": (b"", "", "the file is empty", None),
    }
    return cases[name]


HOSTILE = ["amount-beyond-int64", "line-amount-beyond-bound", "non-ascii-digits", "fullwidth-vat-percent", "year-0001",
           "year-9999", "time-not-a-time", "nul-in-transid", "control-character-in-transid", "nul-as-character-reference",
           "200-character-transid", "undefined-entity", "byte-undefined-in-cp1252", "invalid-utf-8", "10-mb-text",
           "deeply-nested", "not-xml", "empty"]


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_file_is_a_problem_naming_file_line_and_element(workspace, case):
    data, line_text, message, element = _hostile(workspace, case)
    path = workspace.path / f"{case}.xml"
    path.write_bytes(data)

    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")

    assert status == 1 and "Traceback" not in err
    assert_refused(path, case, out)
    if line_text:
        line = next(n for n, raw in enumerate(data.split(b"\n"), start=1) if line_text.encode() in raw)
        assert err.startswith(f"{path}:{line}: {message}"), err[:500]
    else:
        assert err.startswith(f"{path}: {message}"), err[:500]
    if element:
        assert f"(column {element!r}" in err
    assert len(err) < 2000  # a 10 MB value is never echoed
    assert workspace.app().sales.days_with_sales("oslo-sentrum") == []


def _big_shop(**late) -> SaftFile:
    """A file whose transaction 60 lies in the second reader's part when two processes read it."""
    transactions = [second(trans_id=str(n), time=f"{9 + n // 10:02d}:{n % 10:02d}:00") for n in range(2, 80)]
    transactions[58] = second(trans_id="60", time="15:00:00", **late)
    return one_register(*transactions)


def test_two_readers_report_hostile_input_as_problems(workspace, monkeypatch):
    """Files from 32 MB are read by two worker processes: their problems are reported, not a worker traceback."""
    from settlement.sources.importing import import_file
    from settlement.sources.saft import SaftSource
    from settlement.sources.saft.parallel import split_lines

    app = workspace.app()
    for case, late, raw in (("amount", {"amount_override": "99999999999999999999.00"}, None),
                            ("nul", {}, (b"<transID>60</transID>", b"<transID>60\x00</transID>")),
                            ("entity", {}, (b"<transID>60</transID>", b"<transID>&foo;</transID>"))):
        path = _big_shop(**late).write(workspace.path / f"two-{case}.xml")
        expected = line_of(path, "<transAmntIn>9999") if raw is None else line_of(path, "<transID>60")
        if raw:
            path.write_bytes(path.read_bytes().replace(*raw))
        (split,) = split_lines(str(path), 2)
        assert expected > split  # the second reader's part
        outcome = import_file(app.sales, app.vendors, SaftSource(workers=2), path, vendor=app.vendor("oslo-sentrum"))
        # A bad amount blocks its day (all of the file's one day); broken XML refuses the file.
        assert outcome.stored == (case == "amount") and outcome.errors == 1, outcome.problems
        (problem,) = outcome.problems
        assert (problem.line, problem.column) == (expected, "transAmntIn" if raw is None else "transID"), problem
    assert app.sales.days_with_sales("oslo-sentrum") == []

    # And through the CLI, with the two-process threshold lowered to this small file.
    monkeypatch.setattr("settlement.sources.saft.source.PARALLEL_FROM_BYTES", 1)
    monkeypatch.setattr("settlement.sources.saft.source.os.cpu_count", lambda: 2)
    status, out, err = workspace.invoke("import", "saft", str(workspace.path / "two-nul.xml"), "--vendor", "oslo-sentrum")
    assert status == 1 and "Traceback" not in err
    assert "in <transID>: a character XML 1.0 does not allow: U+0000 NUL" in err
    assert app.sales.days_with_sales("oslo-sentrum") == []


def test_the_line_and_day_bounds_are_the_settings(workspace):
    """SETTLEMENT_MAX_LINE_AMOUNT bounds every SAF-T amount; SETTLEMENT_MAX_DAY_AMOUNT a vendor-day's lines."""
    path = one_register(second()).write(workspace.path / "bounds.xml")
    workspace.extra_env["SETTLEMENT_MAX_LINE_AMOUNT"] = "60,00"  # transaction 1 is 100,00
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert status == 1 and "Traceback" not in err
    assert f"{path}:{line_of(path, '<transAmntIn>100.00')}: register K1 transaction 1: <transAmntIn> is larger than " \
           "the plausible bound of 60,00 NOK per amount" in err

    workspace.extra_env["SETTLEMENT_MAX_LINE_AMOUNT"] = "1000,00"
    workspace.extra_env["SETTLEMENT_MAX_DAY_AMOUNT"] = "200,00"  # sales 150,00 + payments 150,00 counted positive
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert status == 1 and "Traceback" not in err
    assert f"{path}: vendor oslo-sentrum, business day 2026-11-02: the lines would add up to 300,00 NOK" in err
    assert "nothing imported from this file" in out
    assert workspace.app().sales.days_with_sales("oslo-sentrum") == []

    workspace.extra_env["SETTLEMENT_MAX_DAY_AMOUNT"] = "300,00"
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")
    assert status == 0, err
    assert workspace.app().sales.days_with_sales("oslo-sentrum") == [GOOD_DAY]
