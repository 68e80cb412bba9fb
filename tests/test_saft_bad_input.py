"""Bad SAF-T files through the real CLI: each error names the file, the line and the element,
and nothing of the file is stored, not even its good transactions."""

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
    "line-vat-differs-from-transaction-vat": (
        one_register(second(summary_vat_delta=1)),
        TRANSACTION_2,
        "register K1 transaction 2: the lines carry VAT 10,00 but the transaction's <vat> adds up to 10,01",
        "(column 'vatAmnt')",
    ),
    "truncated": (
        one_register(second()),
        None,
        "the file ends before the XML is complete (truncated export?)",
        "",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_names_file_line_and_element_and_stores_nothing(workspace, case):
    saft, line_text, message, detail = CASES[case]
    path = saft.write(workspace.path / f"{case}.xml")
    if case == "truncated":
        truncated(path)
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")

    assert status == 1
    assert f"{path}: 1 error(s); nothing imported from this file" in out
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
        Transaction("9", "2026-11-01", "12:00:00", [Line(99900)]),  # would replace the stored receipt 9
    )
    path = bad.write(workspace.path / "bad.xml")
    status, out, err = workspace.invoke("import", "saft", str(path), "--vendor", "oslo-sentrum")

    assert status == 1 and "2 error(s); nothing imported" in out
    assert f"{path}:{line_of(path, '<paymentType>BITCOIN')}: register K1 transaction 2: payment type 'BITCOIN'" in err
    assert f"{path}:{line_of(path, '<transAmntIn>12.345')}: register K1 transaction 3: <transAmntIn> is not an amount" in err
    app = workspace.app()
    assert app.sales.days_with_sales("oslo-sentrum") == [GOOD_DAY_BEFORE]
    assert app.sales.summary("oslo-sentrum", GOOD_DAY_BEFORE) == summary_before


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


def test_an_error_after_batches_were_written_rolls_back_the_whole_file(workspace):
    """Big files are stored in batches inside one transaction; a late error undoes the early batches."""
    from settlement.sources.saft import import_saft_file

    early = [Transaction(str(n), "2026-11-02", f"09:{n:02d}:00", [Line(1000 * n)], [Payment("CASH", 1000 * n)]) for n in range(2, 8)]
    late = Transaction("99", "2026-11-03", "09:00:00", [Line(5000)], [Payment("BITCOIN", 5000)])
    path = one_register(*early, late).write(workspace.path / "late.xml")
    app = workspace.app()

    outcome = import_saft_file(path, app.engine, app.sales, app.vendors, app.vendor("oslo-sentrum"), batch_lines=4)

    assert not outcome.stored and outcome.vendors == {}
    assert [p.message for p in outcome.problems] == ["register K1 transaction 99: payment type 'BITCOIN' is not a payment type in <basics>"]
    assert app.sales.days_with_sales("oslo-sentrum") == []
    assert app.sales.notes("oslo-sentrum", GOOD_DAY) == []

    # The same file without the bad transaction is stored in several batches, all of it.
    path = one_register(*early).write(workspace.path / "good.xml")
    outcome = import_saft_file(path, app.engine, app.sales, app.vendors, app.vendor("oslo-sentrum"), batch_lines=4)
    assert outcome.stored and outcome.vendors["oslo-sentrum"].receipts == 7
    assert sum(r.amount for r in app.sales.summary("oslo-sentrum", GOOD_DAY) if r.type == "payment") == 10000 + sum(1000 * n for n in range(2, 8))
