"""The vendors file (vendors.toml): one table per store, validated with file, vendor and key named.

Example entry::

    [[vendors]]
    id = "oslo-sentrum"
    name = "Oslo Sentrum"
    timezone = "Europe/Oslo"
    closing_time = "22:30"
    day_start = "05:00"
    settle_delay = "30m"
    enabled_since = 2026-11-01
    fiken_company = "demo-as"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from settlement.domain.alerts_config import ALERTS_KEY, VENDOR_ALERT_KEYS, alerts_problems
from settlement.domain.businessday import closing_instant, last_closed_day
from settlement.domain.calendar import EVERY_DAY, HOLIDAY_CALENDARS, closed_reason, parse_closed_dates, parse_weekdays
from settlement.domain.payout_config import PayoutAccount, parse_payouts
from settlement.domain.problems import Problem, error, warning
from settlement.domain.text import tr

VENDOR_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # always fullmatch: `$` would let "shop\n" through
POSTING_MODES = ("journal", "cash_sale")
LEDGERS = ("fiken", "tripletex", "poweroffice")
# Keys only a Fiken vendor may carry: the others name their company through their credential.
FIKEN_ONLY_KEYS = ("fiken_company", "posting", "fiken_project")
WOO_TRIGGER_STATUSES = ("processing", "completed")
WOO_GROUP_BY = ("tax_class", "category", "sku_prefix")
MAX_SETTLE_DELAY = timedelta(hours=12)
# SAF-T exporter quirks a vendor's (or one register's) `saft_profile` may name; see docs/saft.md
# for the evidence behind each. The standard profile ("standard", the default) has none.
SAFT_QUIRKS = (
    "z_total_sales_only",  # totalCashSaleAmnt counts sales only, returns not subtracted
    "vat_code_0_is_5",  # VAT code 0 (not a code of <vatCodeDetails>) means standard code 5, 0 %
    "payment_types_by_description",  # paymentType holds a type-12 basic's basicDesc, not its basicID
)


@dataclass(frozen=True, slots=True)
class SaftRegister:
    """One cash register in SAF-T exports that belongs to this vendor (empty field = any)."""

    register: str
    company: str = ""
    location: str = ""
    profile: tuple[str, ...] | None = None  # this register's saft_profile (None: the vendor's)


@dataclass(frozen=True, slots=True)
class WooCommerceConfig:
    """Where and how to pull this vendor's webshop orders.

    The consumer key and secret are never in vendors.toml: `credentials` names them, and they are
    read from SETTLEMENT_WOO_<CREDENTIALS>_KEY / _SECRET or the secrets directory.
    """

    url: str
    credentials: str
    trigger_status: str = "processing"
    group_by: str = "tax_class"
    sku_prefix_length: int = 2


SHIPPING_VAT = ("warn", "follow_goods")
CORRECTIONS = ("auto", "hold")
RATE_SOURCES = ("order_meta", "file")


@dataclass(frozen=True, slots=True)
class CurrencyConversion:
    """How a webshop's orders in another currency than NOK are converted (none: they block their day).

    rate_source: "order_meta" (the exchange rate the payment gateway writes into the order's
    meta_data under `meta_key`, NOK per unit of the order's currency) or "file" (a fixed rate file,
    `file`: lines `CUR;rate`, e.g. `SEK;0,9712`; a relative path is read from the working directory).
    """

    rate_source: str
    meta_key: str = ""
    file: str = ""


@dataclass(frozen=True, slots=True)
class Vendor:
    """A store whose sales are settled daily into one company in one accounting system.

    ledger: the accounting system ("fiken", "tripletex", "poweroffice").
    credential: the name of the credential its company is reached with (None: the ledger's default
        settings, e.g. SETTLEMENT_TRIPLETEX_EMPLOYEE_TOKEN); stores of one owner share one.
    department / project: the store's department and project number in the ledger, put on every
        voucher line where the ledger's lines carry them (Tripletex, PowerOffice); on Fiken a project
        is `fiken_project` with posting = "cash_sale".
    fiken_company: the Fiken company slug (Fiken vendors only; "" for the others).
    """

    id: str
    name: str
    timezone: str
    closing_time: time
    day_start: time
    enabled_since: date
    fiken_company: str = ""
    posting: str = "journal"
    fiken_project: int | None = None
    ledger: str = "fiken"
    credential: str | None = None
    department: str | None = None
    project: str | None = None
    saft_registers: tuple[SaftRegister, ...] = ()
    saft_profile: tuple[str, ...] = ()  # SAF-T exporter quirks (SAFT_QUIRKS); () is the standard
    currency_conversion: CurrencyConversion | None = None  # webshop orders not in NOK (None: they block)
    shipping_vat: str = "warn"  # untaxed shipping/fee on taxed goods: "warn", or "follow_goods" (split on their rates)
    woocommerce: WooCommerceConfig | None = None
    webshop_via_pos: bool = False
    drop_folder: str | None = None
    settle_delay: timedelta = timedelta(0)
    # When the vendor is open (settlement.domain.calendar): an open day with no data is missing.
    open_days: frozenset[int] = EVERY_DAY  # weekday numbers, Monday 0
    closed_dates: tuple[date | str, ...] = ()  # dates, and CSV files of dates (read into `closed`)
    holidays: str | None = None  # a public-holiday calendar ("NO"), computed into `closed`
    strict_days: bool = False  # a missing day holds the vendor's later days too
    corrections: str = "auto"  # a changed posted day: "auto" corrected by the next run, "hold" waits for approve
    payouts: tuple[PayoutAccount, ...] = ()  # payment-provider accounts (settlement.domain.payout_config)
    # Every closed date with why (closed_dates, its files, the holidays), filled in by configuration.
    closed: tuple[tuple[date, str], ...] = field(default=(), compare=False)
    source_line: int | None = field(default=None, compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def closes_at(self, day: date) -> datetime:
        """The UTC instant from which business day `day` is settled (businessday.closing_instant)."""
        return closing_instant(day, self.tz, self.day_start, self.closing_time, self.settle_delay)

    def is_closed(self, day: date, now: datetime) -> bool:
        """True once business day `day` has closed at the aware instant `now`."""
        return now >= self.closes_at(day)

    def closed_reason(self, day: date) -> str | None:
        """Why the vendor is closed on business day `day` (None: it is open, so it expects data)."""
        return closed_reason(self.open_days, self.closed, day)

    def last_closed_day(self, now: datetime) -> date:
        """The latest business day that has closed at the aware instant `now`."""
        return last_closed_day(now, self.tz, self.day_start, self.closing_time, self.settle_delay)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(tr("must be a non-empty text"))
    return value.strip()


def _vendor_id(value: Any) -> str:
    _text(value)
    text = value  # not stripped: an id is used as it is in file names and commands
    if not VENDOR_ID.fullmatch(text):
        raise ValueError(tr("must be lower-case letters, digits, '-' or '_' (it is used in file names)"))
    return text


def _timezone(value: Any) -> str:
    text = _text(value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(tr("unknown time zone {zone!r} (e.g. Europe/Oslo)", zone=text)) from None
    return text


def _clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    text = _text(value)
    if not re.fullmatch(r"[0-9]{1,2}:[0-9]{2}", text):
        raise ValueError(tr("{value!r} is not a time of day HH:MM", value=text))
    hours, minutes = map(int, text.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(tr("{value!r} is not a time of day HH:MM", value=text))
    return time(hours, minutes)


def _duration(value: Any) -> timedelta:
    """`"30m"`, `"2h"`, `"1h30m"` (or `"0m"`) → a timedelta of at most MAX_SETTLE_DELAY."""
    hint = tr('must be a duration like "30m", "2h" or "1h30m"')
    if not isinstance(value, str):
        raise ValueError(hint)
    match = re.fullmatch(r"(?:([0-9]{1,2})h)?(?:([0-9]{1,4})m)?", value.strip())
    if not value.strip() or match is None:
        raise ValueError(hint)
    delay = timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))
    if delay > MAX_SETTLE_DELAY:
        raise ValueError(tr("{value!r} is longer than {hours}h", value=value.strip(), hours=MAX_SETTLE_DELAY.seconds // 3600))
    return delay


def _date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(tr("must be a date YYYY-MM-DD"))


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value)
        if text not in options:
            raise ValueError(tr("{value!r} is not one of {options}", value=text, options=", ".join(options)))
        return text

    return parse


def _project_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(tr("must be the Fiken projectId, a positive whole number"))
    return value


def _dimension(value: Any) -> str:
    """A department or project number as the ledger shows it (digits and letters, e.g. "10")."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    text = _text(value)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", text):
        raise ValueError(tr("{value!r} is not a department or project number as the ledger shows it", value=text))
    return text


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(tr("must be true or false"))
    return value


def _registers(value: Any) -> tuple[SaftRegister, ...]:
    if not isinstance(value, list):
        raise ValueError(tr('must be a list like {example}', example='[{company = "999999999", register = "1"}]'))
    registers = []
    for item in value:
        if isinstance(item, str):
            item = {"register": item}
        if not isinstance(item, dict) or "register" not in item:
            raise ValueError(tr("each entry needs at least `register`"))
        unknown = set(item) - {"company", "location", "register", "profile"}
        if unknown:
            raise ValueError(tr("unknown field(s) {fields} in a register entry", fields=", ".join(sorted(unknown))))
        fields = {k: str(v).strip() for k, v in item.items() if k != "profile"}
        if "profile" in item:
            fields["profile"] = _saft_profile(item["profile"])
        registers.append(SaftRegister(**fields))
    return tuple(registers)


def _currency_conversion(value: Any) -> CurrencyConversion:
    if not isinstance(value, dict):
        raise ValueError(tr("must be a table like {example} or {other}",
                            example='{rate_source = "order_meta", meta_key = "_exchange_rate"}',
                            other='{rate_source = "file", file = "rates.csv"}'))
    unknown = set(value) - {"rate_source", "meta_key", "file"}
    if unknown:
        raise ValueError(tr("has unknown field(s) {fields}", fields=", ".join(sorted(unknown))))
    source = value.get("rate_source")
    if source not in RATE_SOURCES:
        raise ValueError(tr("needs rate_source = one of {options}", options=", ".join(RATE_SOURCES)))
    needed = "meta_key" if source == "order_meta" else "file"
    if not isinstance(value.get(needed), str) or not value[needed].strip():
        raise ValueError(tr("with rate_source = {source!r} needs {needed}", source=source, needed=needed))
    return CurrencyConversion(source, **{needed: value[needed].strip()})


def _saft_profile(value: Any) -> tuple[str, ...]:
    """"standard", one quirk, or a list of quirks (SAFT_QUIRKS) → the quirks, sorted."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(tr('must be "standard", or one or a list of: {quirks}', quirks=", ".join(SAFT_QUIRKS)))
    quirks = {n.strip() for n in names} - {"standard"}
    unknown = sorted(quirks - set(SAFT_QUIRKS))
    if unknown:
        raise ValueError(tr("names unknown SAF-T quirk(s) {unknown} (known: standard, {known})", unknown=", ".join(unknown),
                            known=", ".join(SAFT_QUIRKS)))
    return tuple(sorted(quirks))


def _woocommerce(value: Any) -> WooCommerceConfig:
    if not isinstance(value, dict):
        raise ValueError(tr("must be a table with url and credentials"))
    allowed = {"url", "credentials", "trigger_status", "group_by", "sku_prefix_length"}
    unknown = set(value) - allowed
    if unknown:
        raise ValueError(tr("unknown field(s) {fields}; allowed: {allowed}", fields=", ".join(sorted(unknown)),
                            allowed=", ".join(sorted(allowed))))
    for needed in ("url", "credentials"):
        if needed not in value:
            raise ValueError(tr("missing field {field!r}", field=needed))
    url = _text(value["url"]).rstrip("/")
    if not re.match(r"^https?://", url):
        raise ValueError(tr("url {url!r} must start with https://", url=url))
    length = value.get("sku_prefix_length", 2)
    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
        raise ValueError(tr("sku_prefix_length must be a positive whole number"))
    return WooCommerceConfig(
        url=url,
        credentials=_vendor_id(value["credentials"]),
        trigger_status=_choice(WOO_TRIGGER_STATUSES)(value.get("trigger_status", "processing")),
        group_by=_choice(WOO_GROUP_BY)(value.get("group_by", "tax_class")),
        sku_prefix_length=length,
    )


# key → (parser, required). Later features add their keys here, nowhere else.
_KEYS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "id": (_vendor_id, True),
    "name": (_text, True),
    "timezone": (_timezone, False),
    "closing_time": (_clock, True),
    "day_start": (_clock, False),
    "settle_delay": (_duration, False),
    "enabled_since": (_date, True),
    "ledger": (_choice(LEDGERS), False),
    "credential": (_vendor_id, False),
    "fiken_company": (_text, False),  # required for Fiken vendors (checked below)
    "posting": (_choice(POSTING_MODES), False),
    "fiken_project": (_project_id, False),
    "department": (_dimension, False),
    "project": (_dimension, False),
    "saft_registers": (_registers, False),
    "saft_profile": (_saft_profile, False),
    "currency_conversion": (_currency_conversion, False),
    "shipping_vat": (_choice(SHIPPING_VAT), False),
    "woocommerce": (_woocommerce, False),
    "webshop_via_pos": (_bool, False),
    "drop_folder": (_text, False),
    "open_days": (parse_weekdays, False),
    "closed_dates": (parse_closed_dates, False),
    "holidays": (_choice(HOLIDAY_CALENDARS), False),
    "strict_days": (_bool, False),
    "corrections": (_choice(CORRECTIONS), False),
    "payouts": (parse_payouts, False),
}
_DEFAULTS = {"timezone": "Europe/Oslo", "day_start": time(0, 0)}


def _line_of_vendor(text: str, index: int) -> int | None:
    """Line number of the index-th `[[vendors]]` header, for messages."""
    seen = -1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().replace(" ", "") == "[[vendors]]":
            seen += 1
            if seen == index:
                return number
    return None


def _line_of_key(text: str, vendor_line: int | None, key: str) -> int | None:
    """Line number of `key = ...` inside the vendor's table (the table's header line if absent)."""
    if vendor_line is None:
        return None
    lines = text.splitlines()
    for number in range(vendor_line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped.startswith("["):
            break
        if re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return vendor_line


def parse_vendors(text: str, file: str) -> tuple[list[Vendor], list[Problem]]:
    """Parse vendors.toml text into vendors; every problem names the file, the vendor and the key."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [error(tr("not valid TOML: {reason}", reason=exc), file=file)]
    problems: list[Problem] = []
    unknown_top = set(document) - {"vendors", ALERTS_KEY}
    for key in sorted(unknown_top):
        problems.append(error(tr("unknown top-level key {key!r} (expected [[vendors]] tables)", key=key), file=file))
    entries = document.get("vendors", [])
    if not isinstance(entries, list):
        return [], problems + [error(tr("`vendors` must be [[vendors]] tables"), file=file)]
    vendors: list[Vendor] = []
    seen_ids: set[str] = set()
    for index, entry in enumerate(entries):
        line = _line_of_vendor(text, index)
        raw_id = entry.get("id")
        if isinstance(raw_id, str):  # a bad id is quoted, so a newline in it cannot forge a line
            label = raw_id if VENDOR_ID.fullmatch(raw_id) else repr(raw_id)
        else:
            label = f"#{index + 1}"
        where = {"file": file, "line": line, "ref": label}

        def at(key: str) -> dict[str, Any]:
            return {"file": file, "line": _line_of_key(text, line, key), "ref": label}

        values: dict[str, Any] = dict(_DEFAULTS)
        ok = True
        for key in sorted(set(entry) - set(_KEYS) - VENDOR_ALERT_KEYS):  # alerts_to: alerts_config
            problems.append(error(tr("vendor {vendor}: unknown key {key!r}", vendor=label, key=key), column=key, **at(key)))
            ok = False
        for key, (parse, required) in _KEYS.items():
            if key not in entry:
                if required or (key == "fiken_company" and entry.get("ledger", "fiken") == "fiken"):
                    problems.append(error(tr("vendor {vendor}: missing required key {key!r}", vendor=label, key=key), column=key, **where))
                    ok = False
                continue
            try:
                values[key] = parse(entry[key])
            except ValueError as exc:
                problems.append(
                    error(tr("vendor {vendor}: key {key!r} {reason}", vendor=label, key=key, reason=exc), column=key, value=str(entry[key]), **at(key))
                )
                ok = False
        ledger = values.get("ledger", "fiken")
        if ok and ledger == "fiken" and "department" in values:
            problems.append(error(tr("vendor {vendor}: key 'department' is for Tripletex and PowerOffice vendors "
                                     "(Fiken's journal lines carry no department)", vendor=label), column="department", **at("department")))
            ok = False
        if ok and ledger == "fiken" and "project" in values:
            problems.append(error(tr("vendor {vendor}: key 'project' is for Tripletex and PowerOffice vendors; on Fiken "
                                     'use fiken_project with posting = "cash_sale"', vendor=label), column="project", **at("project")))
            ok = False
        for key in FIKEN_ONLY_KEYS:
            if ok and ledger != "fiken" and key in entry:
                problems.append(error(tr('vendor {vendor}: key {key!r} is for Fiken vendors only (this vendor has '
                                         'ledger = "{ledger}")', vendor=label, key=key, ledger=ledger), column=key, **at(key)))
                ok = False
        if ok and values["id"] in seen_ids:
            problems.append(error(tr("vendor {vendor}: id is used twice", vendor=label), column="id", **at("id")))
            ok = False
        if ok and values.get("posting") == "journal" and values.get("fiken_project"):
            problems.append(
                error(
                    tr("vendor {vendor}: key 'fiken_project' needs posting = \"cash_sale\" "
                       "(journal lines cannot carry a project through the Fiken API)", vendor=label),
                    column="fiken_project",
                    **at("fiken_project"),
                )
            )
            ok = False
        if ok:
            seen_ids.add(values["id"])
            vendors.append(Vendor(source_line=line, **values))
    return vendors, problems + alerts_problems(document, text, file)


def closing_warnings(vendors: list[Vendor], file: str) -> list[Problem]:
    """Warnings for vendors whose closing loses sales to nightly corrections: a vendor that pulls a
    webshop itself (`[vendors.woocommerce]`, not `webshop_via_pos`) but closes before its business
    day ends gets the webshop's late orders after its day was posted, every night."""
    problems = []
    for vendor in vendors:
        if vendor.woocommerce is None or vendor.webshop_via_pos or vendor.closing_time == vendor.day_start:
            continue
        problems.append(warning(
            tr("vendor {vendor}: closes at {closing}, before its business day ends at {day_start}, but pulls a "
               "webshop that sells around the clock: every order after the closing corrects a posted day; give the "
               'webshop a vendor of its own with closing_time = day_start (e.g. both "00:00")',
               vendor=vendor.id, closing=vendor.closing_time.strftime("%H:%M"), day_start=vendor.day_start.strftime("%H:%M")),
            file=file, line=vendor.source_line, column="closing_time", ref=vendor.id,
        ))
    return problems


def parse_vendors_file(data: bytes, file: str) -> tuple[list[Vendor], list[Problem]]:
    """The vendors file's bytes (UTF-8, with or without BOM) → vendors and problems."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = "0x%02X" % data[exc.start]
        return [], [error(tr("byte {byte} is not UTF-8; save the file as UTF-8", byte=byte), file=file, line=line)]
    return parse_vendors(text, file)
