"""Hostile input through the real `settlement import sales` and `accounts check`: every case is a
problem naming the file, the line and the field, never a traceback, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

HEADER = b"receipt_id;timestamp;type;code;vat_code;amount;vat\n"
GOOD = b"OK-1;2026-11-02T10:00:00;sale;high;3;100,00;20,00\nOK-1;2026-11-02T10:00:00;payment;card;;100,00;\n"
VENDOR = "bergen-bryggen"


def _write(workspace, data: bytes, name: str = "in/sales.csv") -> Path:
    path = workspace.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _refused(workspace, body: bytes, *, header: bytes = HEADER) -> tuple[Path, str, str]:
    """Import GOOD + body; assert it is refused as a whole without a traceback; (path, out, err)."""
    path = _write(workspace, header + GOOD + body)
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", VENDOR)
    assert status == 1, out + err
    assert "Traceback" not in err
    assert f"{path}: 1 bad row(s); nothing imported from this file" in out
    assert workspace.app().sales.days_with_sales(VENDOR) == [], "nothing from a refused file is stored"
    return path, out, err


@pytest.mark.parametrize(
    "row, expected",
    [
        pytest.param(b"X;2026-11-02T10:00:00;sale;hi\x81gh;3;1,00;\n",
                     "byte 0x81 is not a character in UTF-8 or Windows-1252; save the file as UTF-8 "
                     "(column 'code', value 'hi\ufffdgh')", id="undefined-cp1252-byte"),
        pytest.param(b"X;2026-11-02T10:00:00;sale;high;3;99999999999999999999,00;\n",
                     "amount '99999999999999999999,00' is larger than the plausible bound of 100 000 000,00 NOK "
                     "per line (column 'amount', value '99999999999999999999,00')", id="amount-beyond-int64"),
        pytest.param(b"X;2026-11-02T10:00:00;sale;high;3;100000000,01;\n",
                     "amount '100000000,01' is larger than the plausible bound of 100 000 000,00 NOK per line "
                     "(column 'amount', value '100000000,01')", id="amount-just-over-the-bound"),
        pytest.param(b"X;0001-01-01T00:00:00+01:00;sale;high;3;1,00;\n",
                     "year 1 is not plausible (expected 1900 to 2999) (column 'timestamp', value "
                     "'0001-01-01T00:00:00+01:00')", id="year-0001"),
        pytest.param(b"X;9999-12-31T23:59:59-05:00;sale;high;3;1,00;\n",
                     "year 9999 is not plausible (expected 1900 to 2999) (column 'timestamp', value "
                     "'9999-12-31T23:59:59-05:00')", id="year-9999"),
        pytest.param(b"X\x00Y;2026-11-02T10:00:00;sale;high;3;1,00;\n",
                     "control character U+0000 is not allowed in a CSV field (column 'receipt_id', value 'X\\x00Y')",
                     id="nul-in-receipt-id"),
        pytest.param("X;2026-11-02T10:00:00;sale;high;3;١٠٠,٠٠;\n".encode(),
                     "not an amount: '١٠٠,٠٠' (expected e.g. 123,45 or -16.40) (column 'amount', value '١٠٠,٠٠')",
                     id="arabic-indic-digits"),
        pytest.param(b"R" * 200 + b";2026-11-02T10:00:00;sale;high;3;1,00;\n",
                     "receipt_id is 200 characters long; at most 128 are allowed (column 'receipt_id', value '"
                     + "R" * 57 + "...')", id="receipt-id-200-chars"),
        pytest.param("X\u200b;2026-11-02T10:00:00;sale;high;3;1,00;\n".encode(),
                     "receipt_id contains the control or invisible character U+200B (column 'receipt_id', value "
                     "'X\\u200b')", id="zero-width-space-in-receipt-id"),
    ],
)
def test_hostile_row_is_a_named_problem(workspace, row, expected):
    path, _out, err = _refused(workspace, row)
    assert err.strip() == f"{path}:4: {expected}"


def test_ten_megabyte_field(workspace):
    path, _out, err = _refused(workspace, b"X;2026-11-02T10:00:00;sale;" + b"h" * 10_000_000 + b";3;1,00;\n")
    assert err.strip() == (f"{path}:4: a field is longer than 131072 characters (column 'code', value '"
                           + "h" * 57 + "...')")


def test_receipt_at_two_times_names_both_lines(workspace):
    body = b"T-1;2026-11-02T10:00:00;sale;high;3;100,00;\nT-1;2026-11-02T15:00:00;sale;high;3;250,00;\n"
    path = _write(workspace, HEADER + body)
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", VENDOR)
    assert status == 1 and "Traceback" not in err
    assert err.strip() == (
        f"{path}:3: receipt T-1 has rows at two times: 2026-11-02T10:00:00 on line 2 and 2026-11-02T15:00:00 on "
        "line 3 (one receipt id per receipt) (column 'timestamp', value '2026-11-02T15:00:00')"
    )
    assert workspace.app().sales.days_with_sales(VENDOR) == []


def test_same_instant_written_two_ways_is_one_receipt(workspace):
    body = b"T-1;2026-11-02T10:00:00+01:00;sale;high;3;100,00;\nT-1;2026-11-02T09:00:00Z;payment;card;;100,00;\n"
    path = _write(workspace, HEADER + body)
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", VENDOR)
    assert status == 0, err
    assert "imported 1 receipt(s), 2 line(s)" in out


def _receipts(count: int, amount: str, day: str = "2026-11-02") -> bytes:
    rows = [f"D-{n};{day}T10:00:00;sale;high;3;{amount};\nD-{n};{day}T10:00:00;payment;card;;{amount};\n"
            for n in range(count)]
    return HEADER + "".join(rows).encode()


def test_lines_under_the_line_bound_beyond_the_day_bound(workspace):
    # 51 receipts of 99 999 999,00 NOK: each line is plausible, the day (sales and payments) is not.
    path = _write(workspace, _receipts(51, "99999999,00"))
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", VENDOR)
    assert status == 1 and "Traceback" not in err
    assert err.strip() == (
        f"{path}: vendor bergen-bryggen, business day 2026-11-02: the lines would add up to 10 199 999 898,00 NOK "
        "(sales, payments and the rest, each counted positive), more than the plausible bound of "
        "10 000 000 000,00 NOK per day (SETTLEMENT_MAX_DAY_AMOUNT); nothing imported from this file"
    )
    assert f"{path}: 1 business day(s) beyond the plausible total; nothing imported from this file" in out
    assert workspace.app().sales.days_with_sales(VENDOR) == []
    # Preview still works on the (empty) day: nothing was stored that could overflow later.
    status, out, err = workspace.invoke("preview", "--vendor", VENDOR, "--date", "2026-11-02")
    assert "Traceback" not in err and "overflow" not in out + err


def test_a_sum_beyond_int64_is_refused_before_the_database_adds_it(workspace):
    # With the largest bounds a setting allows, 100 lines of 10^15 NOK add up to 10^19 øre, more
    # than a signed 64-bit integer: refused as a problem, not an "integer overflow".
    workspace.extra_env.update(SETTLEMENT_MAX_LINE_AMOUNT="1000000000000000", SETTLEMENT_MAX_DAY_AMOUNT="1000000000000000")
    path = _write(workspace, _receipts(50, "1000000000000000,00"))
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", VENDOR)
    assert status == 1 and "Traceback" not in err and "overflow" not in err
    assert "the lines would add up to 100 000 000 000 000 000,00 NOK" in err
    assert workspace.app().sales.days_with_sales(VENDOR) == []


def test_day_bound_counts_what_is_stored_already_and_is_configurable(workspace):
    workspace.extra_env.update(SETTLEMENT_MAX_DAY_AMOUNT="1000,00")
    first = _write(workspace, _receipts(2, "200,00"), "in/first.csv")  # 800,00 counted
    status, out, err = workspace.invoke("import", "sales", str(first), "--vendor", VENDOR)
    assert status == 0, err
    second = _write(workspace, _receipts(1, "150,00").replace(b"D-0", b"E-0"), "in/second.csv")  # +300,00
    status, out, err = workspace.invoke("import", "sales", str(second), "--vendor", VENDOR)
    assert status == 1
    assert (f"{second}: vendor bergen-bryggen, business day 2026-11-02: the lines would add up to 1 100,00 NOK"
            in err)
    summary = workspace.app().sales.summary(VENDOR, __import__("datetime").date(2026, 11, 2))
    assert sum(row.amount for row in summary if row.type == "sale") == 40000, "the first file stays, the second is not stored"
    # Re-importing the first file replaces its receipts: it does not count them twice.
    status, out, err = workspace.invoke("import", "sales", str(first), "--vendor", VENDOR)
    assert status == 0, err
    # Another day has its own total.
    other = _write(workspace, _receipts(1, "150,00", day="2026-11-03").replace(b"D-0", b"E-0"), "in/other.csv")
    status, out, err = workspace.invoke("import", "sales", str(other), "--vendor", VENDOR)
    assert status == 0, err


def test_bad_bound_setting_is_a_configuration_error(workspace):
    workspace.extra_env.update(SETTLEMENT_MAX_LINE_AMOUNT="lots")
    path = _write(workspace, HEADER + GOOD)
    status, out, err = workspace.invoke("import", "sales", str(path), "--vendor", VENDOR)
    assert status == 2
    assert ("SETTLEMENT_MAX_LINE_AMOUNT must be an amount in NOK from 0,01 to 1000000000000000,00 (value 'lots')"
            in err)


def test_line_bound_is_configurable(workspace):
    workspace.extra_env.update(SETTLEMENT_MAX_LINE_AMOUNT="100,00")
    path, _out, err = _refused(workspace, b"X;2026-11-02T10:00:00;sale;high;3;100,01;\n")
    assert "amount '100,01' is larger than the plausible bound of 100,00 NOK per line" in err


def test_no_traceback_in_a_real_process(workspace):
    """The same bytes through a subprocess: stderr is the problem, not a traceback."""
    path = _write(workspace, HEADER + b"X;2026-11-02T10:00:00;sale;\x81\x8d\x8f\x90\x9d;3;1,00;\n")
    result = workspace.run("import", "sales", str(path), "--vendor", VENDOR)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}:2: byte 0x81 is not a character in UTF-8 or Windows-1252")


def test_bom_file_with_a_byte_that_is_not_utf8(workspace):
    path, _out, err = _refused(workspace, b"X;2026-11-02T10:00:00;sale;h\xe6;3;1,00;\n", header=b"\xef\xbb\xbf" + HEADER)
    assert err.strip().startswith(f"{path}:4: byte 0xE6 is not a character in UTF-8 or Windows-1252")


def test_vendor_id_with_a_trailing_newline(workspace):
    vendors = workspace.path / "vendors.toml"
    text = vendors.read_text(encoding="utf-8")
    assert 'id = "bergen-bryggen"' in text
    vendors.write_text(text.replace('id = "bergen-bryggen"', 'id = "shop\\n"'), encoding="utf-8")
    line = next(n for n, l in enumerate(vendors.read_text().splitlines(), 1) if l.startswith('id = "shop'))
    status, out, err = workspace.invoke("accounts", "check")
    assert status != 0 and "Traceback" not in err
    assert (f"{vendors}:{line}: vendor 'shop\\n': key 'id' must be lower-case letters, digits, '-' or '_'" in out + err)


def test_vendors_file_that_is_not_utf8(workspace):
    vendors = workspace.path / "vendors.toml"
    vendors.write_bytes(b"# Bergen\n[[vendors]]\nname = \"Br\xf8ggen\"\n")
    status, out, err = workspace.invoke("accounts", "check")
    assert status != 0 and "Traceback" not in err
    assert f"{vendors}:3: byte 0xF8 is not UTF-8; save the file as UTF-8" in out + err


@pytest.mark.parametrize(
    "row, expected",
    [
        (b"extra;19\x81;Konto\n", "byte 0x81 is not a character in UTF-8 or Windows-1252; save the file as UTF-8 "
                                  "(column 'account', value '19\ufffd')"),
        (b"extra;1920;Kon\x00to\n", "control character U+0000 is not allowed in a CSV field (column 'name', value "
                                    "'Kon\\x00to')"),
        (b"extra;1920;" + b"K" * 200_000 + b"\n", "a field is longer than 131072 characters (column 'name', value '"
                                                  + "K" * 57 + "...')"),
        ("extra;١٩٢٠;Konto\n".encode(), "bad account number for key 'extra': expected NNNN or NNNN:NNNNN "
                                        "(column 'account', value '١٩٢٠')"),
    ],
    ids=["undefined-cp1252-byte", "nul", "huge-field", "arabic-indic-account"],
)
def test_chart_of_accounts_hostile_bytes(workspace, row, expected):
    ledger = workspace.chart / "default_ledger.csv"
    data = ledger.read_bytes()
    line = data.count(b"\n") + 1 if data.endswith(b"\n") else data.count(b"\n") + 2
    ledger.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n") + row)
    status, out, err = workspace.invoke("accounts", "check")
    assert status != 0 and "Traceback" not in err
    assert f"{ledger}:{line}: {expected}" in out + err


def test_drop_folder_refuses_a_day_beyond_the_bound(workspace):
    from settlement.serve.dropfolder import REJECTED, process_drop_folder

    app = workspace.app()
    folder = workspace.path / "drop"
    _write(workspace, _receipts(51, "99999999,00"), "drop/big.csv")
    [result] = process_drop_folder(app, app.vendor(VENDOR), folder, settle_seconds=0)
    assert result.outcome == REJECTED
    assert "business day 2026-11-02: the lines would add up to 10 199 999 898,00 NOK" in result.problems[0].message
    assert result.moved_to == folder / "failed" / "big.csv"
    assert "SETTLEMENT_MAX_DAY_AMOUNT" in (folder / "failed" / "big.csv.error.txt").read_text(encoding="utf-8")
    assert app.sales.days_with_sales(VENDOR) == []


def test_invalid_settings_are_named_without_a_traceback_or_a_secret(workspace):
    workspace.extra_env.update(SETTLEMENT_FIKEN_RETRY_ATTEMPTS="x", SETTLEMENT_HTTP_PORT="99999",
                               SETTLEMENT_FIKEN_CONNECT_TIMEOUT="soon")
    result = workspace.run("status")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "SETTLEMENT_FIKEN_RETRY_ATTEMPTS: Input should be a valid integer" in result.stderr
    assert "SETTLEMENT_HTTP_PORT: Input should be less than or equal to 65535 (got '99999')" in result.stderr
    assert "SETTLEMENT_FIKEN_CONNECT_TIMEOUT" in result.stderr
