"""Reading a SAF-T Cash Register file safely and in constant memory.

The file comes from a third-party cash register system, so it is treated as untrusted: no DTD
(a `<!DOCTYPE` is rejected), no entity expansion, no network. It is streamed with lxml's
iterparse, and every element of interest is cleared together with its preceding siblings once
the consumer has read it, so memory does not grow with the file size.

Only elements in the SAF-T Cash Register namespace are read, whatever prefix the file uses
(a default namespace in the 2021 example, `n1:` in the 2016 one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lxml import etree

from settlement.problems import Problem, error

NS = "urn:StandardAuditFile-Taxation-CashRegister:NO"
_OTHER_KNOWN = {
    "urn:StandardAuditFile-Taxation-CashRegister:DK": "the Danish cash register format",
    "urn:StandardAuditFile-Taxation-Financial:NO": "SAF-T Financial, not SAF-T Cash Register",
}


def q(local: str) -> str:
    """The namespace-qualified tag name lxml uses for a SAF-T element."""
    return f"{{{NS}}}{local}"


# Elements the importer handles as a whole, as (qualified tag → kind).
_KINDS = {
    q("header"): "header",
    q("companyIdent"): "company",
    q("basic"): "basic",
    q("vatCodeDetail"): "vatCodeDetail",
    q("article"): "article",
    q("registerID"): "register",
    q("event"): "event",
    q("cashtransaction"): "cashtransaction",
}
_COMPANY = q("company")
_CASHREGISTER = q("cashregister")
_NAME = q("name")
# Handled elements whose earlier siblings are no longer needed once they have been read.
_CLEARED = frozenset({"basic", "vatCodeDetail", "article", "event", "cashtransaction"})


@dataclass(frozen=True, slots=True)
class Item:
    """One element handed to the importer.

    kind: header, company, basic, vatCodeDetail, article, register, event or cashtransaction.
    element: the lxml element; only valid until the next item is requested (it is then cleared).
    location: for `register` items, the enclosing location's <name> ("" when it has none).
    """

    kind: str
    element: etree._Element
    location: str = ""


class SaftReadError(Exception):
    """The file cannot be read as SAF-T Cash Register at all; carries the problem to report."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def _parser_options() -> dict[str, object]:
    # huge_tree stays off: no legitimate SAF-T text node comes near libxml2's 10 MB limit, and the
    # limits protect against hostile files. A document's total size is not limited by it.
    # remove_blank_text: the indentation between elements is not kept as text nodes (a third less
    # parsing work); an element's own text, even blank, is kept.
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
            "remove_blank_text": True}


def _last_line(file: str) -> int:
    """The number of the file's last line (only counted when reporting an error)."""
    count, last = 0, b""
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last not in (b"", b"\n"))


def _syntax_problem(file: str, exc: etree.XMLSyntaxError) -> Problem:
    line = exc.lineno or None
    message = exc.msg or str(exc)
    if "Premature end of data" in message or (line is not None and line >= _last_line(file)):
        message = f"the file ends before the XML is complete (truncated export?): {message}"
    else:
        message = f"not well-formed XML: {message}"
    return error(message, file=file, line=line)


def _doctype_line(path: str, root_line: int) -> int:
    """The line of `<!DOCTYPE` in the prolog (before the root element's line)."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if b"<!DOCTYPE" in raw or number >= root_line:
                return number
    return 1


def check_root(path: str) -> None:
    """Read only up to the root element; raise SaftReadError if it is not a SAF-T Cash Register file.

    Rejects a `<!DOCTYPE` (SAF-T never needs a DTD, and entity tricks start there) and a root that
    is not `auditfile` in the Cash Register namespace.
    """
    try:
        events = etree.iterparse(path, events=("start",), **_parser_options())
        _, root = next(iter(events))
    except StopIteration:
        raise SaftReadError(error("the file is empty", file=path)) from None
    except etree.XMLSyntaxError as exc:
        raise SaftReadError(_syntax_problem(path, exc)) from None
    doctype = root.getroottree().docinfo.doctype
    if doctype:
        raise SaftReadError(
            error("the file has a <!DOCTYPE> declaration; SAF-T files never have one, so it is refused",
                  file=path, line=_doctype_line(path, root.sourceline or 1), value=doctype)
        )
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if namespace != NS or local != "auditfile":
        hint = _OTHER_KNOWN.get(namespace, f"expected <auditfile xmlns=\"{NS}\">")
        raise SaftReadError(
            error(f"not a SAF-T Cash Register file: the root element is {root.tag!r} ({hint})",
                  file=path, line=root.sourceline, column="auditfile", value=root.tag)
        )


def stream(path: str, source=None) -> Iterator[Item]:
    """Yield the elements the importer needs, in document order, clearing each after use.

    source: a file-like object to parse instead of the file (it stands for the file `path`).
    Raises SaftReadError on malformed XML (with the line lxml reports), e.g. a truncated file.
    Call `check_root` first.
    """
    events = etree.iterparse(path if source is None else source, events=("end",), tag=list(_KINDS),
                             **_parser_options())
    try:
        for _, element in events:
            kind = _KINDS[element.tag]
            parent = element.getparent()
            if kind == "company" and (parent is None or parent.tag != _COMPANY):
                continue  # companyIdent inside auditfileSender or a Z report
            if kind == "register":
                if parent is None or parent.tag != _CASHREGISTER:
                    continue  # registerID inside a Z report
                location = parent.getparent()
                name = location.findtext(_NAME) if location is not None else None
                yield Item(kind, element, (name or "").strip())
                continue
            yield Item(kind, element)
            if kind in _CLEARED:
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise SaftReadError(_syntax_problem(path, exc)) from None
