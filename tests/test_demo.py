"""`make demo` end to end: sandbox, samples, catch-up, a correction, status and PDFs."""

from __future__ import annotations

from settlement import demo


def test_demo_settles_the_sample_week_and_corrects_the_late_receipt(tmp_path, capsys):
    assert demo.main(tmp_path / "demo") == 0
    out = capsys.readouterr().out
    assert "16/16 bergen-bryggen 2026-11-08 empty" in out
    assert "bergen-bryggen 2026-11-03 documented [settlement:bergen-bryggen:2026-11-03:v2]" in out
    assert "bergen-bryggen 2026-11-03 corrected 1x" in out
    assert "2026-11-02 already settled" in out  # the second catch-up sends nothing for settled days
    pdfs = sorted(p.name for p in (tmp_path / "demo" / "reports").rglob("*.pdf"))
    assert len(pdfs) == 7 and "dagsoppgjor-bergen-bryggen-2026-11-03-v2.pdf" in pdfs
    assert "15 of them writes; 8 journal entries in demo-as" in out
