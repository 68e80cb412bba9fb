"""The product against its bare baselines (bench/baselines.py), in one table (`make bench`).

Every operation runs as a whole process, the product's command and its baseline in turn, a few
times each in the same sitting; the table shows the medians of CPU time (user + system, the
process and the children it waited for) and wall time, the ratio of the CPU medians (judged
against the goal), the "work" ratio with start-up left out on both sides (the project's minus
`status`, the baseline's minus a bare interpreter), the peak memory (max RSS) of both, and the
goal of issue 16 with whether it was met.

    .venv/bin/python bench/run_all.py [--lines 200000] [--runs 3] [--saft-mb 20] [--only ROW ...]
    .venv/bin/python bench/run_all.py --lines 1000000      # the issue's size (takes longer)

Sizes are options so that the default run takes a few minutes on two cores. On a busy machine
wall time includes waiting for a core; CPU time is each process's own work.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

PYTHON = sys.executable
SETTLEMENT = [PYTHON, "-m", "settlement"]
BASELINE = [PYTHON, str(BENCH / "baselines.py")]
DAY = "2026-11-02"
VENDOR = "store-000"
# What `status`, `preview` and `import sales` truly need: the settings and the database layer
# (SQLModel brings SQLAlchemy and pydantic); `accounts check` needs only the settings.
NEEDED = ["sqlmodel", "pydantic_settings"]
# The baselines that do real work on data (the others measure start-up alone).
DATA_BASELINES = ("csv-import", "group-by", "saft")


@dataclass
class Run:
    """One process's measurement: CPU seconds (user + system), wall seconds, peak memory in MB."""

    cpu: float
    wall: float
    peak_mb: float


@dataclass
class Median:
    cpu: float
    wall: float
    peak_mb: float

    @classmethod
    def of(cls, runs: list[Run]) -> "Median":
        return cls(statistics.median(r.cpu for r in runs), statistics.median(r.wall for r in runs),
                   max(r.peak_mb for r in runs))


# Spawns the measured command and reports its rusage: a small process of its own, because a
# child's max RSS starts from the process it was forked from (this one holds the generated data).
_MEASURER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"status": os.waitstatus_to_exitcode(status), "wall": time.perf_counter() - started,
               "cpu": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss}, out)
"""


def measure(argv: list[str], env: dict[str, str], cwd: Path, before=None) -> Run:
    """Run one process to its end; its CPU (children it waited for included), wall time and max RSS."""
    if before is not None:
        before()
    report = cwd / "last.json"
    with open(cwd / "last.out", "w") as out, open(cwd / "last.err", "w") as err:
        subprocess.run([PYTHON, "-S", "-c", _MEASURER, str(report), *argv], env=env, cwd=cwd, stdout=out, stderr=err,
                       check=True)
    result = json.loads(report.read_text())
    if result["status"] not in (0, 1):  # 1: e.g. preview of a day with warnings is still measured
        raise SystemExit(f"{' '.join(argv)} failed ({result['status']}):\n{(cwd / 'last.err').read_text()[-2000:]}")
    return Run(result["cpu"], result["wall"], result["peak_kib"] / 1024)


@dataclass
class Row:
    """One line of the table: an operation, its command and baseline, and its goal."""

    name: str
    project: list[str]
    baseline: list[str]
    goal_ratio: float | None  # project CPU within this many times the baseline's
    goal_text: str
    max_mb: float | None = None  # and peak memory under this
    before_project: object = None  # called before each project run (a fresh database)
    before_baseline: object = None
    env: dict | None = None  # the settings both sides run with (set by build_rows)


def _vendors_toml(folder: Path) -> None:
    (folder / "vendors.toml").write_text(
        f'[[vendors]]\nid = "{VENDOR}"\nname = "Bench store"\nclosing_time = "22:00"\n'
        'enabled_since = 2026-01-01\nfiken_company = "demo-as"\n\n'
        '[[vendors]]\nid = "bench"\nname = "Bench SAF-T"\nclosing_time = "22:00"\n'
        'enabled_since = 2026-01-01\nfiken_company = "demo-as"\n',
        encoding="utf-8",
    )


def _env(folder: Path, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
    env.update(
        SETTLEMENT_DATABASE_URL=f"sqlite:///{database}",
        SETTLEMENT_CHART_OF_ACCOUNTS=str(ROOT / "chart_of_accounts"),
        SETTLEMENT_VENDORS=str(folder / "vendors.toml"),
        SETTLEMENT_REPORT_DIR=str(folder / "reports"),
    )
    return env


def _fresh(path: Path, template: Path | None = None):
    """A callable that replaces `path` with a copy of `template` (or removes it)."""
    def reset() -> None:
        path.unlink(missing_ok=True)
        if template is not None:
            shutil.copyfile(template, path)
    return reset


def build_rows(folder: Path, lines: int, saft_mb: int) -> list[Row]:
    """Generate the inputs and name every row of the table."""
    import daily_voucher
    import saft_import

    _vendors_toml(folder)
    started = time.perf_counter()
    daily_voucher.generate(folder, lines, 1)  # store-000.csv: `lines` lines of one day
    (folder / "vendors.toml").unlink()
    _vendors_toml(folder)
    csv_file = folder / f"{VENDOR}.csv"
    tiny = folder / "tiny.csv"
    tiny.write_text("receipt_id;timestamp;type;code;vat_code;amount;vat\n"
                    "T1;2026-11-01T10:00:00;sale;high;3;100,00;20,00\nT1;2026-11-01T10:00:00;payment;card;;100,00;\n",
                    encoding="utf-8")
    saft_files = {}
    for layout in ("example", "compact"):
        saft_files[layout] = folder / f"bench_{layout}.xml"
        saft_import.generate(saft_files[layout], saft_mb, layout)
    print(f"inputs: {lines:,} CSV lines, SAF-T {saft_mb} MB per layout, written in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)

    empty = folder / "empty.db"  # the product's schema, no data
    loaded = folder / "loaded.db"  # the CSV imported (for preview)
    work = folder / "work.db"
    base_db = folder / "baseline.db"
    env = _env(folder, empty)
    subprocess.run([*SETTLEMENT, "status"], env=env, cwd=folder, check=True, capture_output=True)
    shutil.copyfile(empty, loaded)
    subprocess.run([*SETTLEMENT, "import", "sales", "--vendor", VENDOR, str(csv_file)], check=True,
                   env=_env(folder, loaded), cwd=folder, capture_output=True)

    def cmd(*args: str) -> list[str]:
        return [*SETTLEMENT, *args]

    preview = cmd("preview", "--vendor", VENDOR, "--date", DAY)
    rows = [
        Row("settlement --help", cmd("--help"), [*BASELINE, "start"], 5, "5x bare python"),
        Row("status (empty db)", cmd("status"), [*BASELINE, "imports", *NEEDED], 1.5, "1.5x bare import"),
        Row("preview (empty db)", cmd("preview", "--vendor", VENDOR, "--date", "2026-11-01"),
            [*BASELINE, "imports", *NEEDED], 1.5, "1.5x bare import"),
        Row("accounts check", cmd("accounts", "check"), [*BASELINE, "imports", "pydantic_settings"], 1.5,
            "1.5x bare import"),
        Row("import sales, 2 lines", cmd("import", "sales", "--vendor", VENDOR, str(tiny)),
            [*BASELINE, "imports", *NEEDED], 1.5, "1.5x bare import",
            before_project=_fresh(work, empty)),
        Row(f"import sales, {lines:,} lines", cmd("import", "sales", "--vendor", VENDOR, str(csv_file)),
            [*BASELINE, "csv-import", str(csv_file), str(base_db)], 1.5, "1.5x, < 250 MB", max_mb=250,
            before_project=_fresh(work, empty), before_baseline=_fresh(base_db)),
        Row(f"preview, {lines:,}-line day", preview, [*BASELINE, "group-by", str(loaded), VENDOR, DAY, "--ids"],
            1.5, "1.5x SQL + ids"),
        Row(f"  (SQL without ids)", preview, [*BASELINE, "group-by", str(loaded), VENDOR, DAY], None, "(info)"),
    ]
    for layout, path in saft_files.items():
        rows.append(Row(f"import saft, {layout} {saft_mb} MB", cmd("import", "saft", str(path), "--vendor", "bench"),
                        [*BASELINE, "saft", str(path), str(base_db)], 1.6, "1.6x lxml pass",
                        before_project=_fresh(work, empty), before_baseline=_fresh(base_db)))
    for row in rows:  # the rows that write run against the scratch copy, the others as set above
        row.env = _env(folder, work if row.before_project else (loaded if row.project is preview else empty))
    return rows


def run_row(row: Row, folder: Path, runs: int) -> tuple[Median, Median]:
    """The project and its baseline in turn, `runs` times each."""
    project, baseline = [], []
    for _ in range(runs):
        project.append(measure(row.project, row.env, folder, row.before_project))
        baseline.append(measure(row.baseline, row.env, folder, row.before_baseline))
    return Median.of(project), Median.of(baseline)


def render(results: list[tuple[Row, Median, Median]], startup: tuple[float, float] | None) -> str:
    """The table; `startup`: the CPU of `status` and of a bare interpreter, for the column that
    leaves start-up out (the work itself: project minus `status`, baseline minus bare python)."""
    head = (f"{'operation':<34} {'project cpu/wall s':>18} {'baseline cpu/wall s':>19} {'ratio':>6} "
            f"{'work':>6} {'peak MB proj/base':>17}  {'goal':<17} {'':<6}")
    out = [head, "-" * len(head)]
    for row, p, b in results:
        ratio = p.cpu / b.cpu if b.cpu else float("inf")
        met = ""
        if row.goal_ratio is not None:
            ok = ratio <= row.goal_ratio and (row.max_mb is None or p.peak_mb < row.max_mb)
            met = "met" if ok else "MISSED"
        work = ""
        if startup is not None and row.baseline[len(BASELINE)] in DATA_BASELINES:
            net = b.cpu - startup[1]
            work = f"{(p.cpu - startup[0]) / net:5.2f}x" if net > 0.05 else ""
        out.append(f"{row.name:<34} {p.cpu:>8.2f}/{p.wall:<9.2f} {b.cpu:>8.2f}/{b.wall:<10.2f} {ratio:>5.2f}x {work:>6} "
                   f"{p.peak_mb:>8.0f}/{b.peak_mb:<8.0f}  {row.goal_text:<17} {met:<6}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000, help="CSV lines to import and preview (default 200,000)")
    parser.add_argument("--saft-mb", type=int, default=20, help="size of each SAF-T file in MB (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side per row (default 3)")
    parser.add_argument("--only", nargs="*", help="only the rows whose name contains one of these words")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="settlement-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        rows = build_rows(folder, args.lines, args.saft_mb)
        if args.only:
            rows = [r for r in rows if any(word in r.name for word in args.only)]
        results = []
        for row in rows:
            project, baseline = run_row(row, folder, args.runs)
            results.append((row, project, baseline))
            print(f"measured {row.name}", file=sys.stderr)
        by_name = {row.name: (p, b) for row, p, b in results}
        startup = None
        if "status (empty db)" in by_name and "settlement --help" in by_name:
            startup = (by_name["status (empty db)"][0].cpu, by_name["settlement --help"][1].cpu)
        print(render(results, startup))
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
