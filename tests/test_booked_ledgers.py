"""The PDF's Bilag is what the ledger booked: a day posted through the real CLI (`settlement run`, a
subprocess) to each ledger's sandbox over HTTP, its stored PDF read back with pypdf, and the Bilag's
lines compared with the postings the sandbox made for that voucher, in every posting mode: Fiken's
fri postering and cash sale, Tripletex, PowerOffice Go.

The ledgers' postings carry no ledger keys, and a line's VAT is a posting of its own without a VAT
code; so both sides are compared per (account, VAT code), the VAT lines by account alone.
Fiken's settlement account, which every line of a fri postering passes through, nets out in the
ledger and is not in the Bilag.
"""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from tests.test_ledger_contract import _settings

VENDOR, DAY = "bergen-bryggen", "2026-11-02"
KEY = f"[settlement:{VENDOR}:{DAY}:v1]"

# Sales at 25 % and 15 % with VAT the sources round per line (so the ledgers' VAT differs by øre
# and rounding takes it), a return, a tip, cash rounding, card, Vipps and cash. Every amount is
# below 1 000 kr, so a Bilag line reads back without thousands separators.
DAY_CSV = """receipt_id;timestamp;type;code;vat_code;amount;vat
B-1;2026-11-02T09:15:00;sale;high;3;125,00;25,00
B-1;2026-11-02T09:15:00;sale;food;31;57,50;7,50
B-1;2026-11-02T09:15:00;tip;;;20,00;
B-1;2026-11-02T09:15:00;payment;card;;202,50;
B-2;2026-11-02T11:40:00;sale;food;31;1,00;0,13
B-2;2026-11-02T11:40:00;sale;food;31;1,00;0,13
B-2;2026-11-02T11:40:00;sale;food;31;1,00;0,13
B-2;2026-11-02T11:40:00;sale;high;3;99,75;19,95
B-2;2026-11-02T11:40:00;rounding;;;0,25;
B-2;2026-11-02T11:40:00;payment;cash;;103,00;
B-3;2026-11-02T15:05:00;return;high;3;-50,00;-10,00
B-3;2026-11-02T15:05:00;payment;vipps;;-50,00;
B-4;2026-11-02T16:30:00;sale;high;3;310,00;62,00
B-4;2026-11-02T16:30:00;payment;vipps;;310,00;
"""

VENDORS = """\
[[vendors]]
id = "bergen-bryggen"
name = "Bergen Bryggen"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-11-01
{keys}
"""

_AMOUNT = r"-?\d+,\d\d"
# The Bilag's header and its total's label, in English (the suite's language) and in bokmål.
_HEADERS = ("Account Text VAT code Debit Credit", "Konto Tekst Mva-kode Debet Kredit")
_TOTALS = ("Total ", "Sum ")
_LINE = re.compile(rf"^(\d{{4}}(?::\d+)?) (.+?)(?: (\d{{1,2}}))? ({_AMOUNT}) ({_AMOUNT})$")


def _ore(text: str) -> int:
    kroner, _, ore = text.partition(",")
    sign = -1 if kroner.startswith("-") else 1
    return sign * (abs(int(kroner)) * 100 + int(ore))


def bilag(pdf_path) -> list[tuple[str, str, str | None, int]]:
    """The Bilag's lines as (account, text, VAT code, debit-positive øre), read back from the PDF."""
    lines = "\n".join(page.extract_text() for page in PdfReader(pdf_path).pages).splitlines()
    start = next(index for index, line in enumerate(lines) if line in _HEADERS)
    out = []
    for line in lines[start + 1:]:
        if line.startswith(_TOTALS):
            break
        match = _LINE.match(line)
        assert match, f"not a Bilag line: {line!r}"
        account, text, code, debit, credit = match.groups()
        out.append((account, text, code, _ore(debit) - _ore(credit)))
    return out


def _per_account(rows) -> dict[tuple[str, str | None], int]:
    """Debit-positive øre per (account, VAT code), VAT lines under (account, None); zeros left out."""
    sums: dict[tuple[str, str | None], int] = {}
    for account, code, amount in rows:
        sums[(account, code)] = sums.get((account, code), 0) + amount
    return {key: value for key, value in sums.items() if value}


def _bilag_effect(lines) -> dict[tuple[str, str | None], int]:
    return _per_account((account.partition(":")[0], None if text.startswith("Utgående mva") else code, amount)
                        for account, text, code, amount in lines)


# --- what each sandbox booked for the key --------------------------------------------------------

def _fiken_effect(sandbox) -> dict:
    # The cash sale's own entry ("Salg [key]") and the payments entry ("… [key:betalinger]") alike.
    wanted = KEY.removesuffix("]")
    rows = [(line["account"].partition(":")[0], line.get("vatCode"), line["amount"])
            for entry in sandbox.journal_entries("demo-as")
            if wanted in (entry.get("description") or "") and not entry.get("offsetTransactionId")
            for line in entry["lines"]]
    effect = _per_account(rows)
    assert ("1901", None) not in effect, "the settlement account nets out in Fiken"
    return effect


def _tripletex_effect(sandbox) -> dict:
    (voucher,) = [v for v in sandbox.booked() if v["reference"] == KEY and not v["reversed"]]
    postings = sandbox.all_postings(voucher["id"])
    ours = [p for p in postings if not p["system"]]
    assert len(ours) == len(voucher["lines"])
    rows = [(str(p["account"]), line["vat_code"] if line["vat_code"] != "0" else None, p["net_ore"])
            for p, line in zip(ours, voucher["lines"])]
    rows += [(str(p["account"]), None, p["gross_ore"]) for p in postings if p["system"]]
    return _per_account(rows)


def _poweroffice_effect(sandbox) -> dict:
    from settlement.poweroffice_sandbox.views import VAT_ACCOUNTS

    (voucher,) = [v for v in sandbox.booked() if KEY in v["description"] and not v["reversed"]]
    rows = []
    for line in voucher["lines"]:
        code = line["vat_code"] if line["vat_code"] != "0" else None
        rows.append((str(line["account"]), code, line["gross_ore"] - line["vat_ore"]))
        if line["vat_ore"]:
            rows.append((str(VAT_ACCOUNTS[line["vat_code"]]), None, line["vat_ore"]))
    return _per_account(rows)


MODES = {
    "fiken-journal": ("fiken", 'fiken_company = "demo-as"', _fiken_effect),
    "fiken-cash-sale": ("fiken", 'fiken_company = "demo-as"\nposting = "cash_sale"', _fiken_effect),
    "tripletex": ("tripletex", 'ledger = "tripletex"\ndepartment = "10"\nproject = "100"', _tripletex_effect),
    "poweroffice": ("poweroffice", 'ledger = "poweroffice"\ndepartment = "10"\nproject = "100"', _poweroffice_effect),
}


@pytest.fixture(params=list(MODES))
def posted(request, workspace):
    """The day posted in one ledger and mode through the real CLI: (workspace, sandbox, mode)."""
    ledger, keys, _effect = MODES[request.param]
    sandbox = request.getfixturevalue(f"{ledger}_sandbox")
    if ledger == "fiken":
        workspace.extra_env.update(SETTLEMENT_FIKEN_TOKEN=sandbox.personal_token,
                                   SETTLEMENT_FIKEN_BASE_URL=sandbox.base_url)
    else:
        workspace.extra_env.update(_settings(sandbox.settings_lines(0)))
    workspace.write("vendors.toml", VENDORS.format(keys=keys))
    workspace.run("import", "sales", "--vendor", VENDOR, str(workspace.write("kasse.csv", DAY_CSV)), check=True)
    result = workspace.run("run", "--vendor", VENDOR, "--date", DAY)
    assert result.returncode == 0 and "documented" in result.stdout, result.stdout + result.stderr
    return workspace, sandbox, request.param


def _stored_pdf(workspace):
    return workspace.path / "data" / "reports" / VENDOR / f"dagsoppgjor-{VENDOR}-{DAY}-v1.pdf"


def test_the_bilag_equals_the_ledgers_postings_for_the_voucher(posted):
    workspace, sandbox, mode = posted
    lines = bilag(_stored_pdf(workspace))
    assert sum(amount for *_, amount in lines) == 0, "the Bilag balances"
    assert _bilag_effect(lines) == MODES[mode][2](sandbox)
    # Each line named by its ledger key's meaning, the VAT named by its rate.
    texts = {text for _account, text, _code, _amount in lines}
    assert {"Salg 25 %", "Salg 15 %", "Driks", "Øresavrunding", "Betaling card", "Betaling vipps",
            "Betaling cash", "Utgående mva 25 %", "Utgående mva 15 %"} <= texts, texts
    # A cash sale adds up each account and VAT code, the return included; the others book it apart.
    assert ("Retur 25 %" in texts) == (mode != "fiken-cash-sale"), texts


def test_report_shows_the_same_bilag_as_the_attached_pdf(posted):
    workspace, _sandbox, _mode = posted
    target = workspace.path / "again.pdf"
    workspace.run("report", "--vendor", VENDOR, "--date", DAY, "--pdf", "--output", str(target), check=True)
    assert bilag(target) == bilag(_stored_pdf(workspace))
    text = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    lines = text.splitlines()
    # In English, as the suite runs (the bokmål of the same lines: tests/test_report_golden_pdf.py).
    assert f"Settlement key {KEY}  (v1)" in lines
    # The company and the ledger's voucher number, read from the ledger when the day was posted and
    # kept with it: `report` asks the ledger nothing.
    assert any(re.fullmatch(r"Company \S.* \(org\. no\. .+\)", line) for line in lines), lines[:6]
    assert any(re.fullmatch(r"Posted (Fiken|Tripletex|PowerOffice Go) voucher \S+(, \S+)*", line) for line in lines), lines[:6]


def test_preview_shows_the_booked_lines_and_the_sums_per_vat_code(posted):
    workspace, _sandbox, mode = posted
    # A posted, unchanged day: preview renders what was booked again.
    out = workspace.run("preview", "--vendor", VENDOR, "--date", DAY, check=True).stdout
    rows = {(account, text, code, amount) for account, text, code, amount in bilag(_stored_pdf(workspace))}
    for account, text, code, amount in rows:
        debit, credit = (amount, 0) if amount > 0 else (0, -amount)
        shown = lambda ore: f"{ore // 100},{ore % 100:02d}" if ore else ""  # noqa: E731
        pattern = rf"^{re.escape(account)}\s+{re.escape(text)}\s+{code or ''}\s+{shown(debit)}\s+{shown(credit)}\s*$"
        assert re.search(pattern, out, re.M), (pattern, out)
    assert re.search(r"^vat code\s+grunnlag\s+mva\s+brutto$", out, re.M), out
