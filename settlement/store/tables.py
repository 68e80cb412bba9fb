"""Tables of the sales store. Other features add their own table modules and import them in db.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlmodel import Field, Index, SQLModel


SUMMARY_INDEX_COLUMNS = ("vendor", "business_day", "type", "code", "fallback_code", "vat_code", "amount", "vat",
                         "receipt_id")


class SaleLineRow(SQLModel, table=True):
    """A stored normalized sales line (see settlement.domain.sales.SaleLine)."""

    __tablename__ = "sale_line"
    __table_args__ = (
        # Covers the daily summary (grouped by type, code, VAT code) without reading the table:
        # aggregation of a 1,000,000-line day got 4x faster for a little more import work.
        Index("ix_sale_line_summary", *SUMMARY_INDEX_COLUMNS),
        Index("ix_sale_line_receipt", "vendor", "source", "receipt_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    vendor: str = Field(max_length=64)
    source: str = Field(max_length=32)
    receipt_id: str = Field(max_length=128)
    timestamp: datetime
    business_day: date
    type: str = Field(max_length=32)
    code: str = Field(max_length=128)
    fallback_code: str = Field(default="", max_length=128)
    vat_code: Optional[str] = Field(default=None, max_length=8)
    amount: int
    vat: int
    origin: str = Field(max_length=512)
    # Informational (the report's "Rabatter"); NULL: the source did not state discounts.
    discount: Optional[int] = Field(default=None)


class SourceNoteRow(SQLModel, table=True):
    """A warning a source found about a vendor-day (e.g. a Z report that disagrees), shown in
    `preview` and in the settlement report. Replaced whenever that source re-imports the day."""

    __tablename__ = "source_note"
    __table_args__ = (Index("ix_source_note_day", "vendor", "business_day"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    vendor: str = Field(max_length=64)
    business_day: date
    source: str = Field(max_length=32)
    ref: str = Field(default="", max_length=256)
    message: str
