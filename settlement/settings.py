"""Runtime settings, read from SETTLEMENT_* environment variables and a .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting the product reads; the README's configuration reference lists them all."""

    model_config = SettingsConfigDict(
        env_prefix="SETTLEMENT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        default="sqlite:///data/settlement.db",
        description="SQLAlchemy URL of the local sales store (SQLite file under ./data by default).",
    )
    chart_of_accounts: Path = Field(
        default=Path("chart_of_accounts"),
        description="Folder with default_ledger.csv, mapping.csv and vendors/.",
    )
    vendors: Path = Field(default=Path("vendors.toml"), description="The vendors file.")
    difference_tolerance: str = Field(
        default="1.00",
        description="Largest unexplained residual (NOK) booked to the `difference` account with a "
        "warning; a larger one blocks the day.",
    )


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (used by the CLI's options)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
