"""Encryption at rest: personal values, the workflow state and document files.

Keys are Fernet keys (AES-128-CBC with HMAC-SHA256, from ``cryptography``):
``PERMITFLOW_DATA_KEY`` holds one or more, comma-separated, the first encrypting and all
decrypting (so a rotated-out key still opens old rows until ``permitflow keys rotate``
re-encrypts them). Without it the key file ``instance/data.key`` (``PERMITFLOW_DATA_KEY_FILE``)
is used, created on first use, except in production (``PERMITFLOW_ENV=production``) where a
missing key is an error saying what to set.

Ciphertexts carry a prefix (``enc1:`` for text, ``b"pfenc1:"`` for bytes), so values written
before encryption was switched on are still read as they are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from engine.errors import EngineError

TEXT_PREFIX = "enc1:"
BYTES_PREFIX = b"pfenc1:"
CHAIN_LABEL = b"permitflow access-log chain v1"


class DataKeyError(EngineError):
    code = "data_key"


def key_file() -> Path:
    explicit = os.environ.get("PERMITFLOW_DATA_KEY_FILE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("PERMITFLOW_INSTANCE_PATH", "instance")) / "data.key"


def _key_texts() -> tuple[str, ...]:
    from_env = os.environ.get("PERMITFLOW_DATA_KEY", "").strip()
    if from_env:
        return _split_keys(from_env)
    return _file_keys(key_file())


@lru_cache(maxsize=4)
def _split_keys(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


# The key file's keys, read once per process: (path, file stamp, monotonic time of the last
# check, keys). The file is checked (inode, size, mtime) at most once per RECHECK_SECONDS,
# so a rotation by another process is seen within that; a rotation in this process resets.
RECHECK_SECONDS = 1.0
_KeyCache = tuple[Path, tuple[int, int, int], float, tuple[str, ...]]
_file_cache: _KeyCache | None = None


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _file_keys(path: Path) -> tuple[str, ...]:
    global _file_cache
    cached, now = _file_cache, time.monotonic()
    if cached is not None and cached[0] == path:
        if now - cached[2] < RECHECK_SECONDS:
            return cached[3]
        if _stamp(path) == cached[1]:
            _file_cache = (path, cached[1], now, cached[3])
            return cached[3]
    stamp = _stamp(path)
    if stamp is None:
        _create_key_file(path)
        stamp = _stamp(path)
    try:
        text = path.read_text()
    except OSError as exc:  # e.g. the file belongs to another user
        raise DataKeyError(f"Cannot read the data key file {path}: {exc.strerror}.") from None
    keys = tuple(line.strip() for line in text.splitlines() if line.strip())
    if stamp is not None:  # read after the stamp: a change meanwhile shows at the next check
        _file_cache = (path, stamp, now, keys)
    return keys


def _create_key_file(path: Path) -> None:
    if os.environ.get("PERMITFLOW_ENV", "").lower() == "production":
        raise DataKeyError(
            "No data encryption key: set PERMITFLOW_DATA_KEY (generate one with "
            "`permitflow keys generate`) or PERMITFLOW_DATA_KEY_FILE; personal data is "
            "never stored unencrypted in production."
        )
    write_key_file(path, [Fernet.generate_key().decode()], exclusive=True)


def write_key_file(path: Path, keys: list[str], *, exclusive: bool = False) -> None:
    """Write ``keys`` (newest first) atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".data.key.")
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(keys) + "\n")
    os.chmod(tmp, 0o600)
    if exclusive:
        try:
            os.link(tmp, path)  # another process may have created it meanwhile: keep theirs
        except FileExistsError:
            pass
        os.unlink(tmp)
    else:
        os.replace(tmp, path)
    reset()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError):
        raise DataKeyError(
            "PERMITFLOW_DATA_KEY (or the key file) holds something that is not a Fernet key "
            "(32 url-safe base64-encoded bytes); generate one with `permitflow keys generate`"
        ) from None


def fernet() -> MultiFernet:
    return _fernet(_key_texts())


def fernet_key_texts() -> tuple[str, ...]:
    """The configured keys, newest first."""
    return _key_texts()


def primary_key_text() -> str:
    """The key that encrypts (the first one)."""
    return _key_texts()[0]


def reset() -> None:
    """Forget cached keys (after a rotation or a changed environment)."""
    global _file_cache
    _file_cache = None
    _fernet.cache_clear()
    _chain_keys.cache_clear()


@lru_cache(maxsize=4)
def _chain_keys(keys: tuple[str, ...]) -> dict[str, bytes]:
    derived = {}
    for text in keys:
        try:
            secret = base64.urlsafe_b64decode(text.encode())
        except (ValueError, TypeError):
            continue  # :func:`fernet` names the bad key
        key = hmac.new(secret, CHAIN_LABEL, hashlib.sha256).digest()
        derived[hashlib.sha256(b"key id " + key).hexdigest()[:12]] = key
    return derived


def chain_keys() -> dict[str, bytes]:
    """The access log's HMAC keys by key id, newest first: one derived from each data key.

    A key of its own (HMAC-SHA256 of the label :data:`CHAIN_LABEL` under the data key),
    never used to encrypt; like the data key it is never stored in the database.
    """
    return _chain_keys(_key_texts())


def chain_key() -> tuple[str, bytes]:
    """``(key id, key)`` that signs new access log rows (derived from the newest data key)."""
    fernet()  # a malformed key is named before it is used
    return next(iter(chain_keys().items()))


def generate_key() -> str:
    return Fernet.generate_key().decode()


def seal_text(value: str) -> str:
    """``value`` encrypted (an empty or already sealed value stays as it is)."""
    if not value or value.startswith(TEXT_PREFIX):
        return value
    return TEXT_PREFIX + fernet().encrypt(value.encode()).decode()


def open_text(value: str) -> str:
    if not value or not value.startswith(TEXT_PREFIX):
        return value
    return _decrypt(value[len(TEXT_PREFIX) :].encode()).decode()


def seal_bytes(data: bytes) -> bytes:
    if data.startswith(BYTES_PREFIX):
        return data
    return BYTES_PREFIX + fernet().encrypt(data)


def open_bytes(data: bytes) -> bytes:
    if not data.startswith(BYTES_PREFIX):
        return data  # written before encryption
    return _decrypt(data[len(BYTES_PREFIX) :])


def _decrypt(token: bytes) -> bytes:
    """``token`` opened; a value sealed by another process under a key it has just rotated
    in (newer than this process's cached keys) opens after the key file is read again."""
    try:
        return fernet().decrypt(token)
    except InvalidToken:
        pass
    global _file_cache
    before, _file_cache = _key_texts(), None
    try:
        if _key_texts() != before:
            return fernet().decrypt(token)
    except InvalidToken:
        pass
    raise DataKeyError(_WRONG_KEY) from None


def rotate_text(value: str) -> str:
    """``value`` re-encrypted under the newest key (a clear value gets encrypted)."""
    if not value:
        return value
    if not value.startswith(TEXT_PREFIX):
        return seal_text(value)
    token = fernet().rotate(value[len(TEXT_PREFIX) :].encode())
    return TEXT_PREFIX + token.decode()


def rotate_bytes(data: bytes) -> bytes:
    if not data.startswith(BYTES_PREFIX):
        return seal_bytes(data)
    return BYTES_PREFIX + fernet().rotate(data[len(BYTES_PREFIX) :])


_WRONG_KEY = (
    "Encrypted data cannot be opened with the configured key(s): PERMITFLOW_DATA_KEY or "
    "instance/data.key changed; put the old key after the new one (comma-separated) and run "
    "`permitflow keys rotate`."
)
