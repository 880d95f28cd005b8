"""Pseudonyms for exports and simulation input: a keyed hash (HMAC-SHA256).

The key is derived from the data key (:mod:`engine.privacy.crypto`), so the same clerk or
case gets the same pseudonym in every export of this office (analysis still counts staff
and follows cases) while nobody without the key can map a pseudonym back or confirm a
guess by hashing it.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from engine.privacy import crypto


@lru_cache(maxsize=4)
def _key(primary: str) -> bytes:
    return hashlib.sha256(b"permitflow-pseudonym:" + primary.encode()).digest()


def pseudonym(value: str, prefix: str) -> str:
    """``prefix`` and 12 hex digits of the keyed hash of ``value`` (empty stays empty)."""
    if not value:
        return value
    key = _key(crypto.primary_key_text())
    return f"{prefix}-{hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:12]}"
