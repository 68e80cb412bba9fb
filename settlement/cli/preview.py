"""`settlement preview --vendor V --date D [--json]`: the voucher exactly as it will be posted."""

from __future__ import annotations

import argparse
import json

from settlement.cli.common import iso_date, load_app
from settlement.domain.money import format_nok
from settlement.domain.text import tr
from settlement.domain.voucher import Voucher


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("preview", help="show a vendor-day's voucher without posting it")
    parser.add_argument("--vendor", required=True, help="vendor id from vendors.toml")
    parser.add_argument("--date", required=True, type=iso_date, help="business day YYYY-MM-DD")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--ledger", "--fiken", dest="ledger", action="store_true",
                        help="print the exact request bodies the vendor's ledger would be sent (nothing is sent)")
    parser.set_defaults(handler=preview)


def preview(args: argparse.Namespace) -> int:
    app = load_app()
    voucher = app.voucher(args.vendor, args.date)
    if args.ledger:
        return _preview_ledger(app, voucher)
    if args.json:
        print(json.dumps(voucher.to_json(), ensure_ascii=False, indent=2))
    else:
        vendor = app.vendor(args.vendor)
        booking = None if voucher.blocked or voucher.is_empty else _next_booking(app, vendor, voucher)
        print(render_table(voucher, vendor.name, booking, app.target_for(vendor).title if booking else ""))
    return 1 if voucher.blocked else 0


def _next_booking(app, vendor, voucher):
    """The booking a run would send for the day now, under the version it would use."""
    from settlement.domain.posting_rules import version_to_post, voucher_digest
    from settlement.store.posting_state import PostingState

    state = PostingState(app.engine).get(vendor.id, voucher.day)
    return app.booking_for(vendor, voucher, version_to_post(state, voucher, voucher_digest(voucher, vendor.posting)))


def _preview_ledger(app, voucher: Voucher) -> int:
    """The request bodies of the day's next posting, under the version a run would use (nothing is sent)."""
    if voucher.blocked:
        print(render_table(voucher, app.vendor(voucher.vendor).name))
        return 1
    vendor = app.vendor(voucher.vendor)
    print(json.dumps(_next_booking(app, vendor, voucher).requests(), ensure_ascii=False, indent=2))
    return 0


def _heading(text: str, width: int, align: str) -> str:
    """A column heading padded to the column's width (the English widths; a longer word is cut)."""
    text = text[:width]
    return text.ljust(width) if align == "<" else text.rjust(width)


def _headings(*columns: tuple[str, int, str]) -> str:
    """A table's heading line: each (text, width, align) padded to its column, one space between."""
    return " ".join(_heading(*column) for column in columns)


def _amount(ore: int) -> str:
    return format_nok(ore) if ore else ""


def render_booked(booking, title: str) -> list[str]:
    """What the ledger books, line by line (net revenue, the VAT lines, the rest as sent, rounding),
    then grunnlag, mva and brutto per VAT code from the same lines."""
    from settlement.posting.ledger import VAT_KEY

    lines = booking.booked
    header = _headings((tr("account"), 11, "<"), (tr("text"), 34, "<"), (tr("vat code"), 8, ">"), (tr("debit"), 13, ">"),
                       (tr("credit"), 13, ">"))
    out = [tr("As {ledger} books it ({mode}, {key}):", ledger=title, mode=booking.mode, key=booking.key), "", header,
           "-" * len(header)]
    for line in lines:
        out.append(f"{line.account:<11} {line.text[:34]:<34} {line.vat_code or '':>8} "
                   f"{_amount(line.debit_ore):>13} {_amount(line.credit_ore):>13}")
    out.append("-" * len(header))
    total = tr("total")
    out.append(f"{_heading(total, 55, '<')} {format_nok(sum(l.debit_ore for l in lines)):>13} "
               f"{format_nok(sum(l.credit_ore for l in lines)):>13}")
    sums: dict[str, list[int]] = {}
    for line in lines:
        if line.vat_code is not None:
            sums.setdefault(line.vat_code, [0, 0])[line.key == VAT_KEY] += line.credit_ore - line.debit_ore
    if sums:
        out += ["", _headings((tr("vat code"), 11, "<"), ("grunnlag", 13, ">"), ("mva", 13, ">"), ("brutto", 13, ">"))]
        for code, (net, vat) in sorted(sums.items(), key=lambda item: (len(item[0]), item[0])):
            out.append(f"{code:<11} {format_nok(net):>13} {format_nok(vat):>13} {format_nok(net + vat):>13}")
    return out


def render_table(voucher: Voucher, vendor_name: str, booking=None, title: str = "") -> str:
    """The voucher as a plain-text table, with totals, warnings and errors below it: as the ledger
    books it when a booking (settlement.posting.ledger.Booking with booked lines) is given, else
    the voucher's gross lines."""
    out = [f"Dagsoppgjør {vendor_name} ({voucher.vendor}) {voucher.day.isoformat()}", ""]
    if booking is not None and booking.booked:
        return "\n".join(out + render_booked(booking, title or booking.target) + _notes(voucher))
    header = _headings((tr("account"), 11, "<"), (tr("name"), 34, "<"), (tr("debit"), 13, ">"), (tr("credit"), 13, ">"),
                       (tr("vat code"), 8, ">"), (tr("vat"), 11, ">"), (tr("fiken vat"), 11, ">"))
    out += [header, "-" * len(header)]
    for line in voucher.lines:
        out.append(
            f"{line.account:<11} {line.name[:34]:<34} {_amount(line.debit):>13} {_amount(line.credit):>13} "
            f"{line.vat_code or '':>8} {_amount(line.vat):>11} {_amount(line.fiken_vat) if line.vat_code else '':>11}"
        )
    out.append("-" * len(header))
    total = tr("total")
    out.append(f"{_heading(total, 46, '<')} {format_nok(voucher.total_debit):>13} {format_nok(voucher.total_credit):>13}")
    if not voucher.lines and not voucher.errors:
        out.append(tr("(no sales on this day: nothing to post)"))
    return "\n".join(out + _notes(voucher))


def _notes(voucher: Voucher) -> list[str]:
    """The voucher's warnings and errors, and whether the day is blocked."""
    out = []
    for problem in voucher.warnings:
        out.append(tr("WARNING: {problem}", problem=problem.format(with_severity=False)))
    for problem in voucher.errors:
        out.append(tr("ERROR: {problem}", problem=str(problem)))
    if voucher.blocked:
        out.append(tr("This day is blocked until the errors above are fixed."))
    return out
