"""A small XML tree that remembers the line of every element, for messages that name line and element.

ElementTree forgets where an element was; expat tells us at each start tag, so the tree is built
from expat's events directly. A document type declaration is refused: a settlement report never
has one, and refusing it rules out entity expansion (billion laughs) and external entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from settlement.domain.text import tr


class XmlRefused(ValueError):
    """The bytes are not a well-formed XML document we will read; `line` is where expat stopped."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Node:
    """One element: its namespace, local name, start line, text (stripped) and child elements."""

    namespace: str
    name: str
    line: int
    text: str = ""
    children: list["Node"] = field(default_factory=list)

    def child(self, name: str) -> "Node | None":
        """The first child element called `name`, or None."""
        return next((c for c in self.children if c.name == name), None)

    def all(self, name: str) -> list["Node"]:
        """Every child element called `name`, in document order."""
        return [c for c in self.children if c.name == name]


def parse(data: bytes) -> Node:
    """The root element of the document; XmlRefused when it is not well-formed or has a DTD."""
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[Node] = []
    texts: list[list[str]] = []
    root: list[Node] = []

    def start(tag: str, _attrs: dict) -> None:
        namespace, _, name = tag.rpartition(" ")
        node = Node(namespace, name, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)
        texts.append([])

    def end(_tag: str) -> None:
        node = stack.pop()
        node.text = "".join(texts.pop()).strip()

    def characters(text: str) -> None:
        if texts:
            texts[-1].append(text)

    def doctype(*_args: object) -> None:
        raise XmlRefused(tr("a document type declaration (DTD) is not allowed in a settlement report"),
                         parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlRefused(tr("not well-formed XML: {cause}", cause=expat.errors.messages[exc.code]), exc.lineno) from None
    if not root:
        raise XmlRefused(tr("no root element"), None)
    return root[0]
