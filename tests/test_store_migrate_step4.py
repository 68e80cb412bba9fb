"""Schema step 4 on a database made by the code of step 3: settlement_day's Fiken id columns become
the ledger's reference (`target`, JSON `target_ref`) in place, on SQLite and PostgreSQL, and a
correction can be settled on the upgraded database.

The step-3 databases are committed SQL dumps made with the code of commit 6cb4afb by
tests/data/schema_step3/make_step3.py (see there): bergen-bryggen (journal mode, demo-as) and
butikk-sentrum (cash sale, demo-prosjekt-as), both with 2026-11-02 documented.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import requests
from sqlalchemy import inspect, text

from settlement.domain.posting_rules import DOCUMENTED
from settlement.store import open_engine
from settlement.store.migrate import MIGRATIONS, current_version
from settlement.store.posting_state import PostingState
from tests.fixtures_posting import fiken_posts, ledger_effect

STEP3 = Path(__file__).parent / "data" / "schema_step3"
DAY = date(2026, 11, 2)
JOURNAL, CASH_SALE = "bergen-bryggen", "butikk-sentrum"
# What the step-3 rows held in sale_id, transaction_id, journal_entry_id (NULL ones left out).
REFS = {
    JOURNAL: {"transaction_id": 14462737001, "journal_entry_id": 5200001},
    CASH_SALE: {"sale_id": 7300001, "transaction_id": 14462737003, "journal_entry_id": 5200003},
}
FIKEN_IDS = {"sale_id", "transaction_id", "journal_entry_id"}
NEW_COLUMNS = {"target", "target_ref", "booking"}


def step3_sqlite(path: Path) -> None:
    """A SQLite database at `path` as the code of step 3 left it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript((STEP3 / "sqlite.sql").read_text(encoding="utf-8"))
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(settlement_day)")}
        assert FIKEN_IDS <= columns and not NEW_COLUMNS & columns


def step3_postgres(url: str) -> None:
    """The database at `url` (SQLAlchemy URL of an empty database) as the code of step 3 left it."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    # pg_dump (15.14 and later) wraps its output in psql's \restrict meta-commands; they are not SQL.
    lines = (STEP3 / "postgres.sql").read_text(encoding="utf-8").splitlines()
    script = "\n".join(line for line in lines if not line.startswith("\\"))
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True) as c:
        c.execute(script)


def assert_upgraded(engine) -> None:
    """Step 4 applied: the id columns gone, the reference columns there, the refs moved."""
    columns = {c["name"] for c in inspect(engine).get_columns("settlement_day")}
    assert NEW_COLUMNS <= columns and not FIKEN_IDS & columns
    with engine.connect() as c:
        assert current_version(c) == MIGRATIONS[-1].version  # step 5 (day_block) follows on any upgrade
        raw = dict(c.execute(text("SELECT vendor, target_ref FROM settlement_day")).all())
        assert c.execute(text("SELECT count(*) FROM settlement_day WHERE booking IS NOT NULL")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM audit_log")).scalar() == 10
    # The ids in the order the issue names them, only the non-null ones.
    assert raw == {vendor: json.dumps(ref) for vendor, ref in sorted(REFS.items())}
    state = PostingState(engine)
    for vendor, ref in REFS.items():
        day = state.get(vendor, DAY)
        assert (day.status, day.target, day.ref, day.booking) == (DOCUMENTED, "fiken", ref, None)
        assert list(day.ref) == [k for k in ("sale_id", "transaction_id", "journal_entry_id") if k in ref]
        assert day.settlement_key == f"[settlement:{vendor}:2026-11-02:v1]" and day.version == 1
        assert day.attachment.startswith("http://127.0.0.1:") and len(day.digest) == 64
    assert state.get(CASH_SALE, DAY).mode == "cash_sale" and state.get(JOURNAL, DAY).mode == "journal"
    assert state.get(CASH_SALE, DAY).attempts == 2


def test_a_step_3_sqlite_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "settlement.db"
    step3_sqlite(path)
    engine = open_engine(f"sqlite:///{path}")
    assert_upgraded(engine)
    engine.dispose()
    again = open_engine(f"sqlite:///{path}")  # nothing left to do, nothing changes
    assert_upgraded(again)


def test_a_step_3_postgres_database_is_upgraded_in_place(pg_url):
    step3_postgres(pg_url)
    engine = open_engine(pg_url, create=False)
    with engine.connect() as c:
        assert current_version(c) == 3
    engine.dispose()
    engine = open_engine(pg_url)
    assert_upgraded(engine)
    assert str(next(c for c in inspect(engine).get_columns("settlement_day") if c["name"] == "target_ref")["type"]) == "TEXT"


def test_status_json_of_an_upgraded_database_keeps_the_fiken_ids(workspace):
    ws = workspace
    ws.write("vendors.toml", _vendors_toml())
    step3_sqlite(ws.path / "data" / "settlement.db")
    status, out, err = ws.invoke("status", "--json")
    assert status == 0, out + err
    days = {row["vendor"]: row["days"] for row in json.loads(out)}
    for vendor, ref in REFS.items():
        [day] = days[vendor]
        assert day["target"] == "fiken"
        assert {k: day[k] for k in ("sale_id", "transaction_id", "journal_entry_id")} == {
            k: ref.get(k) for k in ("sale_id", "transaction_id", "journal_entry_id")}
    status, out, err = ws.invoke("status")
    assert status == 0, out + err
    assert (f"  {JOURNAL} 2026-11-02 documented [settlement:{JOURNAL}:2026-11-02:v1] "
            "transaction_id 14462737001, journal_entry_id 5200001") in out.splitlines()


def test_a_correction_is_settled_on_an_upgraded_sqlite_database(posting_ws):
    # The lead's end-to-end check of the engine on refs that step 4 moved (not on refs it wrote).
    ws, sb = posting_ws, posting_ws.sandbox
    ws.write("vendors.toml", _vendors_toml())
    step3_sqlite(ws.path / "data" / "settlement.db")
    _replay_fiken_writes(sb)
    assert {t["transactionId"] for t in sb.transactions("demo-as")} == {REFS[JOURNAL]["transaction_id"]}
    assert [s["saleId"] for s in sb.sales("demo-prosjekt-as")] == [REFS[CASH_SALE]["sale_id"]]
    before = len(fiken_posts(sb))

    late = ws.write("in/late.csv", "receipt_id;timestamp;type;code;vat_code;amount;vat\n"
                    "LATE-9;2026-11-02T21:00:00;sale;high;3;50,00;10,00\n"
                    "LATE-9;2026-11-02T21:00:00;payment;card;;50,00;\n")
    status, out, err = ws.invoke("import", "sales", str(late), "--vendor", JOURNAL)
    assert status == 0, out + err
    status, out, err = ws.invoke("run", "--vendor", JOURNAL, "--date", "2026-11-02")
    assert status == 0, out + err

    v1 = f"[settlement:{JOURNAL}:2026-11-02:v1]"
    reversed_v1 = ledger_effect(sb, "demo-as", v1, live_only=False)
    assert reversed_v1 and set(reversed_v1.values()) == {0}, "v1 and its reversal cancel out"
    effect = ledger_effect(sb, "demo-as", v1.replace(":v1]", ":v2]"))
    assert effect["1580"] == 18250 + 5000 and effect.get("1901", 0) == 0 and sum(effect.values()) == 0
    patches = [r for r in fiken_posts(sb)[before:] if r.method == "PATCH"]
    assert len(patches) == 1 and patches[0].path.endswith(f"/transactions/{REFS[JOURNAL]['transaction_id']}/delete")
    day = PostingState(open_engine(ws.env["SETTLEMENT_DATABASE_URL"])).get(JOURNAL, DAY)
    assert (day.status, day.version, day.corrections, day.target) == (DOCUMENTED, 2, 1, "fiken")
    assert day.ref["transaction_id"] != REFS[JOURNAL]["transaction_id"] and day.booking is not None
    # The cash-sale day was not touched.
    assert PostingState(open_engine(ws.env["SETTLEMENT_DATABASE_URL"])).get(CASH_SALE, DAY).ref == REFS[CASH_SALE]


def _vendors_toml() -> str:
    script = (STEP3 / "make_step3.py").read_text(encoding="utf-8")
    return script.split('VENDORS = """', 1)[1].split('"""', 1)[0]


def _replay_fiken_writes(sandbox) -> None:
    """Make in `sandbox` the postings the step-3 run made (same order, so the same ids)."""
    headers = {"Authorization": f"Bearer {sandbox.personal_token}"}
    for write in json.loads((STEP3 / "fiken_writes.json").read_text(encoding="utf-8")):
        answer = requests.request(write["method"], sandbox.root_url + write["path"], params=write["query"],
                                  json=write["body"], headers=headers, timeout=30)
        assert answer.status_code < 300, answer.text
