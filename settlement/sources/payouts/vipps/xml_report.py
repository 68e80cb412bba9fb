"""Vipps' settlement report XML (v3.0, and the older v2.0) as payouts.

One payout per <SettlementInfo>: its SettlementID is the payout id, SettledAmount (v3) or
NetSettlementAmount (v2) what reached the bank, SettlementDate (v3) or SettlementBatchDate (v2) the
payout date. The sales unit's SerialNumber (the merchant serial number, MSN) is the account and
each item's store_ref. Every transaction's and settlement's sums are checked as the XSD's comments
state them (Gross = Capture + Refund, Net = Gross − Fee, each *SettlementAmount the sum of its
transactions, SettledAmount net or gross by SettlementType); a report that does not add up yields
no payouts.
"""

from __future__ import annotations

from datetime import date, datetime

from settlement.domain.money import AmountError, format_nok, parse_decimal_ore
from settlement.domain.payouts import Payout, PayoutRead
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.payouts.vipps import xml_schema
from settlement.sources.payouts.vipps.transactions import OSLO, PROVIDER, oslo_midnight, transaction_items
from settlement.sources.payouts.vipps.xmltree import Node, XmlRefused, parse


class VippsXmlSource:
    """The settlement report XML from portal.vipps.no (Rapporter → Oppgjørsrapport, XML)."""

    provider = PROVIDER
    name = "Vipps settlement report XML"

    def sniff(self, data: bytes, file: str) -> bool:
        head = data[:2048]
        return b"SettlementReport" in head and (xml_schema.NAMESPACE_V3.encode() in head
                                                or xml_schema.NAMESPACE_V2.encode() in head)

    def read(self, data: bytes, file: str) -> PayoutRead:
        try:
            root = parse(data)
        except XmlRefused as exc:
            return PayoutRead(problems=(error(str(exc), file=file, line=exc.line),))
        if root.name != "SettlementReport" or root.namespace not in xml_schema.SCHEMAS:
            return PayoutRead(problems=(error(
                tr("not a Vipps settlement report: the root is <{root}> in namespace {namespace!r} "
                   "(expected <SettlementReport> of SettlementReport-3.0.xsd or 2.0)", root=root.name,
                   namespace=root.namespace), file=file, line=root.line),))
        version, schema = xml_schema.SCHEMAS[root.namespace]
        problems = xml_schema.check(root, schema, file)
        reader = _Reader(file, version == "3.0", problems)
        payouts = [payout for details in root.all("SettlementDetailsInfo") for payout in reader.details(details)]
        seen: dict[str, int] = {}
        for payout, line in reader.lines:
            if payout.payout_id in seen:
                problems.append(error(tr("settlement {settlement} appears twice in the report (first on line {line})",
                                         settlement=payout.payout_id, line=seen[payout.payout_id]), file=file, line=line, column="SettlementID"))
            seen.setdefault(payout.payout_id, line)
        for payout in payouts:
            problems.extend(payout.consistency_problems())
        if any(p.is_error for p in problems):
            return PayoutRead(problems=tuple(problems))
        return PayoutRead(payouts=tuple(payouts), problems=tuple(problems))


class _Reader:
    """Turns checked elements into payouts, adding a problem for every sum that does not agree."""

    def __init__(self, file: str, v3: bool, problems: list[Problem]) -> None:
        self.file, self.v3, self.problems = file, v3, problems
        self.lines: list[tuple[Payout, int]] = []

    def details(self, details: Node) -> list[Payout]:
        msn = _text(details, "SerialNumber")
        payments = details.child("PaymentsInfo")
        if payments is None:
            return []
        settlements = payments.all("SettlementInfo")
        stated = self.amount_or_count(payments, "NumOfSettlements", count=True)
        if stated is not None and stated != len(settlements):
            self.mismatch(payments.child("NumOfSettlements"), tr("says {stated} settlements, the report has {count}",
                                                                 stated=stated, count=len(settlements)))
        currency = _text(payments, "SettlementCurrencyCode") or "NOK"
        return [p for s in settlements if (p := self.settlement(s, msn, currency)) is not None]

    def settlement(self, node: Node, msn: str, currency: str) -> Payout | None:
        settlement_id = _text(node, "SettlementID")
        currency = _text(node, "SettlementCurrencyCode") or currency
        net_type = (_text(node, "SettlementType") or "Net") == "Net"  # v2 has no type: its reports are net
        items, sums = [], {"Capture": 0, "Refund": 0, "Gross": 0, "Net": 0, "Fee": 0}
        transactions = node.all("TransactionInfo")
        for transaction in transactions:
            found = self.transaction(transaction, msn, currency, net_type)
            if found is None:
                continue
            values, made = found
            items.extend(made)
            for key in sums:
                sums[key] += values[key]
        stated = self.amount_or_count(node, "NumOfTransactions", count=True)
        if stated is not None and stated != len(transactions):
            self.mismatch(node.child("NumOfTransactions"), tr("says {stated} transactions, the settlement has {count}",
                                                              stated=stated, count=len(transactions)))
        keys = ("Capture", "Refund", "Gross", "Net", "Fee") if self.v3 else ("Gross", "Net", "Fee")
        for key in keys:
            stated = self.amount_or_count(node, f"{key}SettlementAmount")
            if stated is not None and stated != sums[key]:
                self.mismatch(node.child(f"{key}SettlementAmount"),
                              tr("is {stated} but the settlement's transactions add up to {sum}",
                                 stated=format_nok(stated), sum=format_nok(sums[key])))
        if self.v3:
            settled = self.amount_or_count(node, "SettledAmount")
            expected_key = "Net" if net_type else "Gross"
            expected = self.amount_or_count(node, f"{expected_key}SettlementAmount")
            if settled is not None and expected is not None and settled != expected:
                element = expected_key + "SettlementAmount"
                said = (tr("is {settled} but a net settlement pays {element} {expected}", settled=format_nok(settled),
                           element=element, expected=format_nok(expected)) if net_type
                        else tr("is {settled} but a gross settlement pays {element} {expected}",
                                settled=format_nok(settled), element=element, expected=format_nok(expected)))
                self.mismatch(node.child("SettledAmount"), said)
        else:
            settled = self.amount_or_count(node, "NetSettlementAmount")
        paid_on = _date(_text(node, "SettlementDate" if self.v3 else "SettlementBatchDate"))
        if not settlement_id or settled is None or paid_on is None:
            if paid_on is None and not self.v3:
                self.problems.append(error(tr("SettlementBatchDate is not a date (YYYY-MM-DD or DD.MM.YYYY)"),
                                           file=self.file, line=node.line, column="SettlementBatchDate"))
            return None
        payout = Payout(PROVIDER, settlement_id, msn, paid_on, settled, tuple(items), currency, self.file)
        self.lines.append((payout, node.line))
        return payout

    def transaction(self, node: Node, msn: str, currency: str, net_type: bool):
        values = {}
        names = ("Capture", "Refund", "Gross", "Net", "Fee") if self.v3 else ("Gross", "Net", "Fee")
        for key in names:
            values[key] = self.amount_or_count(node, f"Transaction{key}Amount")
        if any(v is None for v in values.values()):
            return None
        if not self.v3:  # v2 has no split: the sign of the gross tells a capture from a refund
            values["Capture"], values["Refund"] = max(values["Gross"], 0), min(values["Gross"], 0)
        if values["Gross"] != values["Capture"] + values["Refund"]:
            self.mismatch(node.child("TransactionGrossAmount"),
                          tr("is {gross} but capture {capture} + refund {refund} is {sum}", gross=format_nok(values["Gross"]),
                             capture=format_nok(values["Capture"]), refund=format_nok(values["Refund"]),
                             sum=format_nok(values["Capture"] + values["Refund"])))
        if values["Net"] != values["Gross"] - values["Fee"]:
            self.mismatch(node.child("TransactionNetAmount"),
                          tr("is {net} but gross {gross} − fee {fee} is {sum}", net=format_nok(values["Net"]),
                             gross=format_nok(values["Gross"]), fee=format_nok(values["Fee"]),
                             sum=format_nok(values["Gross"] - values["Fee"])))
        own_currency = _text(node, "SettlementCurrencyCode")
        if own_currency and own_currency != currency:
            self.mismatch(node.child("SettlementCurrencyCode"),
                          tr("is {currency} in a {settlement_currency} settlement", currency=own_currency,
                             settlement_currency=currency))
        occurred = self.occurred(node)
        if occurred is None:
            return None
        items = transaction_items(
            capture=values["Capture"], refund=values["Refund"], fee=values["Fee"], with_fee=net_type,
            transaction_id=_text(node, "TransactionID"), order_id=_text(node, "OrderID"), occurred=occurred,
            store_ref=msn, line=node.line, currency=currency)
        return values, items

    def occurred(self, node: Node) -> datetime | None:
        if self.v3:
            text = _text(node, "TransactionTime")
            moment = xml_schema.parse_time(text)
            if moment is None and text:
                try:  # an xs:dateTime without offset: Vipps gives Norwegian time
                    moment = datetime.fromisoformat(text).replace(tzinfo=OSLO)
                except ValueError:
                    return None
            return moment
        day = _date(_text(node, "TransactionDate"))
        if day is None:
            self.problems.append(error(tr("TransactionDate is not a date (YYYY-MM-DD or DD.MM.YYYY)"), file=self.file,
                                       line=node.line, column="TransactionDate", value=_text(node, "TransactionDate")))
        return oslo_midnight(day) if day else None

    def amount_or_count(self, node: Node, name: str, count: bool = False) -> int | None:
        """The øre (or count) of a child already checked by the schema; None when absent or bad."""
        child = node.child(name)
        if child is None or child.children:
            return None
        try:
            return int(child.text) if count else parse_decimal_ore(child.text)
        except (ValueError, AmountError):
            return None

    def mismatch(self, node: Node | None, message: str) -> None:
        if node is None:
            return
        self.problems.append(error(f"<{node.name}> {message}", file=self.file, line=node.line, column=node.name,
                                   value=node.text))


def _text(node: Node, name: str) -> str:
    child = node.child(name)
    return child.text if child is not None else ""


def _date(text: str) -> date | None:
    """An ISO date, or the DD.MM.YYYY Vipps' older reports and portal files use."""
    text = text.strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None
