"""The web page's users: who may log in, with which role, from a TOML file of argon2 hashes.

    [[users]]
    name = "anna"
    role = "operator"       # or "viewer"
    password_hash = "$argon2id$v=19$..."   # `settlement web adduser anna --role operator`

The file is read at each login and each request, so removing a user or changing a role takes effect
at once, without a restart. In header mode the hash is not needed (the proxy did the login).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROLES = ("viewer", "operator")
# Names are kept to characters that need no quoting anywhere (the audit log, the TOML file, headers).
NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")


class UsersFileError(Exception):
    """The users file cannot be read or has a bad entry; says which."""


@dataclass(frozen=True)
class User:
    """One person: the name the audit log records, the role, and the argon2 hash ("" in header mode)."""

    name: str
    role: str
    password_hash: str = ""

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


def read_users(path: Path | None) -> dict[str, User]:
    """The users of the file by name (none without a file)."""
    if path is None or not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsersFileError(f"{path}: {exc}") from None
    users: dict[str, User] = {}
    for number, entry in enumerate(data.get("users", []), start=1):
        name, role = str(entry.get("name", "")), str(entry.get("role", ""))
        if not NAME.match(name):
            raise UsersFileError(f"{path}: user {number}: name {name!r} must be 1-64 of A-Z a-z 0-9 . _ @ + -")
        if role not in ROLES:
            raise UsersFileError(f"{path}: user {name}: role {role!r} must be one of {', '.join(ROLES)}")
        users[name] = User(name, role, str(entry.get("password_hash", "")))
    return users


def hash_password(password: str) -> str:
    """An argon2id hash of the password (argon2-cffi's recommended parameters)."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


# A hash of nothing anybody types, checked when the user is unknown, so that a wrong name takes as
# long as a wrong password and the answer tells nobody which names exist.
_DUMMY: list[str] = []


def verify_password(user: User | None, password: str) -> bool:
    """Whether `password` is the user's; False for an unknown user or one without a hash."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    hasher = PasswordHasher()
    if user is None or not user.password_hash:
        if not _DUMMY:
            _DUMMY.append(hasher.hash("not a password anybody has"))
        try:
            hasher.verify(_DUMMY[0], password)
        except (VerificationError, VerifyMismatchError):
            pass
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, VerifyMismatchError, InvalidHashError):
        return False


def write_user(path: Path, user: User) -> None:
    """Add the user to the file, or replace the entry of that name; the rest is kept as it was read."""
    users = read_users(path)
    users[user.name] = user
    lines = ["# Users of the settlement web page (settlement web adduser). Roles: viewer, operator.", ""]
    for entry in users.values():
        lines += ["[[users]]", f'name = "{entry.name}"', f'role = "{entry.role}"']
        if entry.password_hash:
            lines.append(f'password_hash = "{entry.password_hash}"')  # argon2's alphabet needs no escaping
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines), encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(path)
