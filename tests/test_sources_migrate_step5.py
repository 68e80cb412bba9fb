"""Schema step 5: the day_block table (settlement.store.day_blocks) on a database of step 4 and on
the committed step-3 dump, which goes through steps 4 and 5 in one upgrade."""

from __future__ import annotations

import sqlite3
from datetime import date

from sqlalchemy import inspect, text

from settlement.domain.problems import error
from settlement.store import open_engine
from settlement.store.day_blocks import blocked_days, blocks_for, replace_blocks
from settlement.store.migrate import MIGRATIONS, current_version
from tests.test_store_migrate_step4 import step3_sqlite

DAY = date(2026, 11, 2)


def test_a_step_4_database_gets_the_day_block_table_and_keeps_its_rows(tmp_path):
    path = tmp_path / "step4.db"
    open_engine(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as db:  # as the code of step 4 left it
        db.execute("DROP TABLE day_block")
        db.execute("DELETE FROM schema_version WHERE version = 5")
        db.execute("INSERT INTO source_note (vendor, business_day, source, ref, message) "
                   "VALUES ('oslo-sentrum', '2026-11-02', 'saft', '', 'kept')")

    engine = open_engine(f"sqlite:///{path}")
    assert "day_block" in inspect(engine).get_table_names()
    with engine.connect() as c:
        assert current_version(c) == MIGRATIONS[-1].version
        assert c.execute(text("SELECT message FROM source_note")).scalars().all() == ["kept"]
    # The table works: a block stored, read back with its provenance, replaced by a clean import.
    problem = error("payment type 'BITCOIN' is not a payment type in <basics>", file="k.xml", line=17,
                    column="paymentType", value="BITCOIN", ref="999999999/K1/4")
    with engine.begin() as c:
        replace_blocks(c, "oslo-sentrum", "saft", {DAY}, {DAY: [problem]})
    (block,) = blocks_for(engine, "oslo-sentrum", DAY)
    assert (block.source, block.problem) == ("saft", problem)
    assert blocked_days(engine, "oslo-sentrum") == [DAY]
    with engine.begin() as c:
        replace_blocks(c, "oslo-sentrum", "saft", {DAY}, {})
    assert blocks_for(engine, "oslo-sentrum", DAY) == []
    engine.dispose()


def test_the_step_3_dump_upgrades_through_step_5(tmp_path):
    path = tmp_path / "step3.db"
    step3_sqlite(path)
    engine = open_engine(f"sqlite:///{path}")
    with engine.connect() as c:
        assert current_version(c) == MIGRATIONS[-1].version
        assert [v for (v,) in c.execute(text("SELECT version FROM schema_version ORDER BY version"))] == [m.version for m in MIGRATIONS]
    assert {"day_block", "settlement_day", "sale_line"} <= set(inspect(engine).get_table_names())
    engine.dispose()
