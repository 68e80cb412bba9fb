"""Golden PDFs as text: every report `make demo` attaches (its stores' days in Fiken, Tripletex and
PowerOffice Go, and bergen-bryggen's corrected 2026-11-03 as v1 and v2), read back with pypdf and
compared with tests/golden/pdf/<file>.txt, which accountants review as plain-text diffs.

Normalised: the time each report was generated (the demo runs now) and trailing spaces. A missing
golden file is written and the test fails, so a new one is read before it counts; UPDATE_GOLDEN=1
rewrites them all (as tests/golden_files.py does for the JSON goldens).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from settlement import demo
from settlement.domain import text as language
from tests.golden_files import UPDATE

GOLDEN = Path(__file__).parent / "golden" / "pdf"
_GENERATED = re.compile(r"generert \d\d\.\d\d\.\d{4} \d\d:\d\d \S+")


def pdf_text(path: Path) -> str:
    """The PDF's text as pypdf extracts it, one line per line, with the generation time masked."""
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    lines = [_GENERATED.sub("generert <tidspunkt>", line).rstrip() for line in text.splitlines()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory) -> dict[str, str]:
    """The demo's PDFs by file name, as normalised text: made in bokmål, the product's default
    language (what the goldens, which accountants review, are written in)."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    before = os.environ.get("SETTLEMENT_LANGUAGE")
    os.environ["SETTLEMENT_LANGUAGE"] = "nb"
    try:
        assert demo.main(folder) == 0
    finally:
        os.environ["SETTLEMENT_LANGUAGE"] = before if before is not None else "en"
        language.install(language.ENGLISH)
    return {path.stem: pdf_text(path) for path in sorted((folder / "reports").rglob("dagsoppgjor-*.pdf"))}


def test_every_demo_report_reads_as_its_golden_text(demo_reports):
    written = []
    for name, text in demo_reports.items():
        expected = GOLDEN / f"{name}.txt"
        if UPDATE or not expected.exists():
            GOLDEN.mkdir(parents=True, exist_ok=True)
            expected.write_text(text, encoding="utf-8")
            written.append(expected.name)
            continue
        assert text == expected.read_text(encoding="utf-8"), f"{name}: differs from {expected}"
    stale = sorted({p.stem for p in GOLDEN.glob("*.txt")} - set(demo_reports))
    assert not stale, f"golden files of reports the demo no longer makes: {stale}"
    if written and not UPDATE:
        pytest.fail(f"wrote new golden files {written}; review them and run again")


def test_the_golden_reports_are_complete_dagsoppgjor(demo_reports):
    # Each on one page, with the company, where it was booked and its key.
    for name, text in demo_reports.items():
        assert "Side 1 av 1" in text, name
        assert re.search(r"^Foretak \S.* \(org\.nr\. ", text, re.M), name
        assert re.search(r"^Bokført (Fiken|Tripletex|PowerOffice Go) bilag \S+", text, re.M), name
        assert re.search(r"^Oppgjørsnøkkel \[settlement:", text, re.M), name
    v2 = demo_reports["dagsoppgjor-bergen-bryggen-2026-11-03-v2"]
    assert "(v2, korreksjon: erstatter v1)" in v2
    assert "tilbakeført fordi dagens data ble endret etter bokføring; nøkkel [settlement:bergen-bryggen:2026-11-03:v1]" in v2.replace("\n", " ")
    assert "erstatter" not in demo_reports["dagsoppgjor-bergen-bryggen-2026-11-03-v1"]
