"""The engine's promises, the same for every ledger: one contract suite run over Fiken, Tripletex and
PowerOffice Go, each through its local sandbox, the real CLI and real HTTP.

Exactly once after SIGKILL at each step and after a committed write whose answer was lost; no request
on a re-run; a changed day reversed and posted again as v2; a refused reversal leaves the day
correction-failed with the ledger's reason; a blocked day sends nothing; the report attached once;
two credentials settled at the same time with one request at a time per credential.

Each ledger is seen through a `LedgerView` (what is live in it, per settlement key), so the
assertions are the same text for all three.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from settlement.posting.faults import POINTS
from tests.fixtures_posting import fiken_posts, ledger_effect

GOLDEN = Path(__file__).parent / "golden" / "voucher"
VENDOR, DAY = "bergen-bryggen", "2026-11-02"
KEY = f"[settlement:{VENDOR}:{DAY}:v1]"
LEDGERS = ("fiken", "tripletex", "poweroffice")


@dataclass
class LedgerView:
    """What a ledger's sandbox holds, in the terms of the contract."""

    ledger: str
    sandbox: Any
    voucher_path: str  # part of the path of the request that posts a voucher

    # --- what is booked -----------------------------------------------------------------------
    def _vouchers(self, company: int = 0) -> list[dict]:
        return self.sandbox.booked(company)

    def live(self, key: str, company: int = 0) -> int:
        """How many live (not reversed) postings carry `key`."""
        if self.ledger == "fiken":
            slug = "demo-as" if company == 0 else "annen-bruker-as"
            entries = self.sandbox.journal_entries(slug)
            # A reversal is a transaction of its own, named as the offset of the entries it reverses.
            reversals = {e["offsetTransactionId"] for e in entries if e.get("offsetTransactionId")}
            return sum(1 for e in entries if key in (e.get("description") or "")
                       and not e.get("offsetTransactionId") and e["transactionId"] not in reversals)
        return sum(1 for v in self._vouchers(company) if _carries(v, key) and not v["reversed"] and not v["is_reversal"])

    def effect(self, key: str, live_only: bool = True) -> dict[str, int]:
        """Debit-positive øre per account over the postings carrying `key` (with live_only=False,
        also reversed ones and their reversals)."""
        if self.ledger == "fiken":
            return ledger_effect(self.sandbox, "demo-as", key, live_only)
        totals: dict[str, int] = {}
        for voucher in self._vouchers():
            if not _carries(voucher, key) or (live_only and (voucher["reversed"] or voucher["is_reversal"])):
                continue
            for line in voucher["lines"]:
                account = str(line["account"])
                totals[account] = totals.get(account, 0) + line["gross_ore"]
        return totals

    def attachments(self, company: int = 0) -> int:
        """Attachments on live postings made by this job."""
        if self.ledger == "fiken":
            return len(self.sandbox.attachments("demo-as" if company == 0 else "annen-bruker-as"))
        return sum(v["attachments"] for v in self._vouchers(company)
                   if "[settlement:" in (v["description"] or "") and not v["reversed"] and not v["is_reversal"])

    def lines(self, key: str) -> list[dict]:
        """The lines of the live posting carrying `key` (Tripletex and PowerOffice)."""
        return [line for v in self._vouchers() if _carries(v, key) and not v["reversed"] for line in v["lines"]]

    # --- what was asked -----------------------------------------------------------------------
    def writes(self) -> list:
        if self.ledger == "fiken":
            return fiken_posts(self.sandbox)
        return [r for r in self.sandbox.requests
                if r.method in ("POST", "PUT", "PATCH", "DELETE") and "token" not in r.path.lower()]

    def requests(self) -> int:
        return len(self.sandbox.requests)

    def close_the_books(self, day: str) -> None:
        """The ledger refuses changes dated `day` from now on (a closed period, a lock date; for Fiken,
        whose lock shape is not known, every write is refused with 400)."""
        from datetime import date

        if self.ledger == "fiken":
            self.sandbox.faults.error_rate(1.0, statuses=(400,))
        elif self.ledger == "tripletex":
            self.sandbox.close_period(date.fromisoformat(day))
        else:
            self.sandbox.set_lock_date(date.fromisoformat(day))

    def open_the_books(self, day: str) -> None:
        from datetime import date

        if self.ledger == "fiken":
            self.sandbox.faults.clear()
        elif self.ledger == "tripletex":
            self.sandbox.close_period(date.fromisoformat(day), closed=False)
        else:
            self.sandbox.set_lock_date(None)

    def drop_next_voucher_post(self) -> None:
        """The next voucher POST takes effect, then the connection closes before the answer."""
        self.sandbox.faults.commit_then_drop(1, method="POST", path_contains=self.voucher_path)


def _carries(voucher: dict, key: str) -> bool:
    return key in (voucher.get("description") or "") or voucher.get("reference") == key


def _settings(lines: list[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lines)


VENDORS_TOML = """\
[[vendors]]
id = "bergen-bryggen"
name = "Bergen Bryggen"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-11-02
{ledger_keys}

[[vendors]]
id = "bergen-sentrum"
name = "Bergen Sentrum"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-11-02
{second_keys}
"""


def _ledger_keys(ledger: str, credential: str | None = None) -> str:
    if ledger == "fiken":
        company = "annen-bruker-as" if credential else "demo-as"
        return f'fiken_company = "{company}"' + (f'\ncredential = "{credential}"' if credential else "")
    keys = f'ledger = "{ledger}"\ndepartment = "10"\nproject = "100"'
    return keys + (f'\ncredential = "{credential}"' if credential else "")


@pytest.fixture(params=LEDGERS)
def contract_ws(request, workspace):
    """The workspace with vendor bergen-bryggen on the ledger under test (its default credential)
    and bergen-sentrum on the same ledger under a named credential `franchise` (its second company)."""
    ledger = request.param
    sandbox = request.getfixturevalue(f"{ledger}_sandbox")
    if ledger == "fiken":
        workspace.extra_env.update(SETTLEMENT_FIKEN_TOKEN=sandbox.personal_token,
                                   SETTLEMENT_FIKEN_BASE_URL=sandbox.base_url,
                                   SETTLEMENT_FIKEN_FRANCHISE_TOKEN=sandbox.other_personal_token)
        view = LedgerView(ledger, sandbox, "generalJournalEntries")
    else:
        workspace.extra_env.update(_settings(sandbox.settings_lines(0)))
        second = _settings(sandbox.settings_lines(1))
        # The second company as the named credential `franchise`: the field names after the ledger's prefix.
        prefix = f"SETTLEMENT_{ledger.upper()}_"
        for name, value in second.items():
            if name not in workspace.extra_env or workspace.extra_env[name] != value:
                workspace.extra_env[prefix + "FRANCHISE_" + name.removeprefix(prefix)] = value
        view = LedgerView(ledger, sandbox, "ledger/voucher" if ledger == "tripletex" else "Vouchers/ManualJournals")
    workspace.write("vendors.toml", VENDORS_TOML.format(ledger_keys=_ledger_keys(ledger),
                                                        second_keys=_ledger_keys(ledger, "franchise")))
    workspace.view = view
    return workspace


def _import(ws, name: str = "normal_day.csv", vendor: str = VENDOR) -> None:
    status, out, err = ws.invoke("import", "sales", "--vendor", vendor, str(GOLDEN / name))
    assert status == 0, out + err


def _run(ws, vendor: str = VENDOR, day: str = DAY) -> tuple[int, str, str]:
    return ws.invoke("run", "--vendor", vendor, "--date", day)


def _assert_once(ws, key: str = KEY) -> None:
    view = ws.view
    assert view.live(key) == 1, f"{view.live(key)} live postings for {key} in {view.ledger}"
    assert view.attachments() == 1, "the report is attached exactly once"
    effect = view.effect(key)
    assert sum(effect.values()) == 0 and effect.get("1901", 0) == 0, effect
    status, out, _ = ws.invoke("status", "--vendor", VENDOR, "--json")
    import json

    day = next(d for d in json.loads(out)[0]["days"] if d["date"] == DAY)
    assert day["status"] == "documented", day


def test_a_day_is_posted_once_balanced_and_documented(contract_ws):
    ws, view = contract_ws, contract_ws.view
    _import(ws)
    status, out, err = _run(ws)
    assert status == 0, out + err
    _assert_once(ws)
    assert view.effect(KEY)["1580"] == 18250, "the card payments reach the card clearing account"
    if view.ledger != "fiken":  # the store's department and project are on every line
        assert {(line["department"], line["project"]) for line in view.lines(KEY)} == {("10", "100")}


def test_a_second_run_sends_no_request(contract_ws):
    ws, view = contract_ws, contract_ws.view
    _import(ws)
    assert _run(ws)[0] == 0
    before = view.requests()
    status, out, _ = _run(ws)
    assert status == 0 and "already settled" in out
    assert view.requests() == before


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_every_step_then_restarted(contract_ws, point):
    ws, view = contract_ws, contract_ws.view
    _import(ws)
    ws.extra_env["SETTLEMENT_CRASH_AT"] = point
    killed = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    del ws.extra_env["SETTLEMENT_CRASH_AT"]
    restarted = ws.run("run", "--vendor", VENDOR, "--date", DAY)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    _assert_once(ws)
    if point == "after_send":
        _, out, _ = ws.invoke("audit", "--vendor", VENDOR, "--date", DAY)
        assert "adopted" in out, out
    before = view.requests()
    assert ws.run("run", "--vendor", VENDOR, "--date", DAY).returncode == 0
    assert view.requests() == before, "a settled day asks the ledger nothing"


def test_a_committed_post_whose_answer_was_lost_is_adopted(contract_ws):
    ws, view = contract_ws, contract_ws.view
    _import(ws)
    view.drop_next_voucher_post()
    status, out, err = _run(ws)
    if status != 0:  # the lost answer may end this run; the next one finds the posting
        status, out, err = _run(ws)
    assert status == 0, out + err
    _assert_once(ws)
    _, audit, _ = ws.invoke("audit", "--vendor", VENDOR, "--date", DAY)
    assert "adopted" in audit, audit


def _post_then_add_late_receipt(ws) -> None:
    _import(ws)
    assert _run(ws)[0] == 0
    late = ws.write("in/late.csv", "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
                    "LATE-9;2026-11-02T19:00:00;sale;high;3;50,00;10,00\n"
                    "LATE-9;2026-11-02T19:00:00;payment;card;;50,00;\n")
    status, out, err = ws.invoke("import", "sales", "--vendor", VENDOR, str(late))
    assert status == 0, out + err


def test_a_changed_day_is_reversed_and_posted_again_as_v2(contract_ws):
    ws, view = contract_ws, contract_ws.view
    _post_then_add_late_receipt(ws)
    status, out, err = _run(ws)
    assert status == 0, out + err
    v2 = KEY.replace(":v1]", ":v2]")
    assert view.live(KEY) == 0 and view.live(v2) == 1
    assert set(view.effect(KEY, live_only=False).values()) <= {0}, "v1 and its reversal cancel out"
    assert view.effect(v2)["1580"] == 18250 + 5000


def test_a_correction_into_closed_books_is_held_back_with_the_ledgers_reason(contract_ws):
    """Tripletex and PowerOffice say which periods are closed: the correction is correction-blocked
    and nothing is sent. Fiken does not say: its refusal makes the day correction-failed."""
    ws, view = contract_ws, contract_ws.view
    _post_then_add_late_receipt(ws)
    view.close_the_books(DAY)
    writes = len(view.writes())
    status, out, err = _run(ws)
    expected = "correction-failed" if view.ledger == "fiken" else "correction-blocked"
    assert status == 1 and expected in out, out + err
    if view.ledger != "fiken":
        assert "has locked 2026-11-02" in out and len(view.writes()) == writes, "nothing is sent to closed books"
    assert view.live(KEY) == 1 and view.effect(KEY)["1580"] == 18250, "v1 stays booked as it was"
    assert view.live(KEY.replace(":v1]", ":v2]")) == 0
    _, out, _ = ws.invoke("status", "--vendor", VENDOR)
    assert f"{DAY} {expected.upper()}" in out, out
    view.open_the_books(DAY)
    status, out, err = _run(ws)
    assert status == 0, out + err
    assert view.live(KEY) == 0 and view.live(KEY.replace(":v1]", ":v2]")) == 1


def test_a_blocked_day_sends_nothing(contract_ws):
    ws, view = contract_ws, contract_ws.view
    ws.write("in/bad.csv", "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
             "B-1;2026-11-02T12:00:00;sale;high;3;125,00;25,00\n"
             "B-1;2026-11-02T12:00:00;payment;bitcoin;;125,00;\n")
    status, out, err = ws.invoke("import", "sales", "--vendor", VENDOR, str(ws.path / "in" / "bad.csv"))
    assert status == 0, out + err
    status, out, _ = _run(ws)
    assert status == 1 and "blocked" in out and "bitcoin" in out
    assert view.writes() == []


def test_two_credentials_settle_at_the_same_time_one_request_at_a_time_each(contract_ws):
    ws, view = contract_ws, contract_ws.view
    for vendor in (VENDOR, "bergen-sentrum"):
        _import(ws, vendor=vendor)
    view.sandbox.faults.latency(0.05)  # requests stay in flight long enough to be seen overlapping
    status, out, err = ws.invoke("catch-up", "--through", DAY)
    view.sandbox.faults.latency(0)
    assert status == 0, out + err
    assert view.live(KEY) == 1 and view.live(f"[settlement:bergen-sentrum:{DAY}:v1]", company=1) == 1
    assert view.attachments(0) == 1 and view.attachments(1) == 1
    if view.ledger != "poweroffice":  # PowerOffice's rule is per subscription key, shared by both
        same_credential = [(a, b) for a, b in _overlapping(view.sandbox.requests) if a.token == b.token]
        assert same_credential == [], "one request at a time per credential"
        across = [(a, b) for a, b in _overlapping(view.sandbox.requests) if a.token != b.token]
        assert across, "the two credentials were settled one after the other, not at the same time"


def _overlapping(records) -> list:
    items = [r for r in records if r.token]
    return [(a, b) for i, a in enumerate(items) for b in items[i + 1:]
            if b.arrived < a.finished and a.arrived < b.finished]


@pytest.mark.parametrize("point", ["after_record", "after_attach"])
def test_a_catch_up_killed_between_posting_and_reporting_its_days_finishes_each_once(contract_ws, point):
    """Catch-up posts a vendor's days in a row, then attaches their reports together: killed after
    the first day is posted (its report not made) or after the first report is attached (the later
    days posted, their reports not), the next catch-up leaves every day posted once, documented once."""
    ws, view = contract_ws, contract_ws.view
    days = ["2026-11-02", "2026-11-03", "2026-11-04"]
    rows = "".join(f"C{n},{day}T12:00:00,sale,high,3,125.00,25.00\nC{n},{day}T12:00:00,payment,card,,125.00,\n"
                   for n, day in enumerate(days))
    path = ws.write("in/three-days.csv", "receipt_id,timestamp,type,code,vat_code,amount,vat\n" + rows)
    status, out, err = ws.invoke("import", "sales", "--vendor", VENDOR, str(path))
    assert status == 0, out + err
    ws.extra_env["SETTLEMENT_CRASH_AT"] = point
    killed = ws.run("catch-up", "--vendor", VENDOR, "--through", days[-1])
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    del ws.extra_env["SETTLEMENT_CRASH_AT"]
    restarted = ws.run("catch-up", "--vendor", VENDOR, "--through", days[-1])
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    for day in days:
        assert view.live(f"[settlement:{VENDOR}:{day}:v1]") == 1, (day, view.ledger)
    assert view.attachments() == len(days), "each report attached exactly once"
    status, out, _ = ws.invoke("status", "--vendor", VENDOR, "--json")
    import json

    states = {d["date"]: d["status"] for d in json.loads(out)[0]["days"]}
    assert [states[day] for day in days] == ["documented"] * 3, states
    before = view.requests()
    assert ws.run("catch-up", "--vendor", VENDOR, "--through", days[-1]).returncode == 0
    assert view.requests() == before, "settled days ask the ledger nothing"
