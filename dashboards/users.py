"""Dashboard accounts: a JSON users file with scrypt-hashed passwords and each account's role and scope.

The file (default data/users.json, else --users / PORTFOLIO_USERS) is written atomically and readable by
its owner only. A password is never stored or printed, only its scrypt hash with a per-user salt.

    {"version": 1, "users": [{"username": "wang", "role": "導師", "school_code": "01B956",
      "class_code": "101", "teacher_code": null, "display_name": "王老師",
      "password": {"scheme": "scrypt", "n": 16384, "r": 8, "p": 1, "salt": "…", "hash": "…"}}]}
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dashboards.roles import Role, Scope

DEFAULT_USERS = Path("data/users.json")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]{2,32}$")
MIN_PASSWORD_LENGTH = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_DKLEN = 32


class UsersFileError(ValueError):
    """The users file is unreadable, or a change to it is not allowed."""


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    school_code: str | None = None
    class_code: str | None = None
    teacher_code: str | None = None
    display_name: str | None = None
    disabled: bool = False  # kept on file, may not sign in (its sessions end at the next page load)

    @property
    def scope(self) -> Scope:
        return Scope(self.role, self.school_code, self.class_code, self.teacher_code)

    @property
    def name(self) -> str:
        return self.display_name or self.username


def resolve_users_path(path: str | Path | None = None) -> Path:
    """--users wins, then PORTFOLIO_USERS, then data/users.json."""
    return Path(path or os.environ.get("PORTFOLIO_USERS") or DEFAULT_USERS).absolute()


def hash_password(password: str, *, salt: bytes | None = None) -> dict:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=_DKLEN, maxmem=64 * 1024 * 1024, **_SCRYPT)
    return {"scheme": "scrypt", **_SCRYPT, "salt": salt.hex(), "hash": digest.hex()}


def verify_password(password: str, stored: dict) -> bool:
    try:
        if stored.get("scheme") != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(stored["salt"]), n=int(stored["n"]), r=int(stored["r"]),
            p=int(stored["p"]), dklen=len(bytes.fromhex(stored["hash"])), maxmem=64 * 1024 * 1024,
        )
        return hmac.compare_digest(digest, bytes.fromhex(stored["hash"]))
    except (KeyError, TypeError, ValueError):
        return False


@functools.cache
def _dummy_hash() -> dict:
    """Checked against when the account does not exist: a wrong name costs as much as a wrong password."""
    return hash_password("not a password", salt=b"\0" * 16)


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        records = document["users"]
        if not isinstance(records, list):
            raise TypeError("users is not a list")
        return records
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsersFileError(f"帳號檔 {path} 無法讀取：{error}") from None


def _write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "users": records}, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def _user(record: dict) -> User:
    return User(
        username=record["username"], role=Role(record["role"]), school_code=record.get("school_code"),
        class_code=record.get("class_code"), teacher_code=record.get("teacher_code"),
        display_name=record.get("display_name"), disabled=bool(record.get("disabled", False)),
    )


def list_users(path: Path) -> list[User]:
    users = []
    for record in _read(path):
        try:
            users.append(_user(record))
        except (KeyError, ValueError):
            continue  # a damaged entry cannot sign in; the others still work
    return sorted(users, key=lambda user: user.username)


def add_user(path: Path, user: User, password: str, *, replace: bool = False) -> User:
    """Store `user` with a hash of `password`; an existing name is an error unless `replace`."""
    if not USERNAME_PATTERN.match(user.username):
        raise UsersFileError("帳號名稱限 2–32 個英數字、點、底線或連字號")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsersFileError(f"密碼至少 {MIN_PASSWORD_LENGTH} 個字元")
    user.scope  # raises ValueError when the scope does not fit the role
    records = _read(path)
    exists = any(record.get("username") == user.username for record in records)
    if exists and not replace:
        raise UsersFileError(f"帳號 {user.username} 已存在（要覆寫請加 --replace）")
    records = [record for record in records if record.get("username") != user.username]
    records.append({
        "username": user.username, "role": user.role.value, "school_code": user.school_code,
        "class_code": user.class_code, "teacher_code": user.teacher_code, "display_name": user.display_name,
        "disabled": user.disabled, "password": hash_password(password),
    })
    _write(path, sorted(records, key=lambda record: record.get("username", "")))
    return user


def update_user(path: Path, user: User, *, password: str | None = None) -> User:
    """Change an existing account's role, scope, name or disabled flag (its password too when given)."""
    user.scope  # raises ValueError when the scope does not fit the role
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UsersFileError(f"密碼至少 {MIN_PASSWORD_LENGTH} 個字元")
    records = _read(path)
    record = next((record for record in records if record.get("username") == user.username), None)
    if record is None:
        raise UsersFileError(f"沒有帳號 {user.username}")
    record.update({"role": user.role.value, "school_code": user.school_code, "class_code": user.class_code,
                   "teacher_code": user.teacher_code, "display_name": user.display_name, "disabled": user.disabled})
    if password is not None:
        record["password"] = hash_password(password)
    _write(path, records)
    return user


def remove_user(path: Path, username: str) -> bool:
    records = _read(path)
    kept = [record for record in records if record.get("username") != username]
    if len(kept) == len(records):
        return False
    _write(path, kept)
    return True


def account(path: Path, username: str) -> tuple[User, str] | None:
    """The account and its stamp (None when it does not exist or cannot be read). The stamp changes when
    the password is set again, so a session signed before a reset or a removal stops working."""
    try:
        record = next((record for record in _read(path) if record.get("username") == username), None)
        if record is None:
            return None
        stamp = hashlib.sha256(json.dumps(record.get("password"), sort_keys=True).encode("utf-8")).hexdigest()[:16]
        user = _user(record)
        return None if user.disabled else (user, stamp)
    except (UsersFileError, KeyError, ValueError):
        return None


def authenticate(path: Path, username: str, password: str) -> User | None:
    """The account when the password matches; None for a wrong name or password (same answer, same cost)."""
    try:
        records = _read(path)
    except UsersFileError:
        return None
    record = next((record for record in records if record.get("username") == (username or "").strip()), None)
    if record is None:
        verify_password(password or "", _dummy_hash())
        return None
    if not verify_password(password or "", record.get("password") or {}):
        return None
    try:
        user = _user(record)
    except (KeyError, ValueError):
        return None
    return None if user.disabled else user


MAX_FAILED_SIGN_INS = 5
LOCKOUT_SECONDS = 15 * 60


class SignInThrottle:
    """Failed sign-ins per account name: after MAX_FAILED_SIGN_INS in a row, each less than LOCKOUT_SECONDS
    after the one before, the name is refused, right password or not, until LOCKOUT_SECONDS have passed
    since the last failure. A successful sign-in clears the name's count. Names that are no account are
    counted alike, so the answer does not tell which names exist.

    One per dashboard process (Streamlit serves every browser from one process); a restart clears it.
    """

    def __init__(self, limit: int = MAX_FAILED_SIGN_INS, lockout_seconds: float = LOCKOUT_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.lockout_seconds, self._clock = limit, lockout_seconds, clock
        self._failures: dict[str, tuple[int, float]] = {}  # name → (failures in a row, last failure)
        self._lock = threading.Lock()

    def _current(self, name: str) -> tuple[int, float]:
        count, last = self._failures.get(name, (0, 0.0))
        if count and self._clock() - last >= self.lockout_seconds:
            return 0, 0.0
        return count, last

    def seconds_locked(self, username: str) -> float:
        """How long the name stays refused (0: it may sign in)."""
        with self._lock:
            count, last = self._current((username or "").strip())
            return max(0.0, self.lockout_seconds - (self._clock() - last)) if count >= self.limit else 0.0

    def failed(self, username: str) -> None:
        name = (username or "").strip()
        with self._lock:
            count, _ = self._current(name)
            self._failures[name] = (count + 1, self._clock())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop((username or "").strip(), None)


def generate_password() -> str:
    """A random password people can type: 12 characters without look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
