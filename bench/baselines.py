"""The bare baselines the benchmarks compare the product against (bench/run_all.py).

Each is the same real work done plainly, the way a careful engineer would do it without the
product: its own libraries, no framework, exact øre (never float), one transaction. Each runs as
a process of its own, so that start-up, CPU time and peak memory are measured the same way as
the product's commands:

    python bench/baselines.py start                          # a bare interpreter
    python bench/baselines.py imports sqlmodel pydantic_settings
    python bench/baselines.py csv-import FILE DB             # pandas read_csv + øre + executemany
    python bench/baselines.py group-by DB VENDOR DAY [--ids] # the day's summary in SQL
    python bench/baselines.py saft FILE DB                   # lxml iterparse into SQLite

Only the standard library is imported at module level; each baseline imports what it uses.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys

# The product's sale_line columns and its two indexes (settlement.store.tables), so the baseline
# writes as much as the product does.
SCHEMA = """
CREATE TABLE IF NOT EXISTS sale_line (
    id INTEGER PRIMARY KEY, vendor TEXT, source TEXT, receipt_id TEXT, timestamp TEXT,
    business_day TEXT, type TEXT, code TEXT, fallback_code TEXT, vat_code TEXT,
    amount INTEGER, vat INTEGER, origin TEXT, discount INTEGER);
CREATE INDEX IF NOT EXISTS ix_summary ON sale_line
    (vendor, business_day, type, code, fallback_code, vat_code, amount, vat, receipt_id);
CREATE INDEX IF NOT EXISTS ix_receipt ON sale_line (vendor, source, receipt_id);
"""
INSERT = "INSERT INTO sale_line (vendor, source, receipt_id, timestamp, business_day, type, code, " \
         "fallback_code, vat_code, amount, vat, origin, discount) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
SAFT_NS = "{urn:StandardAuditFile-Taxation-CashRegister:NO}"


def ore(text: str) -> int:
    """'1 234,50', '-12.5' or '7' as exact øre (the baseline's one amount format: a decimal comma
    or point, optional thousands spaces)."""
    text = text.replace(" ", "").replace(",", ".")
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("+-").partition(".")
    value = int(whole or "0") * 100 + int((fraction + "00")[:2])
    return -value if negative else value


def csv_import(path: str, database: str, vendor: str = "bench") -> int:
    """A receipt CSV into sale_line: pandas reads it, amounts become øre, one executemany."""
    import pandas as pd

    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    local = pd.to_datetime(frame["timestamp"]).dt.tz_localize("Europe/Oslo", ambiguous="raise")
    stamps = local.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.000000")
    days = local.dt.strftime("%Y-%m-%d")
    amounts = [ore(v) for v in frame["amount"]]
    vats = [ore(v) if v else 0 for v in frame["vat"]]
    vat_codes = [v or None for v in frame["vat_code"]]
    origins = [f"{path}:{n}" for n in range(2, len(frame) + 2)]
    rows = zip(
        [vendor] * len(frame), ["csv"] * len(frame), frame["receipt_id"], stamps, days, frame["type"],
        frame["code"], [""] * len(frame), vat_codes, amounts, vats, origins, [None] * len(frame),
    )
    connection = sqlite3.connect(database)
    connection.executescript(SCHEMA)
    with connection:  # one transaction
        connection.executemany(INSERT, rows)
    connection.close()
    return len(frame)


def group_by(database: str, vendor: str, day: str, with_ids: bool) -> int:
    """The vendor-day's lines summed by (type, code, fallback code, VAT code); with_ids: also the
    sorted receipt ids behind each row, as a voucher's lines keep them."""
    connection = sqlite3.connect(database)
    ids = ", group_concat(receipt_id, char(31))" if with_ids else ""
    rows = connection.execute(
        f"SELECT type, code, fallback_code, vat_code, sum(amount), sum(vat), count(*){ids} FROM sale_line "
        "WHERE vendor = ? AND business_day = ? GROUP BY type, code, fallback_code, vat_code",
        (vendor, day),
    ).fetchall()
    if with_ids:
        rows = [(*row[:7], tuple(sorted(set(row[7].split("\x1f"))))) for row in rows]
    connection.close()
    return len(rows)


def saft(path: str, database: str, vendor: str = "bench") -> int:
    """A SAF-T Cash Register file into sale_line with lxml iterparse: each transaction's lines
    and payments (training and voided ones left out), elements cleared as they are read."""
    from lxml import etree

    ns = SAFT_NS
    connection = sqlite3.connect(database)
    connection.executescript(SCHEMA)
    rows: list[tuple] = []
    count = 0
    with connection:
        for _, tx in etree.iterparse(path, events=("end",), tag=f"{ns}cashtransaction"):
            if tx.findtext(f"{ns}voidTransaction") == "true" or tx.findtext(f"{ns}trainingID") == "true":
                tx.clear(keep_tail=False)
                continue
            receipt = tx.findtext(f"{ns}transID")
            stamp = f"{tx.findtext(f'{ns}transDate')} {tx.findtext(f'{ns}transTime')}"
            day = stamp[:10]
            for line in tx.iterfind(f"{ns}ctLine"):
                sign = -1 if line.findtext(f"{ns}amntTp") == "D" else 1
                amount = sign * abs(ore(line.findtext(f"{ns}lineAmntIn")))
                vat = line.find(f"{ns}vat")
                vat_code = vat.findtext(f"{ns}vatCode") if vat is not None else None
                vat_ore = sign * abs(ore(vat.findtext(f"{ns}vatAmnt"))) if vat is not None else 0
                rows.append((vendor, "saft", receipt, stamp, day, line.findtext(f"{ns}lineType"),
                             line.findtext(f"{ns}artGroupID") or "", "", vat_code, amount, vat_ore, path, None))
            for payment in tx.iterfind(f"{ns}payment"):
                rows.append((vendor, "saft", receipt, stamp, day, "payment", payment.findtext(f"{ns}paymentType"),
                             "", None, ore(payment.findtext(f"{ns}paidAmnt")), 0, path, None))
            tx.clear(keep_tail=False)
            while tx.getprevious() is not None:  # what iterparse keeps of earlier siblings
                del tx.getparent()[0]
            count += 1
            if len(rows) >= 20_000:
                connection.executemany(INSERT, rows)
                rows.clear()
        connection.executemany(INSERT, rows)
    connection.close()
    return count


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    if command == "start":
        return 0
    if command == "imports":
        for name in args:
            importlib.import_module(name)
        return 0
    if command == "csv-import":
        print(csv_import(args[0], args[1]))
    elif command == "group-by":
        print(group_by(args[0], args[1], args[2], "--ids" in args))
    elif command == "saft":
        print(saft(args[0], args[1]))
    else:
        print(f"unknown baseline {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
