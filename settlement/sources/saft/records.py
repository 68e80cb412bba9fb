"""Turning SAF-T elements into plain records: element text by local name, plus the source line.

Working on records keeps the interpretation (master data, transactions, Z reports) free of XML
details and cheap: each element's children are visited once.
"""

from __future__ import annotations

import re

from lxml import etree

from settlement.domain import money
from settlement.domain.money import AmountError
from settlement.domain.text import tr
from settlement.sources.saft.xmlstream import NS

_PREFIX = f"{{{NS}}}"
# xs:decimal as the schema's Amount types allow it: "." only, no thousands separators. A comma is
# refused rather than read the Norwegian way, since a valid SAF-T file never has one. Decimals past
# the second must be zeros (1234.560 is 1234.56 kr); money is never rounded.
_XS_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]{0,2})0*)?")
# More digits than any plausibility bound allows (int() itself refuses more than 4300).
_MAX_DIGITS = 20
_DEFAULT_LIMIT = 10**10  # money.MAX_LINE_ORE's default


class AmountTooLarge(AmountError):
    """An amount beyond the per-amount plausibility bound."""

# Qualified tag (or lxml's Comment/PI factory) → local name, or None when not a SAF-T element.
_LOCAL: dict[object, str | None] = {}
_UNKNOWN = object()


def local_name(tag: object) -> str | None:
    """'{ns}transID' → 'transID' for SAF-T elements; None for comments and other namespaces."""
    if tag in _LOCAL:
        return _LOCAL[tag]
    if tag.__class__ is not str or not tag.startswith(_PREFIX):  # type: ignore[union-attr]
        name = None  # comment, processing instruction or another namespace
    else:
        name = tag[len(_PREFIX):]  # type: ignore[index]
    _LOCAL[tag] = name
    return name


class Record(dict):
    """Text of an element's simple children by local name ('' for empty ones), and where it was.

    `children` holds the child elements that have children of their own, by local name, in order.
    """

    __slots__ = ("line", "tag", "children", "element")

    def __init__(self, line: int | None, tag: str, element: etree._Element | None = None):
        super().__init__()
        self.line = line
        self.tag = tag
        self.children: dict[str, list[etree._Element]] = {}
        self.element = element  # valid only while the streamed element is (for line_of)

    def line_of(self, name: str | None) -> int | None:
        """The line of the child element `name` (for pointing an error at it), else the record's."""
        if name and self.element is not None:
            child = self.element.find(f"{_PREFIX}{name}")
            if child is not None and child.sourceline:
                return child.sourceline
        return self.line


def record(element: etree._Element, tag: str | None = None) -> Record:
    """Read an element's children: text of leaf children, nested elements kept for later."""
    result = Record.__new__(Record)  # slots set here directly: this runs for every element read
    result.line = element.sourceline
    result.tag = tag or local_name(element.tag) or ""
    result.element = element
    children: dict[str, list[etree._Element]] = {}
    result.children = children
    known = _LOCAL
    for child in element:  # the hot loop of an import: local lookups only
        name = known.get(child.tag, _UNKNOWN)
        if name is _UNKNOWN:
            name = local_name(child.tag)
        if name is None:
            continue
        if len(child):
            if name in children:
                children[name].append(child)
            else:
                children[name] = [child]
        else:
            text = child.text
            result[name] = text.strip() if text else ""
    return result


def nested(parent: Record, name: str) -> list[Record]:
    """Records of the parent's children called `name` (e.g. every <payment> of a transaction).

    An empty one (`<payment/>`) still counts, as a record without fields, so that its missing
    elements are reported rather than the element being silently skipped.
    """
    found = [record(child, name) for child in parent.children.get(name, ())]
    if name in parent:
        found.append(Record(parent.line, name))
    return found


def xml_amount(raw: str, limit: int | None = None) -> int:
    """An xs:decimal amount in NOK ('16.40', '-0.4', '.5', '1234.560') → øre, exactly.

    limit: the largest absolute amount in øre accepted; None: money.MAX_LINE_ORE, the per-line
    plausibility bound's default. Only ASCII digits count as digits.
    Raises AmountError for anything else, including '16,40', more than two non-zero decimals and
    amounts beyond the limit.
    """
    if limit is None:
        limit = amount_limit()
    whole, _, frac = raw.partition(".")
    if len(frac) == 2 and frac.isascii() and frac.isdigit() and len(whole) <= _MAX_DIGITS:  # the usual "123.45"
        if whole.isascii() and whole.isdigit():
            ore = int(whole) * 100 + int(frac)
            if ore > limit:
                raise AmountTooLarge(_too_large(raw, limit))
            return ore
        if whole[:1] == "-" and whole[1:].isascii() and whole[1:].isdigit():
            ore = int(whole[1:]) * 100 + int(frac)
            if ore > limit:
                raise AmountTooLarge(_too_large(raw, limit))
            return -ore
    match = _XS_DECIMAL.fullmatch(raw.strip())
    if match is None:
        raise AmountError(tr("not an xs:decimal amount: {raw!r}", raw=raw[:40]))
    sign, whole, frac = match.groups()
    if not whole and not frac:
        raise AmountError(tr("not an xs:decimal amount: {raw!r}", raw=raw[:40]))
    whole = whole.lstrip("0")
    if len(whole) > _MAX_DIGITS:
        raise AmountTooLarge(_too_large(raw, limit))
    ore = int(whole or "0") * 100 + (int(frac.ljust(2, "0")) if frac else 0)
    if ore > limit:
        raise AmountTooLarge(_too_large(raw, limit))
    return -ore if sign == "-" else ore


def amount_limit(limit: int | None = None) -> int:
    """The per-amount plausibility bound in øre: `limit`, or money.MAX_LINE_ORE when None."""
    return limit if limit is not None else getattr(money, "MAX_LINE_ORE", _DEFAULT_LIMIT)


def _too_large(raw: str, limit: int) -> str:
    return tr("larger than the plausible bound of {limit} NOK per amount (SETTLEMENT_MAX_LINE_AMOUNT)",
              limit=money.format_nok(limit))
