"""Password hashing with the standard library's scrypt (no web framework needed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """A salted scrypt hash like ``scrypt$16384$8$1$<salt>$<hash>``."""
    if not password:
        raise ValueError("A password cannot be empty.")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(
        [
            "scrypt",
            str(_N),
            str(_R),
            str(_P),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time)."""
    if not stored or not password:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def check_password_or_dummy(stored: str | None, password: str) -> bool:
    """:func:`check_password`, but an account without a hash still costs one scrypt.

    A login for an unknown username or an account without a password then takes as long
    as a wrong password, so response times do not tell which usernames exist.
    """
    if stored:
        return check_password(stored, password)
    check_password(_dummy_hash(), password or "-")
    return False
