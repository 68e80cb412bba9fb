"""The accountant's chart of accounts: the ledger template, per-vendor overrides and the code mapping.

Files (Excel-friendly CSV, see settlement.domain.csvfile, or an Excel workbook .xlsx in its place):
- default_ledger.csv           key;account;name      the ledger every vendor inherits
- vendors/<vendor>.csv         key;account;name      only the keys that vendor overrides
- mapping.csv                  source;code;key       sales-data codes → ledger keys
- vendors/<vendor>.mapping.csv source;code;key       mapping rows that vendor overrides
Norwegian column names are accepted too: nøkkel;konto;navn and kilde;kode;nøkkel.

Vendors inherit: a change to the default ledger reaches every vendor that does not override the key.
A problem that follows only from an earlier one is not reported again: a mapping row to a key whose
ledger row was refused, or every reference to a ledger file that could not be read.
Pure: `build_chart` takes the files' bytes, or a workbook's rows as text (settlement.configuration
reads the folder).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Mapping
from pathlib import PurePath

from settlement.domain.csvfile import CsvTable, SheetRows, decode, parse_csv, parse_sheet
from settlement.domain.problems import Problem, error, warning
from settlement.domain.text import joined, tr

# Always fullmatch, and only ASCII digits (`\d` would take Arabic-Indic digits too).
ACCOUNT = re.compile(r"[0-9]{4}(:[0-9]{5})?")
RESERVED_KEYS = ("settlement", "rounding", "tips", "gift_card", "shipping", "difference")
MAPPING_SOURCES = ("group", "payment")
KEY = re.compile(r"[a-z0-9_]+")
LEDGER_COLUMNS = ("key", "account", "name")
MAPPING_COLUMNS = ("source", "code", "key")
# The Norwegian header names an accountant writes, beside the English ones.
LEDGER_ALIASES = {"nøkkel": "key", "nokkel": "key", "konto": "account", "navn": "name"}
MAPPING_ALIASES = {"kilde": "source", "kode": "code", "nøkkel": "key", "nokkel": "key"}
# The SAF-T predefined codes: the 5-digit codes of the shipped chart_of_accounts/mapping.csv
# (a test keeps them equal). Excel turns 04006 into the number 4006.
SAFT_CODES = {
    "group": ("04003", "04004", "04005", "04006", "04007", "04008", "04009", "04010", "04011", "04012",
              "04013", "04014", "04015", "04017", "04999"),
    "payment": ("12001", "12002", "12003", "12004", "12005", "12006", "12008", "12009", "12010", "12011",
                "12999"),
}
EXTENSIONS = (".csv", ".xlsx")

ChartFile = bytes | SheetRows
"""A chart file's content: a CSV file's bytes, or a workbook sheet's rows as text."""


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


@dataclass(slots=True)
class _Read:
    """What one chart file gave: its rows, its problems and what later checks must not repeat.

    readable: False when the file gave no table at all (missing, empty, a column missing, unreadable).
    refused: the keys of ledger rows refused for a problem of their own, case-folded ('Sales' was
        meant to be 'sales').
    """

    rows: dict
    problems: list[Problem]
    readable: bool = True
    refused: set[str] = field(default_factory=set)
    key_column: str = "key"  # the key column's name as the file writes it (e.g. 'nøkkel')


def _table(data: ChartFile, file: str, columns: tuple[str, ...], aliases: dict[str, str]) -> tuple[CsvTable | None, list[Problem]]:
    if isinstance(data, SheetRows):
        return parse_sheet(data, file, columns, aliases)
    return parse_csv(decode(data), file, columns, aliases)


def _read_ledger(data: ChartFile, file: str, overridden: bool) -> _Read:
    table, problems = _table(data, file, LEDGER_COLUMNS, LEDGER_ALIASES)
    read = _Read({}, problems, readable=table is not None)
    if table is None:
        return read
    rows: dict[str, LedgerRow] = read.rows
    for row in table.rows:
        key, account, name = row.get("key"), row.get("account"), row.get("name")
        where = {"file": table.file, "line": row.line}
        if not KEY.fullmatch(key):
            problems.append(error(tr("bad ledger key (use lower-case letters, digits and _)"), column=table.heading("key"), value=key, **where))
            read.refused.add(key.casefold())
            continue
        if not ACCOUNT.fullmatch(account):
            problems.append(
                error(tr("bad account number for key {key!r}: expected NNNN or NNNN:NNNNN", key=key), column=table.heading("account"),
                      value=account, **where)
            )
            read.refused.add(key.casefold())
            continue
        if key in rows:
            problems.append(error(tr("duplicate key {key!r} (first defined on line {line})", key=key, line=rows[key].line), column=table.heading("key"),
                                  value=key, **where))
            continue
        rows[key] = LedgerRow(key, account, name, table.file, row.line, overridden)
    return read


def _read_mapping(data: ChartFile, file: str) -> _Read:
    table, problems = _table(data, file, MAPPING_COLUMNS, MAPPING_ALIASES)
    read = _Read({}, problems, readable=table is not None)
    if table is None:
        return read
    read.key_column = table.heading("key")
    rows: dict[tuple[str, str], MappingRow] = read.rows
    for row in table.rows:
        source, code, key = row.get("source").lower(), row.get("code"), row.get("key")
        where = {"file": table.file, "line": row.line}
        if source not in MAPPING_SOURCES:
            problems.append(error(tr("source must be one of {sources}", sources=", ".join(MAPPING_SOURCES)), column=table.heading("source"),
                                  value=source, **where))
            continue
        if not code:
            problems.append(error(tr("empty code"), column=table.heading("code"), **where))
            continue
        ident = (source, code_key(code))
        if ident in rows:
            problems.append(
                error(tr("duplicate mapping for {source} code {code!r} (first on line {line})", source=source, code=code,
                         line=rows[ident].line),
                      column=table.heading("code"), value=code, **where)
            )
            continue
        rows[ident] = MappingRow(source, code, key, table.file, row.line)
    return read


def _parts(folder: str, files: Mapping[str, ChartFile]) -> tuple[dict[str, tuple[str, ChartFile]], list[Problem]]:
    """Each part of the chart ("default_ledger", "vendors/x.mapping", ...) → (its file's path, content).

    A part written both as .csv and as .xlsx is a problem, and neither file is read.
    """
    found: dict[str, list[str]] = {}
    for name in sorted(files):
        for extension in EXTENSIONS:
            if name.endswith(extension) and (name.count("/") == 0 or name.startswith("vendors/")):
                found.setdefault(name[: -len(extension)], []).append(name)
    parts: dict[str, tuple[str, ChartFile]] = {}
    problems: list[Problem] = []
    for part, names in found.items():
        if len(names) > 1:
            problems.append(error(tr("both {first} and {second} are in the folder; keep only one of them", first=names[0],
                                     second=joined(names[1:])),
                                  file=str(PurePath(folder) / names[0])))
            continue
        parts[part] = (str(PurePath(folder) / names[0]), files[names[0]])
    return parts, problems


def build_chart(folder: str, files: Mapping[str, ChartFile], vendor_ids: list[str]) -> tuple[Chart, list[Problem]]:
    """Parse and check the chart_of_accounts folder's files; returns every problem at once.

    `files` maps each file's path inside the folder ("default_ledger.csv", "mapping.csv",
    "vendors/<vendor>.csv", "vendors/<vendor>.mapping.csv", or the same names ending in .xlsx) to
    its bytes (CSV) or its sheet's rows (a workbook); `folder` names the folder in problems.
    """
    parts, problems = _parts(folder, files)
    conflicted = {p.file for p in problems}
    default_path = str(PurePath(folder) / "default_ledger.csv")
    mapping_path = str(PurePath(folder) / "mapping.csv")
    if "default_ledger" in parts:
        default = _read_ledger(parts["default_ledger"][1], parts["default_ledger"][0], overridden=False)
        default_path = parts["default_ledger"][0]
    else:
        default = _Read({}, [], readable=False)
        if default_path not in conflicted:
            default.problems.append(error(tr("default ledger not found"), file=default_path))
    key_columns: dict[str, str] = {}  # mapping file → its key column's name, for the reference checks
    if "mapping" in parts:
        mapping = _read_mapping(parts["mapping"][1], parts["mapping"][0])
        key_columns[parts["mapping"][0]] = mapping.key_column
    else:
        mapping = _Read({}, [])
        if mapping_path not in conflicted:
            mapping.problems.append(error(tr("mapping file not found"), file=mapping_path))
    problems += default.problems + mapping.problems

    vendor_ledgers: dict[str, _Read] = {}
    vendor_mappings: dict[str, _Read] = {}
    known = set(vendor_ids)
    for part in sorted(p for p in parts if p.startswith("vendors/")):
        path, data = parts[part]
        base = part.removeprefix("vendors/")
        is_mapping = base.endswith(".mapping")
        vendor_id = base.removesuffix(".mapping") if is_mapping else base
        if vendor_id not in known:
            problems.append(
                error(tr("override for vendor {vendor!r}, which is not in the vendors file", vendor=vendor_id), file=path)
            )
            continue
        if is_mapping:
            vendor_mappings[vendor_id] = read = _read_mapping(data, path)
            key_columns[path] = read.key_column
        else:
            vendor_ledgers[vendor_id] = read = _read_ledger(data, path, overridden=True)
        problems += read.problems

    chart = Chart(folder, default.rows, {v: r.rows for v, r in vendor_ledgers.items()}, mapping.rows,
                  {v: r.rows for v, r in vendor_mappings.items()})
    problems += _check_references(chart, default_path, vendor_ids, default, vendor_ledgers, key_columns)
    return chart, problems


def _check_references(chart: Chart, default_path: str, vendor_ids: list[str], default: _Read,
                      vendor_ledgers: dict[str, _Read], key_columns: dict[str, str]) -> list[Problem]:
    """Reserved keys exist, and every mapping row points at a key the vendor's ledger defines.

    Nothing is checked against a ledger that could not be read, nor reported for a key whose row
    was refused already: those problems would only repeat the first.
    """
    problems: list[Problem] = []
    if not default.readable:
        return problems
    refused = default.refused.union(*(r.refused for r in vendor_ledgers.values()))
    for key in RESERVED_KEYS:
        if key not in chart.default_ledger and key.casefold() not in default.refused:
            problems.append(error(tr("missing reserved key {key!r}", key=key), file=default_path))
    for row in chart.default_mapping.values():
        if row.key not in chart.default_ledger and row.key.casefold() not in refused and not all(
            row.key in chart.vendor_ledgers.get(v, {}) for v in vendor_ids or [""]
        ):
            problems.append(
                error(tr("mapping to unknown key {key!r}", key=row.key), file=row.file, line=row.line,
                      column=key_columns.get(row.file, "key"), value=row.key)
            )
    for vendor_id, mapping in chart.vendor_mappings.items():
        own = vendor_ledgers.get(vendor_id)
        if own is not None and not own.readable:
            continue
        ledger = chart.ledger(vendor_id)
        for row in mapping.values():
            if row.key not in ledger and row.key.casefold() not in refused:
                problems.append(
                    error(tr("mapping to unknown key {key!r}", key=row.key), file=row.file, line=row.line,
                          column=key_columns.get(row.file, "key"), value=row.key)
                )
    return problems


def chart_warnings(chart: Chart) -> list[Problem]:
    """What `accounts check` warns about without refusing the chart.

    A 4-digit code that is a SAF-T predefined code with its first digit lost, the way Excel turns
    the code 04006 into the number 4006: the data will carry 04006, which then has no mapping.
    """
    problems: list[Problem] = []
    rows = list(chart.default_mapping.values())
    for mapping in chart.vendor_mappings.values():
        rows += mapping.values()
    for row in rows:
        code = row.code.strip()
        if len(code) != 4 or not code.isascii() or not code.isdigit():
            continue
        for saft in SAFT_CODES.get(row.source, ()):
            if saft[1:] == code:
                problems.append(warning(
                    tr("{source} code {code!r} looks like the SAF-T code {saft!r} with its first digit lost "
                       "(Excel drops leading zeros); if {saft!r} is meant, write it so (as text in Excel: '{typed})",
                       source=row.source, code=code, saft=saft, typed=saft),
                    file=row.file, line=row.line, column="code", value=row.code,
                ))
    return problems


def sub_account_notes(chart: Chart, vendors: Mapping[str, str]) -> list[Problem]:
    """One note for the vendors on a ledger other than Fiken whose accounts include Fiken
    sub-accounts (`1920:10001`): Tripletex and PowerOffice address an account by its number, so the
    plain account (1920) is booked; on a customer or supplier ledger account the part after the
    colon names the customer or supplier (see docs/tripletex.md, docs/poweroffice.md).

    vendors: vendor id → its ledger ("fiken", "tripletex", "poweroffice").
    """
    seen: dict[str, set[str]] = {}
    for vendor_id, ledger in sorted(vendors.items()):
        if ledger == "fiken":
            continue
        for row in chart.ledger(vendor_id).values():
            if ":" in row.account:
                seen.setdefault(row.account, set()).add(vendor_id)
    if not seen:
        return []
    accounts = ", ".join(f"{account} → {account.split(':')[0]}" for account in sorted(seen))
    names = ", ".join(sorted(set().union(*seen.values())))
    return [warning(
        tr("Fiken sub-accounts are booked to their plain account for the vendors on Tripletex or PowerOffice "
           "({vendors}): {accounts}; on a customer or supplier ledger account the sub-account number names the "
           "customer or supplier; give those vendors other accounts in chart_of_accounts/vendors/{file} if meant",
           vendors=names, accounts=accounts, file="<vendor id>.csv"),
        file=chart.folder,
    )]
