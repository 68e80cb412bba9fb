"""`FikenTarget`: Fiken behind the ledger port (settlement.posting.ledger).

What Fiken calls a posting (`TargetRef`): `sale_id` (cash-sale mode), `transaction_id` (the fri
postering; Fiken's Location header names the transaction) and `journal_entry_id` (read back from
the transaction: the report is attached to the journal entry). How a part is found again after an
unclear answer, and what is assumed of real Fiken: docs/fiken.md, "Finding a posting again".
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
from settlement.targets.fiken.booking_view import fiken_booked, fiken_booking
from settlement.targets.fiken.client import FikenClient
from settlement.targets.fiken.errors import AmbiguousResult, AuthenticationError, FikenError, ValidationError
from settlement.targets.fiken.payloads import (
    MAX_DESCRIPTION, FikenPosting, build_cash_sale_posting, build_journal_posting, journal_key,
)

# Fiken's description limit is 200 characters, of which it takes 34 for its own prefix.
REVERSAL_DESCRIPTION = 200


def ledger_error(exc: FikenError) -> LedgerError:
    """The port's typed outcome for a Fiken failure; the message and the kind stay Fiken's."""
    if isinstance(exc, AmbiguousResult):
        kind: type[LedgerError] = LedgerAmbiguous
    elif isinstance(exc, ValidationError):
        kind = LedgerRefused
    elif isinstance(exc, AuthenticationError):
        kind = CredentialRefused
    else:
        kind = LedgerUnavailable
    error = kind(str(exc))
    error.kind = type(exc).__name__
    error.__cause__ = exc
    return error


def build_posting(vendor: Vendor, voucher: Voucher, ledger: Mapping[str, LedgerRow], key: str) -> FikenPosting:
    """The Fiken bodies for a voucher in the vendor's posting mode."""
    settlement, rounding = ledger["settlement"].account, ledger["rounding"].account
    if vendor.posting == "cash_sale":
        names = {row.account: row.name for row in ledger.values()}
        return build_cash_sale_posting(voucher, vendor.name, settlement, rounding, key, vendor.fiken_project, names)
    return build_journal_posting(voucher, vendor.name, settlement, rounding, key)


class FikenTarget:
    """Fiken API v2 for one credential. The client is made on first use, so rendering a booking
    (preview, reports) needs no credential."""

    name = "fiken"
    title = "Fiken"
    capabilities = Capabilities(description_length=MAX_DESCRIPTION, lines_carry_project=False,
                                lines_carry_department=False, vat_as="code")

    def __init__(self, client: FikenClient | Callable[[], FikenClient]):
        self._client = client
        self._companies: dict[str, dict[str, str]] = {}  # slug → name and organisation number, read once
        # slug → {transaction id: (journal entry id, number)} of the journal entries prefetch() read.
        self._entries: dict[str, dict[int, tuple[int, object]]] = {}

    @property
    def client(self) -> FikenClient:
        if callable(self._client) and not isinstance(self._client, FikenClient):
            try:
                self._client = self._client()
            except FikenError as exc:  # no credential configured, or not connected
                raise ledger_error(exc) from exc
        return self._client

    # --- rendering (pure) -----------------------------------------------------------------------

    def render(self, vendor: Vendor, voucher: Voucher, ledger: Mapping[str, LedgerRow], key: str) -> Booking:
        posting = build_posting(vendor, voucher, ledger, key)
        seen = fiken_booking(posting, voucher.day, ledger["rounding"].account)
        parts = []
        for request in posting.requests(vendor.fiken_company):
            if request["path"].endswith("/sales"):
                parts.append(BookingPart("sale", "sale_id", request))
            else:
                parts.append(BookingPart("journal", "transaction_id", request))
        booked = fiken_booked(posting, voucher, ledger["settlement"].account, ledger["rounding"].account)
        return Booking(self.name, posting.mode, key, tuple(parts), seen.vat_by_code, seen.rounding, booked)

    # --- sending and finding ----------------------------------------------------------------------

    def send(self, vendor: Vendor, booking: Booking, part: BookingPart) -> TargetRef:
        slug = vendor.fiken_company
        try:
            if part.name == "sale":
                return {"sale_id": self.client.create_cash_sale(slug, part.body)}
            return {"transaction_id": self.client.create_general_journal_entry(slug, part.body)}
        except FikenError as exc:
            raise ledger_error(exc) from exc

    def find(self, vendor: Vendor, booking: Booking, part: BookingPart, day: date) -> TargetRef | None:
        try:
            if part.name == "sale":
                sale_id = self._find_sale(vendor.fiken_company, booking.key)
                return None if sale_id is None else {"sale_id": sale_id}
            return self._find_journal(vendor.fiken_company, booking, day)
        except FikenError as exc:
            raise ledger_error(exc) from exc

    def _find_sale(self, slug: str, key: str) -> int | None:
        """The id of our live cash sale for this key in Fiken, if there is one."""
        for sale in self.client.find_sales(slug, key):
            if sale.get("saleNumber") == key and sale.get("kind") == "cash_sale" and not sale.get("deleted"):
                return int(sale["saleId"])
        return None

    def _find_journal(self, slug: str, booking: Booking, day: date) -> TargetRef | None:
        """Our live journal entry for this key in Fiken, if there is one.

        Three guards keep a cash sale's own booking from being taken for the payment-split entry: the
        entry must carry the journal key (with its part, which the sale's saleNumber lacks), its
        transaction must not be one of the sales with this key, and the transaction's type must not
        name a sale. Only the first is needed with what Fiken is known to do; the others hold if
        Fiken's text for a sale's booking ever quotes more of the sale than its saleNumber.
        """
        wanted = journal_key(booking.key, booking.mode)
        sale_transactions = set()
        if booking.mode == "cash_sale":
            sale_transactions = {int(s["transactionId"]) for s in self.client.find_sales(slug, booking.key)
                                 if s.get("saleNumber") == booking.key and s.get("transactionId") is not None}
        for entry in self.client.journal_entries(slug, day, day):
            if wanted not in (entry.get("description") or "") or entry.get("offsetTransactionId"):
                continue
            transaction_id = int(entry["transactionId"])
            if transaction_id in sale_transactions:
                continue
            transaction = self.client.transaction(slug, transaction_id)
            if transaction.get("deleted") or _is_sale_booking(transaction):
                continue
            return {"transaction_id": transaction_id, "journal_entry_id": int(entry["journalEntryId"]),
                    "journal_entry_number": entry.get("journalEntryNumber")}
        return None

    def prefetch(self, vendor: Vendor, start: date, end: date) -> None:
        """One paged read of the journal entries dated start..end (100 a page), whose transaction ids
        serve complete() of the postings just made in that range; it replaces what an earlier call
        read for the company. A transaction not among them is read back on its own."""
        slug = vendor.fiken_company
        try:
            entries = self.client.journal_entries(slug, start, end)
        except FikenError as exc:
            raise ledger_error(exc) from exc
        found: dict[int, tuple[int, object]] = {}
        for entry in entries:
            if entry.get("transactionId") is not None and entry.get("journalEntryId") is not None:
                found.setdefault(int(entry["transactionId"]), (int(entry["journalEntryId"]),
                                                                entry.get("journalEntryNumber")))
        self._entries[slug] = found

    def complete(self, vendor: Vendor, booking: Booking, ref: TargetRef) -> TargetRef:
        if ref.get("transaction_id") is None or ref.get("journal_entry_id") is not None:
            return ref
        known = self._entries.get(vendor.fiken_company, {}).get(int(ref["transaction_id"]))
        if known is not None:
            return {**ref, "journal_entry_id": known[0], "journal_entry_number": known[1]}
        try:
            entries = self.client.transaction(vendor.fiken_company, ref["transaction_id"]).get("entries") or []
        except FikenError as exc:
            raise ledger_error(exc) from exc
        # The entry's number (Fiken's bilag number) comes with it: the report names it, no request more.
        first = next((e for e in entries if e.get("journalEntryId") is not None), None)
        if first is None:
            return {**ref, "journal_entry_id": None}
        return {**ref, "journal_entry_id": int(first["journalEntryId"]),
                "journal_entry_number": first.get("journalEntryNumber")}

    # --- correcting and documenting -----------------------------------------------------------------

    def reverse(self, vendor: Vendor, ref: TargetRef, reason: str) -> None:
        slug, description = vendor.fiken_company, reason[:REVERSAL_DESCRIPTION]
        try:
            transaction_id, sale_id = ref.get("transaction_id"), ref.get("sale_id")
            if transaction_id is not None and not self.client.transaction(slug, transaction_id).get("deleted"):
                self.client.reverse_transaction(slug, transaction_id, description)
            if sale_id is not None and not self.client.sale(slug, sale_id).get("deleted"):
                self.client.delete_sale(slug, sale_id, description)
        except FikenError as exc:
            raise ledger_error(exc) from exc

    def attach(self, vendor: Vendor, ref: TargetRef, filename: str, pdf: bytes) -> str | None:
        """The report goes on the sale when there is one (that is where the accountant opens a
        cash-sale day), else on the journal entry."""
        slug = vendor.fiken_company
        try:
            if ref.get("sale_id") is not None:
                return self.client.attach_to_sale(slug, ref["sale_id"], filename, pdf)
            if ref.get("journal_entry_id") is not None:
                return self.client.attach_to_journal_entry(slug, ref["journal_entry_id"], filename, pdf)
        except FikenError as exc:
            raise ledger_error(exc) from exc
        return None

    def find_attachment(self, vendor: Vendor, ref: TargetRef) -> str | None:
        """A sale lists its files as `saleAttachments` (Fiken's sale schema), a journal entry as
        `attachments`."""
        slug = vendor.fiken_company
        try:
            if ref.get("sale_id") is not None:
                attachments = self.client.sale(slug, ref["sale_id"]).get("saleAttachments") or []
            elif ref.get("journal_entry_id") is not None:
                attachments = self.client.journal_entry(slug, ref["journal_entry_id"]).get("attachments") or []
            else:
                return None
        except FikenError as exc:
            raise ledger_error(exc) from exc
        for attachment in attachments:
            return str(attachment.get("identifier") or attachment.get("downloadUrl") or "attached")
        return None

    def where(self, vendor: Vendor, ref: TargetRef) -> dict[str, str]:
        """The company (read once per process) and the journal entry's number (kept in the ref by
        complete() or find())."""
        slug = vendor.fiken_company
        if slug not in self._companies:
            try:
                company = self.client.company(slug)
            except FikenError as exc:
                raise ledger_error(exc) from exc
            self._companies[slug] = {"company": company.name or "",
                                     "organization_number": company.organization_number or ""}
        number = ref.get("journal_entry_number")
        return {**self._companies[slug], "voucher_number": "" if number is None else str(number)}

    def locked(self, vendor: Vendor, day: date) -> str | None:
        """Fiken's API says nothing of locked periods (fiken-api.md): None; a refused reversal still
        makes the day correction-failed with Fiken's reason."""
        return None

    def check(self, vendor: Vendor, ledger: Mapping[str, LedgerRow]) -> list[Problem]:
        """The vendor's company, accounts and project in Fiken (`settlement test-connection`)."""
        from settlement.domain.problems import error, warning
        from settlement.targets.fiken.connection_check import Status, check_vendor

        try:
            report = check_vendor(self.client, vendor, ledger)
        except FikenError as exc:
            raise ledger_error(exc) from exc
        problems = []
        for check in report.checks:
            text = tr("Fiken company {company}: {check}", company=vendor.fiken_company,
                      check=f"{check.name}: {check.reason}".rstrip(": "))
            if check.status is Status.FAILED:
                problems.append(error(text, ref=vendor.id))
            elif check.status is Status.WARNING:
                problems.append(warning(text, ref=vendor.id))
        return problems


def _is_sale_booking(transaction: dict) -> bool:
    """Whether a transaction is the booking of a sale rather than a fri postering (by its type)."""
    kind = str(transaction.get("type") or "").lower()
    return "sale" in kind or "salg" in kind
