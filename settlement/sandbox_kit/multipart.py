"""Parsing multipart/form-data request bodies (attachment uploads) with the standard email parser."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.parser import BytesParser


@dataclass
class FormPart:
    name: str
    filename: str | None  # from the part's Content-Disposition, when it is a file
    content_type: str
    data: bytes


def parse_form(content_type: str, body: bytes) -> dict[str, FormPart]:
    """Form parts by field name; ValueError when the body is not well-formed multipart."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    parts: dict[str, FormPart] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        parts[name] = FormPart(name, part.get_filename(), part.get_content_type(), data)
    if not parts and body.strip():
        raise ValueError("no form fields found in the multipart body")
    return parts
