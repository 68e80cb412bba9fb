"""`settlement sandbox --state FILE`: the Fiken sandbox keeps its companies, bookings and tokens in a
JSON file, so a first try can stop and go on another day; and it prints `export` lines to paste."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from settlement.fiken_sandbox import FikenSandbox
from settlement.fiken_sandbox.persist import StateFileError

ROOT = Path(__file__).resolve().parent.parent
NORMAL_DAY = ROOT / "tests" / "golden" / "voucher" / "normal_day.csv"
VENDOR, DAY, SLUG = "bergen-bryggen", "2026-11-02", "demo-as"
KEY = f"[settlement:{VENDOR}:{DAY}:v1]"
LINES = [{"amount": 12500, "debitAccount": "1920:10001", "creditAccount": "3000", "creditVatCode": 3}]


class SandboxProcess:
    """`settlement sandbox` as a user starts it; `exports` are the lines it says to paste."""

    def __init__(self, cwd: Path, *args: str):
        self.process = subprocess.Popen([sys.executable, "-m", "settlement", "sandbox", "--max-seconds", "120", *args],
                                        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.printed: list[str] = []
        self.exports: dict[str, str] = {}
        while "SETTLEMENT_FIKEN_TOKEN" not in self.exports:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError("the sandbox stopped early:\n" + "".join(self.printed) + self.process.stderr.read())
            self.printed.append(line)
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                self.exports[name] = value

    def kill(self) -> None:
        """SIGKILL: no stop hook runs, so only what was written on each change is kept."""
        self.process.kill()
        self.process.wait(timeout=10)

    def interrupt(self) -> str:
        """Ctrl-C, as a person stops it; the rest of what it printed."""
        self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=20)
        return out


@pytest.fixture
def started(tmp_path):
    running: list[SandboxProcess] = []

    def start(*args: str) -> SandboxProcess:
        sandbox = SandboxProcess(tmp_path, *args)
        running.append(sandbox)
        return sandbox

    yield start
    for sandbox in running:
        if sandbox.process.poll() is None:
            sandbox.kill()


def _live_entries(base_url: str, token: str) -> list[dict]:
    reply = requests.get(f"{base_url}/companies/{SLUG}/journalEntries", params={"pageSize": 100},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert reply.status_code == 200, reply.text
    return [e for e in reply.json() if KEY in e["description"]]


def test_sandbox_prints_export_lines_ready_to_paste(started, tmp_path):
    sandbox = started()
    assert set(sandbox.exports) == {"SETTLEMENT_FIKEN_BASE_URL", "SETTLEMENT_FIKEN_TOKEN"}
    assert sandbox.exports["SETTLEMENT_FIKEN_BASE_URL"].startswith("http://127.0.0.1:")
    # Pasted into a shell, they set what settlement reads.
    script = "".join(line for line in sandbox.printed if line.startswith("export "))
    shown = subprocess.run(["sh", "-c", script + 'printf "%s\\n%s" "$SETTLEMENT_FIKEN_BASE_URL" "$SETTLEMENT_FIKEN_TOKEN"'],
                           capture_output=True, text=True, timeout=10, check=True).stdout.splitlines()
    assert shown == [sandbox.exports["SETTLEMENT_FIKEN_BASE_URL"], sandbox.exports["SETTLEMENT_FIKEN_TOKEN"]]
    user = requests.get(shown[0] + "/user", headers={"Authorization": f"Bearer {shown[1]}"}, timeout=10)
    assert user.status_code == 200


@pytest.mark.parametrize("ledger", ["tripletex", "poweroffice"])
def test_the_other_sandboxes_print_export_lines_too(tmp_path, ledger):
    result = subprocess.run([sys.executable, "-m", "settlement", "sandbox", "--ledger", ledger, "--max-seconds", "1"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    exports = [line for line in result.stdout.splitlines() if line.startswith("export SETTLEMENT_")]
    prefix = f"export SETTLEMENT_{ledger.upper()}_"
    assert f"{prefix}BASE_URL=http://127.0.0.1:" in result.stdout
    assert exports and all(line.startswith(prefix) for line in exports)
    assert any(line.startswith(f"{prefix}FRANCHISE_") for line in exports)  # the second company's own secret


def test_a_posted_day_survives_a_killed_and_restarted_sandbox_and_is_not_posted_twice(workspace, started, tmp_path):
    """The run is killed right after Fiken took the entry, the sandbox is killed too (no stop hook);
    restarted from its state file, the re-run finds the entry by its key and adopts it."""
    state = tmp_path / "fiken-state.json"
    first = started("--state", str(state))
    workspace.extra_env.update(first.exports)
    assert workspace.run("import", "sales", str(NORMAL_DAY), "--vendor", VENDOR).returncode == 0
    workspace.extra_env["SETTLEMENT_CRASH_AT"] = "after_send"
    killed = workspace.run("run", "--vendor", VENDOR, "--date", DAY)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    del workspace.extra_env["SETTLEMENT_CRASH_AT"]
    assert len(_live_entries(first.exports["SETTLEMENT_FIKEN_BASE_URL"], first.exports["SETTLEMENT_FIKEN_TOKEN"])) == 1
    first.kill()

    second = started("--state", str(state))
    assert second.exports["SETTLEMENT_FIKEN_TOKEN"] == first.exports["SETTLEMENT_FIKEN_TOKEN"], "the token is kept"
    workspace.extra_env.update(second.exports)
    rerun = workspace.run("run", "--vendor", VENDOR, "--date", DAY)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    entries = _live_entries(second.exports["SETTLEMENT_FIKEN_BASE_URL"], second.exports["SETTLEMENT_FIKEN_TOKEN"])
    assert len(entries) == 1, "no second entry"
    audit = workspace.run("audit", "--vendor", VENDOR, "--date", DAY, "--json")
    actions = [row["action"] for row in json.loads(audit.stdout)]
    assert "adopted" in actions and actions.count("sending") == 1 and actions[-1] == "documented"
    out = second.interrupt()
    assert "Stopping." in out
    saved = json.loads(state.read_text(encoding="utf-8"))
    company = next(c for c in saved["companies"] if c["slug"] == SLUG)
    assert [a["filename"] for e in company["entries"] for a in e["attachments"]], "the report attached is kept too"


def test_the_state_file_keeps_entries_attachments_ids_and_tokens(tmp_path):
    state = tmp_path / "state.json"
    with FikenSandbox.start(max_seconds=60, state_file=state) as sb:
        first = sb.add_journal_entry(SLUG, "2026-11-02", "Dagsoppgjør", LINES)
        entry_id = first["entries"][0]["journalEntryId"]
        upload = requests.post(f"{sb.base_url}/companies/{SLUG}/journalEntries/{entry_id}/attachments",
                               headers={"Authorization": f"Bearer {sb.personal_token}"},
                               files={"filename": (None, "rapport.pdf"),
                                      "file": ("rapport.pdf", b"%PDF-1.4 test", "application/pdf")}, timeout=10)
        assert upload.status_code == 201, upload.text
        token, client = sb.personal_token, (sb.client_id, sb.client_secret)
    with FikenSandbox.start(max_seconds=60, state_file=state) as again:
        assert again.personal_token == token and (again.client_id, again.client_secret) == client
        entries = again.journal_entries(SLUG)
        assert [e["journalEntryId"] for e in entries] == [entry_id]
        assert entries[0]["journalEntryNumber"] == 1
        assert again.attachments(SLUG) == [("journalEntry", entry_id, "rapport.pdf", b"%PDF-1.4 test")]
        later = again.add_journal_entry(SLUG, "2026-11-03", "Dagsoppgjør", LINES)
        assert later["entries"][0]["journalEntryId"] > entry_id, "ids go on where they stopped"
        assert later["entries"][0]["journalEntryNumber"] == 2
        assert later["transactionId"] > first["transactionId"]
        reply = requests.get(again.base_url + "/user", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert reply.status_code == 200


def test_without_a_state_file_every_start_is_fresh(tmp_path):
    with FikenSandbox.start(max_seconds=60) as sb:
        sb.add_journal_entry(SLUG, "2026-11-02", "Dagsoppgjør", LINES)
        token = sb.personal_token
    with FikenSandbox.start(max_seconds=60) as again:
        assert again.journal_entries(SLUG) == [] and again.personal_token != token
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_replaced_whole(tmp_path):
    """Written through a temporary file and a rename: no temporary file is left, and a reader
    never sees half a state."""
    state = tmp_path / "state.json"
    with FikenSandbox.start(max_seconds=60, state_file=state) as sb:
        for day in ("2026-11-02", "2026-11-03", "2026-11-04"):
            sb.add_journal_entry(SLUG, day, "Dagsoppgjør", LINES)
            kept = json.loads(state.read_text(encoding="utf-8"))  # whole after every change
            reply = requests.post(f"{sb.base_url}/companies/{SLUG}/generalJournalEntries", timeout=10,
                                  headers={"Authorization": f"Bearer {sb.personal_token}"},
                                  json={"journalEntries": [{"description": "x", "date": day, "lines": LINES}]})
            assert reply.status_code == 201, reply.text
            after = json.loads(state.read_text(encoding="utf-8"))  # written before the answer came
            assert after["next_ids"]["entry"] == kept["next_ids"]["entry"] + 1
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_file_that_is_not_a_state_is_refused(tmp_path):
    bad = tmp_path / "state.json"
    bad.write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(StateFileError, match="format"):
        FikenSandbox.start(max_seconds=5, state_file=bad)
    result = subprocess.run([sys.executable, "-m", "settlement", "sandbox", "--state", str(bad), "--max-seconds", "5"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not a Fiken sandbox state" in result.stderr
    assert bad.read_text(encoding="utf-8") == '{"format": 99}', "a file it cannot read is left as it was"
