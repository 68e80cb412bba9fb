"""Where the OAuth token lives between runs: a JSON file readable by its owner only (mode 0600).

The token dict is what the token endpoint returned, plus `expires_at` (epoch seconds) computed when
it was received. Writes go to a temporary file created with mode 0600 and are renamed into place, so
a crash leaves either the old or the new token, never half of one, and the file is never readable by
others, not even for an instant.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol

from settlement.domain.text import tr


class TokenStore(Protocol):
    """Keeps one OAuth token."""

    def load(self) -> dict | None: ...

    def save(self, token: dict) -> None: ...

    def delete(self) -> bool: ...

    def describe(self) -> str: ...


class TokenFileStore:
    """A token kept in one JSON file with owner-only permissions."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def describe(self) -> str:
        return str(self.path)

    def load(self) -> dict | None:
        """The stored token, or None when there is none."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            token = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(tr("{file}: the token file is damaged; run `settlement connect` again", file=self.path)) from None
        if not isinstance(token, dict):
            raise ValueError(tr("{file}: the token file is damaged; run `settlement connect` again", file=self.path))
        return token

    def save(self, token: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(token, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)  # in case the file already existed with wider permissions
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def delete(self) -> bool:
        """Remove the token; True when there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


class TokenTable(Protocol):
    """Tokens kept by name somewhere shared (the database: settlement.store.oauth_tokens, injected
    by settlement.wiring, so that the targets do not import the store)."""

    def load(self, name: str) -> dict | None: ...

    def save(self, name: str, token: dict) -> None: ...

    def delete(self, name: str) -> bool: ...


class DatabaseTokenStore:
    """The OAuth token of one credential in a TokenTable, for replicas sharing a database: a refresh
    token Fiken rotates is seen by every replica at once instead of being spent by each.

    adopt: a token file from before (a single instance's `settlement connect`); when the table has no
    token yet, the file's is taken into it once, so an upgrade needs no new connect.
    """

    def __init__(self, table: TokenTable, name: str = "fiken", adopt: TokenFileStore | None = None):
        self.table, self.name, self.adopt = table, name, adopt

    def describe(self) -> str:
        return tr("the database (oauth_token {name!r})", name=self.name)

    def load(self) -> dict | None:
        token = self.table.load(self.name)
        if token is None and self.adopt is not None:
            token = self.adopt.load()
            if token is not None:
                self.table.save(self.name, token)
        return token

    def save(self, token: dict) -> None:
        self.table.save(self.name, token)

    def delete(self) -> bool:
        deleted = self.table.delete(self.name)
        if self.adopt is not None:
            deleted = self.adopt.delete() or deleted  # else the next load would adopt it again
        return deleted
