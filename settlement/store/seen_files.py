"""Content hashes of drop-folder files already imported, so each file is imported once."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel


class ImportedFileRow(SQLModel, table=True):
    """A drop-folder file whose sales are in the store (its SHA-256, per vendor)."""

    __tablename__ = "drop_folder_import"

    vendor: str = Field(primary_key=True, max_length=64)
    sha256: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=512)
    imported_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


def imported_before(engine: Engine, vendor: str, sha256: str) -> ImportedFileRow | None:
    """The earlier import of the same content for this vendor, if any."""
    table = ImportedFileRow.__table__
    with engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.vendor == vendor, table.c.sha256 == sha256)).mappings().first()
    return ImportedFileRow(**row) if row else None


def remember(engine: Engine, vendor: str, sha256: str, name: str) -> None:
    """Record that this content was imported (a second record of the same content is ignored)."""
    if imported_before(engine, vendor, sha256) is not None:
        return
    with engine.begin() as conn:
        conn.execute(
            ImportedFileRow.__table__.insert().values(
                vendor=vendor, sha256=sha256, name=name, imported_at=datetime.now(timezone.utc)
            )
        )
