"""Naming the voucher line a PowerOffice refusal is about.

Go's ProblemDetails name a field the ASP.NET way, "VoucherLines[2].VatId" (in Detail or in an
`Errors` member; the exact shape is UNCERTAIN, docs/poweroffice.md). The index is mapped back to the
rendered body's line, which carries the account, VAT code and the section it came from (its
description starts with the section's label).
"""

from __future__ import annotations

import re

from settlement.domain.text import N_, tr
from settlement.targets.poweroffice.payloads import SECTION_LABELS

_LINE_FIELD = re.compile(r"VoucherLines\[(\d+)\](?:\.(\w+))?", re.IGNORECASE)
_SECTION_OF_LABEL = {label: section for section, label in SECTION_LABELS.items()}
# A section as a refusal names it (tr where shown).
_SECTION_WORDS = {"sale": N_("sale"), "shipping": N_("shipping"), "return": N_("return"), "tip": N_("tip"),
                  "gift_card": N_("gift_card"), "payment": N_("payment"), "rounding": N_("rounding"),
                  "difference": N_("difference"), "line": N_("line")}


def describe_line(index: int, line: dict) -> str:
    """'voucher line 3 (sale, account 3000, VAT code 3)' for line `index` (0-based) of a rendered body."""
    label = str(line.get("Description") or "").split(":", 1)[0]
    section = _SECTION_OF_LABEL.get(label, "line")
    account = str(line.get("AccountNo", "?"))
    for field in ("CustomerAccountNo", "SupplierAccountNo"):
        if field in line:
            account += f":{line[field]}"
    return tr("voucher line {row} ({section}, account {account}, VAT code {code})", row=index + 1,
              section=tr(_SECTION_WORDS.get(section, section)), account=account, code=line.get('VatCode', '?'))


def named_line(problem: dict | None, detail: str, body: dict) -> str | None:
    """'VatId of voucher line 3 (sale, account 3000, VAT code 3)' when the refusal names a line."""
    texts = [detail]
    if problem:
        errors = problem.get("Errors") or problem.get("errors") or {}
        if isinstance(errors, dict):
            texts = list(errors) + texts
    lines = body.get("VoucherLines") or []
    for text in texts:
        match = _LINE_FIELD.search(str(text))
        if match and int(match.group(1)) < len(lines):
            where = describe_line(int(match.group(1)), lines[int(match.group(1))])
            return tr("{field} of {line}", field=match.group(2), line=where) if match.group(2) else where
    return None
