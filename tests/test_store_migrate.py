"""Schema upgrades on SQLite: a database made by an earlier version is brought up to date on open."""

from __future__ import annotations

import sqlite3

from settlement.store import open_engine
from settlement.store.migrate import MIGRATIONS


def _indexes(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sale_line'")}


def test_a_version_1_database_gets_the_covering_summary_index(tmp_path):
    path = tmp_path / "old.db"
    open_engine(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as db:  # make it look as version 1 left it
        db.execute("DROP INDEX ix_sale_line_summary")
        db.execute("CREATE INDEX ix_sale_line_day ON sale_line (vendor, business_day)")
        db.execute("DELETE FROM schema_version WHERE version > 1")
    assert "ix_sale_line_day" in _indexes(path)

    open_engine(f"sqlite:///{path}").dispose()
    assert {"ix_sale_line_summary", "ix_sale_line_receipt"} <= _indexes(path)
    assert "ix_sale_line_day" not in _indexes(path)
    with sqlite3.connect(path) as db:
        plan = db.execute("EXPLAIN QUERY PLAN SELECT type, sum(amount) FROM sale_line WHERE vendor = 'v' "
                          "AND business_day = '2026-11-02' GROUP BY type, code, fallback_code, vat_code").fetchall()
        assert "COVERING INDEX ix_sale_line_summary" in str(plan)
        assert [v for (v,) in db.execute("SELECT version FROM schema_version ORDER BY version")] == [m.version for m in MIGRATIONS]
