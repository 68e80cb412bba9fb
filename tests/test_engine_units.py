"""The posting engine against the port alone: `next_step`, every step of settling a day, and
catch-up, with an in-memory ledger written for these tests (the end-to-end suite runs the same
engine against the real Fiken target and sandbox). The posting state is the real store, on a
SQLite file in the test's folder."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

from settlement.domain.chart import LedgerRow
from settlement.domain.problems import error
from settlement.domain.posting_rules import (
    CORRECTION_BLOCKED, CORRECTION_FAILED, DOCUMENTED, EMPTY, FAILED, MISSING, POSTED, POSTING, DayState, Step, next_step, version_to_post,
    voucher_digest,
)
from settlement.domain.vendors import Vendor
from settlement.domain.voucher import Voucher, VoucherLine
from settlement.posting.catchup import catch_up
from settlement.posting.ledger import (
    Booking, BookingPart, Capabilities, LedgerAmbiguous, LedgerRefused, LedgerUnavailable,
)
from settlement.posting.settle import PostingContext, settle_day
from settlement.store import open_engine
from settlement.store.posting_state import PostingState

DAY = date(2026, 11, 2)


def vendor(vendor_id: str = "butikk", posting: str = "journal") -> Vendor:
    return Vendor(vendor_id, vendor_id.title(), "Europe/Oslo", time(20), time(0), date(2026, 11, 1), "co", posting)


def voucher(amount: int = 10_000, day: date = DAY, vendor_id: str = "butikk") -> Voucher:
    lines = (
        VoucherLine("payment", "payment_card", "1580", "Kort", None, amount, 0),
        VoucherLine("revenue", "sales_high", "3000", "Salg", "3", 0, amount, amount // 5),
    )
    return Voucher(vendor_id, day, lines if amount else ())


LEDGER = {"settlement": LedgerRow("settlement", "1901", "Oppgjør", "f", 1, False),
          "rounding": LedgerRow("rounding", "7740", "Øreavrunding", "f", 2, False)}


@dataclass
class MemoryLedger:
    """A ledger in memory: postings by key and part, attachments, and faults to arm.

    drop: parts whose next send takes effect but whose answer is lost (ambiguous).
    refuse / down: the next send is refused / fails before anything is done.
    """

    name: str = "memory"
    title: str = "Minne"
    capabilities: Capabilities = Capabilities(description_length=100)
    postings: dict[tuple[str, str], dict] = field(default_factory=dict)
    reversed: list[tuple[str, str]] = field(default_factory=list)
    attachments: dict[int, list[str]] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    refuse: bool = False
    down: bool = False
    refuse_reverse: bool = False
    lock: str | None = None  # what locked() answers: the ledger's reason a day cannot change
    prefetch_down: bool = False  # prefetch() fails (each day's complete() is asked on its own)
    reads: list[str] = field(default_factory=list)  # prefetch, complete (when it adds ids) and attach, in order
    calls: list[str] = field(default_factory=list)
    next_id: int = 100

    def render(self, vendor, voucher, ledger, key):
        parts = [BookingPart("journal", "entry_id", {"method": "POST", "path": "/entries",
                                                      "body": {"key": key, "total": voucher.total_debit}})]
        if vendor.posting == "cash_sale":
            parts.insert(0, BookingPart("sale", "sale_id", {"method": "POST", "path": "/sales", "body": {"key": key}}))
        return Booking(self.name, vendor.posting, key, tuple(parts), {"3": voucher.total_debit // 5}, 0)

    def send(self, vendor, booking, part):
        self.calls.append(f"send {part.name}")
        if self.down:
            raise LedgerUnavailable("the ledger is down")
        if self.refuse:
            raise LedgerRefused("the accounts do not balance")
        self.next_id += 1
        self.postings[(booking.key, part.name)] = {part.ref_key: self.next_id}
        if part.name in self.drop:
            self.drop.discard(part.name)
            raise LedgerAmbiguous("the answer was lost")
        return {part.ref_key: self.next_id}

    def find(self, vendor, booking, part, day):
        self.calls.append(f"find {part.name}")
        if self.down:
            raise LedgerUnavailable("the ledger is down")
        live = (booking.key, part.name) not in self.reversed
        return self.postings.get((booking.key, part.name)) if live else None

    def complete(self, vendor, booking, ref):
        if "checked" not in ref:
            self.reads.append("complete")
        return {**ref, "checked": True}

    def prefetch(self, vendor, start, end):
        self.reads.append(f"prefetch {start}..{end}")
        if self.prefetch_down:
            raise LedgerUnavailable("the listing is down")

    def reverse(self, vendor, ref, reason):
        if self.refuse_reverse:
            raise LedgerRefused("the period is locked")
        for (key, part), ids in self.postings.items():
            if set(ids.values()) & set(ref.values()):
                self.reversed.append((key, part))

    def attach(self, vendor, ref, filename, pdf):
        self.reads.append("attach")
        owner = ref.get("sale_id") or ref["entry_id"]
        self.attachments.setdefault(owner, []).append(filename)
        return f"file:{filename}"

    def find_attachment(self, vendor, ref):
        owner = ref.get("sale_id") or ref.get("entry_id")
        found = self.attachments.get(owner)
        return f"file:{found[0]}" if found else None

    def check(self, vendor, ledger):
        return []

    def locked(self, vendor, day):
        self.calls.append("locked")
        return self.lock

    def where(self, vendor, ref):
        return {"company": "Minne AS", "organization_number": "999999999", "voucher_number": str(ref)}

    def live(self, key_prefix: str) -> list[tuple[str, str]]:
        return [k for k in self.postings if k[0].startswith(key_prefix) and k not in self.reversed]


@pytest.fixture
def posting(tmp_path: Path):
    """A context over a real posting state, the memory ledger and vouchers the test sets."""
    ledger = MemoryLedger()
    vouchers: dict[tuple[str, date], Voucher] = {}
    ctx = PostingContext(
        vouchers=lambda v, d: vouchers.get((v.id, d), voucher(0, d, v.id)),
        ledgers=lambda v: LEDGER,
        targets=lambda v: ledger,
        report=lambda v, state, vch, booking, at: b"%PDF report of " + booking.key.encode(),
        state=PostingState(open_engine(f"sqlite:///{tmp_path / 'state.db'}")),
        report_dir=tmp_path / "reports",
        generated_at=datetime(2026, 11, 3, tzinfo=timezone.utc),
    )
    return ctx, ledger, vouchers


def test_next_step_covers_every_state():
    plain, empty = voucher(), voucher(0)
    digest = voucher_digest(plain, "journal")
    blocked = replace(plain, errors=(error("group code 'x' has no mapping"),))
    fresh = DayState("v", DAY)
    assert next_step(fresh, blocked, digest) == Step.BLOCK
    assert next_step(fresh, plain, digest) == Step.POST
    assert next_step(fresh, empty, digest) == Step.RECORD_EMPTY
    posted = replace(fresh, status=POSTED, digest=digest, ref={"entry_id": 1})
    assert next_step(posted, plain, digest) == Step.DOCUMENT
    assert next_step(replace(posted, status=DOCUMENTED), plain, digest) == Step.SETTLED_ALREADY
    assert next_step(replace(posted, status=DOCUMENTED), plain, "changed") == Step.CORRECT
    assert next_step(replace(posted, status=CORRECTION_FAILED), plain, "changed") == Step.CORRECT
    assert next_step(replace(fresh, status=EMPTY, digest=digest), plain, digest) == Step.SETTLED_ALREADY
    assert next_step(replace(fresh, status=POSTING), empty, digest) == Step.POST, "a day in flight is looked up"
    assert next_step(replace(fresh, status=FAILED), plain, digest) == Step.POST


def test_the_version_to_post_is_the_one_the_run_posts():
    plain = voucher()
    failed_correction = DayState("v", DAY, status=CORRECTION_FAILED, version=1, digest="old", ref={"entry_id": 1})
    assert version_to_post(failed_correction, plain, voucher_digest(plain, "journal")) == 2
    assert version_to_post(DayState("v", DAY), plain, voucher_digest(plain, "journal")) == 1


def test_post_then_document_once(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    vouchers[(shop.id, DAY)] = voucher()
    outcome = settle_day(ctx, shop, DAY)
    assert outcome.status == DOCUMENTED
    key = "[settlement:butikk:2026-11-02:v1]"
    assert ledger.live(key) == [(key, "journal")]
    state = ctx.state.get(shop.id, DAY)
    assert state.target == "memory" and state.ref == {"entry_id": 101, "checked": True}
    assert Booking.from_json(state.booking).key == key, "the booking sent is kept with the day"
    assert (ctx.report_dir / shop.id / "dagsoppgjor-butikk-2026-11-02-v1.pdf").read_bytes().endswith(key.encode())
    assert settle_day(ctx, shop, DAY).message == "already settled"
    assert ledger.calls == ["send journal"]


def test_a_lost_answer_is_looked_up_and_adopted(posting):
    ctx, ledger, vouchers = posting
    shop = vendor(posting="cash_sale")
    vouchers[(shop.id, DAY)] = voucher()
    ledger.drop = {"sale", "journal"}
    assert settle_day(ctx, shop, DAY).status == DOCUMENTED
    assert ledger.calls == ["send sale", "find sale", "send journal", "find journal"]
    assert len(ledger.postings) == 2
    actions = [row.action for row in ctx.state.audit(shop.id, DAY)]
    assert actions.count("unclear") == 2 and actions.count("adopted") == 2


def test_refused_fails_the_day_and_stops_the_vendor(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    vouchers[(shop.id, DAY)] = voucher()
    ledger.refuse = True
    outcome = settle_day(ctx, shop, DAY)
    assert outcome.status == FAILED and outcome.stops_vendor
    assert outcome.message == "Minne refused the posting: the accounts do not balance"


def test_unavailable_leaves_the_day_posting_and_the_next_run_looks_before_sending(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    vouchers[(shop.id, DAY)] = voucher()
    ledger.down = True
    assert settle_day(ctx, shop, DAY).status == POSTING
    ledger.down = False
    ledger.calls.clear()
    assert settle_day(ctx, shop, DAY).status == DOCUMENTED
    assert ledger.calls == ["find journal", "send journal"]


def test_a_posting_interrupted_after_the_ledger_took_it_is_adopted_not_sent_again(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    vouchers[(shop.id, DAY)] = voucher()
    key = "[settlement:butikk:2026-11-02:v1]"
    # What a crash after the send leaves: the ledger has the entry, the state says `posting`.
    ledger.postings[(key, "journal")] = {"entry_id": 7}
    ctx.state.save(DayState(shop.id, DAY, status=POSTING, settlement_key=key, attempts=1), "sending")
    assert settle_day(ctx, shop, DAY).status == DOCUMENTED
    assert ledger.calls == ["find journal"]
    assert ctx.state.get(shop.id, DAY).ref["entry_id"] == 7


def test_a_lookup_failure_sends_nothing(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    vouchers[(shop.id, DAY)] = voucher()
    ctx.state.save(DayState(shop.id, DAY, status=POSTING, settlement_key="[settlement:butikk:2026-11-02:v1]"), "sending")
    ledger.down = True
    outcome = settle_day(ctx, shop, DAY)
    assert outcome.status == POSTING and outcome.message.startswith("could not look")
    assert "send journal" not in ledger.calls


def test_changed_data_reverses_and_posts_the_next_version(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    vouchers[(shop.id, DAY)] = voucher(10_000)
    settle_day(ctx, shop, DAY)
    vouchers[(shop.id, DAY)] = voucher(12_500)
    assert settle_day(ctx, shop, DAY).status == DOCUMENTED
    assert ledger.reversed == [("[settlement:butikk:2026-11-02:v1]", "journal")]
    assert ledger.live("[settlement:butikk") == [("[settlement:butikk:2026-11-02:v2]", "journal")]
    state = ctx.state.get(shop.id, DAY)
    assert (state.version, state.corrections) == (2, 1)


def test_a_refused_reversal_keeps_the_posted_version(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    vouchers[(shop.id, DAY)] = voucher(10_000)
    settle_day(ctx, shop, DAY)
    vouchers[(shop.id, DAY)] = voucher(12_500)
    ledger.refuse_reverse = True
    outcome = settle_day(ctx, shop, DAY)
    assert outcome.status == CORRECTION_FAILED and "Minne did not reverse" in outcome.message
    assert ctx.state.get(shop.id, DAY).ref["entry_id"] == 101, "the posted version is kept, with its ids"


def test_a_correction_into_a_locked_period_sends_nothing_until_it_is_opened(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    vouchers[(shop.id, DAY)] = voucher(10_000)
    settle_day(ctx, shop, DAY)
    vouchers[(shop.id, DAY)] = voucher(12_500)
    ledger.lock, ledger.calls = "the period 11.2026 is closed", []
    outcome = settle_day(ctx, shop, DAY)
    assert outcome.status == CORRECTION_BLOCKED and "Minne has locked 2026-11-02 (the period 11.2026 is closed)" in outcome.message
    assert ledger.calls == ["locked"] and ledger.reversed == [], "nothing is sent to a locked period"
    assert ctx.state.get(shop.id, DAY).ref["entry_id"] == 101, "the posted version is kept, with its ids"
    assert settle_day(ctx, shop, DAY).status == CORRECTION_BLOCKED  # still locked: asked again, nothing sent
    ledger.lock = None
    assert settle_day(ctx, shop, DAY).status == DOCUMENTED
    assert ledger.live("[settlement:butikk") == [("[settlement:butikk:2026-11-02:v2]", "journal")]


def test_catch_up_stops_a_vendor_at_its_failing_day_and_goes_on_with_the_others(posting):
    ctx, ledger, vouchers = posting
    first, second = vendor("alfa"), vendor("beta")
    for shop in (first, second):
        vouchers[(shop.id, date(2026, 11, 1))] = voucher(10_000, date(2026, 11, 1), shop.id)
        vouchers[(shop.id, date(2026, 11, 2))] = voucher(20_000, date(2026, 11, 2), shop.id)
    vouchers[(first.id, date(2026, 11, 1))] = replace(vouchers[(first.id, date(2026, 11, 1))],
                                                     errors=(error("group code 'x' has no mapping"),))
    outcomes = catch_up(ctx, [first, second], datetime(2026, 11, 3, 12, tzinfo=timezone.utc),
                        through=date(2026, 11, 2))
    assert [(o.vendor, o.day.day, o.status) for o in outcomes] == [
        ("alfa", 1, "blocked"), ("beta", 1, DOCUMENTED), ("beta", 2, DOCUMENTED)]


def _week(vouchers, shop, days=range(2, 6)) -> None:
    for n in days:
        vouchers[(shop.id, date(2026, 11, n))] = voucher(10_000 * n, date(2026, 11, n), shop.id)


def test_a_catch_up_posts_its_days_then_reads_their_ids_once_and_attaches_the_reports(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    _week(vouchers, shop)
    outcomes = catch_up(ctx, [shop], datetime(2026, 11, 6, 12, tzinfo=timezone.utc), through=date(2026, 11, 5))
    assert [(o.day.day, o.status) for o in outcomes] == [(1, MISSING), (2, DOCUMENTED), (3, DOCUMENTED),
                                                         (4, DOCUMENTED), (5, DOCUMENTED)]
    assert ledger.calls == ["send journal"] * 4  # every day is sent before any report is made
    assert ledger.reads == ["prefetch 2026-11-02..2026-11-05"] + ["complete", "attach"] * 4
    for n in range(2, 6):
        state = ctx.state.get(shop.id, date(2026, 11, n))
        assert state.ref["checked"] and state.attachment
        assert ledger.attachments[state.ref["entry_id"]] == [f"dagsoppgjor-butikk-2026-11-0{n}-v1.pdf"]
    actions = [row.action for row in ctx.state.audit(shop.id, date(2026, 11, 2))]
    assert actions == ["sending", "sent", "posted", "looked-up", "documented"]


def test_the_reports_wait_no_longer_than_the_next_day_that_is_not_posted(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    _week(vouchers, shop)
    vouchers[(shop.id, date(2026, 11, 4))] = replace(vouchers[(shop.id, date(2026, 11, 4))],
                                                    errors=(error("group code 'x' has no mapping"),))
    outcomes = catch_up(ctx, [shop], datetime(2026, 11, 6, 12, tzinfo=timezone.utc), through=date(2026, 11, 5))
    # The outcomes keep the days' order; the two posted days are documented before the blocked one stops the shop.
    assert [(o.day.day, o.status) for o in outcomes] == [(1, MISSING), (2, DOCUMENTED), (3, DOCUMENTED), (4, "blocked")]
    assert ledger.calls == ["send journal"] * 2
    assert ledger.reads == ["prefetch 2026-11-02..2026-11-03"] + ["complete", "attach"] * 2


def test_when_the_ids_cannot_be_read_at_once_each_report_reads_its_own(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    _week(vouchers, shop, range(2, 4))
    ledger.prefetch_down = True
    outcomes = catch_up(ctx, [shop], datetime(2026, 11, 6, 12, tzinfo=timezone.utc), through=date(2026, 11, 3))
    assert [o.status for o in outcomes] == [MISSING, DOCUMENTED, DOCUMENTED]
    assert ledger.reads == ["prefetch 2026-11-02..2026-11-03"] + ["complete", "attach"] * 2


def test_a_report_that_cannot_be_attached_leaves_its_day_posted_and_the_next_run_attaches_it_once(posting):
    ctx, ledger, vouchers = posting
    shop = vendor()
    _week(vouchers, shop, range(2, 4))
    attach = ledger.attach

    def down_for_the_third(vendor_, ref, filename, pdf):
        if "2026-11-03" in filename:
            raise LedgerUnavailable("the ledger is down")
        return attach(vendor_, ref, filename, pdf)

    ledger.attach = down_for_the_third
    now = datetime(2026, 11, 6, 12, tzinfo=timezone.utc)
    outcomes = catch_up(ctx, [shop], now, through=date(2026, 11, 3))
    assert [o.status for o in outcomes] == [MISSING, DOCUMENTED, POSTED]
    assert "could not be attached" in outcomes[-1].message
    ledger.attach = attach
    outcomes = catch_up(ctx, [shop], now, through=date(2026, 11, 3))
    assert [o.status for o in outcomes] == [MISSING, DOCUMENTED, DOCUMENTED]
    entry = ctx.state.get(shop.id, date(2026, 11, 3)).ref["entry_id"]
    assert ledger.attachments[entry] == ["dagsoppgjor-butikk-2026-11-03-v1.pdf"]
    assert [k for k, _ in ledger.postings] == ["[settlement:butikk:2026-11-02:v1]", "[settlement:butikk:2026-11-03:v1]"]
