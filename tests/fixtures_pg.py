"""A real PostgreSQL server for the tests, started from the installed server binaries.

`postgres_server` (session): initdb + pg_ctl in a temporary folder, listening on a free loopback
port, stopped at the end of the session — and by a watchdog process if the test run dies first or
after MAX_SECONDS. initdb refuses to run as root, so as root the server runs as user `nobody`.
Without server binaries (initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin) every test that
needs it is skipped with the reason. `pg_url` (function): a fresh, empty database on that server.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

MAX_SECONDS = 3600
SERVICE_USER = "nobody"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL's server is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """A running server; `url(db)` is the SQLAlchemy URL of one of its databases."""

    bin_dir: Path
    data_dir: Path
    port: int
    as_user: str | None

    def command(self, *args: str) -> list[str]:
        return (["runuser", "-u", self.as_user, "--"] if self.as_user else []) + list(args)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return name

    def stop(self) -> None:
        subprocess.run(self.command(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"),
                       capture_output=True, timeout=60)


# Runs beside the test session: stops the server when pytest is gone or after MAX_SECONDS.
_WATCHDOG = """
import os, subprocess, sys, time
parent, deadline, stop = int(sys.argv[1]), time.monotonic() + float(sys.argv[2]), sys.argv[3:]
while time.monotonic() < deadline:
    try:
        os.kill(parent, 0)
    except OSError:
        break
    time.sleep(1)
subprocess.run(stop, capture_output=True, timeout=60)
"""


def start_postgres(root: Path) -> PostgresServer:
    bin_dir = server_binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed; .ci/run installs Debian's postgresql")
    as_user = SERVICE_USER if os.geteuid() == 0 else None
    data_dir = root / "data"
    root.chmod(0o755)
    if as_user:
        shutil.chown(root, user=as_user)
    server = PostgresServer(bin_dir, data_dir, free_port(), as_user)
    init = subprocess.run(
        server.command(str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust",
                       "--encoding=UTF8", "--no-sync"),
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    if init.returncode != 0:
        pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    options = (f"-p {server.port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    started = subprocess.run(
        server.command(str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(root / "server.log"),
                       "-w", "-t", "60", "start"),
        cwd=root, capture_output=True, text=True, timeout=90,
    )
    if started.returncode != 0:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        pytest.fail(f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{log}")
    stop = server.command(str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop")
    subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(MAX_SECONDS), *stop],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
    return server


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole session (see the module docstring)."""
    pytest.importorskip("psycopg", reason="psycopg (the PostgreSQL driver) is not installed")
    # Under /tmp rather than pytest's tmp_path: the server user must be able to reach the folder.
    root = Path(tempfile.mkdtemp(prefix="settlement-pg-"))
    try:
        server = start_postgres(root)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_server) -> str:
    """The SQLAlchemy URL of a fresh, empty database on the session's server."""
    return postgres_server.url(postgres_server.create_database())


# --- a store chain for replica tests and the bench ------------------------------------------------

CHAIN_TZ, CHAIN_DAY_START, CHAIN_CLOSING = "Europe/Oslo", "05:00", "20:00"


def chain_days(now, count: int = 3) -> list:
    """The last `count` business days that have closed by `now` for the chain's vendors, oldest first."""
    from datetime import time as clock, timedelta
    from zoneinfo import ZoneInfo

    from settlement.domain.businessday import last_closed_day

    tz, start = ZoneInfo(CHAIN_TZ), clock.fromisoformat(CHAIN_DAY_START)
    last = last_closed_day(now, tz, start, clock.fromisoformat(CHAIN_CLOSING))
    return [last - timedelta(days=n) for n in range(count - 1, -1, -1)]


def write_chain(folder: Path, vendors: int, days: list, ledger_keys=None) -> dict[str, Path]:
    """vendors.toml with `vendors` stores enabled from days[0], and one receipt CSV per store with a
    few receipts on each day (amounts differ per store and day). Returns {vendor id: CSV}.

    ledger_keys: store number → the vendors.toml lines naming its ledger (default: Fiken's demo-as)."""
    files: dict[str, Path] = {}
    toml = ["# A chain for replica tests and the bench (tests/fixtures_pg.py)"]
    (folder / "in").mkdir(parents=True, exist_ok=True)
    for n in range(vendors):
        vendor = f"store-{n:03d}"
        toml += ["", "[[vendors]]", f'id = "{vendor}"', f'name = "Store {n:03d}"', f'timezone = "{CHAIN_TZ}"',
                 f'closing_time = "{CHAIN_CLOSING}"', f'day_start = "{CHAIN_DAY_START}"',
                 f"enabled_since = {days[0].isoformat()}",
                 *(ledger_keys(n) if ledger_keys else ['fiken_company = "demo-as"'])]
        rows = ["receipt_id;timestamp;type;code;vat_code;amount;vat"]
        for d, day in enumerate(days):
            for r in range(3):
                gross = 10000 + 137 * n + 1000 * d + 10 * r  # øre; 20 % of the gross is VAT at 25 %
                amount, vat = f"{gross // 100},{gross % 100:02d}", f"{(gross // 5) // 100},{(gross // 5) % 100:02d}"
                stamp = f"{day.isoformat()}T{10 + r}:00:00"
                receipt = f"S{n:03d}-{day:%m%d}-{r}"
                rows += [f"{receipt};{stamp};sale;high;3;{amount};{vat}", f"{receipt};{stamp};payment;card;;{amount};"]
        files[vendor] = folder / "in" / f"{vendor}.csv"
        files[vendor].write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "vendors.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")
    return files


def settlement_env(folder: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `settlement` process working in `folder` on `database_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
    env.update(
        SETTLEMENT_DATABASE_URL=database_url,
        SETTLEMENT_LANGUAGE="en",  # the English source texts (conftest.py)
        SETTLEMENT_CHART_OF_ACCOUNTS=str(folder / "chart_of_accounts"),
        SETTLEMENT_VENDORS=str(folder / "vendors.toml"),
        SETTLEMENT_REPORT_DIR=str(folder / "data" / "reports"),
        SETTLEMENT_SECRETS_DIR=str(folder / "no-secrets"),
    )
    env.update(extra)
    return env


def import_chain(files: dict[str, Path], env: dict[str, str]) -> None:
    """Import every store's CSV with the real CLI (in this process: one interpreter start, not 300)."""
    import contextlib
    import io

    from settlement.cli import main

    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        for vendor, path in files.items():
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                status = main(["import", "sales", str(path), "--vendor", vendor])
            if status != 0:
                raise AssertionError(f"import of {path} failed:\n{out.getvalue()}")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def start_replica(folder: Path, env: dict[str, str], index: int, max_seconds: float) -> subprocess.Popen:
    """One `settlement serve` replica (HTTP on a free port, its own pid file, log in folder/replica-N.log)."""
    env = dict(env, SETTLEMENT_HTTP_HOST="127.0.0.1", SETTLEMENT_HTTP_PORT="0",
               SETTLEMENT_SERVE_PID_FILE=str(folder / "data" / f"replica-{index}.pid"))
    log = open(folder / f"replica-{index}.log", "ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "settlement", "serve", "--max-seconds", str(max_seconds)],
                                cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def query_rows(database_url: str, sql: str) -> list:
    """The rows of one query, through a throwaway engine (for observers outside the replicas)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            return c.execute(text(sql)).all()
    finally:
        engine.dispose()


def day_statuses(database_url: str) -> dict[tuple[str, str], str]:
    """{(vendor, day): status} from the posting state."""
    rows = query_rows(database_url, "SELECT vendor, business_day, status FROM settlement_day")
    return {(v, d.isoformat()): s for v, d, s in rows}
