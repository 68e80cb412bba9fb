"""`import sales` streams: batches stored inside one transaction, several files and vendors in one
call, a vendor column, and a progress line only on a terminal.

The batch size is small in the use-case tests (StreamingCsvSource(batch_lines=...)) so that a few
lines cross several batches; the CLI tests use the real default.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from datetime import date

from settlement.sources.generic_csv_stream import BATCH_LINES, StreamingCsvSource
from settlement.sources.importing import import_file
from settlement.store.sales_store import SalesStore

HEADER = "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
DAY = date(2026, 11, 2)
OSLO, BERGEN = "oslo-sentrum", "bergen-bryggen"


def _receipt(rid: str, amount: str = "100,00", time: str = "10:00:00", day: str = "2026-11-02") -> str:
    return f"{rid};{day}T{time};sale;high;3;{amount};\n{rid};{day}T{time};payment;card;;{amount};\n"


def _receipts(count: int, prefix: str = "R") -> str:
    return "".join(_receipt(f"{prefix}{n}") for n in range(count))


def _sale_total(app, vendor: str, day: date = DAY) -> int:
    return sum(row.amount for row in app.sales.summary(vendor, day) if row.type == "sale")


def _import(app, path, batch_lines: int | None = 2, vendor: str = BERGEN, store=None):
    return import_file(store or app.sales, app.vendors, StreamingCsvSource(batch_lines), path,
                       vendor=app.vendor(vendor), line_limit=app.max_line_ore)


# -- the use case, batch by batch ------------------------------------------------------------------

def test_batches_of_one_file_are_stored_together(workspace):
    path = workspace.write("in/a.csv", HEADER + _receipts(7))
    app = workspace.app()
    outcome = _import(app, path)
    assert outcome.stored and outcome.vendors[BERGEN].receipts == 7 and outcome.vendors[BERGEN].lines == 14
    assert _sale_total(app, BERGEN) == 7 * 10000


def test_a_bad_row_in_a_late_batch_stores_nothing_and_every_problem_has_its_line(workspace):
    body = _receipts(5) + "X;2026-11-02T10:00:00;sale;high;3;-5,00;\n" + _receipts(3, "S") + "Y;2026-11-02T10:00:00;tip;;3;5,00;\n"
    path = workspace.write("in/a.csv", HEADER + body)
    app = workspace.app()
    outcome = _import(app, path)
    assert not outcome.stored
    assert [(p.line, p.column) for p in outcome.found if p.is_error] == [(12, "amount"), (19, "vat_code")]
    assert app.sales.days_with_sales(BERGEN) == [], "the batches stored before the bad row were rolled back"


def test_a_receipt_split_over_batches_is_read_again_as_one(workspace):
    # R0's payment comes after other receipts: with batches of 2 lines it falls into a later batch.
    body = ("R0;2026-11-02T10:00:00;sale;high;3;100,00;\n" + _receipts(3, "S")
            + "R0;2026-11-02T10:00:00;payment;card;;100,00;\n")
    path = workspace.write("in/a.csv", HEADER + body)
    app = workspace.app()
    outcome = _import(app, path)
    assert outcome.stored, outcome.problems
    assert outcome.vendors[BERGEN].receipts == 4 and outcome.vendors[BERGEN].lines == 8
    assert not outcome.found, "balanced once its rows are together"
    refs = {ref for row in app.sales.summary(BERGEN, DAY) for ref in row.refs}
    assert refs == {"R0", "S0", "S1", "S2"}


def test_a_split_receipt_at_two_times_is_the_same_error_as_read_whole(workspace):
    body = "R0;2026-11-02T10:00:00;sale;high;3;100,00;\n" + _receipts(3, "S") + "R0;2026-11-02T11:00:00;payment;card;;100,00;\n"
    path = workspace.write("in/a.csv", HEADER + body)
    app = workspace.app()
    outcome = _import(app, path)
    assert not outcome.stored
    assert [str(p) for p in outcome.found] == [
        f"{path}:9: receipt R0 has rows at two times: 2026-11-02T10:00:00 on line 2 and 2026-11-02T11:00:00 "
        "on line 9 (one receipt id per receipt) (column 'timestamp', value '2026-11-02T11:00:00')"
    ]


def test_windows_1252_is_read_again_in_batches(workspace):
    path = workspace.write("in/a.csv", HEADER + _receipts(3) + _receipt("Æ-1"), encoding="cp1252")
    app = workspace.app()
    outcome = _import(app, path)
    assert outcome.stored, outcome.problems
    assert "Æ-1" in {ref for row in app.sales.summary(BERGEN, DAY) for ref in row.refs}


def test_day_bound_met_in_an_early_batch_still_reports_a_later_bad_row(workspace):
    body = _receipts(4) + "X;2026-11-02T10:00:00;sale;high;3;-5,00;\n"
    path = workspace.write("in/a.csv", HEADER + body)
    app = workspace.app()
    store = SalesStore(app.engine, max_day_ore=50000)  # 500,00 NOK: the first 2 receipts reach it
    outcome = _import(app, path, store=store)
    assert not outcome.stored and not outcome.over_limit
    assert [(p.line, p.column) for p in outcome.found if p.is_error] == [(10, "amount")]
    # Without the bad row it is refused for the day bound alone, named as such.
    path = workspace.write("in/b.csv", HEADER + _receipts(4))
    outcome = _import(app, path, store=store)
    assert not outcome.stored and [p.ref for p in outcome.over_limit] == [BERGEN]
    assert app.sales.days_with_sales(BERGEN) == []


# -- the CLI: several files and vendors in one call ------------------------------------------------

def test_several_files_and_vendors_in_one_call_with_a_bad_row_in_the_second(workspace):
    first = workspace.write("in/oslo.csv", HEADER + _receipts(2))
    second = workspace.write("in/bergen.csv", HEADER + _receipts(1) + "B;2026-11-02T10:00:00;sale;high;3;-1,00;\n")
    third = workspace.write("in/bergen2.csv", HEADER + _receipts(3, "T"))
    result = workspace.run("import", "sales", "--vendor", OSLO, str(first), "--vendor", BERGEN, str(second), str(third))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"{second}:4: a sale amount must not be negative (a return is type 'return') "
                                     "(column 'amount', value '-1,00')")
    assert f"{first}: imported 2 receipt(s), 4 line(s) for {OSLO}" in result.stdout
    assert f"{second}: 1 bad row(s); nothing imported from this file" in result.stdout
    assert f"{third}: imported 3 receipt(s), 6 line(s) for {BERGEN}" in result.stdout
    app = workspace.app()
    assert _sale_total(app, OSLO) == 20000
    assert _sale_total(app, BERGEN) == 30000, "only the third file's receipts: the second stored nothing"


def test_a_vendor_column_names_each_rows_vendor(workspace):
    body = "".join(f"{vendor};{line}" for vendor, rid in ((OSLO, "R1"), (BERGEN, "R1"), (BERGEN, "R2"))
                   for line in _receipt(rid).splitlines(keepends=True))
    path = workspace.write("in/chain.csv", "vendor;" + HEADER + body)
    status, out, err = workspace.invoke("import", "sales", str(path))
    assert status == 0, err
    assert f"{path}: imported 1 receipt(s), 2 line(s) for {OSLO}" in out
    assert f"{path}: imported 2 receipt(s), 4 line(s) for {BERGEN}" in out
    app = workspace.app()
    assert (_sale_total(app, OSLO), _sale_total(app, BERGEN)) == (10000, 20000)


def test_a_vendor_column_with_an_unknown_or_other_vendor_is_a_bad_row(workspace):
    body = f"{OSLO};{_receipt('R1').splitlines()[0]}\nbodø;{_receipt('R2').splitlines()[0]}\n"
    path = workspace.write("in/chain.csv", "vendor;" + HEADER + body)
    status, _out, err = workspace.invoke("import", "sales", str(path))
    assert status == 1
    assert f"{path}:3: unknown vendor; vendors.toml has {BERGEN}, {OSLO} (column 'vendor', value 'bodø')" in err
    status, _out, err = workspace.invoke("import", "sales", "--vendor", BERGEN, str(path))
    assert f"{path}:2: the row is vendor '{OSLO}', not '{BERGEN}' named for the file (column 'vendor', value '{OSLO}')" in err
    assert workspace.app().sales.days_with_sales(OSLO) == []


def test_a_file_without_vendor_column_or_vendor_is_refused(workspace):
    path = workspace.write("in/a.csv", HEADER + _receipts(1))
    status, out, err = workspace.invoke("import", "sales", str(path))
    assert status == 1
    assert err.strip() == f"{path}: the file has no vendor column; name its vendor with --vendor"


def test_more_than_one_batch_through_the_cli_with_a_bad_last_row(workspace):
    count = BATCH_LINES // 2 + 100  # receipts of 2 lines: more than one batch
    path = workspace.write("in/big.csv", HEADER + _receipts(count) + "Z;2026-11-02T10:00:00;sale;high;3;1,0051;\n")
    status, out, err = workspace.invoke("import", "sales", "--vendor", BERGEN, str(path))
    assert status == 1
    assert err.strip() == (f"{path}:{2 * count + 2}: not an amount: '1,0051' (more than two decimals) "
                           "(column 'amount', value '1,0051')")
    assert workspace.app().sales.days_with_sales(BERGEN) == []


# -- progress: on a terminal only ------------------------------------------------------------------

def _run_with_stderr(workspace, args: list[str], terminal: bool) -> tuple[int, str]:
    env = dict(workspace.env, SETTLEMENT_PROGRESS_AFTER="0")
    command = [sys.executable, "-m", "settlement", *args]
    if not terminal:
        result = subprocess.run(command, cwd=workspace.path, env=env, capture_output=True, text=True, timeout=120)
        return result.returncode, result.stderr
    master, slave = pty.openpty()
    child = subprocess.Popen(command, cwd=workspace.path, env=env, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed its side
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return child.wait(timeout=60), b"".join(chunks).decode()


def test_progress_shows_on_a_terminal_and_not_otherwise(workspace):
    path = workspace.write("in/big.csv", HEADER + _receipts(BATCH_LINES))  # two batches: two updates
    status, shown = _run_with_stderr(workspace, ["import", "sales", "--vendor", BERGEN, str(path)], terminal=True)
    assert status == 0, shown
    assert "\rimporting big.csv: " in shown and " % (" in shown and "MB)" in shown
    assert shown.rstrip(" ").endswith("\r"), "the line is cleared at the end"
    path = workspace.write("in/big2.csv", HEADER + _receipts(BATCH_LINES, "Q"))
    status, quiet = _run_with_stderr(workspace, ["import", "sales", "--vendor", BERGEN, str(path)], terminal=False)
    assert status == 0 and quiet == ""


# -- the plain-amount fast path reads what money.parse_amount reads --------------------------------

def test_plain_amounts_are_read_as_parse_amount_reads_them():
    import random

    from settlement.domain.money import AmountError, parse_amount
    from settlement.sources.generic_csv import _parsed_amount

    rng = random.Random(16)
    texts = ["0", "-0", "-0,00", "007", "007,5", "1,5", "1.50", "-16.4", "1,000", "1.000", "0,001", "99999999,99",
             "999999999999", "100,01", "1,", ".5", "-", ""]
    texts += ["".join(rng.choice("0123456789,.-") for _ in range(rng.randint(1, 8))) for _ in range(20_000)]

    def read(parse, text, limit):
        try:
            return parse(text, limit)
        except AmountError as exc:
            return str(exc)

    for limit in (10_000, 10**10, None):
        for text in texts:
            assert read(_parsed_amount, text, limit) == read(lambda t, l: parse_amount(t, limit=l), text, limit), text
