"""`make demo` end to end: sandbox, samples, catch-up, a correction, status and PDFs."""

from __future__ import annotations

from settlement import demo


def test_demo_settles_the_sample_week_and_corrects_the_late_receipt(tmp_path, capsys):
    assert demo.main(tmp_path / "demo") == 0
    out = capsys.readouterr().out
    assert "20/20 " in out and "bergen-bryggen 2026-11-01 empty" in out  # a Sunday: closed
    assert "bergen-bryggen 2026-11-05 missing" in out and "bergen-bryggen MISSING 1 day(s): 2026-11-05" in out
    assert "bergen-bryggen 2026-11-03 documented [settlement:bergen-bryggen:2026-11-03:v2]" in out
    assert "bergen-bryggen 2026-11-03 corrected 1x" in out
    assert "2026-11-02 already settled" in out  # the second catch-up sends nothing for settled days
    pdfs = sorted(p.name for p in (tmp_path / "demo" / "reports").rglob("*.pdf"))
    assert len(pdfs) == 7 + 3 + 3 and "dagsoppgjor-bergen-bryggen-2026-11-03-v2.pdf" in pdfs
    assert "15 of them writes; 8 journal entries in demo-as" in out
    # One store in each of the other ledgers: its three days of sales, each a voucher with its report.
    assert "Tripletex sandbox:" in out and "PowerOffice Go sandbox:" in out
    assert out.count("3 live vouchers, 3 with the report attached") == 2
    assert "trondheim-torg 2026-11-04 documented [settlement:trondheim-torg:2026-11-04:v1] voucher_id" in out
    assert "stavanger-sentrum 2026-11-04 documented [settlement:stavanger-sentrum:2026-11-04:v1] voucher_id" in out
