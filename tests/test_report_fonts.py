"""The PDF attached in Fiken: set in DejaVu Sans when it is found, in the core font with a warning
when it is not (the posting goes on), and a correction's PDF says which version it replaces."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.bokmal import bokmal  # noqa: F401
from tests.test_posting import _import, _post_then_add_late_receipt


def _attached_text(sandbox, index: int) -> str:
    pdf = sandbox.attachments("demo-as")[index][3]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_without_a_font_the_day_is_still_posted_and_documented(posting_ws, tmp_path, caplog):
    ws, sb = posting_ws, posting_ws.sandbox
    vendors = ws.path / "vendors.toml"
    vendors.write_text(vendors.read_text(encoding="utf-8").replace('"Bergen Bryggen"', '"Kárášjohka – Duodji €"'),
                       encoding="utf-8")
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    ws.extra_env["SETTLEMENT_PDF_FONT_DIR"] = str(empty)
    _import(ws, "normal_day.csv")
    with caplog.at_level("WARNING", logger="settlement.report.fonts"):
        status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0 and "documented" in out, out + err
    assert f"no DejaVuSans.ttf and DejaVuSans-Bold.ttf in {empty}" in caplog.text
    assert "Store Kárá?johka - Duodji EUR (bergen-bryggen)" in _attached_text(sb, 0).splitlines()  # in English


@pytest.mark.usefixtures("bokmal")  # the report's words, in bokmål
def test_the_correction_attached_in_fiken_says_it_replaces_v1(posting_ws):
    ws, sb = posting_ws, posting_ws.sandbox
    _post_then_add_late_receipt(ws)
    status, out, err = ws.invoke("run", "--vendor", "bergen-bryggen", "--date", "2026-11-02")
    assert status == 0, out + err
    first, second = _attached_text(sb, 0), _attached_text(sb, 1)
    assert "Oppgjørsnøkkel [settlement:bergen-bryggen:2026-11-02:v1]  (v1)" in first.splitlines()
    assert "erstatter" not in first
    lines = second.splitlines()
    assert "Oppgjørsnøkkel [settlement:bergen-bryggen:2026-11-02:v2]  (v2, korreksjon: erstatter v1)" in lines
    # Why: the reversal's audit line, with the ids of what was reversed.
    joined = " ".join(lines)
    assert "Korreksjon: dette bilaget erstatter v1, som er tilbakeført fordi dagens data ble endret etter bokføring;" in joined
    assert "[settlement:bergen-bryggen:2026-11-02:v1], transaksjon" in joined
    # The company and Fiken's journal entry number, read from Fiken when each version was posted.
    assert "Foretak Demo AS (org.nr. 999999999)" in lines
    assert any(line.startswith("Bokført Fiken bilag ") for line in lines)
