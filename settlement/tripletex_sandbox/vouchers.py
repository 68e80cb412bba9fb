"""Booking a voucher the way Tripletex does: resolve references, check the row and balance rules,
generate the VAT from the gross amounts, number it, reverse it. Pure functions over the state.

What is known of real Tripletex and what is assumed: docs/tripletex-sandbox.md.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from settlement.domain.money import round_half_up_div
from settlement.tripletex_sandbox.errors import ApiError, Invalid, validation_failed
from settlement.tripletex_sandbox.state import Company, Posting, State, Voucher

# Assumed, not documented (UNCERTAIN in docs/tripletex-sandbox.md).
MAX_EXTERNAL_NUMBER = 100
MAX_DESCRIPTION = 255
NULL = "Kan ikke være null."


def closed_period_error(company: Company, day: date, field: str = "date") -> ApiError | None:
    """The sandbox's answer to a booking dated in a closed period (shape UNCERTAIN)."""
    period = company.closed_period_on(day)
    if period is None:
        return None
    return validation_failed([Invalid(field, f"Perioden {period.name} er lukket for bilagsføring ({day.isoformat()}).",
                                      field)])


def ore(value: Any) -> int | None:
    """Kroner (a JSON number read as Decimal, at most two decimals) as øre; None when not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    try:
        hundredths = Decimal(value) * 100
    except InvalidOperation:
        return None
    if hundredths != hundredths.to_integral_value():
        return None
    return int(hundredths)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _ref_id(value: Any) -> int | None | str:
    """The id of a reference {"id": n}; None when absent; "bad" when present but not an id."""
    if value is None:
        return None
    if isinstance(value, dict) and isinstance(value.get("id"), int) and not isinstance(value.get("id"), bool):
        return value["id"]
    return "bad"


class _Checker:
    def __init__(self) -> None:
        self.invalid: list[Invalid] = []

    def add(self, field: str, message: str, path: str) -> None:
        self.invalid.append(Invalid(field, message, path))


def vat_inside(gross: int, numerator: int, denominator: int) -> int:
    """The VAT Tripletex takes out of a gross amount: gross × r / (1 + r), rounded half up to the
    øre, away from zero for negative amounts (UNCERTAIN: the rounding is assumed, not documented)."""
    sign = -1 if gross < 0 else 1
    return sign * round_half_up_div(abs(gross) * numerator, denominator + numerator)


def _posting(company: Company, state: State, raw: Any, index: int, day: date, check: _Checker) -> Posting | None:
    path = f"postings[{index}]"
    if not isinstance(raw, dict):
        check.add("postings", "Må være et objekt.", path)
        return None
    row = raw.get("row")
    if row is None:
        check.add("postings.row", NULL, f"{path}.row")
    elif not isinstance(row, int) or isinstance(row, bool) or row < 0:
        check.add("postings.row", "Må være et positivt heltall.", f"{path}.row")
    elif row == 0:
        check.add("postings.row", "Posteringer på rad 0 er systemgenererte og kan ikke opprettes.", f"{path}.row")
    gross = ore(raw.get("amountGross"))
    if raw.get("amountGross") is None:
        check.add("postings.amountGross", NULL, f"{path}.amountGross")
    elif gross is None:
        check.add("postings.amountGross", "Ugyldig beløp (høyst to desimaler).", f"{path}.amountGross")
    currency = raw.get("amountGrossCurrency")
    if currency is not None and ore(currency) != gross:
        check.add("postings.amountGrossCurrency", "Må være lik amountGross for bilag i NOK.", f"{path}.amountGrossCurrency")
    account_id = _ref_id(raw.get("account"))
    account = company.accounts.get(account_id) if isinstance(account_id, int) else None
    if account_id is None:
        check.add("postings.account", NULL, f"{path}.account")
    elif account is None or account.inactive:
        check.add("postings.account", "Kontoen finnes ikke eller er inaktiv.", f"{path}.account.id")
    refs = {}
    for name, bucket in (("vatType", company.vat_types), ("department", company.departments),
                         ("project", company.projects), ("customer", company.customers),
                         ("supplier", company.suppliers)):
        ref = _ref_id(raw.get(name))
        if ref is not None and (ref == "bad" or ref not in bucket):
            check.add(f"postings.{name}", "Objektet finnes ikke.", f"{path}.{name}.id")
            ref = None
        refs[name] = ref
    vat_type_id = refs["vatType"]
    if account is not None:
        if vat_type_id is None:
            vat_type_id = account.vat_type_id if account.vat_locked else None
        if account.vat_locked and vat_type_id != account.vat_type_id:
            locked = company.vat_types.get(account.vat_type_id)
            check.add("postings.vatType", f"Kontoen {account.number} er låst til mva-kode "
                      f"{locked.number if locked else '?'}.", f"{path}.vatType")
        elif account.legal_vat_type_ids and vat_type_id not in account.legal_vat_type_ids:
            legal = ", ".join(company.vat_types[i].number for i in account.legal_vat_type_ids)
            check.add("postings.vatType", f"Mva-koden er ikke tillatt på konto {account.number} (tillatt: {legal}).",
                      f"{path}.vatType")
        if account.requires_department and refs["department"] is None:
            check.add("postings.department", f"Konto {account.number} krever avdeling.", f"{path}.department")
        if account.requires_project and refs["project"] is None:
            check.add("postings.project", f"Konto {account.number} krever prosjekt.", f"{path}.project")
        if account.ledger_type == "CUSTOMER" and refs["customer"] is None:
            check.add("postings.customer", f"Konto {account.number} er en kundereskontro og krever kunde.",
                      f"{path}.customer")
        if account.ledger_type == "VENDOR" and refs["supplier"] is None:
            check.add("postings.supplier", f"Konto {account.number} er en leverandørreskontro og krever leverandør.",
                      f"{path}.supplier")
    posting_day = _day(raw.get("date")) if raw.get("date") is not None else day
    if posting_day is None:
        check.add("postings.date", "Ugyldig dato.", f"{path}.date")
    description = raw.get("description") or ""
    if not isinstance(description, str):
        check.add("postings.description", "Må være en tekst.", f"{path}.description")
        description = ""
    if account is None or gross is None or posting_day is None or not isinstance(row, int) or row <= 0:
        return None
    vat = 0
    vat_type = company.vat_types.get(vat_type_id) if vat_type_id is not None else None
    if vat_type is not None and vat_type.vat_account is not None:
        vat = vat_inside(gross, vat_type.numerator, vat_type.denominator)
    return Posting(state.new_id(), row, posting_day, description, account.id, gross, vat, vat_type_id,
                   refs["department"], refs["project"], refs["customer"], refs["supplier"])


def create_voucher(state: State, company: Company, body: Any, send_to_ledger: bool) -> Voucher:
    """Book a POST /ledger/voucher body, or raise the 422 Tripletex would answer."""
    check = _Checker()
    if not isinstance(body, dict):
        raise validation_failed([Invalid("voucher", "Må være et objekt.", "")])
    day = _day(body.get("date"))
    if body.get("date") is None:
        check.add("date", NULL, "date")
    elif day is None:
        check.add("date", "Ugyldig dato (YYYY-MM-DD).", "date")
    description = body.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        check.add("description", f"Høyst {MAX_DESCRIPTION} tegn.", "description")
    external = body.get("externalVoucherNumber")
    if external is not None and (not isinstance(external, str) or len(external) > MAX_EXTERNAL_NUMBER):
        check.add("externalVoucherNumber", f"Høyst {MAX_EXTERNAL_NUMBER} tegn.", "externalVoucherNumber")
    voucher_type = _ref_id(body.get("voucherType"))
    if voucher_type is not None and (voucher_type == "bad" or voucher_type not in company.voucher_types):
        check.add("voucherType", "Objektet finnes ikke.", "voucherType.id")
        voucher_type = None
    raw_postings = body.get("postings")
    if not isinstance(raw_postings, list) or not raw_postings:
        check.add("postings", "Bilaget må ha minst én postering.", "postings")
        raw_postings = []
    postings = [_posting(company, state, raw, i, day, check) for i, raw in enumerate(raw_postings)] if day else []
    if check.invalid:
        raise validation_failed(check.invalid)
    postings = [p for p in postings if p is not None]
    _check_balance(postings, check)
    if check.invalid:
        raise validation_failed(check.invalid)
    for posting_day in sorted({p.date for p in postings} | {day}):
        refused = closed_period_error(company, posting_day)
        if refused:
            raise refused
    voucher = Voucher(state.new_id(), day, description, external, postings + _vat_rows(company, state, postings),
                      voucher_type_id=voucher_type)
    if send_to_ledger:
        voucher.number, voucher.year = company.take_number(day.year), day.year
    else:
        voucher.temp_number = len(company.vouchers) + 1
    company.vouchers[voucher.id] = voucher
    return voucher


def _check_balance(postings: list[Posting], check: _Checker) -> None:
    """Postings sharing a row sum to 0 (maintainer's rule, ISSUE#15); every date sums to 0 (ISSUE#87)."""
    rows: dict[int, list[Posting]] = {}
    for posting in postings:
        rows.setdefault(posting.row, []).append(posting)
    for row, shared in sorted(rows.items()):
        if len(shared) > 1 and sum(p.gross for p in shared) != 0:
            check.add("postings.row", f"Posteringer på samme rad ({row}) må summere til 0.", "postings")
    days: dict[date, int] = {}
    for posting in postings:
        days[posting.date] = days.get(posting.date, 0) + posting.gross
    for day, total in sorted(days.items()):
        if total != 0:
            check.add("postings", f"Summen av posteringene for {day.isoformat()} er ikke lik 0.", "postings")


def _vat_rows(company: Company, state: State, postings: list[Posting]) -> list[Posting]:
    """One system-generated row-0 posting per VAT type and date, to the VAT type's account, that takes
    the VAT out of the gross amounts (so the posting's own account gets the net)."""
    totals: dict[tuple[date, int], int] = {}
    for posting in postings:
        if posting.vat:
            key = (posting.date, posting.vat_type_id)
            totals[key] = totals.get(key, 0) + posting.vat
    rows = []
    for (day, vat_type_id), vat in sorted(totals.items()):
        vat_type = company.vat_types[vat_type_id]
        account = company.account_by_number(vat_type.vat_account)
        rows.append(Posting(state.new_id(), 0, day, vat_type.name, account.id, vat, vat, vat_type_id,
                            system_generated=True))
    return rows


def reverse_voucher(state: State, company: Company, voucher: Voucher, day: date) -> Voucher:
    """The reversal voucher on `day`: every posting negated; both vouchers point at each other."""
    if voucher.reverse_voucher_id is not None:
        raise validation_failed([Invalid("id", "Bilaget er allerede tilbakeført.", "id")])
    refused = closed_period_error(company, day)
    if refused:
        raise refused
    postings = [Posting(state.new_id(), p.row, day, p.description, p.account_id, -p.gross, -p.vat, p.vat_type_id,
                        p.department_id, p.project_id, p.customer_id, p.supplier_id, p.system_generated)
                for p in voucher.postings]
    reversal = Voucher(state.new_id(), day, f"Tilbakeføring av bilag {voucher.number}: {voucher.description}"[:MAX_DESCRIPTION],
                       voucher.external_number, postings, voucher.voucher_type_id, is_reversal=True)
    reversal.number, reversal.year = company.take_number(day.year), day.year
    reversal.reverse_voucher_id = voucher.id
    voucher.reverse_voucher_id = reversal.id
    voucher.version += 1
    company.vouchers[reversal.id] = reversal
    return reversal
