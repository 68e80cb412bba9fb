"""Reading the configuration files: the vendors file and the chart_of_accounts folder.

The file I/O around the pure parsers in settlement.domain (a missing file is a problem, not an
exception); settlement.wiring calls these.
"""

from __future__ import annotations

from pathlib import Path

from settlement.domain.chart import Chart, build_chart
from settlement.domain.problems import Problem, error
from settlement.domain.vendors import Vendor, parse_vendors_file


def load_vendors(path: Path) -> tuple[list[Vendor], list[Problem]]:
    """Read vendors.toml; a missing file is a problem, not an exception."""
    if not path.exists():
        return [], [error("vendors file not found (set SETTLEMENT_VENDORS)", file=str(path))]
    return parse_vendors_file(path.read_bytes(), str(path))


def chart_files(folder: Path) -> dict[str, bytes]:
    """The chart folder's files by their path inside it (default ledger, mapping, vendors/*.csv)."""
    files = {name: (folder / name).read_bytes() for name in ("default_ledger.csv", "mapping.csv") if (folder / name).exists()}
    vendor_dir = folder / "vendors"
    for path in sorted(vendor_dir.glob("*.csv")) if vendor_dir.is_dir() else []:
        files[f"vendors/{path.name}"] = path.read_bytes()
    return files


def load_chart(folder: Path, vendor_ids: list[str]) -> tuple[Chart, list[Problem]]:
    """Read and check the whole chart_of_accounts folder; returns every problem at once."""
    return build_chart(str(folder), chart_files(folder), vendor_ids)
