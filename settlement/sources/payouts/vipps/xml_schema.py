"""The structure of Vipps' settlement report XML, v3.0 and v2.0, as their XSDs give it.

Each complex element is an ordered sequence of children (name, minOccurs, maxOccurs) and each
simple element has a type; `check` walks a parsed tree against that and names every element that is
missing, out of place, unexpected or of the wrong type, by line. This is written from
SettlementReport-3.0.xsd and SettlementReport-2.0.xsd (their facets: money has at most two
decimals, positiveMoney never starts with "-", negativeMoney is "0.00" or starts with "-"); it is
not a general XSD engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from settlement.domain.money import AmountError, parse_decimal_ore
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.payouts.vipps.xmltree import Node

NAMESPACE_V3 = "http://vipps.no/xmlschema/SettlementReport-3.0.xsd"
NAMESPACE_V2 = "http://vipps.dnb.no/XMLSchema/SettlementReport.xsd"

UNBOUNDED = None


@dataclass(frozen=True)
class Particle:
    """One child in a sequence: its name, how often it may occur, and its simple type (None: complex)."""

    name: str
    min: int = 1
    max: int | None = 1
    type: str | None = "string"


def _seq(*particles: Particle) -> tuple[Particle, ...]:
    return particles


def _el(name: str, type: str | None = "string", min: int = 1, max: int | None = 1) -> Particle:
    return Particle(name, min, max, type)


_VIPPS_INFO = _seq(_el("Name"), _el("WebSite", "anyURI"), _el("VisitingAddress"), _el("PostBox"),
                   _el("PostAddress"), _el("Country"))
_DETAILS_HEAD = (_el("SaleUnitName"), _el("SerialNumber"), _el("OrganizationName"), _el("OrganizationNumber"),
                 _el("MainAddress"), _el("MainAddressZipCode"), _el("MainAddressCity"), _el("MainAddressCountryCode"),
                 _el("PaymentsInfo", None))

V3: dict[str, tuple[Particle, ...]] = {
    "SettlementReport": _seq(_el("SettlementDetailsInfo", None, 1, UNBOUNDED), _el("VippsInfo", None)),
    "SettlementDetailsInfo": _DETAILS_HEAD,
    "PaymentsInfo": _seq(
        _el("ReportDateFrom", "date"), _el("ReportDateTo", "date"), _el("SettlementCurrencyCode"),
        _el("ReportReferenceNum", min=0), _el("SettlementAccountNum"),
        _el("SettlementInfo", None, 1, UNBOUNDED), _el("NumOfSettlements", "long"),
        _el("FeeDetailsInfo", None, 0)),
    "SettlementInfo": _seq(
        _el("SettlementDate", "date"), _el("SettlementID", "long"), _el("SettlementCurrencyCode"),
        _el("SettlementType", "settlementType"), _el("TransactionInfo", None, 1, UNBOUNDED),
        _el("NumOfTransactions", "long"), _el("CaptureSettlementAmount", "positiveMoney"),
        _el("RefundSettlementAmount", "negativeMoney"), _el("GrossSettlementAmount", "money"),
        _el("NetSettlementAmount", "money"), _el("FeeSettlementAmount", "positiveMoney"),
        _el("SettledAmount", "money")),
    "TransactionInfo": _seq(
        _el("TransactionTime", "dateTime"), _el("TransactionCaptureAmount", "positiveMoney"),
        _el("TransactionRefundAmount", "negativeMoney"), _el("TransactionGrossAmount", "money"),
        _el("TransactionNetAmount", "money"), _el("TransactionFeeAmount", "positiveMoney"),
        _el("SettlementCurrencyCode"), _el("TransactionID", "long"), _el("OrderID")),
    "FeeDetailsInfo": _seq(_el("FeeInfo", None, 0, UNBOUNDED)),
    "FeeInfo": _seq(_el("FeeDate", "date"), _el("FeeID", "long"), _el("FeeAmount", "money"), _el("FeeAccount"),
                    _el("FeeType")),
    "VippsInfo": _VIPPS_INFO,
}

V2: dict[str, tuple[Particle, ...]] = {
    "SettlementReport": V3["SettlementReport"],
    "SettlementDetailsInfo": _DETAILS_HEAD,
    "PaymentsInfo": _seq(
        _el("ReportDateFrom"), _el("ReportDateTo"), _el("SettlementCurrencyCode"),
        _el("TotalSettledGrossAmount", "decimal"), _el("TotalSettledNetAmount", "decimal"),
        _el("TotalSettledFeeAmount", "decimal"), _el("TotalSettledRefundAmount", "decimal"),
        _el("ReportReferenceNum", min=0), _el("SettlementAccountNum"), _el("NumOfSettlements", "long"),
        _el("SettlementInfo", None, 1, UNBOUNDED), _el("FeeDetailsInfo", None, 0)),
    "SettlementInfo": _seq(
        _el("SettlementBatchDate"), _el("SettlementID"), _el("SettlementCurrencyCode"),
        _el("GrossSettlementAmount", "decimal"), _el("NetSettlementAmount", "decimal"),
        _el("FeeSettlementAmount", "decimal"), _el("NumOfTransactions", "long"),
        _el("TransactionInfo", None, 1, UNBOUNDED)),
    "TransactionInfo": _seq(
        _el("TransactionDate"), _el("TransactionGrossAmount", "decimal"), _el("TransactionNetAmount", "decimal"),
        _el("TransactionFeeAmount", "decimal"), _el("SettlementCurrencyCode"), _el("TransactionID", "long"),
        _el("OrderID")),
    "FeeDetailsInfo": _seq(_el("FeeInfo", None, 1, UNBOUNDED)),
    "FeeInfo": _seq(_el("FeeDate"), _el("FeeID", "long"), _el("FeeAmount", "decimal"), _el("FeeAccount", "integer"),
                    _el("FeeType")),
    "VippsInfo": _VIPPS_INFO,
}

SCHEMAS = {NAMESPACE_V3: ("3.0", V3), NAMESPACE_V2: ("2.0", V2)}


def check(root: Node, schema: dict[str, tuple[Particle, ...]], file: str) -> list[Problem]:
    """Every way the tree departs from the schema's structure and simple types, by line and element."""
    problems: list[Problem] = []
    _check_complex(root, schema, file, problems)
    return problems


def _check_complex(node: Node, schema: dict, file: str, problems: list[Problem]) -> None:
    children = node.children
    at = 0
    for particle in schema[node.name]:
        count = 0
        while at < len(children) and children[at].name == particle.name:
            child = children[at]
            if particle.max is not None and count >= particle.max:
                break
            if child.namespace != node.namespace:
                problems.append(error(tr("<{element}> is in namespace {namespace!r}, not the report's", element=child.name,
                                         namespace=child.namespace),
                                      file=file, line=child.line, column=child.name))
            if particle.type is None:
                _check_complex(child, schema, file, problems)
            else:
                _check_simple(child, particle.type, file, problems)
            count += 1
            at += 1
        if count < particle.min:
            where = children[at].line if at < len(children) else node.line
            problems.append(error(tr("<{element}> lacks <{child}> here (the XSD requires it)", element=node.name, child=particle.name),
                                  file=file, line=where, column=particle.name))
    for extra in children[at:]:
        problems.append(error(tr("unexpected <{child}> in <{element}> (not where the XSD allows it)", child=extra.name, element=node.name),
                              file=file, line=extra.line, column=extra.name))


_LONG = re.compile(r"[+-]?[0-9]{1,19}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?")


def _check_simple(node: Node, type_name: str, file: str, problems: list[Problem]) -> None:
    if node.children:
        problems.append(error(tr("<{element}> must hold text, not elements", element=node.name), file=file, line=node.line,
                              column=node.name))
        return
    reason = simple_type_problem(node.text, type_name)
    if reason:
        problems.append(error(f"<{node.name}> {reason}", file=file, line=node.line, column=node.name,
                              value=node.text))


def simple_type_problem(text: str, type_name: str) -> str | None:
    """Why `text` is not a value of the XSD simple type, or None when it is."""
    if type_name == "string":
        return None
    if type_name in ("long", "integer"):
        return None if _LONG.fullmatch(text) else tr("is not an integer ({type})", type=type_name)
    if type_name == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            return tr("is not a date (YYYY-MM-DD)")
        return None
    if type_name == "dateTime":
        return None if _DATETIME.fullmatch(text) else tr("is not a date-time (YYYY-MM-DDThh:mm:ss[.fff][±hh:mm])")
    if type_name == "settlementType":
        return None if text in ("Gross", "Net") else tr("must be Gross or Net")
    if type_name == "anyURI":
        return None if text and not any(c.isspace() for c in text) else tr("is not a URI")
    if type_name in ("money", "positiveMoney", "negativeMoney", "decimal"):
        try:
            parse_decimal_ore(text, limit=None)
        except AmountError as exc:
            return tr("is not an amount ({reason})", reason=exc)
        if type_name == "positiveMoney" and text.startswith("-"):
            return tr("must not be negative (capture and fee amounts are ≥ 0)")
        if type_name == "negativeMoney" and not (text.startswith("-") or text == "0.00"):
            return tr("must be negative or 0.00 (refund amounts are ≤ 0)")
        return None
    raise ValueError(f"unknown simple type {type_name}")  # a bug in the tables above


def parse_time(text: str) -> datetime | None:
    """An xs:dateTime as an aware datetime (None when it is not one or has no offset)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
