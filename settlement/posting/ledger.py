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
from settlement.domain.text import N_, tr
from settlement.domain.vendors import Vendor
from settlement.domain.vat import UnknownVatCode, rate_on
from settlement.domain.voucher import Voucher, VoucherLine

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


# The pseudo-key of a line that carries the VAT the ledger computes itself (not a chart key).
VAT_KEY = "vat"

# What each kind of voucher line is, as a booked line's text names it (the key's meaning, never
# the name of whatever else shares its account).
_SECTION_TEXTS = {
    "sale": "Salg", "return": "Retur", "shipping": "Frakt", "tip": "Driks", "gift_card": "Gavekort",
    "payment": "Betaling", "rounding": "Øresavrunding", "difference": "Kassedifferanse",
}
# VAT codes without a rate, by what they mean.
_ZERO_TEXTS = {"5": "fritatt for mva", "51": "omvendt avgiftsplikt", "52": "utførsel", "6": "utenfor mva-loven",
               "7": "uten mva"}


@dataclass(frozen=True)
class BookedLine:
    """One line of what the ledger books, ledger-neutral: the voucher as the accountant reads it.

    account: the ledger account ("3000", "1920:10001", the VAT account "2701").
    text: what the line is, by its ledger key's meaning ("Salg 25 %", "Frakt", "Utgående mva 25 %").
    debit_ore, credit_ore: the amount (one of them is 0); revenue is net where the ledger books
        the VAT on a line of its own.
    vat_code: the VAT code of the line, or of the VAT it carries (a VAT line); None without one.
    key: the ledger key the line books ("sales_high", "rounding"), VAT_KEY for the VAT the ledger
        computes, None where the ledger merges several keys into one line.
    """

    account: str
    text: str
    debit_ore: int
    credit_ore: int
    vat_code: str | None = None
    key: str | None = None

    @property
    def signed(self) -> int:
        """Debit positive, credit negative."""
        return self.debit_ore - self.credit_ore

    @property
    def is_vat(self) -> bool:
        return self.key == VAT_KEY

    @classmethod
    def of(cls, account: str, text: str, signed: int, vat_code: str | None = None,
           key: str | None = None) -> "BookedLine":
        """A line from a debit-positive amount."""
        return cls(account, text, max(signed, 0), max(-signed, 0), vat_code, key)

    @staticmethod
    def text_for(line: VoucherLine, day: date) -> str:
        """What a voucher line is, by its ledger key's meaning: "Salg 25 %", "Retur fritatt for mva",
        "Frakt", "Driks", "Betaling kort"."""
        text = _SECTION_TEXTS.get(line.section, line.section)
        if line.section in ("sale", "return") and line.vat_code is not None:
            rate = _percent(line.vat_code, day)
            text += f" {rate} %" if rate else f" {_ZERO_TEXTS.get(line.vat_code, 'mva-kode ' + line.vat_code)}"
        elif line.section == "payment" and line.codes:
            text += " " + ", ".join(line.codes)
        return text

    @classmethod
    def vat(cls, account: str, vat_code: str, signed: int, day: date) -> "BookedLine":
        """The line of the VAT a ledger computes for one code (debit positive), "Utgående mva 25 %"."""
        rate = _percent(vat_code, day)
        return cls.of(account, f"Utgående mva {rate} %" if rate else f"Mva-kode {vat_code}", signed, vat_code, VAT_KEY)

    def to_json(self) -> dict:
        return {"account": self.account, "text": self.text, "debit_ore": self.debit_ore,
                "credit_ore": self.credit_ore, "vat_code": self.vat_code, "key": self.key}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "BookedLine":
        return cls(str(data["account"]), str(data["text"]), int(data["debit_ore"]), int(data["credit_ore"]),
                   data.get("vat_code"), data.get("key"))


def _percent(vat_code: str, day: date) -> str:
    """'25', '11,11'; '' for a code without a rate (or unknown on the day)."""
    try:
        rate = rate_on(vat_code, day)
    except UnknownVatCode:
        return ""
    return "" if rate.numerator == 0 else rate.percent.replace(".", ",")


class LineNamer:
    """Names the lines a ledger's body carries by the voucher lines they came from.

    Bodies carry accounts, VAT codes and amounts, not ledger keys; two keys may share an account
    (shipping and sales at 25 % on 3000), so a body line is matched to the first unused voucher
    line with its account, VAT code and side (and its amount, when one matches), in voucher order,
    which is the order every target writes its lines in.
    """

    def __init__(self, voucher: Voucher):
        self.day = voucher.day
        self._unused = [line for line in voucher.lines if line.section != "rounding"]
        self._all = voucher.lines

    def take(self, account: str, vat_code: str | None, debit: bool, amounts: tuple[int, ...] = ()) -> VoucherLine | None:
        """The voucher line a body line came from (then used up), or None."""
        # A ledger without sub-accounts books "1920:10001" as 1920: the number alone also matches.
        candidates = [line for line in self._unused
                      if account in (line.account, line.account.partition(":")[0])
                      and line.vat_code == vat_code and bool(line.debit) == debit]
        pick = next((line for line in candidates if line.gross in amounts or line.net in amounts),
                    candidates[0] if candidates else None)
        if pick is not None:
            self._unused.remove(pick)
        return pick

    def line(self, account: str, vat_code: str | None, signed: int, amounts: tuple[int, ...] = (),
             fallback: str = "") -> BookedLine:
        """The booked line of a body line (debit positive), named by its voucher line."""
        source = self.take(account, vat_code, signed > 0, amounts or (abs(signed),))
        if source is None:
            return BookedLine.of(account, fallback or account, signed, vat_code)
        return BookedLine.of(account, BookedLine.text_for(source, self.day), signed, vat_code, source.key)

    def merged(self, account: str, vat_code: str | None, signed: int) -> BookedLine:
        """A line where the ledger adds up every voucher line of an account and VAT code (a cash
        sale's line): named by each key it holds, its key only when there is one."""
        sources = [line for line in self._all if line.account == account and line.vat_code == vat_code]
        keys = list(dict.fromkeys(line.key for line in sources))
        texts = list(dict.fromkeys(BookedLine.text_for(line, self.day) for line in sources
                                   if line.section != "return" or len(sources) == 1))
        return BookedLine.of(account, " + ".join(texts) or account, signed, vat_code,
                             keys[0] if len(keys) == 1 else None)

    @staticmethod
    def rounding(account: str, signed: int) -> BookedLine:
        return BookedLine.of(account, _SECTION_TEXTS["rounding"], signed, None, "rounding")


def arrange(lines: list[BookedLine], day: date, clearing: str | None = None) -> tuple[BookedLine, ...]:
    """Booked lines in the order the accountant reads them: revenue per account and VAT code,
    the VAT lines (one per VAT account and code, netted), every other line as sent, rounding last.

    clearing: an account the ledger's lines pass through and that nets out (Fiken's settlement
    account between each line and its counterpart): one line with what is left, none when 0.
    """
    vat: dict[tuple[str, str], int] = {}
    coded, other, rounding = [], [], []
    through = 0
    for line in lines:
        if clearing is not None and line.account == clearing and not line.key:
            through += line.signed
        elif line.is_vat:
            vat[(line.account, line.vat_code or "")] = vat.get((line.account, line.vat_code or ""), 0) + line.signed
        elif line.key == "rounding":
            rounding.append(line)
        elif line.vat_code is not None:
            coded.append(line)
        else:
            other.append(line)
    vat_lines = [BookedLine.vat(account, code, signed, day) for (account, code), signed in vat.items() if signed]
    rest = [BookedLine.of(clearing, "Oppgjørskonto (mellomregning)", through)] if through and clearing else []
    return tuple(coded + vat_lines + other + rest + rounding)


@dataclass(frozen=True)
class Booking:
    """A voucher rendered for one ledger: what is sent, and what the ledger will book.

    target: the ledger's name ("fiken").
    mode: the posting mode ("journal", "cash_sale").
    key: the settlement key of this version.
    parts: the requests, in the order they are sent.
    vat_by_code: the VAT the ledger books per VAT code (credit positive), as the report shows it.
    rounding: what the ledger books on the rounding account (credit positive).
    booked: what the ledger books, line by line (net revenue, its VAT lines, rounding, every
        other line as sent), for preview and the report; the engine does not read it. Empty for
        a booking stored before it was kept.
    """

    target: str
    mode: str
    key: str
    parts: tuple[BookingPart, ...]
    vat_by_code: Mapping[str, int] = field(default_factory=dict)
    rounding: int = 0
    booked: tuple[BookedLine, ...] = ()

    def requests(self) -> list[dict]:
        """The requests in the order they are sent (`preview --ledger`)."""
        return [part.request for part in self.parts]

    def to_json(self) -> dict:
        """The booking as stored with the day (JSON-safe)."""
        return {
            "target": self.target, "mode": self.mode, "key": self.key,
            "parts": [{"name": p.name, "ref_key": p.ref_key, "request": p.request} for p in self.parts],
            "vat_by_code": dict(self.vat_by_code), "rounding": self.rounding,
            "booked": [line.to_json() for line in self.booked],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Booking":
        return cls(
            data["target"], data["mode"], data["key"],
            tuple(BookingPart(p["name"], p["ref_key"], p["request"]) for p in data["parts"]),
            dict(data.get("vat_by_code") or {}), int(data.get("rounding") or 0),
            tuple(BookedLine.from_json(line) for line in data.get("booked") or ()),
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

    def prefetch(self, vendor: Vendor, start: date, end: date) -> None:
        """Read at once what complete() of postings dated start..end (just sent by this run) will
        need, so a long catch-up asks once for many days instead of once a day (may do nothing)."""
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

    def where(self, vendor: Vendor, ref: TargetRef) -> dict[str, str]:
        """Where a posting was booked, for its report: {"company", "organization_number",
        "voucher_number"} ("" where the ledger does not say). Read once per process per company and
        from the ids already known, so a posting costs no extra request for it."""
        ...

    def locked(self, vendor: Vendor, day: date) -> str | None:
        """Why the ledger refuses changes dated `day` (a closed period, a lock date), in its words;
        None when it accepts them or the ledger does not say. Asked before a correction is reversed."""
        ...


# Kept in a ref for the report's "bilag" number, not an id a person looks a posting up by.
_NOT_IDS = frozenset({"journal_entry_number"})


# What the ledgers' ids are called in the installed language (others by their key: 'request 7').
_REF_NAMES = {"sale_id": N_("sale"), "transaction_id": N_("transaction"), "journal_entry_id": N_("journal entry"),
              "voucher_id": N_("voucher")}


def _ref_name(name: str) -> str:
    return tr(_REF_NAMES[name]) if name in _REF_NAMES else name.removesuffix("_id").replace("_", " ")


def describe_ref(ref: Mapping[str, Any]) -> str:
    """'sale 12, transaction 34, journal entry 56' for audit lines and status."""
    return ", ".join(f"{_ref_name(name)} {value}" for name, value in ref.items()
                     if value is not None and name not in _NOT_IDS)
