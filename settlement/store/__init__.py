"""The local store (SQLModel over SQLite by default, any SQLAlchemy URL)."""

from settlement.store.db import open_engine
from settlement.store.sales_store import SalesStore

__all__ = ["open_engine", "SalesStore"]
