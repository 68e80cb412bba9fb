"""Keeping a sandbox's state in a JSON file across restarts (`settlement sandbox --state FILE`).

What is kept: users, companies with their accounts, bank accounts, projects, contacts, journal
entries, transactions, sales and attachments (file bytes as base64), the id counters, and the
tokens (OAuth clients, grants, access and refresh tokens, personal tokens) with the sandbox's own
credentials, so the settings printed at the first start go on working. Not kept: OAuth codes (they
live ten minutes), armed faults, the request log.

The file is written whole, to a temporary file beside it that then replaces it (os.replace), so a
sandbox killed while writing leaves the previous state, never half of one.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any

from settlement.fiken_sandbox.oauth import Tokens, _Access, _Grant
from settlement.fiken_sandbox.state import Attachment, Company, JournalEntry, Sale, State, Transaction, User

FORMAT = 1  # raised when the file's shape changes; an unknown format is refused, not guessed at


class StateFileError(ValueError):
    """The state file cannot be read as a sandbox state (its path and why)."""


# --- writing ------------------------------------------------------------------------------------

def _plain(record: Any) -> dict:
    """A dataclass record's fields as a dict (not recursive: nested records are handled by the caller)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _attachment(attachment: Attachment) -> dict:
    return dict(_plain(attachment), data=base64.b64encode(attachment.data).decode("ascii"))


def _company(company: Company) -> dict:
    view = _plain(company)
    view["owners"] = sorted(company.owners)
    view["contacts"] = [[contact_id, contact] for contact_id, contact in company.contacts.items()]
    view["transactions"] = [_plain(t) for t in company.transactions.values()]
    view["entries"] = [dict(_plain(e), attachments=[_attachment(a) for a in e.attachments])
                       for e in company.entries.values()]
    view["sales"] = [dict(_plain(s), attachments=[_attachment(a) for a in s.attachments])
                     for s in company.sales.values()]
    return view


def _tokens(tokens: Tokens) -> dict:
    return {
        "access_token_lifetime": tokens.access_token_lifetime,
        "clients": dict(tokens._clients),
        "grants": [_plain(g) for g in tokens._grants.values()],
        "access": [dict(_plain(a), token=token) for token, a in tokens._access.items()],
        "refresh": dict(tokens._refresh),
        "next_grant": tokens._next_grant,
    }


def snapshot(state: State, tokens: Tokens, identity: dict[str, str]) -> dict:
    """The whole sandbox as one JSON-ready dict. identity: the sandbox's own credentials
    (personal_token, other_personal_token, client_id, client_secret)."""
    with state.lock, tokens._lock:
        return {
            "format": FORMAT,
            "users": [_plain(u) for u in state.users.values()],
            "companies": [_company(c) for c in state.companies.values()],
            "next_ids": dict(state.next_ids),
            "tokens": _tokens(tokens),
            "identity": dict(identity),
        }


def write(path: Path, document: dict) -> None:
    """Write `document` to `path` atomically: a temporary file in the same folder, flushed to
    disk, then renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- reading ------------------------------------------------------------------------------------

def _attachments(items: list[dict]) -> list[Attachment]:
    return [Attachment(**dict(item, data=base64.b64decode(item["data"]))) for item in items]


def _read_company(view: dict) -> Company:
    view = dict(view)
    view["owners"] = set(view["owners"])
    view["contacts"] = {int(contact_id): contact for contact_id, contact in view["contacts"]}
    view["transactions"] = {t["transaction_id"]: Transaction(**t) for t in view["transactions"]}
    view["entries"] = {e["journal_entry_id"]: JournalEntry(**dict(e, attachments=_attachments(e["attachments"])))
                       for e in view["entries"]}
    view["sales"] = {s["sale_id"]: Sale(**dict(s, attachments=_attachments(s["attachments"]))) for s in view["sales"]}
    return Company(**view)


def _read_tokens(view: dict) -> Tokens:
    tokens = Tokens(view["access_token_lifetime"])
    tokens._clients = dict(view["clients"])
    tokens._grants = {g["grant_id"]: _Grant(**g) for g in view["grants"]}
    tokens._access = {a["token"]: _Access(**{k: v for k, v in a.items() if k != "token"}) for a in view["access"]}
    tokens._refresh = {token: int(grant) for token, grant in view["refresh"].items()}
    tokens._next_grant = view["next_grant"]
    return tokens


def read(path: Path) -> tuple[State, Tokens, dict[str, str]]:
    """The state, tokens and identity saved in `path`; StateFileError when it is not a state file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateFileError(f"{path}: cannot be read as a sandbox state: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateFileError(f"{path}: not a Fiken sandbox state of format {FORMAT}")
    try:
        state = State()
        state.users = {u["user_id"]: User(**u) for u in document["users"]}
        state.companies = {c["slug"]: _read_company(c) for c in document["companies"]}
        state.next_ids.update(document["next_ids"])
        return state, _read_tokens(document["tokens"]), dict(document["identity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StateFileError(f"{path}: a sandbox state with a missing or wrong part ({exc!r})") from None
