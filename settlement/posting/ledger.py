"""The port every accounting system is reached through: `LedgerTarget`.

The posting engine (settlement.posting.settle) knows nothing of any ledger's API. A target turns a
voucher into a `Booking` (the exact request bodies, a plain value that `preview --ledger` prints and
that is stored with the day), sends it part by part, finds a part again by its settlement key after
an unclear outcome, reverses a posting, attaches the report, and checks a vendor's configuration.
What a ledger calls the posting it made (its ids) is a `TargetRef`, a small JSON object the engine
stores without reading it.

Failures are typed, so the engine can decide without knowing the ledger:
- `LedgerAmbiguous`: a write may or may not have taken effect (a lost answer): look it up.
- `LedgerRefused`: the ledger refused the content; sending it again will not help.
- `LedgerUnavailable`: nothing was done, or a read failed (down, rate limited, network); a later run
  may succeed. `CredentialRefused` is the case a person must fix (no credential, revoked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from settlement.domain.chart import LedgerRow
from settlement.domain.problems import Problem
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher

# What a ledger calls a posting's parts, e.g. {"sale_id": 12, "transaction_id": 34, "journal_entry_id": 56}.
TargetRef = dict[str, Any]


class LedgerError(Exception):
    """Base of the typed outcomes of a ledger call.

    kind: the ledger client's own name for what went wrong ("ServerError", "RateLimited"), kept
    in reasons so a person can look it up in that ledger's documentation.
    """

    kind: str = ""

    @property
    def reason(self) -> str:
        """'ServerError: Fiken answered 503 …', or the message alone when there is no kind."""
        return f"{self.kind}: {self}" if self.kind else str(self)


class LedgerAmbiguous(LedgerError):
    """A write may or may not have taken effect: find the part by its key before sending again."""


class LedgerRefused(LedgerError):
    """The ledger refused the content (permanent): the day fails with the ledger's reason."""


class LedgerUnavailable(LedgerError):
    """The ledger could not be asked (down, rate limited, network, a read failed): try later."""


class CredentialRefused(LedgerUnavailable):
    """No usable credential: none configured, not connected, or refused by the ledger."""


@dataclass(frozen=True)
class Capabilities:
    """What a ledger's API can carry, for the parts above it that must know.

    description_length: the characters a voucher description may have, settlement key included.
    lines_carry_project / lines_carry_department: whether a voucher line can name a project or a
        department (else a project needs another posting mode, such as Fiken's cash sale).
    vat_as: "code" when lines carry a VAT code and the ledger computes the VAT itself, "rows"
        when the VAT is posted as explicit lines.
    """

    description_length: int
    lines_carry_project: bool = False
    lines_carry_department: bool = False
    vat_as: str = "code"


@dataclass(frozen=True)
class BookingPart:
    """One request of a booking, sent on its own and recorded before it is sent.

    name: what the part is ("sale", "journal"), in audit lines.
    ref_key: the TargetRef entry that holds its id once sent ("sale_id", "transaction_id").
    request: {"method", "path", "body"}: exactly what is sent.
    """

    name: str
    ref_key: str
    request: dict

    @property
    def body(self) -> dict:
        return self.request["body"]


@dataclass(frozen=True)
class Booking:
    """A voucher rendered for one ledger: what is sent, and what the ledger will book.

    target: the ledger's name ("fiken").
    mode: the posting mode ("journal", "cash_sale").
    key: the settlement key of this version.
    parts: the requests, in the order they are sent.
    vat_by_code: the VAT the ledger books per VAT code (credit positive), as the report shows it.
    rounding: what the ledger books on the rounding account (credit positive).
    """

    target: str
    mode: str
    key: str
    parts: tuple[BookingPart, ...]
    vat_by_code: Mapping[str, int] = field(default_factory=dict)
    rounding: int = 0

    def requests(self) -> list[dict]:
        """The requests in the order they are sent (`preview --ledger`)."""
        return [part.request for part in self.parts]

    def to_json(self) -> dict:
        """The booking as stored with the day (JSON-safe)."""
        return {
            "target": self.target, "mode": self.mode, "key": self.key,
            "parts": [{"name": p.name, "ref_key": p.ref_key, "request": p.request} for p in self.parts],
            "vat_by_code": dict(self.vat_by_code), "rounding": self.rounding,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Booking":
        return cls(
            data["target"], data["mode"], data["key"],
            tuple(BookingPart(p["name"], p["ref_key"], p["request"]) for p in data["parts"]),
            dict(data.get("vat_by_code") or {}), int(data.get("rounding") or 0),
        )


class LedgerTarget(Protocol):
    """One accounting system, as the posting engine uses it. Every method may raise LedgerError."""

    name: str  # stored with each day ("fiken")
    title: str  # the ledger's name in messages ("Fiken")
    capabilities: Capabilities

    def render(self, vendor: Vendor, voucher: Voucher, ledger: Mapping[str, LedgerRow], key: str) -> Booking:
        """The booking of a voucher under `key` in the vendor's posting mode (pure: no request)."""
        ...

    def send(self, vendor: Vendor, booking: Booking, part: BookingPart) -> TargetRef:
        """Send one part; returns what the ledger calls it (at least `part.ref_key`)."""
        ...

    def find(self, vendor: Vendor, booking: Booking, part: BookingPart, day: date) -> TargetRef | None:
        """Our live posting of `part` under the booking's key, if the ledger has it."""
        ...

    def complete(self, vendor: Vendor, booking: Booking, ref: TargetRef) -> TargetRef:
        """Ids the answers did not carry, read back once every part is sent (may ask the ledger)."""
        ...

    def reverse(self, vendor: Vendor, ref: TargetRef, reason: str) -> None:
        """Reverse (or delete) a posting visibly, with the reason; a part already reversed is skipped."""
        ...

    def attach(self, vendor: Vendor, ref: TargetRef, filename: str, pdf: bytes) -> str | None:
        """Attach the report to the posting; returns where it is, or None when nothing can carry it."""
        ...

    def find_attachment(self, vendor: Vendor, ref: TargetRef) -> str | None:
        """An attachment already on the posting (only this job attaches to its own postings)."""
        ...

    def check(self, vendor: Vendor, ledger: Mapping[str, LedgerRow]) -> list[Problem]:
        """What is wrong with the vendor's configuration in the ledger (`test-connection`)."""
        ...


def describe_ref(ref: Mapping[str, Any]) -> str:
    """'sale 12, transaction 34, journal entry 56' for audit lines and status."""
    return ", ".join(f"{name.removesuffix('_id').replace('_', ' ')} {value}" for name, value in ref.items()
                     if value is not None)
