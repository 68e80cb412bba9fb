"""Benchmark: import one large SAF-T Cash Register file (default at least 500 MB).

Writes the file with the tests' SAF-T writer (tests/saft_builder.py), streaming: one register's
transactions exist in memory at a time. Shape: 4 locations × 5 registers × 30 days, receipts
of 1 to 4 lines with sales at 25/15/12 %, returns, tips, cash rounding, gift cards, card/Vipps/
gift-card payments, training and voided receipts, and a correct Z report per register and day (so
the Z cross-check runs too). Then `settlement import saft FILE --vendor bench` runs as a child
process against a fresh SQLite database, and its wall time, CPU time (with the reading processes
it starts for big files) and peak memory are printed: the largest process's max RSS, and the sum
over the import's processes, sampled.

    .venv/bin/python bench/saft_import.py [--size-mb 500] [--layout example|compact] [--dir DIR] [--keep] [--reuse]

MB/s depends on how much XML a transaction takes; the default layout writes each transaction the
way Skatteetaten's 2021 example file does (tabs, CRLF, and the elements that file has besides the
ones the importer reads). `--layout compact` writes the same kind of transactions with one
element per line, no indentation and few unused elements: less than half the bytes each (25
bytes per element instead of 34). Transactions per second is printed too; it depends much less
on the layout.

Targets: at least 20 MB/s, peak memory under 500 MB whatever the file size.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.saft_builder import Line, Location, Payment, SaftFile, Transaction, z_report_for  # noqa: E402

LOCATIONS, REGISTERS, DAYS = 4, 5, 30
FIRST_DAY = date(2026, 10, 1)
VENDORS_TOML = """[[vendors]]
id = "bench"
name = "Bench Store"
closing_time = "22:00"
enabled_since = 2026-01-01
fiken_company = "demo-as"
"""
# (article group, exporter's VAT code) as in the writer's master data.
GROUPS = [("200", "3"), ("100", "2"), ("300", "3"), ("200", "1")]


def transactions_of_day(rng: random.Random, day: date, count: int, first_id: int) -> list[Transaction]:
    """`count` receipts of one register on one day, every kind the importer handles."""
    result = []
    for n in range(count):
        seconds = 8 * 3600 + n * (12 * 3600 // max(count, 1))
        clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        lines = [Line(rng.randint(100, 50_000), *rng.choice(GROUPS)) for _ in range(rng.randint(1, 4))]
        kind = n % 20
        tx = Transaction(str(first_id + n), day.isoformat(), clock, lines)
        total = sum(line.amount for line in lines)
        if kind == 0:  # a return of one article
            tx.lines = [Line(-lines[0].amount, lines[0].group, lines[0].vat_code)]
            tx.payments = [Payment("CARD", -lines[0].amount)]
        elif kind in (1, 2, 3, 4):  # cash, rounded to whole kroner
            rounding = -(total % 100) if total % 100 < 50 else 100 - total % 100
            tx.rounding = rounding
            tx.payments = [Payment("CASH", total + rounding)]
        elif kind == 5:
            tx.tip = 2000
            tx.payments = [Payment("CARD", total + 2000)]
        elif kind == 6:
            tx.lines = lines + [Line(50_000, line_type="GC")]
            tx.payments = [Payment("CARD", total + 50_000)]
        elif kind == 7:
            tx.payments = [Payment("GIFT", min(total, 10_000)), Payment("CARD", total - min(total, 10_000))]
        elif kind == 8:
            tx.payments = [Payment("VIPPS", total)]
        elif kind == 9:
            tx.training = True
        elif kind == 10:
            tx.void = True
        else:
            tx.payments = [Payment("CARD", total)]
        result.append(tx)
    return result


class LazyRegister:
    """A register whose transactions and Z reports are made when the writer reaches it.

    The writer reads `register_id`, then `z_reports` (which builds the transactions), then
    `transactions` (which hands them over and forgets them), so only one register is in memory.
    """

    def __init__(self, register_id: str, per_day: int, seed: int):
        self.register_id, self.per_day, self.seed = register_id, per_day, seed
        self._days: list[tuple[date, list[Transaction]]] = []
        self.count = 0

    @property
    def z_reports(self):
        rng = random.Random(self.seed)
        self._days = [
            (day, transactions_of_day(rng, day, self.per_day, 1 + i * self.per_day))
            for i, day in enumerate(FIRST_DAY + timedelta(days=d) for d in range(DAYS))
        ]
        return [z_report_for(f"{self.register_id}-{day:%Y%m%d}", day.isoformat(), txs) for day, txs in self._days]

    @property
    def transactions(self):
        days, self._days = self._days, []
        for _, txs in days:
            self.count += len(txs)
            yield from txs


def generate(path: Path, size_mb: int, layout: str) -> int:
    """Write a file of about `size_mb` MB (a little more); returns the number of transactions."""
    sample_path = path.with_suffix(".sample.xml")
    sample = SaftFile([Location("S", [LazyRegister("S1", 50, 1)])], layout=layout)
    sample.write(sample_path)
    bytes_per_tx = sample_path.stat().st_size / (50 * DAYS)
    sample_path.unlink()
    per_day = int(size_mb * 1_000_000 * 1.06 / (bytes_per_tx * LOCATIONS * REGISTERS * DAYS)) + 1
    locations = [
        Location(f"Butikk {chr(65 + loc)}", [LazyRegister(f"K{loc}{reg}", per_day, loc * 100 + reg) for reg in range(REGISTERS)])
        for loc in range(LOCATIONS)
    ]
    SaftFile(locations, layout=layout).write(path)
    return sum(register.count for location in locations for register in location.registers)


def count_transactions(path: Path) -> int:
    """How many <cashtransaction> elements the file has (a byte count; the bench writes no prefix)."""
    count, carry = 0, b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 24):
            data = carry + chunk
            count += data.count(b"<cashtransaction>")
            carry = data[-16:]  # a tag split between chunks is counted in the next one
    return count


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants now (Linux /proc; 0 elsewhere)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue  # ended meanwhile, or no /proc
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500, help="file size to generate, in MB (10^6 bytes)")
    parser.add_argument("--layout", choices=("example", "compact"), default="example",
                        help="how each transaction is written (default: like the official example file)")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--reuse", action="store_true",
                        help="import the file an earlier run left in --dir (with --keep) instead of writing a new one")
    args = parser.parse_args()

    folder = args.dir or Path(tempfile.mkdtemp(prefix="saft-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copytree(ROOT / "chart_of_accounts", folder / "chart_of_accounts", dirs_exist_ok=True)
        (folder / "vendors.toml").write_text(VENDORS_TOML, encoding="utf-8")
        database = folder / "settlement.db"
        database.unlink(missing_ok=True)
        path = folder / "bench_SAF-T_Cash_Register.xml"

        if args.reuse and path.exists():
            print(f"reusing {path}")
        else:
            started = time.perf_counter()
            written = generate(path, args.size_mb, args.layout)
            print(f"generated {path} ({path.stat().st_size / 1e6:.1f} MB, {written} transactions, "
                  f"{args.layout} layout) "
                  f"in {time.perf_counter() - started:.1f} s")
        size = path.stat().st_size

        env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
        env.update(
            SETTLEMENT_DATABASE_URL=f"sqlite:///{database}",
            SETTLEMENT_CHART_OF_ACCOUNTS=str(folder / "chart_of_accounts"),
            SETTLEMENT_VENDORS=str(folder / "vendors.toml"),
            SETTLEMENT_REPORT_DIR=str(folder / "reports"),
        )
        started = time.perf_counter()
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            child = subprocess.Popen(
                [sys.executable, "-m", "settlement", "import", "saft", str(path), "--vendor", "bench"],
                cwd=folder, env=env, stdout=out, stderr=err, text=True,
            )
            tree_peak = 0
            while child.poll() is None:  # the import and its reading processes, added up
                tree_peak = max(tree_peak, tree_rss(child.pid))
                time.sleep(0.1)
            seconds = time.perf_counter() - started
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb = usage.ru_maxrss / 1024  # Linux: KiB; the largest single process of the import
        cpu_seconds = usage.ru_utime + usage.ru_stime  # the import and its reading processes
        print(stdout.strip())
        if stderr.strip():
            print(stderr.strip()[:2000], file=sys.stderr)
        if child.returncode != 0:
            print(f"import failed with status {child.returncode}", file=sys.stderr)
            return 1

        mb_per_s = size / 1e6 / seconds
        transactions = count_transactions(path)
        print(f"file size:   {size / 1e6:.1f} MB, {transactions} transactions ({size / transactions:.0f} bytes each)")
        print(f"import time: {seconds:.1f} s")
        print(f"throughput:  {mb_per_s:.1f} MB/s   (target >= 20), {transactions / seconds:,.0f} transactions/s")
        # On a shared machine wall time includes waiting for a core; CPU time is the import's own work.
        print(f"cpu time:    {cpu_seconds:.1f} s ({size / 1e6 / cpu_seconds:.1f} MB per CPU second)")
        print(f"peak memory: {peak_mb:.0f} MB max RSS of the largest process   (target < 500)")
        print(f"             {tree_peak / 1e6:.0f} MB all processes of the import together (sampled every 0.1 s)")
        return 0 if mb_per_s >= 20 and max(peak_mb, tree_peak / 1e6) < 500 else 2
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
