"""The accountant's chart of accounts: the ledger template, per-vendor overrides and the code mapping.

Files (all Excel-friendly CSV, see settlement.domain.csvfile):
- default_ledger.csv           key;account;name      the ledger every vendor inherits
- vendors/<vendor>.csv         key;account;name      only the keys that vendor overrides
- mapping.csv                  source;code;key       sales-data codes → ledger keys
- vendors/<vendor>.mapping.csv source;code;key       mapping rows that vendor overrides

Vendors inherit: a change to the default ledger reaches every vendor that does not override the key.
Pure: `build_chart` takes the files' bytes (settlement.configuration reads the folder).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Mapping
from pathlib import PurePath

from settlement.domain.csvfile import decode, parse_csv
from settlement.domain.problems import Problem, error

# Always fullmatch, and only ASCII digits (`\d` would take Arabic-Indic digits too).
ACCOUNT = re.compile(r"[0-9]{4}(:[0-9]{5})?")
RESERVED_KEYS = ("settlement", "rounding", "tips", "gift_card", "shipping", "difference")
MAPPING_SOURCES = ("group", "payment")
KEY = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One ledger key: the Fiken account it posts to, and where that was written."""

    key: str
    account: str
    name: str
    file: str
    line: int
    overridden: bool = False

    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class MappingRow:
    """One code found in sales data and the ledger key it books to."""

    source: str
    code: str
    key: str
    file: str
    line: int


def code_key(code: str) -> str:
    """Codes match case-insensitively and without surrounding blanks ('Vipps' = 'VIPPS')."""
    return code.strip().casefold()


@dataclass(frozen=True)
class Chart:
    """Everything read from chart_of_accounts/, before any vendor is chosen."""

    folder: str
    default_ledger: dict[str, LedgerRow] = field(default_factory=dict)
    vendor_ledgers: dict[str, dict[str, LedgerRow]] = field(default_factory=dict)
    default_mapping: dict[tuple[str, str], MappingRow] = field(default_factory=dict)
    vendor_mappings: dict[str, dict[tuple[str, str], MappingRow]] = field(default_factory=dict)

    def ledger(self, vendor_id: str) -> dict[str, LedgerRow]:
        """The effective ledger of a vendor: the default with the vendor's overrides on top."""
        effective = dict(self.default_ledger)
        for key, row in self.vendor_ledgers.get(vendor_id, {}).items():
            effective[key] = row
        return effective

    def mapping(self, vendor_id: str) -> dict[tuple[str, str], MappingRow]:
        """The effective code mapping of a vendor, keyed by (source, code_key(code))."""
        effective = dict(self.default_mapping)
        effective.update(self.vendor_mappings.get(vendor_id, {}))
        return effective


def _read_ledger(data: bytes, file: str, overridden: bool) -> tuple[dict[str, LedgerRow], list[Problem]]:
    table, problems = parse_csv(decode(data), file, ("key", "account", "name"))
    rows: dict[str, LedgerRow] = {}
    if table is None:
        return rows, problems
    for row in table.rows:
        key, account, name = row.get("key"), row.get("account"), row.get("name")
        where = {"file": table.file, "line": row.line}
        if not KEY.fullmatch(key):
            problems.append(error("bad ledger key (use lower-case letters, digits and _)", column="key", value=key, **where))
            continue
        if not ACCOUNT.fullmatch(account):
            problems.append(
                error(f"bad account number for key {key!r}: expected NNNN or NNNN:NNNNN", column="account", value=account, **where)
            )
            continue
        if key in rows:
            problems.append(error(f"duplicate key {key!r} (first defined on line {rows[key].line})", column="key", value=key, **where))
            continue
        rows[key] = LedgerRow(key, account, name, table.file, row.line, overridden)
    return rows, problems


def _read_mapping(data: bytes, file: str) -> tuple[dict[tuple[str, str], MappingRow], list[Problem]]:
    table, problems = parse_csv(decode(data), file, ("source", "code", "key"))
    rows: dict[tuple[str, str], MappingRow] = {}
    if table is None:
        return rows, problems
    for row in table.rows:
        source, code, key = row.get("source").lower(), row.get("code"), row.get("key")
        where = {"file": table.file, "line": row.line}
        if source not in MAPPING_SOURCES:
            problems.append(error(f"source must be one of {', '.join(MAPPING_SOURCES)}", column="source", value=source, **where))
            continue
        if not code:
            problems.append(error("empty code", column="code", **where))
            continue
        ident = (source, code_key(code))
        if ident in rows:
            problems.append(
                error(f"duplicate mapping for {source} code {code!r} (first on line {rows[ident].line})", column="code", value=code, **where)
            )
            continue
        rows[ident] = MappingRow(source, code, key, table.file, row.line)
    return rows, problems


def build_chart(folder: str, files: Mapping[str, bytes], vendor_ids: list[str]) -> tuple[Chart, list[Problem]]:
    """Parse and check the chart_of_accounts folder's files; returns every problem at once.

    `files` maps each file's path inside the folder ("default_ledger.csv", "mapping.csv",
    "vendors/<vendor>.csv", "vendors/<vendor>.mapping.csv") to its bytes; `folder` names the
    folder in problems.
    """
    problems: list[Problem] = []
    default_path = str(PurePath(folder) / "default_ledger.csv")
    mapping_path = str(PurePath(folder) / "mapping.csv")
    if "default_ledger.csv" not in files:
        problems.append(error("default ledger not found", file=default_path))
        default_ledger: dict[str, LedgerRow] = {}
    else:
        default_ledger, found = _read_ledger(files["default_ledger.csv"], default_path, overridden=False)
        problems += found
    if "mapping.csv" not in files:
        problems.append(error("mapping file not found", file=mapping_path))
        default_mapping: dict[tuple[str, str], MappingRow] = {}
    else:
        default_mapping, found = _read_mapping(files["mapping.csv"], mapping_path)
        problems += found

    vendor_ledgers: dict[str, dict[str, LedgerRow]] = {}
    vendor_mappings: dict[str, dict[tuple[str, str], MappingRow]] = {}
    known = set(vendor_ids)
    for name in sorted(n for n in files if n.startswith("vendors/") and n.endswith(".csv")):
        path = str(PurePath(folder) / name)
        base = name.removeprefix("vendors/")
        is_mapping = base.endswith(".mapping.csv")
        vendor_id = base[: -len(".mapping.csv")] if is_mapping else base[: -len(".csv")]
        if vendor_id not in known:
            problems.append(
                error(f"override for vendor {vendor_id!r}, which is not in the vendors file", file=path)
            )
            continue
        if is_mapping:
            vendor_mappings[vendor_id], found = _read_mapping(files[name], path)
        else:
            vendor_ledgers[vendor_id], found = _read_ledger(files[name], path, overridden=True)
        problems += found

    chart = Chart(folder, default_ledger, vendor_ledgers, default_mapping, vendor_mappings)
    problems += _check_references(chart, default_path, vendor_ids)
    return chart, problems


def _check_references(chart: Chart, default_path: str, vendor_ids: list[str]) -> list[Problem]:
    """Reserved keys exist, and every mapping row points at a key the vendor's ledger defines."""
    problems: list[Problem] = []
    for key in RESERVED_KEYS:
        if key not in chart.default_ledger:
            problems.append(error(f"missing reserved key {key!r}", file=default_path))
    for row in chart.default_mapping.values():
        if row.key not in chart.default_ledger and not all(
            row.key in chart.vendor_ledgers.get(v, {}) for v in vendor_ids or [""]
        ):
            problems.append(
                error(f"mapping to unknown key {row.key!r}", file=row.file, line=row.line, column="key", value=row.key)
            )
    for vendor_id, mapping in chart.vendor_mappings.items():
        ledger = chart.ledger(vendor_id)
        for row in mapping.values():
            if row.key not in ledger:
                problems.append(
                    error(f"mapping to unknown key {row.key!r}", file=row.file, line=row.line, column="key", value=row.key)
                )
    return problems
