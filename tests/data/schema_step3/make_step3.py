"""Makes the step-3 databases of tests/test_store_migrate_step4.py, with the code of schema step 3.

The files beside this script were made with the tree of commit 6cb4afb (the last one whose
`settlement_day` has Fiken's id columns), not with the current code:

    git archive 6cb4afb | tar -x -C /tmp/step3
    cd /tmp/step3 && PYTHONPATH=/tmp/step3 /path/to/.venv/bin/python \\
        /path/to/tests/data/schema_step3/make_step3.py /path/to/tests/data/schema_step3

What it does, once on SQLite and once on PostgreSQL (when its server binaries are installed), each
against a fresh Fiken sandbox: imports tests/golden/voucher/normal_day.csv for a journal-mode vendor
(bergen-bryggen, demo-as) and a cash-sale vendor (butikk-sentrum, demo-prosjekt-as) and settles
2026-11-02 for both with `settlement run` (both end `documented`). Then it writes
- sqlite.sql: the SQLite database as `sqlite3 .dump` would (Python's iterdump);
- postgres.sql: the PostgreSQL database (pg_dump --inserts --no-owner --no-privileges);
- fiken_writes.json: the JSON writes the SQLite run sent to its sandbox, in order. Replayed into a
  fresh sandbox they make the same postings under the same ids (the sandbox's ids are counters), so
  a test can settle a correction of these days against the sandbox.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd()
VENDORS = """# Two vendors of the step-3 fixture: one in journal mode, one in cash-sale mode.
[[vendors]]
id = "bergen-bryggen"
name = "Bergen Bryggen"
timezone = "Europe/Oslo"
closing_time = "20:00"
enabled_since = 2026-11-01
fiken_company = "demo-as"

[[vendors]]
id = "butikk-sentrum"
name = "Butikk Sentrum"
closing_time = "20:00"
enabled_since = 2026-11-01
fiken_company = "demo-prosjekt-as"
posting = "cash_sale"
fiken_project = 73408301
"""


def settle(folder: Path, database_url: str):
    """Import and settle the two vendor-days in `folder` on `database_url`; returns the sandbox's writes."""
    from settlement.fiken_sandbox import FikenSandbox
    from tests.fixtures_core import Workspace

    shutil.copytree(ROOT / "chart_of_accounts", folder / "chart_of_accounts")
    (folder / "vendors.toml").write_text(VENDORS, encoding="utf-8")
    sandbox = FikenSandbox.start(port=0, max_seconds=300)
    try:
        ws = Workspace(folder, {"SETTLEMENT_DATABASE_URL": database_url,
                                "SETTLEMENT_FIKEN_TOKEN": sandbox.personal_token,
                                "SETTLEMENT_FIKEN_BASE_URL": sandbox.base_url})
        for vendor in ("bergen-bryggen", "butikk-sentrum"):
            status, out, err = ws.invoke("import", "sales", str(ROOT / "tests/golden/voucher/normal_day.csv"),
                                         "--vendor", vendor)
            assert status == 0, out + err
            status, out, err = ws.invoke("run", "--vendor", vendor, "--date", "2026-11-02")
            assert status == 0 and "documented" in out, out + err
        return [
            {"method": r.method, "path": r.path, "query": r.query, "body": r.body}
            for r in sandbox.requests if r.method in ("POST", "PATCH") and isinstance(r.body, dict)
            and r.content_type.startswith("application/json")
        ]
    finally:
        sandbox.stop()


def main(out_dir: Path) -> None:
    import sqlite3

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sqlite"
        folder.mkdir()
        db = folder / "data" / "settlement.db"
        writes = settle(folder, f"sqlite:///{db}")
        with sqlite3.connect(db) as connection:
            (out_dir / "sqlite.sql").write_text("\n".join(connection.iterdump()) + "\n", encoding="utf-8")
        (out_dir / "fiken_writes.json").write_text(json.dumps(writes, indent=1) + "\n", encoding="utf-8")

    from tests.fixtures_pg import server_binaries, start_postgres

    if server_binaries() is None:
        print("no PostgreSQL server binaries: postgres.sql not made", file=sys.stderr)
        return
    root = Path(tempfile.mkdtemp(prefix="settlement-pg-"))
    server = start_postgres(root)
    try:
        name = server.create_database()
        folder = root / "ws"
        folder.mkdir()
        settle(folder, server.url(name))
        dump = subprocess.run(["pg_dump", "--inserts", "--no-owner", "--no-privileges", "-h", "127.0.0.1",
                               "-p", str(server.port), "-U", "postgres", name],
                              capture_output=True, text=True, check=True)
        (out_dir / "postgres.sql").write_text(dump.stdout, encoding="utf-8")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
