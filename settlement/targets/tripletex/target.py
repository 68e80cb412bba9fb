"""`TripletexTarget`: Tripletex behind the ledger port (settlement.posting.ledger).

What Tripletex calls a posting (`TargetRef`): {"voucher_id": id, "voucher_number": "12-2026"}. The
booking has one part, the voucher. How it is found again, reversed and documented, and what is
assumed of real Tripletex: docs/tripletex.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta

from settlement.domain.text import tr
from settlement.domain.chart import LedgerRow
from settlement.domain.problems import Problem
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher
from settlement.posting.ledger import (
    Booking, BookingPart, Capabilities, CredentialRefused, LedgerAmbiguous, LedgerError, LedgerRefused,
    LedgerUnavailable, TargetRef,
)
from settlement.targets.tripletex.booking_view import tripletex_booked, tripletex_booking
from settlement.targets.tripletex.client import TripletexClient
from settlement.targets.tripletex.errors import (
    AmbiguousResult, AuthenticationError, ForbiddenError, MissingCredential, NotFoundError, TripletexError,
    ValidationError,
)
from settlement.targets.tripletex.payloads import MAX_DESCRIPTION, VOUCHER_PATH, build_voucher_body, voucher_day
from settlement.targets.tripletex.resolve import Reference, UnknownReference, resolve_body

_POSTING_PATH = re.compile(r"^postings\[(\d+)\]")


def ledger_error(exc: TripletexError, body: dict | None = None) -> LedgerError:
    """The port's typed outcome for a Tripletex failure; validation messages name the voucher line."""
    if isinstance(exc, AmbiguousResult):
        kind: type[LedgerError] = LedgerAmbiguous
    elif isinstance(exc, ValidationError):
        kind = LedgerRefused
    elif isinstance(exc, (AuthenticationError, ForbiddenError, MissingCredential)):
        kind = CredentialRefused
    else:
        kind = LedgerUnavailable
    message = str(exc)
    if isinstance(exc, ValidationError) and exc.messages:
        reasons = "; ".join(_explain(m, body) for m in exc.messages)
        message = f"{exc.message}: {reasons} ({exc.method} {exc.url})"  # the parts are said in the language
    error = kind(message)
    error.kind = type(exc).__name__
    error.__cause__ = exc
    return error


def describe_posting(body: dict | None, index: int) -> str:
    """'voucher line 3 (Salg: Salgsinntekt, account 3000, VAT code 3)' for postings[index]."""
    postings = (body or {}).get("postings") or []
    if not 0 <= index < len(postings):
        return tr("posting {number}", number=index + 1)
    posting = postings[index]
    account = posting.get("account", {}).get("number", "?")
    for name, key in (("customer", "customerNumber"), ("supplier", "supplierNumber")):
        if name in posting:
            account = f"{account}:{posting[name][key]}"
    code = posting.get("vatType", {}).get("number")
    row, description = posting.get('row', index + 1), posting.get('description', '')
    if code and code != "0":
        return tr("voucher line {row} ({description}, account {account}, VAT code {code})", row=row,
                  description=description, account=account, code=code)
    return tr("voucher line {row} ({description}, account {account})", row=row, description=description,
              account=account)


def _explain(message: dict, body: dict | None) -> str:
    path, field = str(message.get("path") or ""), str(message.get("field") or "")
    text = str(message.get("message") or "")
    match = _POSTING_PATH.match(path)
    if match:
        return f"{describe_posting(body, int(match.group(1)))}: {field or path}: {text}"
    subject = field or path or tr("voucher")
    return f"{subject}: {text}"


class TripletexTarget:
    """Tripletex API v2 for one credential. The client is made on first use, so rendering a booking
    (preview, reports) needs no credential; reference data is looked up once per instance."""

    name = "tripletex"
    title = "Tripletex"
    capabilities = Capabilities(description_length=MAX_DESCRIPTION, lines_carry_project=True,
                                lines_carry_department=True, vat_as="code")

    def __init__(self, client: TripletexClient | Callable[[], TripletexClient]):
        self._client = client
        self._reference: Reference | None = None
        self._identity: dict[str, str] | None = None  # read once per process, for where()

    @property
    def client(self) -> TripletexClient:
        if callable(self._client) and not isinstance(self._client, TripletexClient):
            try:
                self._client = self._client()
            except TripletexError as exc:  # MissingCredential: no tokens configured
                raise ledger_error(exc) from exc
        return self._client

    @property
    def reference(self) -> Reference:
        if self._reference is None:
            self._reference = Reference(self.client)
        return self._reference

    # --- rendering (pure) -----------------------------------------------------------------------

    def render(self, vendor: Vendor, voucher: Voucher, ledger: Mapping[str, LedgerRow], key: str) -> Booking:
        rounding = ledger["rounding"]
        body = build_voucher_body(voucher, vendor.name, rounding.account, rounding.name, key,
                                  vendor.department, vendor.project)
        seen = tripletex_booking(body, rounding.account)
        parts = ()
        if body["postings"]:
            parts = (BookingPart("voucher", "voucher_id", {"method": "POST", "path": VOUCHER_PATH, "body": body}),)
        return Booking(self.name, "voucher", key, parts, seen.vat_by_code, seen.rounding,
                       tripletex_booked(body, voucher, rounding.account))

    # --- sending and finding ----------------------------------------------------------------------

    def resolved(self, body: dict) -> dict:
        """The body with ids for numbers (LedgerRefused naming the line when a number is unknown)."""
        try:
            return resolve_body(body, self.reference)
        except UnknownReference as exc:
            raise LedgerRefused(f"{describe_posting(body, exc.index)}: {exc.message}") from None
        except TripletexError as exc:
            raise ledger_error(exc) from exc

    def send(self, vendor: Vendor, booking: Booking, part: BookingPart) -> TargetRef:
        body = self.resolved(part.body)
        try:
            value = self.client.create_voucher(body)
        except TripletexError as exc:
            raise ledger_error(exc, part.body) from exc
        return _ref(value)

    def find(self, vendor: Vendor, booking: Booking, part: BookingPart, day: date) -> TargetRef | None:
        """Our live voucher under the key: by externalVoucherNumber, else among the day's vouchers
        by the key in the description. Reversed vouchers and reversals are never ours."""
        key = booking.key
        try:
            if part.body.get("externalVoucherNumber") == key:
                try:
                    found = _live_match(self.client.vouchers_by_external_number(key), key)
                except (NotFoundError, ValidationError):  # an API without the lookup: search by date
                    found = None
                if found is not None:
                    return _ref(found)
            found = _live_match(self.client.vouchers_on(voucher_day(part.body)), key)
        except TripletexError as exc:
            raise ledger_error(exc) from exc
        return None if found is None else _ref(found)

    def complete(self, vendor: Vendor, booking: Booking, ref: TargetRef) -> TargetRef:
        return ref  # the POST answer carries the voucher's id and number

    def prefetch(self, vendor: Vendor, start: date, end: date) -> None:
        return None  # complete() asks for nothing

    # --- correcting and documenting -----------------------------------------------------------------

    def reverse(self, vendor: Vendor, ref: TargetRef, reason: str) -> None:
        """PUT :reverse dated the voucher's own date, so the correction lands in the same period
        (and a closed period refuses it: LedgerRefused with Tripletex's words). Tripletex takes no
        text with a reversal, so `reason` is not carried (docs/tripletex.md)."""
        voucher_id = ref.get("voucher_id")
        if voucher_id is None:
            return
        try:
            voucher = self.client.voucher(int(voucher_id))
            if voucher.get("reverseVoucher"):
                return
            self.client.reverse_voucher(int(voucher_id), date.fromisoformat(voucher["date"]))
        except TripletexError as exc:
            raise ledger_error(exc) from exc

    def attach(self, vendor: Vendor, ref: TargetRef, filename: str, pdf: bytes) -> str | None:
        voucher_id = ref.get("voucher_id")
        if voucher_id is None:
            return None
        try:
            value = self.client.attach(int(voucher_id), filename, pdf)
        except TripletexError as exc:
            raise ledger_error(exc) from exc
        attachment = value.get("attachment") or {}
        return f"voucher {voucher_id} attachment {attachment.get('id', 'added')}"

    def find_attachment(self, vendor: Vendor, ref: TargetRef) -> str | None:
        voucher_id = ref.get("voucher_id")
        if voucher_id is None:
            return None
        try:
            attachment = self.client.voucher(int(voucher_id)).get("attachment")
        except TripletexError as exc:
            raise ledger_error(exc) from exc
        return f"voucher {voucher_id} attachment {attachment['id']}" if attachment else None

    def where(self, vendor: Vendor, ref: TargetRef) -> dict[str, str]:
        """The company we are connected to (asked once per process) and the voucher's number."""
        if self._identity is None:
            self._identity = self.identity()
        return {"company": self._identity.get("company", ""),
                "organization_number": self._identity.get("organization_number", ""),
                "voucher_number": str(ref.get("voucher_number") or "")}

    def locked(self, vendor: Vendor, day: date) -> str | None:
        """The accounting period holding `day`, when Tripletex marks it closed (isClosed)."""
        try:
            periods = self.client.accounting_periods(day.replace(day=1) - timedelta(days=31), day + timedelta(days=1))
        except TripletexError as exc:
            raise ledger_error(exc) from exc
        for period in periods:
            start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
            if start <= day < end and period.get("isClosed"):
                return tr("the accounting period {name} is closed", name=period.get('name') or start)
        return None

    def check(self, vendor: Vendor, ledger: Mapping[str, LedgerRow]) -> list[Problem]:
        """The vendor's accounts, VAT codes, department, project and periods (`test-connection`)."""
        from settlement.targets.tripletex.connection_check import check_vendor

        try:
            return check_vendor(self.client, self.reference, vendor, ledger)
        except TripletexError as exc:
            raise ledger_error(exc) from exc

    def identity(self) -> dict[str, str]:
        """Who we are connected as and which company."""
        try:
            who = self.client.who_am_i()
            company = self.client.company(int(who["companyId"]))
        except TripletexError as exc:
            raise ledger_error(exc) from exc
        employee = who.get("employee") or {}
        return {"employee": str(employee.get("displayName") or who.get("employeeId", "")),
                "employee_id": str(who.get("employeeId", "")), "company": str(company.get("name", "")),
                "company_id": str(company.get("id", "")),
                "organization_number": str(company.get("organizationNumber") or "")}


def _ref(voucher: dict) -> TargetRef:
    number, year = voucher.get("number"), voucher.get("year")
    ref: TargetRef = {"voucher_id": int(voucher["id"])}
    if number:
        ref["voucher_number"] = f"{number}-{year}" if year else str(number)
    return ref


def _live_match(vouchers: list[dict], key: str) -> dict | None:
    """Ours and live: the key in the description, not reversed, and
    not a reversal (a voucher some other one names as its reverseVoucher, or that names one)."""
    reversals = {int(v["reverseVoucher"]["id"]) for v in vouchers if (v.get("reverseVoucher") or {}).get("id")}
    for voucher in vouchers:
        if voucher.get("reverseVoucher") or int(voucher["id"]) in reversals:
            continue
        # Our description always carries the whole key (voucher_description keeps it within the limit).
        if key in (voucher.get("description") or ""):
            return voucher
    return None
