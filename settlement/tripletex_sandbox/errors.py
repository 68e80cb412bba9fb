"""Tripletex's error envelope, as the sandbox answers it (tripletex-api.md §2).

Every error body is {status, code, message, link, developerMessage, validationMessages, requestId};
validationMessages is a list of {field, message, path, rootId}. The request id is filled in by the
server, which also sends it as the x-tlx-request-id header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DOC_LINK = "https://tripletex.no/v2-docs/"

# Tripletex's internal codes per status (the table in the spec's info text).
CODE_BAD_REQUEST = 4000
CODE_UNAUTHORIZED = 3000
CODE_FORBIDDEN = 9000
CODE_NOT_FOUND = 6000
CODE_LOCKED = 10000
CODE_VALIDATION = 18000
CODE_INVALID_JSON = 22000
CODE_SERVER = 1000
CODE_RATE_LIMITED = 0  # the spec lists 429 without an internal code


@dataclass
class Invalid:
    """One validation message: `field` as Tripletex names it ("postings.row"), `path` with indexes
    ("postings[2].row")."""

    field: str
    message: str
    path: str = ""


@dataclass
class ApiError(Exception):
    """An error answer in Tripletex's envelope."""

    status: int
    code: int
    message: str
    invalid: list[Invalid] = field(default_factory=list)
    developer_message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, request_id: str) -> dict:
        return {
            "status": self.status, "code": self.code, "message": self.message, "link": DOC_LINK,
            "developerMessage": self.developer_message,
            "validationMessages": [
                {"field": m.field, "message": m.message, "path": m.path or m.field, "rootId": None}
                for m in self.invalid
            ],
            "requestId": request_id,
        }


def validation_failed(invalid: list[Invalid]) -> ApiError:
    """422/18000 "Validering feilet." with the messages (what Tripletex answers to a bad voucher)."""
    return ApiError(422, CODE_VALIDATION, "Validering feilet.", list(invalid))


def not_found(what: str) -> ApiError:
    return ApiError(404, CODE_NOT_FOUND, "Objektet finnes ikke.", developer_message=what)


def bad_request(message: str) -> ApiError:
    return ApiError(400, CODE_BAD_REQUEST, message)
