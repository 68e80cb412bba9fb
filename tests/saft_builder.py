"""Writes SAF-T Cash Register files for tests and the benchmark.

Describe registers, transactions and Z reports with a few dataclasses (amounts in øre), and
`SaftFile.write(path)` streams them out as XML, in either sign convention:

* "official": returns as negative amounts with amntTp D (Skatteetaten's 2021 example);
* "absolute": every amount unsigned, amntTp D for sales and C for returns (some exporters).

Two layouts: "compact" (the default, one element per line, no indentation, only the elements the
importer needs plus a few it skips) and "example", which writes every transaction the way
Skatteetaten's 2021 example file does: CRLF, tab indentation, and the elements that file carries
besides the ones the importer reads (employee, period, article, quantity, line date and time,
payment currency and reference, a full-length signature, receipt numbers).

`z_report_for(...)` adds up transactions the way a correct Z report does (sales excl. VAT), so a
test can tamper with one figure and expect exactly that mismatch.

Exporter styles seen in real POS systems (tests/test_sources_*.py):

* `summary_vat="per_rate"`: each line's VAT rounded on its own, the transaction's <vat> computed
  once on the rate's total (a café POS: 16,83 + 4,57 = 21,40 on the lines, 21,39 on 164,00);
* `z_report_for(..., vat_per_rate=True)`: the Z report's VAT per rate computed once on the day's
  total instead of added up from the transactions;
* `z_report_for(..., sales_only=True)`: totalCashSaleAmnt counts sales only, returns not subtracted;
* `Line(vat_code="0")`: VAT code 0 for 0 % items, never declared in <vatCodeDetails>;
* `SaftFile(payment_descriptions=True)`: <paymentType> holds the basic's basicDesc ("Kontant"),
  in the transactions and the Z reports, instead of its basicID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, TextIO
from xml.sax.saxutils import escape

from settlement.domain.money import round_half_up_div

NS = "urn:StandardAuditFile-Taxation-CashRegister:NO"
# The exporter's own VAT code → (standard code, percentage). Code "0" is written by a POS that
# never declares it in <vatCodeDetails> (None: not declared; saft_profile vat_code_0_is_5).
VAT_CODES = {"1": ("33", 12), "2": ("31", 15), "3": ("3", 25), "5": ("5", 0), "0": (None, 0)}
BASICS = [
    ("04", "100", "04006", "Food"),
    ("04", "200", "04003", "Goods"),
    ("04", "300", "04007", "Beer"),
    ("05", "SAL", "", "Sale line"),
    ("05", "RET", "", "Return line"),
    ("05", "GC", "", "Gavekort solgt"),
    ("08", "DISC", "", "Manuell rabatt"),
    ("10", "TIPS", "10001", "Tips"),
    ("11", "CASHSAL", "11001", "Cash sale"),
    ("11", "RETURNSAL", "11006", "Return sale"),
    ("11", "FLOAT", "11007", "Cash declaration"),
    ("12", "CASH", "12001", "Cash"),
    ("12", "CARD", "12002", "Debit card"),
    ("12", "VIPPS", "12011", "Vipps"),
    ("12", "GIFT", "12005", "Gift card"),
    ("13", "ZREP", "13009", "Z report"),
    ("13", "DRAWOPEN", "13005", "Open cash drawer"),
]


def nok(ore: int) -> str:
    """øre → '123.45' / '-0.40'."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def vat_of(amount: int, vat_code: str) -> int:
    percent = VAT_CODES[vat_code][1]
    return round_half_up_div(amount * percent, 100 + percent)


@dataclass
class Line:
    """An article line (amount incl. VAT, negative for a return) or a gift card sold."""

    amount: int
    group: str = "200"
    vat_code: str = "3"
    line_type: str | None = None  # default SAL / RET by sign; "GC" sells a gift card
    vat: int | None = None  # default: computed from the rate
    art_id: str | None = None
    write_group: bool = True
    discount: int = 0  # a <discount> (dscAmnt, unsigned) given on the line; amount is after it


@dataclass
class Payment:
    type: str
    amount: int


@dataclass
class Transaction:
    trans_id: str
    date: str
    time: str
    lines: list[Line]
    payments: list[Payment] | None = None  # default: one CASH payment of what is due
    rounding: int | None = None  # roundingAmnt; None writes no <rounding>
    tip: int = 0  # a transaction-level raise of type TIPS
    tip_inside: bool = False  # whether transAmntIn counts the tip
    trans_type: str | None = None  # default CASHSAL / RETURNSAL by sign
    training: bool = False
    void: bool = False
    amount_override: str | None = None  # write this text as transAmntIn (bad-input tests)
    summary_vat_delta: int = 0  # added to the transaction's first <vat> summary (bad-input tests)
    discount: int = 0  # a transaction-level <discount> (dscAmnt, unsigned); the lines are after it

    @property
    def line_total(self) -> int:
        return sum(line.amount for line in self.lines)

    def paid(self) -> list[Payment]:
        if self.payments is not None:
            return self.payments
        return [Payment("CASH", self.line_total + self.tip + (self.rounding or 0))]


@dataclass
class ZReport:
    report_id: str
    date: str
    time: str
    total: int
    payments: dict[str, int]
    vat: dict[str, tuple[int, int]]  # VAT code → (sales excl. VAT, VAT)


@dataclass
class Register:
    register_id: str
    transactions: Iterable[Transaction] = ()
    z_reports: list[ZReport] = field(default_factory=list)


@dataclass
class Location:
    name: str | None
    registers: list[Register]


def z_report_for(report_id: str, date: str, transactions: Iterable[Transaction], time: str = "23:50:00",
                 vat_per_rate: bool = False, sales_only: bool = False) -> ZReport:
    """A correct Z report for the given sales (training, void and float transactions left out).

    vat_per_rate: VAT per rate computed once on the day's sales at that rate (some POS systems),
    not added up from the lines; the base is the rate's sales minus that VAT.
    """
    total, payments, vat = 0, {}, {}
    for tx in transactions:
        if tx.training or tx.void or tx.trans_type == "FLOAT":
            continue
        for line in tx.lines:
            if line.line_type == "GC":
                continue
            line_vat = line.vat if line.vat is not None else vat_of(line.amount, line.vat_code)
            base, amount = vat.get(line.vat_code, (0, 0))
            vat[line.vat_code] = (base + line.amount - line_vat, amount + line_vat)
            if line.amount > 0 or not sales_only:
                total += line.amount
        for payment in tx.paid():
            payments[payment.type] = payments.get(payment.type, 0) + payment.amount
    if vat_per_rate:
        vat = {code: (base + amount - vat_of(base + amount, code), vat_of(base + amount, code))
               for code, (base, amount) in vat.items()}
    return ZReport(report_id, date, time, total, payments, vat)


@dataclass
class SaftFile:
    locations: list[Location]
    company: str = "999999999"
    convention: str = "official"
    prefix: str | None = None  # e.g. "n1" instead of a default namespace
    namespace: str = NS
    bom: bool = False
    newline: str = "\n"  # line ending of the compact layout (the example layout writes CRLF)
    doctype: str | None = None
    currency: str = "NOK"
    basics: list[tuple[str, str, str, str]] = field(default_factory=lambda: list(BASICS))
    indent: bool = True
    layout: str = "compact"  # or "example" (see the module docstring)
    summary_vat: str = "sum"  # or "per_rate": the transaction's <vat> computed once per rate (see above)
    payment_descriptions: bool = False  # <paymentType> as the basic's description (see above)

    def write(self, path: Path) -> Path:
        with open(path, "w", encoding="utf-8", newline="") as out:
            if self.bom:
                out.write("\ufeff")
            self.write_to(out)
        return path

    # -- writing -----------------------------------------------------------------------------

    def write_to(self, out: TextIO) -> None:
        if self.layout == "example":
            out = _Indenter(out, "\r\n")  # indents what is written below, one element a line
        nl = self._break
        p = f"{self.prefix}:" if self.prefix else ""
        self._p = p
        xmlns = f'xmlns:{self.prefix}="{self.namespace}"' if self.prefix else f'xmlns="{self.namespace}"'
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>{nl}')
        if self.doctype:
            out.write(self.doctype + nl)
        out.write(f"<{p}auditfile {xmlns}>{nl}")
        out.write(self._el("header", self._leaves(
            ("fiscalYear", "2026"), ("startDate", "2026-01-01"), ("endDate", "2026-12-31"), ("curCode", self.currency),
            ("dateCreated", "2026-11-30"), ("timeCreated", "10:00:00"), ("softwareDesc", "Testkassa"),
            ("softwareVersion", "1"), ("softwareCompanyName", "Test AS"), ("auditfileVersion", "1.0"),
        )) + nl)
        out.write(f"<{p}company>{nl}")
        out.write(self._leaves(("companyIdent", self.company), ("companyName", "Test AS")) + nl)
        vat = "".join(
            self._el("vatCodeDetail", self._leaves(("vatCode", code), ("dateOfEntry", "2020-01-01"), ("standardVatCode", std)))
            for code, (std, _) in VAT_CODES.items() if std is not None
        )
        out.write(self._el("vatCodeDetails", vat) + nl)
        out.write(self._el("articles", self._el("article", self._leaves(
            ("artID", "A1"), ("dateOfEntry", "2020-01-01"), ("artGroupID", "100"), ("artDesc", "Bread")))) + nl)
        basics = "".join(
            self._el("basic", self._leaves(("basicType", t), ("basicID", i), *((("predefinedBasicID", d),) if d else ()), ("basicDesc", desc)))
            for t, i, d, desc in self.basics
        )
        out.write(self._el("basics", basics) + nl)
        for location in self.locations:
            out.write(f"<{p}location>{nl}")
            if location.name is not None:
                out.write(self._leaves(("name", location.name)) + nl)
            for register in location.registers:
                out.write(f"<{p}cashregister>{nl}{self._leaves(('registerID', register.register_id))}{nl}")
                for number, z in enumerate(register.z_reports):
                    out.write(self._z_event(f"Z{number}", register.register_id, z) + nl)
                for tx in register.transactions:
                    out.write(self._transaction(tx) + nl)
                out.write(f"</{p}cashregister>{nl}")
            out.write(f"</{p}location>{nl}")
        out.write(f"</{p}company>{nl}</{p}auditfile>{nl}")

    @property
    def _break(self) -> str:
        """What separates lines as the pieces are put together (the example layout's "\\n" becomes CRLF)."""
        return "\n" if self.layout == "example" else self.newline

    @property
    def _sep(self) -> str:
        """What separates elements: a line break, or nothing when not indented."""
        return self._break if self.indent or self.layout == "example" else ""

    def _el(self, name: str, inner: str) -> str:
        nl = self._sep
        return f"<{self._p}{name}>{nl}{inner}{nl}</{self._p}{name}>"

    def _leaves(self, *pairs: tuple[str, str]) -> str:
        p, nl = self._p, self._sep
        return nl.join(f"<{p}{k}>{escape(v)}</{p}{k}>" for k, v in pairs)

    def _signed(self, ore: int) -> tuple[str, str]:
        """(written amount, amntTp) in this file's convention."""
        if self.convention == "absolute":
            return nok(abs(ore)), "D" if ore >= 0 else "C"
        return nok(ore), "C" if ore >= 0 else "D"

    def _money(self, ore: int) -> str:
        return nok(abs(ore)) if self.convention == "absolute" else nok(ore)

    def _transaction(self, tx: Transaction) -> str:
        amount = tx.line_total + (tx.tip if tx.tip_inside else 0)
        written, letter = self._signed(amount)
        parts = [self._leaves(
            ("nr", tx.trans_id), ("transID", tx.trans_id),
            ("transType", tx.trans_type or ("RETURNSAL" if amount < 0 else "CASHSAL")),
            ("transAmntIn", tx.amount_override if tx.amount_override is not None else written),
            ("transAmntEx", self._signed(amount - sum(self._line_vat(l) for l in tx.lines))[0]),
            ("amntTp", letter), *self._extra(("empID", "1001"), ("periodNumber", "1")),
            ("transDate", tx.date), ("transTime", tx.time),
        )]
        vat_by_code: dict[str, int] = {}
        base_by_code: dict[str, int] = {}
        for number, line in enumerate(tx.lines, start=1):
            line_written, line_letter = self._signed(line.amount)
            line_vat = self._line_vat(line)
            leaves = [("nr", tx.trans_id), ("lineID", str(number)),
                      ("lineType", line.line_type or ("RET" if line.amount < 0 else "SAL"))]
            if line.write_group:
                leaves.append(("artGroupID", line.group))
            if line.art_id or self.layout == "example":
                leaves.append(("artID", line.art_id or f"{line.group}{number:03d}"))
            leaves += self._extra(("qnt", "1"))
            leaves += [("lineAmntIn", line_written), ("lineAmntEx", self._signed(line.amount - line_vat)[0]), ("amntTp", line_letter)]
            leaves += self._extra(("empID", "1001"), ("lineDate", tx.date), ("lineTime", tx.time))
            inner = self._leaves(*leaves)
            # The compact layout writes a line's nested elements right after its last leaf.
            sep = self._sep if self.layout == "example" else ""
            if line.line_type != "GC":
                vat_code = line.vat_code
                percent = VAT_CODES[vat_code][1]
                vat_written, vat_letter = self._signed(line_vat) if line_vat else ("0.00", line_letter)
                inner += sep + self._el("vat", self._leaves(
                    ("vatCode", vat_code), ("vatPerc", f"{percent}.00"), ("vatAmnt", vat_written), ("vatAmntTp", vat_letter),
                    ("vatBasAmnt", self._signed(line.amount - line_vat)[0]),
                ))
                vat_by_code[vat_code] = vat_by_code.get(vat_code, 0) + line_vat
                base_by_code[vat_code] = base_by_code.get(vat_code, 0) + line.amount - line_vat
            if line.discount:
                inner += sep + self._discount(line.discount)
            parts.append(self._el("ctLine", inner))
        if self.summary_vat == "per_rate":
            vat_by_code = {code: vat_of(base_by_code[code] + vat, code) for code, vat in vat_by_code.items()}
        for number, (vat_code, line_vat) in enumerate(vat_by_code.items()):
            vat_written, vat_letter = self._signed(line_vat + (tx.summary_vat_delta if number == 0 else 0))
            percent = VAT_CODES[vat_code][1]
            parts.append(self._el("vat", self._leaves(
                ("vatCode", vat_code), *self._extra(("vatPerc", f"{percent}.00")), ("vatAmnt", vat_written),
                ("vatAmntTp", vat_letter), *self._extra(("vatBasAmnt", self._signed(base_by_code[vat_code])[0])),
            )))
        if tx.discount:
            parts.append(self._discount(tx.discount))
        if tx.tip:
            parts.append(self._el("raise", self._leaves(("raiseType", "TIPS"), ("raiseAmnt", self._money(tx.tip)))))
        if tx.rounding is not None or self.layout == "example":
            parts.append(self._el("rounding", self._leaves(("roundingAmnt", nok(tx.rounding or 0)))))
        for payment in tx.paid():
            parts.append(self._el("payment", self._leaves(
                ("paymentType", self._payment_type(payment.type)), ("paidAmnt", self._money(payment.amount)),
                *self._extra(("empID", "1001"), ("curCode", "NOK"), ("exchRt", "1.000000"),
                             ("paymentRefID", f"BAX: 568833-{tx.trans_id:0>8}")),
            )))
        signature = _LONG_SIGNATURE if self.layout == "example" else "c2lnbmF0dXJl"
        parts.append(self._leaves(
            ("signature", signature), ("keyVersion", "1"),
            *self._extra(("receiptNum", tx.trans_id), ("receiptCopyNum", "0"), ("receiptProformaNum", "0"),
                         ("receiptDeliveryNum", "0")),
            ("voidTransaction", "true" if tx.void else "false"), ("trainingID", "true" if tx.training else "false"),
        ))
        nl = self._sep
        return self._el("cashtransaction", nl.join(parts))

    def _payment_type(self, basic_id: str) -> str:
        """What the file writes as <paymentType> for the payment basic `basic_id`."""
        if not self.payment_descriptions:
            return basic_id
        return next((desc for t, i, _, desc in self.basics if t == "12" and i == basic_id), basic_id)

    def _extra(self, *pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        """Elements only the "example" layout writes (the importer reads none of them)."""
        return pairs if self.layout == "example" else ()

    def _discount(self, ore: int) -> str:
        return self._el("discount", self._leaves(("dscTp", "DISC"), ("dscAmnt", nok(abs(ore)))))

    @staticmethod
    def _line_vat(line: Line) -> int:
        if line.line_type == "GC":
            return 0
        return line.vat if line.vat is not None else vat_of(line.amount, line.vat_code)

    def _z_event(self, event_id: str, register_id: str, z: ZReport) -> str:
        nl = self._sep
        payments = nl.join(
            self._el("reportPayment", self._leaves(("paymentType", self._payment_type(t)), ("paymentNum", "1"),
                                                   ("paymentAmnt", nok(a))))
            for t, a in z.payments.items()
        ) or self._el("reportPayment", self._leaves(("paymentType", "None"), ("paymentNum", "0"), ("paymentAmnt", "0.00")))
        vat_rows = nl.join(
            self._el("reportCashSaleVat", self._leaves(
                ("vatCode", code), ("vatPerc", f"{VAT_CODES[code][1]}.00"), ("cashSaleAmnt", nok(base)), ("vatAmnt", nok(vat))))
            for code, (base, vat) in z.vat.items()
        ) or self._el("reportCashSaleVat", self._leaves(("vatPerc", "0.00"), ("cashSaleAmnt", "0.00"), ("vatAmnt", "0.00")))
        report = nl.join([
            self._leaves(("reportID", z.report_id), ("reportType", "Z report"), ("companyIdent", self.company),
                         ("companyName", "Test AS"), ("reportDate", z.date), ("reportTime", z.time), ("registerID", register_id)),
            self._el("reportTotalCashSales", self._leaves(("totalCashSaleAmnt", nok(z.total)))),
            self._el("reportArtGroups", self._el("reportArtGroup", self._leaves(("artGroupID", "None"), ("artGroupNum", "0"), ("artGroupAmnt", "0.00")))),
            self._el("reportPayments", payments),
            self._el("reportCashSalesVat", vat_rows),
            # The counters the schema requires of every Z report (the importer reads none of them).
            self._leaves(("reportOpeningChangeFloat", "0.00"), *((name, "0") if name.endswith("Num") else (name, "0.00")
                         for name in _Z_COUNTERS)),
            self._el("reportCorrLines", self._el("reportCorrLine", self._leaves(
                ("corrLineType", "None"), ("corrLineNum", "0"), ("corrLineAmnt", "0.00")))),
            self._el("reportPriceInquiries", self._el("reportPriceInquiry", self._leaves(
                ("priceInquiryGroup", "None"), ("priceInquiryNum", "0"), ("priceInquiryAmnt", "0.00")))),
            self._el("reportOtherCorrs", self._el("reportOtherCorr", self._leaves(
                ("otherCorrType", "None"), ("otherCorrNum", "0"), ("otherCorrAmnt", "0.00")))),
            self._leaves(("reportReceiptDeliveryNum", "0"), ("reportReceiptDeliveryAmnt", "0.00"),
                         ("reportTrainingNum", "0"), ("reportTrainingAmnt", "0.00")),
            self._leaves(("reportGrandTotalSales", "99999.00"), ("reportGrandTotalReturn", "0.00"), ("reportGrandTotalSalesNet", "99999.00")),
        ])
        return self._el("event", nl.join([
            self._leaves(("eventID", event_id), ("eventType", "ZREP"), ("eventDate", z.date), ("eventTime", z.time)),
            self._el("eventReport", report),
        ]))


# Counters between the VAT rows and the corrections in a Z report, in the schema's order.
_Z_COUNTERS = ("reportReceiptNum", "reportOpenCashBoxNum", "reportReceiptCopyNum", "reportReceiptCopyAmnt",
               "reportReceiptProformaNum", "reportReceiptProformaAmnt", "reportReturnNum", "reportReturnAmnt",
               "reportDiscountNum", "reportDiscountAmnt", "reportVoidTransNum", "reportVoidTransAmnt")

# As long as the 2021 example's signatures (172 base64 characters); not a real signature.
_LONG_SIGNATURE = ("c2lnbmF0dXJl" * 15)[:172]


class _Indenter:
    """Writes XML that has one element per line ("\\n") with tab indentation and `newline`."""

    def __init__(self, out: TextIO, newline: str):
        self.out, self.newline, self.depth = out, newline, 0

    def write(self, text: str) -> None:
        lines = text.split("\n")
        tail = lines.pop()  # text after the last newline (normally empty)
        for line in lines:
            self._line(line)
        if tail:
            self._line(tail)

    def _line(self, line: str) -> None:
        closes = line.count("</")
        opens = line.count("<") - closes - line.count("<?") - line.count("<!") - line.count("/>")
        self.out.write("\t" * (self.depth - line.startswith("</")) + line + self.newline)
        self.depth += opens - closes
