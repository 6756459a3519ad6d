"""Signed, expiring session tokens: a sign-in survives a reload and a new tab through a cookie.

A token is `<payload>.<signature>`: the payload (base64url JSON) names the account, when the token
expires and the account's stamp (dashboards.users.account: it changes when the password is set again);
the signature is an HMAC-SHA256 with a secret kept beside the users file (`<users file>.session-key`,
owner-only, made on first use). No password, hash or scope is in it: the scope is read from the users
file each time a token is accepted, so a changed or removed account takes effect at the next page load.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from dashboards.users import User, account

SESSION_COOKIE = "portfolio_session"
SESSION_SECONDS = 12 * 60 * 60  # one working day: a shared staff-room computer signs itself out overnight


def secret_path(users: Path) -> Path:
    return users.with_name(users.name + ".session-key")


def _secret(users: Path) -> bytes:
    path = secret_path(users)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    try:  # two processes making it at once: the first one's secret wins, the other reads it
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _sign(users: Path, payload: str) -> str:
    return hmac.new(_secret(users), payload.encode("ascii"), hashlib.sha256).hexdigest()


def issue(users: Path, user: User, *, now: float | None = None) -> str | None:
    """A token for `user` (None when the account is no longer in the users file)."""
    found = account(users, user.username)
    if found is None:
        return None
    expires = int((now if now is not None else time.time()) + SESSION_SECONDS)
    body = json.dumps({"u": user.username, "exp": expires, "s": found[1]}, separators=(",", ":"))
    payload = base64.urlsafe_b64encode(body.encode("utf-8")).decode("ascii").rstrip("=")
    return f"{payload}.{_sign(users, payload)}"


def verify(users: Path, token: str | None, *, now: float | None = None) -> User | None:
    """The account a token names when its signature holds, it has not expired and the account is unchanged."""
    try:
        payload, signature = (token or "").split(".")
        if not hmac.compare_digest(signature, _sign(users, payload)):
            return None
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if int(claims["exp"]) <= (now if now is not None else time.time()):
            return None
        found = account(users, claims["u"])
    except (ValueError, KeyError, TypeError, UnicodeError):
        return None
    if found is None or not hmac.compare_digest(found[1], str(claims.get("s"))):
        return None
    return found[0]
