"""Turning SAF-T elements into plain records: element text by local name, plus the source line.

Working on records keeps the interpretation (master data, transactions, Z reports) free of XML
details and cheap: each element's children are visited once.
"""

from __future__ import annotations

import re

from lxml import etree

from settlement.money import AmountError, parse_amount
from settlement.sources.saft.xmlstream import NS

_PREFIX = f"{{{NS}}}"
# xs:decimal as the schema's Amount types allow it: "." only, no thousands separators. A comma is
# refused rather than read the Norwegian way, since a valid SAF-T file never has one.
_XS_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_LOCAL: dict[str, str] = {}


def local_name(tag: object) -> str | None:
    """'{ns}transID' → 'transID' for SAF-T elements; None for comments and other namespaces."""
    if tag.__class__ is not str:
        return None  # comment or processing instruction
    name = _LOCAL.get(tag)  # type: ignore[arg-type]
    if name is None:
        if not tag.startswith(_PREFIX):  # type: ignore[union-attr]
            return None
        name = _LOCAL[tag] = tag[len(_PREFIX):]  # type: ignore[index]
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
    result = Record(element.sourceline, tag or local_name(element.tag) or "", element)
    for child in element:
        name = local_name(child.tag)
        if name is None:
            continue
        if len(child):
            result.children.setdefault(name, []).append(child)
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


def xml_amount(raw: str) -> int:
    """An xs:decimal amount in NOK ('16.40', '-0.4', '1234.560') → øre, exactly.

    Raises AmountError for anything else, including '16,40' and more than two non-zero decimals.
    """
    text = raw.strip()
    if not _XS_DECIMAL.match(text):
        raise AmountError(f"not an xs:decimal amount: {raw!r}")
    if text.startswith((".", "-.", "+.")):
        text = text.replace(".", "0.", 1)
    return parse_amount(text.rstrip(".") if text.endswith(".") else text)
