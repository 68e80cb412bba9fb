"""How Fiken turns the lines of a fri postering into postings, including the VAT it adds.

The rule observed live (fiken-api.md §1.3): on a side of a line that carries a VAT code the amount is
NET and Fiken adds the VAT on the VAT account (output codes → 2701, input codes → 2711), rounded half
up to the øre; a side without a code takes the amount as given, so on a two-sided line the uncoded side
receives net + VAT and the line balances by itself. A one-sided credit line with a VAT code was never
observed; `one_sided_credit_vat` selects "net" (by analogy) or "gross" (the spec's wording).
Read-back postings are signed: debit positive, credit negative.
"""

from __future__ import annotations

from dataclasses import dataclass

OUTPUT_VAT_ACCOUNT = "2701"
INPUT_VAT_ACCOUNT = "2711"
API_PREFIX = "Fri postering registrert via API: "  # 34 characters, counted in the 200-char limit
DESCRIPTION_MAX = 200


@dataclass(frozen=True)
class VatCode:
    """A Fiken VAT code: its rate as a fraction and the account Fiken posts the VAT to."""

    code: int
    vat_type: str
    numerator: int = 0  # rate = numerator / denominator
    denominator: int = 100
    output: bool = True  # output (sales) VAT → 2701, input (purchase) VAT → 2711

    @property
    def account(self) -> str:
        return OUTPUT_VAT_ACCOUNT if self.output else INPUT_VAT_ACCOUNT

    def vat_on_net(self, net: int) -> int:
        """VAT on a net amount in øre, rounded half up (amounts are positive on write)."""
        return _half_up(net * self.numerator, self.denominator)

    def split_gross(self, gross: int) -> tuple[int, int]:
        """(net, vat) of a gross amount: net rounded half up, VAT the remainder."""
        net = _half_up(gross * self.denominator, self.denominator + self.numerator)
        return net, gross - net


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


# The codes the sandbox models (fiken-api.md §5). Rates: 25 / 15 / 11,11 / 12 %.
VAT_CODES: dict[int, VatCode] = {v.code: v for v in [
    VatCode(0, "NONE", output=False), VatCode(7, "NONE"),
    VatCode(1, "HIGH", 25, output=False), VatCode(3, "HIGH", 25),
    VatCode(11, "MEDIUM", 15, output=False), VatCode(31, "MEDIUM", 15),
    VatCode(12, "RAW_FISH", 1111, 10000, output=False), VatCode(32, "RAW_FISH", 1111, 10000),
    VatCode(13, "LOW", 12, output=False), VatCode(33, "LOW", 12),
    VatCode(5, "EXEMPT"), VatCode(51, "EXEMPT_REVERSE"), VatCode(52, "EXEMPT_IMPORT_EXPORT"),
    VatCode(6, "OUTSIDE"),
]}
# Valid Fiken codes whose special postings (reverse charge, basis-only, direct VAT) the sandbox does
# not model; it refuses them with a message saying so rather than posting something made up.
UNMODELLED_CODES = {14, 15, 21, 22, 23, 86, 87, 88, 89, 91, 92}
# Sales order lines carry a vatType instead of a code.
SALE_VAT_TYPES: dict[str, VatCode] = {
    "NONE": VAT_CODES[7], "HIGH": VAT_CODES[3], "MEDIUM": VAT_CODES[31], "RAW_FISH": VAT_CODES[32],
    "LOW": VAT_CODES[33], "EXEMPT": VAT_CODES[5], "EXEMPT_REVERSE": VAT_CODES[51],
    "EXEMPT_IMPORT_EXPORT": VAT_CODES[52], "OUTSIDE": VAT_CODES[6],
}


def posting(account: str, amount: int, vat_code: int | None = None) -> dict:
    """One read-back line: {"amount", "account"} plus "vatCode" (a string, as Fiken shows it)."""
    line = {"amount": amount, "account": account}
    if vat_code is not None:
        line["vatCode"] = str(vat_code)
    return line


def line_postings(line: dict, one_sided_credit_vat: str = "net") -> list[dict]:
    """The postings Fiken makes for one validated write line (debitAccount/creditAccount, codes)."""
    amount = line["amount"]
    debit, credit = line.get("debitAccount"), line.get("creditAccount")
    debit_code = VAT_CODES[line["debitVatCode"]] if line.get("debitVatCode") is not None else None
    credit_code = VAT_CODES[line["creditVatCode"]] if line.get("creditVatCode") is not None else None

    debit_net = credit_net = amount
    debit_vat = debit_code.vat_on_net(amount) if debit_code else 0
    credit_vat = credit_code.vat_on_net(amount) if credit_code else 0
    if credit_code and not debit and one_sided_credit_vat == "gross":
        credit_net, credit_vat = credit_code.split_gross(amount)

    out: list[dict] = []
    if debit:
        # An uncoded debit side balances a coded credit side: it receives net + the credit VAT.
        value = debit_net if debit_code else amount + (credit_vat if credit else 0)
        out.append(posting(debit, value, debit_code.code if debit_code else None))
        if debit_vat:
            out.append(posting(debit_code.account, debit_vat))
    if credit:
        value = credit_net if credit_code else amount + (debit_vat if debit else 0)
        out.append(posting(credit, -value, credit_code.code if credit_code else None))
        if credit_vat:
            out.append(posting(credit_code.account, -credit_vat))
    return out


def entry_postings(lines: list[dict], one_sided_credit_vat: str = "net") -> list[dict]:
    postings: list[dict] = []
    for line in lines:
        postings.extend(line_postings(line, one_sided_credit_vat))
    return postings


def format_kr(ore: int) -> str:
    """Øre as Fiken writes kroner in its messages: "50,00", "-1250,00"."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100},{abs(ore) % 100:02d}"


def imbalance_message(postings: list[dict]) -> str | None:
    """Fiken's refusal text when the postings do not sum to zero, else None."""
    total = sum(p["amount"] for p in postings)
    if total == 0:
        return None
    return f"Summen av posteringslinjene er ikke null: {format_kr(total)}"
