"""Comparing output with a reviewed golden file; UPDATE_GOLDEN=1 rewrites the files instead."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def assert_golden(expected_path: Path, actual: object) -> None:
    """`actual` rendered as sorted, indented JSON must equal the file. A missing file is written and
    the test fails, so that a new golden file is always read by a person before it counts."""
    rendered = json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if UPDATE or not expected_path.exists():
        expected_path.write_text(rendered, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote new golden file {expected_path.name}; review it and run again")
    assert rendered == expected_path.read_text(encoding="utf-8")
