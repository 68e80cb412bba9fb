"""`settlement accounts check` lists every problem in the vendors file and the chart at once."""

from __future__ import annotations


def test_shipped_configuration_is_valid(workspace):
    status, out, err = workspace.invoke("accounts", "check")
    assert status == 0, err
    assert out.startswith("OK: 2 vendor(s)")


def test_all_chart_problems_reported_together(workspace):
    ledger = workspace.chart / "default_ledger.csv"
    text = ledger.read_text(encoding="utf-8")
    text = text.replace("rounding;7740;Øresavrunding\n", "")  # missing reserved key
    text += "sales_extra;30000;Bad account\nsales_high;3001;Duplicate\n"
    ledger.write_text(text, encoding="utf-8")
    mapping = workspace.chart / "mapping.csv"
    mapping.write_text(mapping.read_text(encoding="utf-8") + "payment;swish;payment_swish\nproduct;x;sales_high\n", encoding="utf-8")
    workspace.write("chart_of_accounts/vendors/trondheim.csv", "key;account;name\nsales_high;3005;Trondheim\n")
    n_ledger = len(text.splitlines())
    n_mapping = len(mapping.read_text(encoding="utf-8").splitlines())
    status, out, err = workspace.invoke("accounts", "check")
    assert status == 1
    c = workspace.chart
    assert err.strip().splitlines() == [
        f"{c}/default_ledger.csv: missing reserved key 'rounding'",
        f"{c}/default_ledger.csv:{n_ledger - 1}: bad account number for key 'sales_extra': expected NNNN or NNNN:NNNNN (column 'account', value '30000')",
        f"{c}/default_ledger.csv:{n_ledger}: duplicate key 'sales_high' (first defined on line 13) (column 'key', value 'sales_high')",
        f"{c}/mapping.csv:{n_mapping - 1}: mapping to unknown key 'payment_swish' (column 'key', value 'payment_swish')",
        f"{c}/mapping.csv:{n_mapping}: source must be one of group, payment (column 'source', value 'product')",
        f"{c}/vendors/trondheim.csv: override for vendor 'trondheim', which is not in the vendors file",
    ]
    assert out.strip() == "6 problem(s) found"


def test_vendor_mapping_override_to_unknown_key(workspace):
    workspace.write("chart_of_accounts/vendors/oslo-sentrum.mapping.csv", "source,code,key\npayment,card,payment_nets\n")
    status, _, err = workspace.invoke("accounts", "check")
    assert status == 1
    assert err.strip() == f"{workspace.chart}/vendors/oslo-sentrum.mapping.csv:2: mapping to unknown key 'payment_nets' (column 'key', value 'payment_nets')"


# A vendors file with one good vendor and one with five mistakes (lines 9 and 12–15).
BAD_VENDORS = """
[[vendors]]
id = "ok-store"
name = "OK"
closing_time = "22:00"
enabled_since = 2026-11-01
fiken_company = "demo-as"

[[vendors]]
id = "bad-store"
name = "Bad"
timezone = "Europe/Osло"
closing_time = "25:00"
enabled_since = "yesterday"
colour = "blue"
"""


def test_vendors_file_problems_name_file_vendor_and_key(workspace):
    path = workspace.write(
        "vendors.toml",
        BAD_VENDORS,
    )
    status, _, err = workspace.invoke("accounts", "check")
    assert status == 1
    assert err.strip().splitlines() == [
        f"{path}:9: vendor bad-store: missing required key 'fiken_company' (column 'fiken_company')",
        f"{path}:12: vendor bad-store: key 'timezone' unknown time zone 'Europe/Osло' (e.g. Europe/Oslo) (column 'timezone', value 'Europe/Osло')",
        f"{path}:13: vendor bad-store: key 'closing_time' '25:00' is not a time of day HH:MM (column 'closing_time', value '25:00')",
        f"{path}:14: vendor bad-store: key 'enabled_since' must be a date YYYY-MM-DD (column 'enabled_since', value 'yesterday')",
        f"{path}:15: vendor bad-store: unknown key 'colour' (column 'colour')",
    ]


def test_show_marks_overrides(workspace):
    workspace.write("chart_of_accounts/vendors/oslo-sentrum.csv", "key;account;name\npayment_card;1920:10002;Kort Oslo\n")
    status, out, _ = workspace.invoke("accounts", "show", "--vendor", "oslo-sentrum")
    assert status == 0
    card = next(line for line in out.splitlines() if line.startswith("payment_card "))
    assert "1920:10002" in card and "override" in card and "oslo-sentrum.csv:2" in card
    high = next(line for line in out.splitlines() if line.startswith("sales_high "))
    assert "3000" in high and "default" in high


def test_commands_refuse_to_run_on_invalid_configuration(workspace):
    workspace.write("chart_of_accounts/mapping.csv", "source;code;key\ngroup;high;nope\n")
    status, _, err = workspace.invoke("preview", "--vendor", "oslo-sentrum", "--date", "2026-11-02")
    assert status == 2
    assert "The configuration has errors:" in err and "mapping to unknown key 'nope'" in err
