"""`PowerOfficeTarget`: PowerOffice Go API v2 behind the ledger port (settlement.posting.ledger).

What Go calls a posting (`TargetRef`): {"voucher_id": <uuid>, "voucher_no": <int>}. One booking part,
the manual voucher. How it is found again (its ExternalImportReference in AccountTransactions),
reversed and documented, and what is assumed of real Go: docs/poweroffice.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from settlement.domain.text import tr
from settlement.domain.chart import LedgerRow
from settlement.domain.problems import Problem
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher
from settlement.posting.ledger import (
    Booking, BookingPart, Capabilities, CredentialRefused, LedgerAmbiguous, LedgerError, LedgerRefused,
    LedgerUnavailable, TargetRef,
)
from settlement.targets.poweroffice.booked_view import poweroffice_booked
from settlement.targets.poweroffice.client import PowerOfficeClient
from settlement.targets.poweroffice.errors import (
    AlreadyReversed, AmbiguousResult, AuthenticationError, DuplicateReference, ForbiddenError, NotFoundError,
    PowerOfficeError, ValidationError,
)
from settlement.targets.poweroffice.line_errors import named_line
from settlement.targets.poweroffice.payloads import MAX_DESCRIPTION, PATH, external_reference, render_voucher
from settlement.targets.poweroffice.resolve import Resolver

MODE = "manual_voucher"


def ledger_error(exc: PowerOfficeError, body: dict | None = None) -> LedgerError:
    """The port's typed outcome for a PowerOffice failure; a refusal names the voucher line it is about."""
    if isinstance(exc, AmbiguousResult):
        kind: type[LedgerError] = LedgerAmbiguous
    elif isinstance(exc, ValidationError):
        kind = LedgerRefused
    elif isinstance(exc, (AuthenticationError, ForbiddenError)):
        kind = CredentialRefused
    else:
        kind = LedgerUnavailable
    message = str(exc)
    if kind is LedgerRefused and body is not None:
        line = named_line(exc.problem, exc.detail, body)
        if line is not None and line not in message:
            message = tr("{message}; it concerns {line}", message=message, line=line)
    error = kind(message)
    error.kind = type(exc).__name__
    error.__cause__ = exc
    return error


class PowerOfficeTarget:
    """PowerOffice Go for one credential (one client). The client is made on first use, so rendering
    a booking needs no credential; ids are looked up once per target, i.e. once per run."""

    name = "poweroffice"
    title = "PowerOffice"
    capabilities = Capabilities(description_length=MAX_DESCRIPTION, lines_carry_project=True,
                                lines_carry_department=True, vat_as="code")

    def __init__(self, client: PowerOfficeClient | Callable[[], PowerOfficeClient]):
        self._client = client
        self._resolver: Resolver | None = None
        self._identity: dict[str, str] | None = None  # read once per process, for where()

    @property
    def client(self) -> PowerOfficeClient:
        if callable(self._client) and not isinstance(self._client, PowerOfficeClient):
            try:
                self._client = self._client()
            except PowerOfficeError as exc:  # a key not configured
                raise ledger_error(exc) from exc
        return self._client

    @property
    def resolver(self) -> Resolver:
        if self._resolver is None:
            self._resolver = Resolver(self.client)
        return self._resolver

    # --- rendering (pure) -----------------------------------------------------------------------

    def render(self, vendor: Vendor, voucher: Voucher, ledger: Mapping[str, LedgerRow], key: str) -> Booking:
        rendered = render_voucher(voucher, vendor.name, ledger["rounding"].account, key,
                                  vendor.department, vendor.project)
        part = BookingPart("voucher", "voucher_id", {"method": "POST", "path": PATH, "body": rendered.body})
        return Booking(self.name, MODE, key, (part,), rendered.vat_by_code, rendered.rounding,
                       poweroffice_booked(rendered.body, voucher, ledger["rounding"].account))

    def resolved_body(self, booking: Booking) -> dict:
        """The body as it is sent: every number replaced by Go's id (asks Go once per run)."""
        try:
            return self.resolver.resolve(booking.parts[0].body)
        except PowerOfficeError as exc:
            raise ledger_error(exc, booking.parts[0].body) from exc

    # --- sending and finding --------------------------------------------------------------------

    def send(self, vendor: Vendor, booking: Booking, part: BookingPart) -> TargetRef:
        body = self.resolved_body(booking)
        try:
            created = self.client.post_manual_voucher(body)
        except DuplicateReference as exc:
            # Go keeps one voucher per reference: the refusal itself says ours is there. Adopt it.
            found = self.find(vendor, booking, part, date.fromisoformat(part.body["VoucherDate"]))
            if found is not None:
                return found
            raise LedgerAmbiguous(tr("{why}; it is not (yet) listed in AccountTransactions, look it up again",
                                     why=exc)) from exc
        except PowerOfficeError as exc:
            raise ledger_error(exc, part.body) from exc
        return {"voucher_id": str(created["Id"]), "voucher_no": created.get("VoucherNo")}

    def find(self, vendor: Vendor, booking: Booking, part: BookingPart, day: date) -> TargetRef | None:
        """Our live voucher with this booking's reference, from the day's account transactions
        (Go has no filter on ExternalImportReference: matched here)."""
        reference = part.body.get("ExternalImportReference") or external_reference(booking.key)
        try:
            rows = self.client.account_transactions(day, day, voucher_types="ManualJournal")
        except PowerOfficeError as exc:
            raise ledger_error(exc) from exc
        for row in rows:
            if row.get("ExternalImportReference") == reference and not row.get("IsReversed"):
                return {"voucher_id": str(row["VoucherId"]), "voucher_no": row.get("VoucherNo")}
        return None

    def complete(self, vendor: Vendor, booking: Booking, ref: TargetRef) -> TargetRef:
        return ref  # the 201 answer carries Id and VoucherNo

    def prefetch(self, vendor: Vendor, start: date, end: date) -> None:
        return None  # complete() asks for nothing

    # --- correcting and documenting -------------------------------------------------------------

    def reverse(self, vendor: Vendor, ref: TargetRef, reason: str) -> None:
        """Go's reversal takes no text: the reason stays in our audit log (docs/poweroffice.md)."""
        voucher_id = ref.get("voucher_id")
        if voucher_id is None:
            return
        try:
            if self.client.manual_voucher(voucher_id).get("IsReversed"):
                return
            self.client.reverse(voucher_id)
        except AlreadyReversed:
            return
        except NotFoundError as exc:
            raise LedgerRefused(tr("PowerOffice does not show voucher {voucher} to this integration: {why}",
                                   voucher=voucher_id, why=exc)) from exc
        except PowerOfficeError as exc:
            raise ledger_error(exc) from exc

    def attach(self, vendor: Vendor, ref: TargetRef, filename: str, pdf: bytes) -> str | None:
        voucher_id = ref.get("voucher_id")
        if voucher_id is None:
            return None
        try:
            self.client.upload_documentation(voucher_id, filename, pdf)
        except PowerOfficeError as exc:
            raise ledger_error(exc) from exc
        return f"VoucherDocumentation?id={voucher_id}"

    def find_attachment(self, vendor: Vendor, ref: TargetRef) -> str | None:
        voucher_id = ref.get("voucher_id")
        if voucher_id is None:
            return None
        try:
            documentation = self.client.documentation(voucher_id)
        except PowerOfficeError as exc:
            raise ledger_error(exc) from exc
        if documentation and documentation.get("HasPdf"):
            return f"VoucherDocumentation?id={voucher_id}"
        return None

    # --- checking ---------------------------------------------------------------------------------

    def where(self, vendor: Vendor, ref: TargetRef) -> dict[str, str]:
        """The client (company) the keys reach (asked once per process) and the voucher's number;
        Go's client information names no organisation number."""
        if self._identity is None:
            self._identity = self.identity()
        return {"company": self._identity.get("client", ""), "organization_number": "",
                "voucher_number": str(ref.get("voucher_no") or "")}

    def locked(self, vendor: Vendor, day: date) -> str | None:
        """PowerOffice's lock date: no entries on it or before it."""
        try:
            lock = self.client.lock_date()
        except PowerOfficeError as exc:
            raise ledger_error(exc) from exc
        if lock is not None and day <= lock:
            return tr("the lock date is {lock}", lock=f"{lock:%d.%m.%Y}")
        return None

    def check(self, vendor: Vendor, ledger: Mapping[str, LedgerRow]) -> list[Problem]:
        """Privileges, accounts, VAT locks, departments, projects and the lock date (`test-connection`)."""
        from settlement.targets.poweroffice.connection_check import check_vendor

        try:
            return check_vendor(self.resolver, vendor, ledger)
        except PowerOfficeError as exc:
            raise ledger_error(exc) from exc

    def identity(self) -> dict[str, str]:
        """Who we are connected as: the client (company) the keys reach and what it subscribes to."""
        try:
            info = self.client.client_information()
        except PowerOfficeError as exc:
            raise ledger_error(exc) from exc
        return {
            "client": str(info.get("ClientName") or ""),
            "client_id": str(info.get("ClientId") or ""),
            "subscriptions": ", ".join(info.get("ActiveClientSubscriptions") or []),
        }
