"""Reading a SAF-T Cash Register file safely and in constant memory.

The file comes from a third-party cash register system, so it is treated as untrusted: no DTD
(a `<!DOCTYPE` is rejected), no entity expansion, no network. It is streamed with lxml's
iterparse, and every element of interest is cleared together with its preceding siblings once
the consumer has read it, so memory does not grow with the file size.

Only elements in the SAF-T Cash Register namespace are read, whatever prefix the file uses
(a default namespace in the 2021 example, `n1:` in the 2016 one).
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from typing import Iterator

from lxml import etree

from settlement.domain.problems import Problem, error
from settlement.domain.text import N_, tr

NS = "urn:StandardAuditFile-Taxation-CashRegister:NO"
_OTHER_KNOWN = {
    "urn:StandardAuditFile-Taxation-CashRegister:DK": N_("the Danish cash register format"),
    "urn:StandardAuditFile-Taxation-Financial:NO": N_("SAF-T Financial, not SAF-T Cash Register"),
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


# libxml2's messages, as (error type, pattern) → what the user is told. Everything here runs only
# once a file has turned out to be broken, so it may read the file again to say where and why.
_LXML_POSITION = re.compile(r",? line \d+, column \d+\s*$")
_CHAR_VALUE = re.compile(r"Char 0x([0-9A-Fa-f]+)|Char value (\d+)|xmlChar value (\d+)")
_ENTITY = re.compile(r"Entity '([^']*)' not defined")
_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
# How far back from an error to look for the element it is in: a little more than the longest
# text libxml2 accepts (10 MB), so even "text node too long" names its element.
_ELEMENT_LOOKBACK = 11 * 1024 * 1024


def _cause(exc: etree.XMLSyntaxError) -> tuple[str, str, int | None, int | None]:
    """(libxml2 error type, message, line, column) of what made the parse fail.

    The exception's own message can be a consequence ("no element found" without a line, or "Start
    tag expected" at line 1 when parsing from a file-like object) while the error log holds the real
    cause (an undefined entity, with its line): the log is cleared before each parse, so its first
    fatal error is the cause.
    """
    entries = [entry for entry in exc.error_log if entry.level_name == "FATAL"]
    if entries:
        entry = entries[0]
        return entry.type_name, entry.message.strip(), entry.line or None, entry.column or None
    message = _LXML_POSITION.sub("", (exc.msg or str(exc)).strip()).strip()
    position = exc.position if isinstance(exc.position, tuple) else (exc.lineno, 0)
    return "", message, exc.lineno or None, (position[1] if len(position) > 1 else None) or None


def declared_encoding(file: str) -> str:
    """The encoding the XML declaration names (UTF-8 when it names none)."""
    with open(file, "rb") as handle:
        match = _DECLARED_ENCODING.match(handle.read(256))
    return match.group(1).decode("ascii") if match else "UTF-8"


def _line_start(handle, line: int) -> int:
    """The byte offset where the 1-based `line` starts."""
    handle.seek(0)
    seen, offset = 1, 0
    while seen < line:
        chunk = handle.read(1 << 20)
        if not chunk:
            break
        position = -1
        while seen < line:
            position = chunk.find(b"\n", position + 1)
            if position < 0:
                break
            seen += 1
        if seen == line and position >= 0:
            return offset + position + 1
        offset += len(chunk)
    return offset


def _element_before(file: str, end: int) -> tuple[str, bool] | None:
    """(local name, is an end tag) of the last tag that starts before byte `end`, or None."""
    with open(file, "rb") as handle:
        begin = max(0, end - _ELEMENT_LOOKBACK)
        handle.seek(begin)
        data = handle.read(end - begin)
    position = len(data)
    while True:
        position = data.rfind(b"<", 0, position)
        if position < 0:
            return None
        match = _TAG.match(data, position)
        if match is not None:
            return match.group(3).decode("ascii"), bool(match.group(1))


def _error_offset(file: str, line: int, column: int | None, encoding: str) -> int:
    """The byte offset of (line, column), libxml2 counting the column in characters."""
    with open(file, "rb") as handle:
        start = _line_start(handle, line)
        if not column or column <= 1:
            return start
        handle.seek(start)
        raw = handle.read(min((column - 1) * 4, _ELEMENT_LOOKBACK))
    try:
        return start + len(raw.decode(encoding, errors="replace")[: column - 1].encode(encoding, errors="replace"))
    except (LookupError, UnicodeError):  # an encoding Python lacks, or one it cannot take a part of
        return start + len(raw.decode("utf-8", errors="replace")[: column - 1].encode("utf-8", errors="replace"))


def _bad_bytes(file: str, encoding: str) -> tuple[int, int, bytes] | None:
    """(line, byte offset, the bytes) of the first bytes that are not valid in `encoding`.

    Python's codec is asked, since libxml2 reports an encoding error where its current chunk of
    input began, not where the bad byte is. None when Python knows no such encoding, or finds none.
    """
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError:
        return None
    try:
        return _first_undecodable(file, decoder)
    except UnicodeError:  # not a decoding error at a byte (UTF-16 without a BOM, ...)
        return None


def _first_undecodable(file: str, decoder) -> tuple[int, int, bytes] | None:
    offset = 0
    with open(file, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # The decoder's own buffer may hold a few bytes of the previous chunk.
                held = len(exc.object) - len(chunk)
                bad_at = offset - held + exc.start
                return _line_of_offset(file, bad_at), bad_at, exc.object[exc.start : exc.end]
            if not chunk:
                return None
            offset += len(chunk)


def _line_of_offset(file: str, offset: int) -> int:
    line, position = 1, 0
    with open(file, "rb") as handle:
        while position < offset:
            chunk = handle.read(min(1 << 20, offset - position))
            if not chunk:
                break
            line += chunk.count(b"\n")
            position += len(chunk)
    return line


def _only_blank(file: str) -> bool:
    """True when the file holds nothing but a BOM and white space (read only if it is small)."""
    if os.path.getsize(file) > (1 << 20):
        return False
    with open(file, "rb") as handle:
        data = handle.read()
    return not data.removeprefix(b"\xef\xbb\xbf").strip()


def _syntax_problem(file: str, exc: etree.XMLSyntaxError) -> Problem:
    """What is wrong with a file libxml2 could not parse, as a problem naming line and element."""
    if os.path.getsize(file) == 0 or _only_blank(file):
        return error(tr("the file is empty") if os.path.getsize(file) == 0 else tr("the file is blank: it has no XML in it"),
                     file=file)
    kind, cause, line, column = _cause(exc)
    encoding = declared_encoding(file)
    value = None
    if kind == "ERR_INVALID_ENCODING" or "Invalid bytes in character encoding" in cause:
        found = _bad_bytes(file, encoding)
        if found is not None:
            line, offset, raw = found
            value = raw.hex(" ")
            shown_bytes = " ".join(f"0x{byte:02x}" for byte in raw)
            if _declares_encoding(file):
                message = tr("bytes that are not valid {encoding} (the encoding the file declares): {bytes}",
                             encoding=encoding, bytes=shown_bytes)
            else:
                message = tr("bytes that are not valid {encoding} (the encoding the file declares by default, "
                             "as it names none): {bytes}", encoding=encoding, bytes=shown_bytes)
            return _with_element(file, message, line, offset, value)
        message = tr("bytes that are not valid {encoding} (the encoding the file declares)", encoding=encoding)
    elif (match := _CHAR_VALUE.search(cause)) is not None:
        hexa, decimal, reference = match.groups()
        code = int(hexa, 16) if hexa else int(decimal or reference)
        value = f"U+{code:04X}"
        if code == 0:
            message = tr("a character XML 1.0 does not allow: {code} NUL", code=value)
        elif code < 32:
            message = tr("a character XML 1.0 does not allow: {code} a control character", code=value)
        else:
            message = tr("a character XML 1.0 does not allow: {code}", code=value)
        if reference is not None:
            message = tr("{problem} (written as &#{number};)", problem=message, number=code)
    elif (match := _ENTITY.search(cause)) is not None:
        message = tr("the entity &{entity}; is not defined (without a DTD, which SAF-T files never have, "
                     "XML knows only &amp; &lt; &gt; &quot; &apos;)", entity=match.group(1))
        value = f"&{match.group(1)};"
    elif "Text node too long" in cause:
        message = tr("a text of more than 10 MB (no SAF-T element comes near that; the file is refused as corrupt or hostile)")
    elif "Excessive depth" in cause:
        message = tr("elements nested more than 256 deep (SAF-T nests about 8 deep; the file is refused as corrupt or hostile)")
    elif kind == "ERR_DOCUMENT_EMPTY":
        return error(tr("not XML at all: the file does not start with an XML element (is it another kind of export?): {cause}",
                        cause=cause),
                     file=file, line=line)
    else:
        message = cause.replace("try XML_PARSE_HUGE", "").rstrip(", ")
    if "Premature end of data" in cause or (line is not None and line >= _last_line(file)):
        return _with_element(file, tr("the file ends before the XML is complete (truncated export?): {cause}", cause=message),
                             line, None, value, column, encoding, not_well_formed=False)
    return _with_element(file, message, line, None, value, column, encoding)


def _declares_encoding(file: str) -> bool:
    with open(file, "rb") as handle:
        return _DECLARED_ENCODING.match(handle.read(256)) is not None


def _with_element(file: str, message: str, line: int | None, offset: int | None, value: str | None,
                  column: int | None = None, encoding: str = "UTF-8", not_well_formed: bool = True) -> Problem:
    """The problem, naming the element the error is in (or follows) as its column (`not_well_formed`:
    said to be not well-formed XML)."""
    element = None
    if line:
        if offset is None:
            offset = _error_offset(file, line, column, encoding)
        element = _element_before(file, offset)
    if element is None:
        said = tr("not well-formed XML: {cause}", cause=message) if not_well_formed else message
        return error(said, file=file, line=line, value=value)
    name, closed = element
    if not_well_formed:
        said = (tr("not well-formed XML after </{element}>: {cause}", element=name, cause=message) if closed
                else tr("not well-formed XML in <{element}>: {cause}", element=name, cause=message))
    else:
        said = (tr("{problem} (after </{element}>)", problem=message, element=name) if closed
                else tr("{problem} (in <{element}>)", problem=message, element=name))
    return error(said, file=file, line=line, column=name, value=value)


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
    etree.clear_error_log()  # so that a failure's log holds this file's errors only
    try:
        events = etree.iterparse(path, events=("start",), **_parser_options())
        _, root = next(iter(events))
    except StopIteration:
        raise SaftReadError(error(tr("the file is empty"), file=path)) from None
    except etree.XMLSyntaxError as exc:
        raise SaftReadError(_syntax_problem(path, exc)) from None
    doctype = root.getroottree().docinfo.doctype
    if doctype:
        raise SaftReadError(
            error(tr("the file has a <!DOCTYPE> declaration; SAF-T files never have one, so it is refused"),
                  file=path, line=_doctype_line(path, root.sourceline or 1), value=doctype)
        )
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if namespace != NS or local != "auditfile":
        hint = (tr(_OTHER_KNOWN[namespace]) if namespace in _OTHER_KNOWN
                else tr("expected <auditfile xmlns=\"{namespace}\">", namespace=NS))
        raise SaftReadError(
            error(tr("not a SAF-T Cash Register file: the root element is {root!r} ({hint})", root=root.tag, hint=hint),
                  file=path, line=root.sourceline, column="auditfile", value=root.tag)
        )


def stream(path: str, source=None) -> Iterator[Item]:
    """Yield the elements the importer needs, in document order, clearing each after use.

    source: a file-like object to parse instead of the file (it stands for the file `path`).
    Raises SaftReadError on malformed XML (with the line lxml reports), e.g. a truncated file.
    Call `check_root` first.
    """
    etree.clear_error_log()
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
