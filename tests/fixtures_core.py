"""Fixtures for a throw-away installation: a folder with vendors.toml, chart_of_accounts/ and a DB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Workspace:
    """A temporary installation; `run` drives the real `settlement` CLI in it."""

    path: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def chart(self) -> Path:
        return self.path / "chart_of_accounts"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
        env.update(
            SETTLEMENT_DATABASE_URL=f"sqlite:///{self.path / 'data' / 'settlement.db'}",
            SETTLEMENT_CHART_OF_ACCOUNTS=str(self.chart),
            SETTLEMENT_VENDORS=str(self.path / "vendors.toml"),
            SETTLEMENT_REPORT_DIR=str(self.path / "data" / "reports"),
            # Drop-folder files written by a test are complete; tests of the settle period set it.
            SETTLEMENT_DROP_SETTLE_SECONDS="0",
            # English source texts, as conftest.py says; a test of the Norwegian sets nb in extra_env.
            SETTLEMENT_LANGUAGE="en",
        )
        env.update(self.extra_env)
        return env

    def write(self, relative: str, text: str, encoding: str = "utf-8") -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode(encoding))
        return target

    def run(self, *args: str, check: bool | None = None) -> subprocess.CompletedProcess:
        """Run `settlement ARGS` as a subprocess in the workspace."""
        result = subprocess.run(
            [sys.executable, "-m", "settlement", *args],
            cwd=self.path, env=self.env, capture_output=True, text=True, timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"settlement {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def invoke(self, *args: str) -> tuple[int, str, str]:
        """Run the real CLI in this process (faster than `run`); returns (status, stdout, stderr)."""
        import contextlib
        import io

        from settlement.cli import main

        out, err = io.StringIO(), io.StringIO()
        saved = dict(os.environ)
        cwd = os.getcwd()
        try:
            os.environ.clear()
            os.environ.update(self.env)
            os.chdir(self.path)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(list(args))
        finally:
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(saved)
        return status, out.getvalue(), err.getvalue()

    def settings(self):
        from settlement.settings import Settings

        return Settings(
            database_url=self.env["SETTLEMENT_DATABASE_URL"],
            chart_of_accounts=self.chart,
            vendors=self.path / "vendors.toml",
            report_dir=self.path / "data" / "reports",
        )

    def app(self):
        from settlement.wiring import App

        return App.load(self.settings())


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh installation with the shipped chart of accounts and the sample vendors.toml."""
    shutil.copytree(ROOT / "chart_of_accounts", tmp_path / "chart_of_accounts")
    shutil.copy(ROOT / "vendors.toml", tmp_path / "vendors.toml")
    return Workspace(tmp_path)
